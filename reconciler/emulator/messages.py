"""The transport-neutral request and response of the emulator."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from reconciler.emulator.codes import Result

ADMIN_PREFIX = "/_emulator/"
JSON_TYPE = "application/json;charset=UTF-8"


@dataclass(frozen=True)
class Request:
    """A transport-neutral request; ``headers`` has lower-case names, ``query`` is the raw
    (still percent-encoded) query string."""

    method: str
    path: str
    query: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    def query_params(self) -> dict[str, str]:
        """URL parameters decoded like a servlet does: ``%2B`` is ``+``, a bare ``+`` a
        space. The first occurrence of a repeated name wins."""
        params: dict[str, str] = {}
        for name, value in parse_qsl(self.query, keep_blank_values=True):
            params.setdefault(name, value)
        return params


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    content_type: str = JSON_TYPE
    drop: bool = False
    headers: tuple[tuple[str, str], ...] = ()


def json_response(status: int, payload: Mapping[str, Any]) -> Response:
    return Response(status, json.dumps(payload, separators=(",", ":")).encode())


def result_response(
    result: Result, detail: str = "", payload: Mapping[str, Any] | None = None
) -> Response:
    body: dict[str, Any] = {"resultcode": result.code, "resultdesc": result.desc + detail}
    if payload:
        body.update(payload)
    return json_response(result.status, body)
