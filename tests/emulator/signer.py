"""A small AKSK signing client written for the tests from the platform's documentation.

Deliberately independent of privcall's own client: it builds the two headers by hand.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from collections.abc import Callable, Generator
from datetime import datetime
from typing import Any

import httpx

AUTHORIZATION = 'AKSK realm="SDP",profile="UsernameToken",type="Appkey"'


def password_digest(secret: str, nonce: str, created: str) -> str:
    mac = hmac.new(secret.encode(), (nonce + created).encode(), hashlib.sha256).digest()
    return base64.b64encode(mac).decode()


def x_aksk(
    app_key: str, secret: str, created: str, nonce: str | None = None, sep: str = ","
) -> str:
    nonce = nonce or uuid.uuid4().hex.upper()
    parts = [
        f'Username="{app_key}"',
        f'PasswordDigest="{password_digest(secret, nonce, created)}"',
        f'Nonce="{nonce}"',
        f'Created="{created}"',
    ]
    return "UsernameToken " + sep.join(parts)


def created_at(now: datetime) -> str:
    return now.strftime("%Y-%m-%dT%H:%M:%SZ")


class Signer(httpx.Auth):
    """Signs every request with a fresh nonce and ``Created`` from ``now()``."""

    def __init__(
        self, app_key: str, secret: str, now: Callable[[], datetime], sep: str = ","
    ) -> None:
        self.app_key = app_key
        self.secret = secret
        self.now = now
        self.sep = sep

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = AUTHORIZATION
        request.headers["X-AKSK"] = x_aksk(
            self.app_key, self.secret, created_at(self.now()), sep=self.sep
        )
        request.headers["Content-Type"] = "application/json;charset=UTF-8"
        yield request


class Api:
    """Thin helpers: JSON body for POST/PUT, URL parameters for GET/DELETE."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    def post(self, path: str, body: dict[str, Any], **params: str) -> httpx.Response:
        return self.client.post(path, json=body, params=params or None)

    def put(self, path: str, body: dict[str, Any]) -> httpx.Response:
        return self.client.put(path, json=body)

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.client.get(path, params=params)

    def delete(self, path: str, **params: Any) -> httpx.Response:
        return self.client.delete(path, params=params)
