"""The per-app async client: one ``httpx.AsyncClient`` (transport injected), signing, the
app's rate limit, retries, error classification and every binding API of the app's mode.

```python
async with AppClient(Mode.AXB, endpoint, key, secret, qps=20, concurrency=8) as client:
    result = await client.bind(binding, now=now, user_data=marker)
    lives = await client.list_x("+8675500010001")
```

The platform closes the connection after each response, so the client asks for that
(``Connection: close``) and keeps no idle connections: no stale socket is ever reused.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any

import httpx
from pydantic_core import from_json

from reconciler.config import App
from reconciler.masking import Masker
from reconciler.model import Mode
from reconciler.modes import Binding
from reconciler.platform.auth import Clock, NonceSource, Signer
from reconciler.platform.errors import (
    FlowControl,
    ServerError,
    TransportError,
    UnexpectedResponse,
    UnknownOutcome,
    error_for,
)
from reconciler.platform.live import BindResult, Live
from reconciler.platform.modes.ax import AxApi
from reconciler.platform.modes.axb import AxbApi
from reconciler.platform.modes.axe import AxeApi
from reconciler.platform.modes.axyb import AxybApi
from reconciler.platform.modes.base import ModeApi, Op
from reconciler.platform.ratelimit import Monotonic, RateLimiter
from reconciler.platform.retry import RetryPolicy
from reconciler.platform.wire.common import Request

log = logging.getLogger("privcall.platform")

Sleep = Callable[[float], Awaitable[None]]
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)

# Raised before anything reached the platform: safe to retry for every operation.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# The request may have been (partly) sent: a change's outcome is unknown.
_MAYBE_SENT = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


class _Retryable(Exception):
    """A transport failure worth another try; ``error`` is raised when tries run out."""

    def __init__(self, error: TransportError) -> None:
        self.error = error
        super().__init__(str(error))


class AppClient:
    """The client of one app.

    ``app`` names the app in messages (default: the app key). ``clock`` and ``nonce`` feed
    the signature; ``sleep`` and ``monotonic`` the rate limiter and the backoff (inject
    them in tests). ``masker`` masks real numbers in messages and logs (by default every
    number; pass a :class:`~reconciler.masking.Masker` with the app's virtual numbers to
    show those in full).
    """

    def __init__(
        self,
        mode: Mode | str,
        endpoint: str,
        app_key: str,
        app_secret: str,
        *,
        app: str | None = None,
        qps: float = 20.0,
        concurrency: int = 8,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock | None = None,
        nonce: NonceSource | None = None,
        retry: RetryPolicy | None = None,
        sleep: Sleep | None = None,
        monotonic: Monotonic | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        masker: Masker | None = None,
    ) -> None:
        self.mode = Mode(mode)
        self.app = app or app_key
        self.endpoint = endpoint.rstrip("/")
        self.masker = masker or Masker()
        self.retry = retry or RetryPolicy()
        self.limiter = RateLimiter(qps, concurrency, sleep=sleep, monotonic=monotonic)
        self.requests_sent = 0
        self._sleep = sleep or asyncio.sleep
        self._signer = Signer(app_key, app_secret, clock=clock, nonce=nonce)
        self._http = httpx.AsyncClient(
            base_url=self.endpoint,
            transport=transport,
            timeout=timeout,
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=0),
            headers={"Connection": "close"},
        )
        self._api = _api(self.mode, self, app_key)

    @classmethod
    def for_app(
        cls, name: str, app: App, app_key: str, app_secret: str, **options: Any
    ) -> AppClient:
        """A client for the app ``name`` of ``privcall.yaml`` (mode, endpoint, rate limit,
        its virtual numbers shown unmasked)."""
        if app.endpoint is None:
            raise ValueError(f"app {name} has no endpoint: it uses the sandbox")
        numbers = [n.number for n in (*app.numbers, *app.y_numbers)]
        options.setdefault("masker", Masker(numbers))
        return cls(
            app.mode,
            app.endpoint,
            app_key,
            app_secret,
            app=name,
            qps=app.rate_limit.qps,
            concurrency=app.rate_limit.concurrency,
            **options,
        )

    async def __aenter__(self) -> AppClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    def __repr__(self) -> str:
        return f"AppClient({self.mode}, {self.endpoint!r}, app={self.app!r})"

    # -- the binding APIs --------------------------------------------------------------------

    async def bind(self, binding: Binding, *, now: datetime, user_data: str | None) -> BindResult:
        """Bind ``binding`` (its ``user_data`` is replaced by ``user_data``: privcall's
        marker included). ``now`` turns ``expires`` into the wire's duration."""
        return await self._api.bind(binding, now=now, user_data=user_data)

    async def modify(
        self,
        subscription_id: str,
        changes: Mapping[str, Any],
        *,
        now: datetime,
        desired: Binding | None = None,
    ) -> None:
        """Change the fields in ``changes`` (privcall names, plus ``user_data``). Fields the
        mode's modify API cannot change raise
        :class:`~reconciler.platform.errors.NotModifiable` before any call. Values the wire
        needs together with a change (AXB's two pre-connect tones, AXE's lifetimes) come
        from ``changes``, else from ``desired``."""
        await self._api.modify(subscription_id, changes, now=now, desired=desired)

    async def unbind(self, subscription_id: str) -> None:
        await self._api.unbind(subscription_id)

    async def query_one(self, subscription_id: str) -> Live | None:
        """The binding ``subscription_id``, or ``None`` if the platform has none."""
        return await self._api.query_one(subscription_id)

    async def list_x(self, x: str) -> list[Live]:
        """Every binding on the virtual number ``x``, all pages, each exactly once."""
        return await self._api.list_x(x)

    async def list_many(self, numbers: list[str]) -> dict[str, list[Live]]:
        """:meth:`list_x` for many numbers in parallel (within the rate limit)."""
        results = await asyncio.gather(*(self.list_x(x) for x in numbers))
        return dict(zip(numbers, results, strict=True))

    async def set_temp_callee(
        self,
        subscription_id: str,
        callee: str,
        *,
        duration: timedelta | None = None,
        user_data: str | None = None,
    ) -> None:
        """AX only: whom A reaches when calling out through X (default 60 s)."""
        await self._api.set_temp_callee(
            subscription_id, callee, duration=duration, user_data=user_data
        )

    async def list_a(self, a: str) -> list[Live]:
        """AX only: the bindings of the real number ``a`` (to resolve an unknown bind)."""
        if not isinstance(self._api, AxApi):
            raise TypeError(f"list_a is an AX query; this app is {self.mode}")
        return await self._api.list_a(a)

    # -- the core: sign, limit, send, classify, retry ----------------------------------------

    async def call(
        self,
        op: Op,
        method: str,
        path: str,
        *,
        body: Request | None = None,
        params: Request | None = None,
    ) -> dict[str, Any]:
        """Send one API request (with retries) and return the success answer's JSON."""
        tries = 0
        while True:
            tries += 1
            try:
                data = await self._attempt(op, method, path, body, params)
            except (FlowControl, ServerError, _Retryable) as exc:
                flow = isinstance(exc, FlowControl)
                if flow:
                    self.limiter.throttle()
                if not self.retry.allows(tries, flow_control=flow):
                    if isinstance(exc, _Retryable):
                        raise exc.error from None
                    raise
                delay = self.retry.delay(tries - 1, flow_control=flow)
                log.info("%s: %s: %s; retry %d in %.2f s", self.app, op.name, exc, tries, delay)
                await self._sleep(delay)
                continue
            self.limiter.recover()
            return data

    async def _attempt(
        self, op: Op, method: str, path: str, body: Request | None, params: Request | None
    ) -> dict[str, Any]:
        content = None
        if body is not None:
            content = json.dumps(body.wire(), separators=(",", ":"), ensure_ascii=False).encode()
        query = params.wire() if params is not None else None
        async with self.limiter.slot():
            headers = self._signer.headers()
            self.requests_sent += 1
            started = time.perf_counter()
            try:
                response = await self._http.request(
                    method, path, content=content, params=query, headers=headers
                )
            except _NOT_SENT as exc:
                raise _Retryable(self._transport_error(op, exc, sent=False)) from None
            except _MAYBE_SENT as exc:
                if op.mutating:
                    raise self._unknown(op, exc) from None
                raise _Retryable(self._transport_error(op, exc, sent=True)) from None
            except httpx.HTTPError as exc:
                raise self._transport_error(op, exc, sent=False) from None
        elapsed = (time.perf_counter() - started) * 1000
        return self._read(op, response, elapsed)

    def _read(self, op: Op, response: httpx.Response, elapsed_ms: float) -> dict[str, Any]:
        status = response.status_code
        try:
            data = from_json(response.content) if response.content else None
        except ValueError:
            data = None
        if not isinstance(data, dict) or "resultcode" not in data:
            log.debug("%s: %s -> HTTP %d, not the platform's JSON", self.app, op.name, status)
            return self._not_json(op, response)
        code = str(data["resultcode"])
        description = str(data.get("resultdesc", ""))
        log.debug(
            "%s: %s -> HTTP %d resultcode %s (%.0f ms)", self.app, op.name, status, code, elapsed_ms
        )
        if code == "0" and status < 400:
            return data
        raise error_for(
            status, code, description, operation=op.name, app=self.app, masker=self.masker
        )

    def _not_json(self, op: Op, response: httpx.Response) -> dict[str, Any]:
        status = response.status_code
        snippet = self.masker.text(response.text[:120], foreign=True).strip()
        if status >= 500:
            raise ServerError(
                operation=op.name,
                app=self.app,
                status=status,
                code="",
                description=snippet,
                masker=self.masker,
            )
        if op.mutating and status < 300:
            raise UnknownOutcome(
                operation=op.name,
                app=self.app,
                cause=f"HTTP {status} without the platform's result",
                resolve=op.resolve,
                lookup=op.lookup,
                masker=self.masker,
            )
        raise UnexpectedResponse(
            f"{self.app}: {op.name}: HTTP {status} from {self.endpoint} is not the platform's "
            f"answer ({snippet!r}); is the endpoint right?",
            status=status,
        )

    def _transport_error(self, op: Op, exc: httpx.HTTPError, *, sent: bool) -> TransportError:
        what = "no answer from" if sent else "cannot reach"
        detail = self.masker.text(str(exc) or type(exc).__name__, foreign=True)
        return TransportError(
            f"{self.app}: {op.name}: {what} the platform at {self.endpoint} "
            f"({type(exc).__name__}: {detail})"
        )

    def _unknown(self, op: Op, exc: httpx.HTTPError) -> UnknownOutcome:
        outcome = UnknownOutcome(
            operation=op.name,
            app=self.app,
            cause=f"{type(exc).__name__}",
            resolve=op.resolve,
            lookup=op.lookup,
            masker=self.masker,
        )
        log.warning("%s", outcome)
        return outcome


def _api(mode: Mode, client: AppClient, app_key: str) -> ModeApi:
    if mode is Mode.AX:
        return AxApi(client)
    if mode is Mode.AXB:
        return AxbApi(client)
    if mode is Mode.AXE:
        return AxeApi(client)
    return AxybApi(client, app_key)
