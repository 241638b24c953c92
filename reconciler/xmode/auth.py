"""Verifying the platform's push signature (reference sections 1 and 11).

Pushes carry the same headers as privcall's own requests, built from the app's key and
secret::

    Authorization: AKSK realm="SDP",profile="UsernameToken",type="Appkey"
    X-AKSK: UsernameToken Username="<app_key>",PasswordDigest="<d>",Nonce="<n>",Created="<c>"

A push is accepted when the app key is one of the served apps', the digest is
``Base64(HMAC-SHA256(secret, Nonce + Created))`` (computed by
:func:`reconciler.platform.auth.password_digest`, compared in constant time), ``Created``
is within :data:`DEFAULT_WINDOW` of the server's clock (the platform documents no window:
[I], configurable) and the nonce was not seen before within that window. Anything else is
refused; the reason never contains the digest or the secret.
"""

from __future__ import annotations

import hmac
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from reconciler.platform.auth import password_digest, utc_now

DEFAULT_WINDOW = timedelta(minutes=5)
_PARAM = re.compile(r'\s*([A-Za-z]+)\s*=\s*"([^"]*)"\s*(?:,|$)')
_NONCE = re.compile(r"[A-Za-z0-9]{1,128}")
_CREATED = "%Y-%m-%dT%H:%M:%SZ"


class PushRefused(Exception):
    """A push that is not validly signed; ``reason`` is safe to log and to answer."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class AppKey:
    """One served app: its name, its app key and its secret."""

    app: str
    key: str
    secret: str

    def __repr__(self) -> str:
        return f"AppKey(app={self.app!r}, key={self.key!r}, secret=***)"


def _params(text: str) -> dict[str, str] | None:
    found: dict[str, str] = {}
    pos = 0
    while pos < len(text):
        match = _PARAM.match(text, pos)
        if match is None:
            return None
        found[match.group(1)] = match.group(2)
        pos = match.end()
    return found


class PushVerifier:
    """Checks push headers; thread-safe, remembers nonces for one window."""

    def __init__(
        self,
        apps: Iterable[AppKey],
        *,
        window: timedelta = DEFAULT_WINDOW,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._apps = {a.key: a for a in apps}
        self.window = window
        self._clock = clock
        self._seen: dict[tuple[str, str], datetime] = {}
        self._lock = threading.Lock()
        self._next_prune: datetime | None = None

    def verify(self, headers: Mapping[str, str]) -> AppKey:
        """The app that signed the push; :class:`PushRefused` when it is not validly signed.

        ``headers`` are keyed in lower case.
        """
        self._authorization(headers.get("authorization"))
        token = self._token(headers.get("x-aksk"))
        app = self._apps.get(token["Username"])
        if app is None:
            raise PushRefused("the push is signed with an app key this server does not serve")
        expected = password_digest(app.secret, token["Nonce"], token["Created"])
        if not hmac.compare_digest(expected.encode(), token["PasswordDigest"].encode()):
            raise PushRefused("invalid digest: the push is not signed with the app's secret")
        created = self._created(token["Created"])
        self._remember(app.key, token["Nonce"], created)
        return app

    @staticmethod
    def _authorization(value: str | None) -> None:
        if not value:
            raise PushRefused("the push has no Authorization header")
        scheme, _, rest = value.strip().partition(" ")
        params = _params(rest)
        if (
            scheme != "AKSK"
            or params is None
            or params.get("realm") != "SDP"
            or params.get("profile") != "UsernameToken"
            or params.get("type") != "Appkey"
        ):
            raise PushRefused(
                'Authorization must be AKSK realm="SDP",profile="UsernameToken",type="Appkey"'
            )

    @staticmethod
    def _token(value: str | None) -> dict[str, str]:
        if not value:
            raise PushRefused("the push has no X-AKSK header")
        scheme, _, rest = value.strip().partition(" ")
        params = _params(rest)
        if scheme != "UsernameToken" or params is None:
            raise PushRefused("X-AKSK must be UsernameToken Username=...,PasswordDigest=...")
        missing = [
            name
            for name in ("Username", "PasswordDigest", "Nonce", "Created")
            if not params.get(name)
        ]
        if missing:
            raise PushRefused(f"X-AKSK has no {missing[0]}")
        if _NONCE.fullmatch(params["Nonce"]) is None:
            raise PushRefused("the Nonce must be 1 to 128 letters and digits")
        return params

    def _created(self, text: str) -> datetime:
        try:
            created = datetime.strptime(text, _CREATED).replace(tzinfo=UTC)
        except ValueError:
            raise PushRefused("Created must be a UTC time like 2026-01-31T08:00:00Z") from None
        if abs(self._clock() - created) > self.window:
            raise PushRefused(
                f"stale push: Created is more than {int(self.window.total_seconds())} s away "
                "from this server's clock"
            )
        return created

    def _remember(self, key: str, nonce: str, created: datetime) -> None:
        now = self._clock()
        with self._lock:
            if self._next_prune is None or now >= self._next_prune:
                self._seen = {k: until for k, until in self._seen.items() if until >= now}
                self._next_prune = now + self.window / 4
            if (key, nonce) in self._seen:
                raise PushRefused("replayed push: this nonce was already used")
            self._seen[(key, nonce)] = created + self.window
