"""The admin API under ``/_emulator/`` (no auth; the real platform has no such prefix).

- ``GET /_emulator/faults`` / ``PUT /_emulator/faults`` (whole :class:`Faults` as JSON)
- ``GET /_emulator/clock`` / ``PUT /_emulator/clock`` (``{"now": ISO, "frozen": bool}``,
  both optional) / ``POST /_emulator/clock/advance`` (``{"seconds": n}``)
- ``GET /_emulator/bindings[?app_key=K]`` -> ``{"bindings": [...]}``
- ``POST /_emulator/reset`` removes every binding (apps and numbers stay)
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from reconciler.emulator import ax, axb, axe, axyb
from reconciler.emulator.common import Payload, iso_time
from reconciler.emulator.faults import Faults
from reconciler.emulator.messages import ADMIN_PREFIX, Request, Response, json_response
from reconciler.emulator.store import Binding, Tx

if TYPE_CHECKING:
    from reconciler.emulator.emulator import Emulator

_ELEMENTS = {"AX": ax.element, "AXB": axb.element, "AXE": axe.element, "AXYB": axyb.element}


def admin_view(binding: Binding, tx: Tx) -> Payload:
    """A binding as the admin API shows it: its query element plus state the platform's
    queries do not report (app, mode, creation and expiry instants, AX temp callee)."""
    out: Payload = {"app_key": binding.app_key, "mode": binding.mode}
    out.update(_ELEMENTS[binding.mode](binding))
    out["createdAt"] = iso_time(binding.created)
    out["expiresAt"] = iso_time(binding.expires)
    if binding.mode == "AXYB":
        out["ybExpiresAt"] = iso_time(binding.yb_expires)
    if binding.mode == "AX":
        callee = tx.temp_callee(binding.sub_id)
        if callee is not None:
            out["tempCallee"] = {
                "calleeNum": callee.callee,
                "expiresAt": iso_time(callee.expires),
                "userData": callee.user_data,
            }
    return out


def _json(request: Request) -> dict[str, Any]:
    try:
        data = json.loads(request.body or b"{}")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"the body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError("the body must be a JSON object")
    return data


def _instant(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ValueError("now must be an ISO 8601 string like 2026-01-01T00:00:00Z")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError("now needs a timezone, e.g. 2026-01-01T00:00:00Z")
    return parsed


def _clock(emu: Emulator) -> Response:
    return json_response(200, {"now": iso_time(emu.clock.timestamp()), "frozen": emu.clock.frozen})


def _set_clock(emu: Emulator, data: dict[str, Any]) -> Response:
    frozen = data.get("frozen")
    if frozen is not None and not isinstance(frozen, bool):
        raise ValueError("frozen must be true or false")
    if "now" in data:
        instant = _instant(data["now"])
        if frozen:
            emu.clock.freeze(instant)
        else:
            emu.clock.set(instant)
    elif frozen:
        emu.clock.freeze()
    if frozen is False:
        emu.clock.resume()
    return _clock(emu)


def _advance(emu: Emulator, data: dict[str, Any]) -> Response:
    seconds = data.get("seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise ValueError("seconds must be a number")
    emu.clock.advance(float(seconds))
    return _clock(emu)


def handle_admin(emu: Emulator, request: Request) -> Response:
    endpoint = (request.method, request.path[len(ADMIN_PREFIX) :].rstrip("/"))
    try:
        if endpoint == ("GET", "faults"):
            return json_response(200, emu.faults.model_dump(mode="json"))
        if endpoint == ("PUT", "faults"):
            emu.faults = Faults.model_validate(_json(request))
            return json_response(200, emu.faults.model_dump(mode="json"))
        if endpoint == ("GET", "clock"):
            return _clock(emu)
        if endpoint == ("PUT", "clock"):
            return _set_clock(emu, _json(request))
        if endpoint == ("POST", "clock/advance"):
            return _advance(emu, _json(request))
        if endpoint == ("GET", "bindings"):
            app_key = request.query_params().get("app_key") or None
            return json_response(200, {"bindings": emu.bindings(app_key)})
        if endpoint == ("POST", "reset"):
            emu.reset()
            return json_response(200, {"reset": True})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'faults'}: {err['msg']}"
            for err in exc.errors()
        )
        return json_response(400, {"error": problems})
    except ValueError as exc:
        return json_response(400, {"error": str(exc)})
    return json_response(
        404, {"error": f"no admin endpoint {endpoint[0]} {request.path}; see docs/emulator.md"}
    )
