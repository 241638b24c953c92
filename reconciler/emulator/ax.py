"""AX mode: A gets a private number X (reference section 3).

One X holds one A; one A holds up to 5 X (``ax_max_x_per_a``). AX bindings never expire.
"""

from __future__ import annotations

import re
from typing import Any

from reconciler.emulator import codes
from reconciler.emulator.codes import ApiError, invalid
from reconciler.emulator.common import (
    Ctx,
    Payload,
    allocate,
    apply_tone,
    check_last_min_voice,
    check_recording,
    check_transparent,
    need_one_of,
    set_fields,
    wire_bool,
    wire_time,
)
from reconciler.emulator.store import Binding, NumberInfo, TempCallee

MODE = "AX"
_SERVICE_NUMBER = re.compile(r"^(\+86)?(400\d{7}|95\d{3,6})$")


def _options(ctx: Ctx) -> dict[str, Any]:
    """The optional attributes shared by bind and modify, validated."""
    p = ctx.params
    values: dict[str, Any] = {
        "recordFlag": p.boolean("recordFlag"),
        "recordHintTone": p.tone("recordHintTone"),
        "calleeNumDisplay": p.enum("calleeNumDisplay", ("0", "1")),
        "privateSms": p.boolean("privateSms"),
        "preVoice": p.play_info("preVoice"),
        "maxDuration": p.integer("maxDuration", 0, 1440),
        "lastMinVoice": p.tone("lastMinVoice", min_len=0),
        "turnFlag": p.enum("turnFlag", ("on", "off")),
        "callDirection": p.integer("callDirection", 0, 2),
        "userData": p.user_data(),
    }
    check_recording(ctx, values["recordFlag"])
    check_transparent(ctx, values["calleeNumDisplay"])
    return values


def element(binding: Binding) -> Payload:
    """One ``privateNumInfo`` of the query response."""
    attrs = binding.attrs
    out: Payload = {
        "origNum": binding.a,
        "privateNum": binding.x,
        "privateNumType": "mobile-virtual",
        "subscriptionId": binding.sub_id,
        "subscribeTime": wire_time(binding.changed),
        "recordFlag": wire_bool(attrs.get("recordFlag", False)),
    }
    set_fields(out, recordHintTone=attrs.get("recordHintTone"))
    set_fields(out, lastMinVoice=attrs.get("lastMinVoice"))
    out["turnFlag"] = attrs.get("turnFlag", "on")
    out["callDirection"] = attrs.get("callDirection", 0)
    out["privateSms"] = wire_bool(attrs.get("privateSms", True))
    out["maxDuration"] = attrs.get("maxDuration", 0)
    set_fields(
        out,
        calleeNumDisplay=attrs.get("calleeNumDisplay"),
        preVoice=attrs.get("preVoice") or None,
        userData=attrs.get("userData"),
    )
    return out


def bind(ctx: Ctx) -> Payload:
    p = ctx.params
    a = p.need_number("origNum")
    x = p.number("privateNum")
    area = p.area_code()
    number_type = p.enum("privateNumType", ("mobile-virtual",))
    match = p.enum("areaMatchMode", ("0", "1"))
    values = _options(ctx)
    if x is None and area is None:
        raise invalid("privateNum or areaCode", "is mandatory.")
    if x is None and number_type is None:
        raise invalid("privateNumType", "is mandatory with areaCode (mobile-virtual).")
    check_last_min_voice(values["lastMinVoice"], values["maxDuration"])
    limit = ctx.config.ax_max_x_per_a
    if x is not None:
        info = ctx.tx.number(x)
        if info is None or info.app_key != ctx.app.app_key or info.kind != "X":
            raise ApiError(codes.AX_NUMBER_NOT_OWNED)
        holders = ctx.tx.find(mode=MODE, x=x)
        if any(h.a == a for h in holders):
            raise ApiError(codes.RECORD_EXISTS)
        if holders:
            raise ApiError(codes.AX_X_TAKEN)
        if ctx.tx.count(a=a, mode=MODE) >= limit:
            raise ApiError(codes.AX_A_LIMIT)
    else:
        if ctx.tx.count(a=a, mode=MODE) >= limit:
            raise ApiError(codes.AX_A_LIMIT)

        def free(candidate: NumberInfo) -> bool:
            return ctx.tx.count(x=candidate.number, mode=MODE) == 0

        x = allocate(
            ctx,
            kind="X",
            area_code=area,
            loose=match == "1",
            usable=free,
            none_left=codes.AX_NO_NUMBER,
        ).number
    attrs: dict[str, Any] = {}
    set_fields(attrs, **values)
    if attrs.get("lastMinVoice") == "":
        del attrs["lastMinVoice"]
    binding = ctx.tx.insert(
        Binding(
            sub_id=ctx.new_id(),
            app_key=ctx.app.app_key,
            mode=MODE,
            x=x,
            a=a,
            created=ctx.now,
            changed=ctx.now,
            attrs=attrs,
        )
    )
    return {"origNum": a, "privateNum": x, "subscriptionId": binding.sub_id}


