"""One request through the emulator: route, authenticate, mode check, faults, handle.

Transport-neutral: the ASGI app and the httpx transports turn their requests into a
:class:`Request` and send back the :class:`Response` (or drop the connection when
``Response.drop`` is set).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from reconciler.emulator import ax, axb, axe, axyb, codes
from reconciler.emulator.admin import handle_admin
from reconciler.emulator.codes import ApiError, invalid
from reconciler.emulator.common import Ctx, Payload
from reconciler.emulator.messages import ADMIN_PREFIX, Request, Response, result_response
from reconciler.emulator.params import Params

if TYPE_CHECKING:
    from reconciler.emulator.emulator import Emulator

log = logging.getLogger("reconciler.emulator")

AX_PATH = "/rest/provision/caas/privatenumber/v1.0"
AX_CALLEE_PATH = "/rest/caas/privatenumber/calleenumber/v1.0"
AXB_PATH = "/rest/caas/relationnumber/partners/v1.0"
AXE_PATH = "/rest/caas/extendnumber/v1.0"
AXE_V2_PATH = "/rest/caas/extendnumber/v2.0"
AXYB_PATH = "/rest/omp/xyrelationnumber/v1.0"


@dataclass(frozen=True)
class Route:
    mode: str
    operation: str
    handler: Callable[[Ctx], Payload]


ROUTES: dict[tuple[str, str], Route] = {
    ("POST", AX_PATH): Route("AX", "ax.bind", ax.bind),
    ("PUT", AX_PATH): Route("AX", "ax.modify", ax.modify),
    ("DELETE", AX_PATH): Route("AX", "ax.unbind", ax.unbind),
    ("GET", AX_PATH): Route("AX", "ax.query", ax.query),
    ("PUT", AX_CALLEE_PATH): Route("AX", "ax.callee", ax.set_callee),
    ("POST", AXB_PATH): Route("AXB", "axb.bind", axb.bind),
    ("PUT", AXB_PATH): Route("AXB", "axb.modify", axb.modify),
    ("DELETE", AXB_PATH): Route("AXB", "axb.unbind", axb.unbind),
    ("GET", AXB_PATH): Route("AXB", "axb.query", axb.query),
    ("POST", AXE_PATH): Route("AXE", "axe.bind", axe.bind),
    ("PUT", AXE_PATH): Route("AXE", "axe.modify", axe.modify),
    ("DELETE", AXE_PATH): Route("AXE", "axe.unbind", axe.unbind),
    ("GET", AXE_PATH): Route("AXE", "axe.query", axe.query_v1),
    ("GET", AXE_V2_PATH): Route("AXE", "axe.query", axe.query_v2),
    ("POST", AXYB_PATH): Route("AXYB", "axyb.bind", axyb.bind),
    ("DELETE", AXYB_PATH): Route("AXYB", "axyb.unbind", axyb.unbind),
    ("GET", AXYB_PATH): Route("AXYB", "axyb.query", axyb.query),
}
_PATHS = {path for _, path in ROUTES}


def _body(request: Request) -> dict[str, Any]:
    content_type = request.headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() != "application/json":
        raise invalid("Content-Type", "must be application/json;charset=UTF-8.")
    try:
        data = json.loads(request.body.decode("utf-8")) if request.body.strip() else {}
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise invalid("body", "is not valid JSON.") from None
    if not isinstance(data, dict):
        raise invalid("body", "must be a JSON object.")
    return data


class Dispatcher:
    """Runs requests against one :class:`Emulator`'s state."""

    def __init__(self, emulator: Emulator) -> None:
        self._emu = emulator

    def latency(self, request: Request) -> float:
        """Seconds to wait before handling (fault injection; never for the admin API)."""
        if request.path.startswith(ADMIN_PREFIX):
            return 0.0
        return self._emu.fault_engine.latency()

    def handle(self, request: Request) -> Response:
        if request.path.startswith(ADMIN_PREFIX):
            return handle_admin(self._emu, request)
        route = ROUTES.get((request.method, request.path))
        if route is None:
            if request.path in _PATHS:
                allowed = sorted(m for m, p in ROUTES if p == request.path)
                return Response(
                    405,
                    b"Method Not Allowed",
                    "text/plain",
                    headers=(("Allow", ", ".join(allowed)),),
                )
            return Response(404, b"Not Found", "text/plain")
        processed = False
        try:
            response, processed = self._run(route, request)
        except ApiError as exc:
            response = result_response(exc.result, exc.detail)
        if processed and self._emu.fault_engine.drop(route.operation):
            log.info("%s: committed, dropping the connection (fault injection)", route.operation)
            return Response(response.status, response.body, drop=True)
        return response

    def _run(self, route: Route, request: Request) -> tuple[Response, bool]:
        emu = self._emu
        now = emu.clock.timestamp()
        app_key = emu.authenticator.authenticate(request.headers, now)
        app = emu.config.app(app_key)
        if app is None:
            raise ApiError(codes.INVALID_APP_KEY)
        if app.mode != route.mode:
            raise ApiError(codes.API_NOT_ALLOWED)
        query = request.query_params()
        if route.mode == "AXYB":
            url_key = query.get("app_key")
            if not url_key:
                raise invalid("app_key", "is mandatory.")
            if url_key != app_key:
                raise ApiError(codes.INVALID_APP_KEY)
        limited = emu.fault_engine.flow_control(app_key, now)
        if limited is not None:
            raise ApiError(limited)
        injected = emu.fault_engine.injected_error(route.operation)
        if injected is not None:
            log.info("%s: answering %s (fault injection)", route.operation, injected.code)
            raise ApiError(injected)
        data: Mapping[str, Any] = _body(request) if request.method in ("POST", "PUT") else query
        params = Params(data, app.tones)
        try:
            with emu.store.transaction() as tx:
                tx.purge(now)
                payload = route.handler(Ctx(tx, app, emu.config, now, params))
        except ApiError as exc:
            log.debug("%s %s -> %s", route.operation, app_key, exc.result.code)
            return result_response(exc.result, exc.detail), True
        log.debug("%s %s -> 0", route.operation, app_key)
        return result_response(codes.SUCCESS, payload=payload), True
