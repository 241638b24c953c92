"""AKSK authentication as the platform documents it (reference section 1).

Headers::

    Authorization: AKSK realm="SDP",profile="UsernameToken",type="Appkey"
    X-AKSK: UsernameToken Username="<app_key>",PasswordDigest="<d>",Nonce="<n>",Created="<c>"

``PasswordDigest = Base64(HMAC-SHA256(app_secret, Nonce + Created))``. Parameters may be
separated by ``","`` or ``", "``. Every missing or malformed part gets its own code.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from reconciler.emulator import codes
from reconciler.emulator.codes import ApiError

_PARAM = re.compile(r'\s*([A-Za-z_]+)\s*=\s*"([^"]*)"\s*(?:,|$)')
_NONCE = re.compile(r"^[0-9A-Za-z]{1,128}$")
_CREATED = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def _params(text: str) -> dict[str, str]:
    """``k="v",k2="v2"`` (any spacing around the commas) -> lower-cased keys to values."""
    return {m.group(1).lower(): m.group(2) for m in _PARAM.finditer(text)}


def digest(secret: str, nonce: str, created: str) -> str:
    """The platform's PasswordDigest for ``nonce`` and ``created``."""
    mac = hmac.new(secret.encode(), (nonce + created).encode(), hashlib.sha256).digest()
    return base64.b64encode(mac).decode("ascii")


@dataclass(frozen=True)
class Token:
    """The parsed X-AKSK UsernameToken."""

    username: str
    digest: str
    nonce: str
    created: str


def check_authorization(value: str | None) -> None:
    """Validate the fixed ``Authorization`` literal; raise its 1023xxx code if wrong."""
    if value is None or not value.strip():
        raise ApiError(codes.AUTHORIZATION_MISSING)
    scheme, _, rest = value.strip().partition(" ")
    if scheme != "AKSK":
        raise ApiError(codes.AUTHORIZATION_MISSING)
    params = _params(rest)
    if "realm" not in params:
        raise ApiError(codes.REALM_MISSING)
    if "profile" not in params:
        raise ApiError(codes.PROFILE_MISSING)
    if params["realm"] != "SDP":
        raise ApiError(codes.REALM_INVALID)
    if params["profile"] != "UsernameToken":
        raise ApiError(codes.PROFILE_INVALID)
    if "type" not in params:
        raise ApiError(codes.TYPE_MISSING)
    if params["type"] != "Appkey":
        raise ApiError(codes.TYPE_INVALID)


def parse_token(value: str | None) -> Token:
    """Parse the ``X-AKSK`` header; raise the 1023xxx code of the first missing part.

    A part that is present but malformed (a Nonce outside 1-128 letters and digits, a
    Created that is not ``YYYY-MM-DDThh:mm:ssZ``) counts as not contained.
    """
    if value is None or not value.strip():
        raise ApiError(codes.XAKSK_MISSING)
    scheme, _, rest = value.strip().partition(" ")
    if scheme != "UsernameToken":
        raise ApiError(codes.USERNAMETOKEN_MISSING)
    params = _params(rest)
    username = params.get("username", "")
    nonce = params.get("nonce", "")
    created = params.get("created", "")
    password_digest = params.get("passworddigest", "")
    if not username:
        raise ApiError(codes.USERNAME_MISSING)
    if not _NONCE.match(nonce):
        raise ApiError(codes.NONCE_MISSING)
    if not _CREATED.match(created):
        raise ApiError(codes.CREATED_MISSING)
    if not password_digest:
        raise ApiError(codes.DIGEST_MISSING)
    return Token(username, password_digest, nonce, created)


def _created_timestamp(created: str) -> float:
    try:
        parsed = datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        raise ApiError(codes.CREATED_MISSING) from None
    return parsed.replace(tzinfo=UTC).timestamp()


class Authenticator:
    """Checks both headers, the digest, the ``Created`` window and nonce reuse.

    ``secret_of`` maps an app key to its secret (``None``: unknown app -> 1010003).
    A nonce is remembered per app until its ``Created`` leaves the window; using it again
    before then is answered like a wrong digest (401 ``1010010``).
    """

    def __init__(self, secret_of: Callable[[str], str | None], window_seconds: float) -> None:
        self._secret_of = secret_of
        self.window_seconds = window_seconds
        self._seen: dict[tuple[str, str], float] = {}
        self._prune_above = 4096
        self._lock = threading.Lock()

    def authenticate(self, headers: Mapping[str, str], now: float) -> str:
        """Return the caller's app key, or raise the platform's auth error."""
        check_authorization(headers.get("authorization"))
        token = parse_token(headers.get("x-aksk"))
        secret = self._secret_of(token.username)
        if secret is None:
            raise ApiError(codes.INVALID_APP_KEY)
        expected = digest(secret, token.nonce, token.created)
        if not hmac.compare_digest(expected.encode(), token.digest.encode()):
            raise ApiError(codes.INVALID_DIGEST)
        created = _created_timestamp(token.created)
        if abs(now - created) > self.window_seconds:
            raise ApiError(codes.TIME_OUT_LIMIT)
        self._remember(token.username, token.nonce, created + self.window_seconds, now)
        return token.username

    def _remember(self, app_key: str, nonce: str, until: float, now: float) -> None:
        with self._lock:
            key = (app_key, nonce)
            seen_until = self._seen.get(key)
            if seen_until is not None and seen_until >= now:
                raise ApiError(codes.INVALID_DIGEST)
            self._seen[key] = until
            if len(self._seen) > self._prune_above:
                self._seen = {k: v for k, v in self._seen.items() if v >= now}
                self._prune_above = max(4096, 2 * len(self._seen))
