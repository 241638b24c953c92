"""AKSK signing as the platform documents it (reference section 1).

Every request carries two headers::

    Authorization: AKSK realm="SDP",profile="UsernameToken",type="Appkey"
    X-AKSK: UsernameToken Username="<app_key>",PasswordDigest="<d>",Nonce="<n>",Created="<c>"

with ``PasswordDigest = Base64(HMAC-SHA256(key=app_secret, msg=Nonce + Created))`` and
``Created`` the UTC time as ``YYYY-MM-DDThh:mm:ssZ``. The clock and the nonce source are
injectable so that tests are deterministic. Neither the secret nor a digest is ever logged.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

AUTHORIZATION = 'AKSK realm="SDP",profile="UsernameToken",type="Appkey"'
CONTENT_TYPE = "application/json;charset=UTF-8"

Clock = Callable[[], datetime]
NonceSource = Callable[[], str]


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_nonce() -> str:
    """A fresh nonce: 32 upper-case hex characters (as Huawei's demos make them)."""
    return uuid.uuid4().hex.upper()


def created_text(now: datetime) -> str:
    """``Created``: the UTC time as ``YYYY-MM-DDThh:mm:ssZ`` (a naive time counts as UTC)."""
    if now.tzinfo is not None:
        now = now.astimezone(UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%SZ")


def password_digest(secret: str, nonce: str, created: str) -> str:
    """``Base64(HMAC-SHA256(secret, nonce + created))``: the raw 32-byte MAC, standard Base64."""
    mac = hmac.new(secret.encode(), (nonce + created).encode(), hashlib.sha256).digest()
    return base64.b64encode(mac).decode("ascii")


def x_aksk(app_key: str, secret: str, nonce: str, created: str) -> str:
    """The ``X-AKSK`` header value (no space after the commas, as in Huawei's demos)."""
    digest = password_digest(secret, nonce, created)
    return (
        f'UsernameToken Username="{app_key}",PasswordDigest="{digest}",'
        f'Nonce="{nonce}",Created="{created}"'
    )


class Signer:
    """Signs requests of one app; a fresh nonce per request (retries included)."""

    def __init__(
        self,
        app_key: str,
        app_secret: str,
        *,
        clock: Clock | None = None,
        nonce: NonceSource | None = None,
    ) -> None:
        self.app_key = app_key
        self._secret = app_secret
        self._clock = clock or utc_now
        self._nonce = nonce or new_nonce

    def headers(self) -> dict[str, str]:
        """The three headers every request needs: Authorization, X-AKSK, Content-Type."""
        created = created_text(self._clock())
        return {
            "Authorization": AUTHORIZATION,
            "X-AKSK": x_aksk(self.app_key, self._secret, self._nonce(), created),
            "Content-Type": CONTENT_TYPE,
        }

    def __repr__(self) -> str:
        return f"Signer(app_key={self.app_key!r}, app_secret=***)"