def _target(ctx: Ctx) -> Binding:
    """The binding named by ``subscriptionId`` (wins) or ``privateNum``."""
    p = ctx.params
    sub_id = p.string("subscriptionId", max_len=64)
    x = p.number("privateNum")
    if sub_id is not None:
        binding = ctx.tx.get(sub_id)
        if binding is None or binding.app_key != ctx.app.app_key or binding.mode != MODE:
            raise ApiError(codes.RECORD_NOT_FOUND)
        return binding
    if x is None:
        raise invalid("subscriptionId or privateNum", "is mandatory.")
    _own_x(ctx, x)
    found = ctx.tx.find(mode=MODE, x=x)
    if not found:
        raise ApiError(codes.RECORD_NOT_FOUND)
    return found[0]


def _own_x(ctx: Ctx, x: str) -> None:
    info = ctx.tx.number(x)
    if info is None or info.app_key != ctx.app.app_key or info.kind != "X":
        raise ApiError(codes.AX_NUMBER_NOT_APPLIED)


def modify(ctx: Ctx) -> Payload:
    p = ctx.params
    new_a = p.number("origNum")
    values = _options(ctx)
    binding = _target(ctx)
    attrs = dict(binding.attrs)
    last_min_voice = values.pop("lastMinVoice")
    record_hint_tone = values.pop("recordHintTone")
    set_fields(attrs, **values)
    apply_tone(attrs, "lastMinVoice", last_min_voice)
    apply_tone(attrs, "recordHintTone", record_hint_tone)
    check_last_min_voice(attrs.get("lastMinVoice"), attrs.get("maxDuration"))
    if new_a is not None and new_a != binding.a:
        if ctx.tx.count(a=new_a, mode=MODE) >= ctx.config.ax_max_x_per_a:
            raise ApiError(codes.AX_A_LIMIT)
        binding.a = new_a
    binding.attrs = attrs
    ctx.tx.update(binding)
    return {}


def unbind(ctx: Ctx) -> Payload:
    need_one_of(ctx, "subscriptionId", "privateNum")
    binding = _target(ctx)
    ctx.tx.delete([binding.sub_id])
    return {}


def query(ctx: Ctx) -> Payload:
    p = ctx.params
    sub_id = p.string("subscriptionId", max_len=64)
    a = p.number("origNum")
    x = p.number("privateNum")
    if sub_id is not None:
        binding = ctx.tx.get(sub_id)
        found = [binding] if binding and binding.app_key == ctx.app.app_key else []
        found = [b for b in found if b.mode == MODE]
    elif a is not None:
        found = ctx.tx.find(app_key=ctx.app.app_key, mode=MODE, a=a)
    elif x is not None:
        _own_x(ctx, x)
        found = ctx.tx.find(mode=MODE, x=x)
    else:
        raise invalid("subscriptionId, origNum or privateNum", "is mandatory.")
    if not found:
        raise ApiError(codes.RECORD_NOT_FOUND)
    return {"privateNumList": [element(b) for b in found]}


def set_callee(ctx: Ctx) -> Payload:
    """Set the temporary callee that A reaches when calling out through X."""
    p = ctx.params
    callee = p.need_string("calleeNum", max_len=32)
    if not (callee.startswith("+") and callee[1:].isdigit()) and not _SERVICE_NUMBER.match(callee):
        raise invalid("calleeNum", "must be a number in global format, e.g. +8613800000001.")
    duration = p.integer("duration", 1, 259200)
    user_data = p.user_data()
    a = p.number("origNum")
    sub_id = p.string("subscriptionId", max_len=64)
    if sub_id is None and not p.has("privateNum"):
        raise invalid("subscriptionId or privateNum", "is mandatory.")
    binding = _target(ctx)
    if sub_id is None and a is not None and a != binding.a:
        raise ApiError(codes.RECORD_NOT_FOUND)
    if callee == binding.a:
        raise invalid("calleeNum", "must differ from origNum.")
    lifetime = duration if duration is not None else 60
    ctx.tx.set_temp_callee(binding.sub_id, TempCallee(callee, ctx.now + lifetime, user_data))
    return {}
