"""The route server as a plain ASGI application (served by uvicorn, see :mod:`.serve`).

* ``POST`` to any path outside ``/_privcall/`` is a push from the platform (the app's
  call-status URL points here). The signature is checked first (:mod:`.auth`): unsigned,
  forged, stale or replayed pushes get 401. A Block ``callin`` is answered from the app's
  current index (:mod:`.table`): a route's answer, else the default, never an error
  answer. Every other push (Notify events, a ``callin`` with ``notifyMode: Notify``, CDRs)
  gets an empty 200. Then, after the answer is sent, the push goes to the ``sink`` if one
  is set (the seam for ``privcall events``).
* ``GET /_privcall/xmode/apps/<app>/table`` returns the served table (version, checksum)
  and ``PUT`` there replaces it (``{"version": <the one read>, "table": ...}``: 409 when
  another apply came first, 400 for a table that is not valid), both with
  ``Authorization: Bearer <the app's admin token>`` (compared in constant time).
* ``GET /_privcall/xmode/health`` answers ``{"status": "ok"}`` (no data, no token).
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any, Protocol

from reconciler.masking import Masker
from reconciler.xmode.auth import PushRefused, PushVerifier
from reconciler.xmode.errors import TableError, VersionConflict
from reconciler.xmode.live import LiveTables, document
from reconciler.xmode.table import Match, Table

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

ADMIN_PREFIX = "/_privcall/"
TABLE_PATH = "/_privcall/xmode/apps/{app}/table"
HEALTH_PATH = "/_privcall/xmode/health"
MAX_BODY = 4 * 1024 * 1024
JSON_TYPE = b"application/json;charset=UTF-8"

log = logging.getLogger("privcall.xmode")


@dataclass(frozen=True, slots=True)
class Push:
    """A verified push: the app it came for, its JSON, and the answer a Block callin got."""

    app: str
    event: Mapping[str, Any]
    match: Match | None


class CallSink(Protocol):
    """Where verified pushes go after they are answered (e.g. ``privcall events``' store)."""

    async def __call__(self, push: Push) -> None: ...


@dataclass
class _Reply:
    status: int
    body: bytes = b""
    content_type: bytes = JSON_TYPE


def _json(status: int, document: object) -> _Reply:
    return _Reply(status, json.dumps(document, separators=(",", ":")).encode("utf-8"))


class RouteServer:
    """The ASGI app; ``tokens`` are the apps' admin bearer tokens, by app."""

    def __init__(
        self,
        tables: LiveTables,
        verifier: PushVerifier,
        tokens: Mapping[str, str],
        *,
        masker: Masker | None = None,
        sink: CallSink | None = None,
    ) -> None:
        self.tables = tables
        self.verifier = verifier
        self._tokens = dict(tokens)
        self._masker = masker or Masker()
        self.sink = sink
        self._paths = {TABLE_PATH.format(app=app): app for app in tables.apps}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        body = await _body(receive)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        push: Push | None = None
        if body is None:
            reply = _json(413, {"error": "the request body is too large"})
        elif scope["path"].startswith(ADMIN_PREFIX):
            reply = await self._admin(scope["method"], scope["path"], headers, body)
        elif scope["method"] != "POST":
            reply = _json(405, {"error": "pushes are POST requests"})
        else:
            reply, push = self._push(headers, body, scope.get("client"))
        await send(
            {
                "type": "http.response.start",
                "status": reply.status,
                "headers": [
                    (b"content-type", reply.content_type),
                    (b"content-length", str(len(reply.body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": reply.body})
        if push is not None and self.sink is not None:
            try:
                await self.sink(push)
            except Exception as exc:  # the answer is sent; a failing store must not matter
                log.error(
                    "storing a push of app %r failed: %s", push.app, self._masker.text(str(exc))
                )

    # -- pushes ---------------------------------------------------------------------------

    def _push(
        self, headers: Mapping[str, str], body: bytes, client: object
    ) -> tuple[_Reply, Push | None]:
        try:
            app = self.verifier.verify(headers)
        except PushRefused as refused:
            log.warning("refused a push from %s: %s", _peer(client), refused.reason)
            return _json(401, {"error": refused.reason}), None
        try:
            event = json.loads(body)
        except ValueError:
            return _json(400, {"error": "the push is not JSON"}), None
        if not isinstance(event, dict):
            return _json(400, {"error": "the push is not a JSON object"}), None
        info = event.get("statusInfo")
        info = info if isinstance(info, dict) else {}
        if event.get("eventType") == "callin" and info.get("notifyMode") != "Notify":
            match = self.tables.current(app.app).answer(info.get("called"), info.get("caller"))
            log.debug(
                "callin %s -> %s: %s",
                self._masker.text(str(info.get("caller"))),
                info.get("called"),
                match.key or "default",
            )
            return _Reply(200, match.body), Push(app.app, event, match)
        return _Reply(200, b"", b"text/plain"), Push(app.app, event, None)

    # -- admin ----------------------------------------------------------------------------

    async def _admin(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes
    ) -> _Reply:
        if path == HEALTH_PATH and method == "GET":
            return _json(200, {"status": "ok"})
        app = self._paths.get(path)
        if app is None:
            return _json(404, {"error": "no such endpoint"})
        if not self._authorized(app, headers.get("authorization", "")):
            return _json(401, {"error": f"a valid admin token of app {app!r} is needed"})
        if method == "GET":
            return _json(200, document(self.tables.current(app)))
        if method != "PUT":
            return _json(405, {"error": "GET or PUT"})
        return await self._replace(app, body)

    def _authorized(self, app: str, value: str) -> bool:
        scheme, _, given = value.partition(" ")
        token = self._tokens.get(app, "")
        return (
            bool(token)
            and scheme == "Bearer"
            and hmac.compare_digest(given.strip().encode(), token.encode())
        )

    async def _replace(self, app: str, body: bytes) -> _Reply:
        try:
            request = json.loads(body)
            version = request["version"]
            if isinstance(version, bool) or not isinstance(version, int):
                raise TypeError
            table = Table.from_json(request["table"])
        except TableError as exc:
            return _json(400, {"error": f"the table is not valid: {exc}"})
        except (ValueError, KeyError, TypeError):
            return _json(400, {"error": 'send {"version": <the version read>, "table": {...}}'})
        expected = request.get("checksum")
        if expected is not None and expected != table.checksum():
            return _json(400, {"error": "the table does not match the checksum sent with it"})
        try:
            new = await self.tables.replace(app, version, table)
        except VersionConflict as exc:
            current = self.tables.current(app)
            return _json(
                409, {"error": str(exc), "version": current.version, "checksum": current.checksum}
            )
        except TableError as exc:
            return _json(400, {"error": f"the table is not valid: {exc}"})
        log.info("app %r: now serving table version %d (%s)", app, new.version, new.checksum[:12])
        return _json(200, {"version": new.version, "checksum": new.checksum})


def _peer(client: object) -> str:
    if isinstance(client, (list, tuple)) and client:
        return str(client[0])
    return "an unknown peer"


async def _body(receive: Receive) -> bytes | None:
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return bytes(body)
        body.extend(message.get("body", b""))
        if len(body) > MAX_BODY:
            return None
        if not message.get("more_body", False):
            return bytes(body)


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
