"""AXYB mode: A gets X, B gets Y, bound in two steps (reference section 6).

The AX step (no ``subscriptionId`` in the body) binds A to a free X of the city
``areaCode``; X is exclusive to that relation and A holds up to 5 X. The YB step (with the
AX step's ``subscriptionId``) gives B a Y from the app's ``y_numbers``; a Y is shared by up
to 1000 relations, each with a different B. There is no modify.
"""

from __future__ import annotations

from typing import Any

from reconciler.emulator import codes
from reconciler.emulator.codes import ApiError, invalid
from reconciler.emulator.common import (
    Ctx,
    Payload,
    allocate,
    check_recording,
    set_fields,
    wire_bool,
    wire_time,
)
from reconciler.emulator.params import Params
from reconciler.emulator.store import Binding, NumberInfo

MODE = "AXYB"
MAX_DURATION = 7_776_000
MIN_DURATION = 60


def _duration(p: Params, name: str) -> int | None:
    """0 (never / with AX) or 60-7776000 seconds."""
    value = p.integer(name, 0, MAX_DURATION)
    if value is not None and 0 < value < MIN_DURATION:
        raise invalid(name, f"must be 0 or from {MIN_DURATION} to {MAX_DURATION}.")
    return value


def element(binding: Binding) -> Payload:
    """One ``xyRelationNumInfo``; ``duration``/``ybDuration`` are strings on the wire."""
    attrs = binding.attrs
    out: Payload = {"bindId": binding.sub_id, "numA": binding.a, "numX": binding.x}
    set_fields(out, numY=binding.y, numB=binding.b)
    out["recordFlag"] = wire_bool(attrs.get("recordFlag", False))
    set_fields(out, recordHintTone=attrs.get("recordHintTone"))
    out["subscribeTime"] = wire_time(binding.changed)
    out["callDirection"] = attrs.get("callDirection", 0)
    out["duration"] = str(attrs.get("duration", 0))
    out["ybDuration"] = str(attrs.get("ybDuration", 0))
    set_fields(out, preVoiceX=attrs.get("preVoiceX"))
    if binding.y is not None:
        set_fields(out, preVoiceY=attrs.get("preVoiceY"))
    set_fields(out, userData=attrs.get("userData"))
    return out


def bind(ctx: Ctx) -> Payload:
    if ctx.params.has("subscriptionId"):
        return _bind_yb(ctx)
    return _bind_ax(ctx)


def _bind_ax(ctx: Ctx) -> Payload:
    p = ctx.params
    a = p.need_number("origNum")
    area = p.area_code(required=True)
    match = p.enum("areaMatchMode", ("0", "1"))
    direction = p.integer("callDirection", 0, 2)
    duration = _duration(p, "duration")
    yb_duration = _duration(p, "ybDuration")
    record = p.boolean("recordFlag")
    hint = p.tone("recordHintTone")
    pre_voice_x = p.tone("preVoiceX")
    user_data = p.user_data()
    check_recording(ctx, record)
    if ctx.tx.count(a=a, mode=MODE) >= ctx.config.ax_max_x_per_a:
        raise ApiError(codes.AX_A_LIMIT)

    def free(candidate: NumberInfo) -> bool:
        return ctx.tx.count(x=candidate.number) == 0

    x = allocate(
        ctx, kind="X", area_code=area, loose=match == "1", usable=free, none_left=codes.NO_NUMBER
    ).number
    lifetime = duration if duration is not None else ctx.config.axyb_default_duration
    attrs: dict[str, Any] = {"callDirection": direction or 0, "duration": lifetime}
    set_fields(
        attrs,
        ybDuration=yb_duration,
        recordFlag=record,
        recordHintTone=hint,
        preVoiceX=pre_voice_x,
        userData=user_data,
    )
    binding = ctx.tx.insert(
        Binding(
            sub_id=ctx.new_id(),
            app_key=ctx.app.app_key,
            mode=MODE,
            x=x,
            a=a,
            created=ctx.now,
            changed=ctx.now,
            expires=ctx.now + lifetime if lifetime else None,
            attrs=attrs,
        )
    )
    return {"subscriptionId": binding.sub_id, "relationNumber": x}


def _subscription(ctx: Ctx, sub_id: str) -> Binding:
    binding = ctx.tx.get(sub_id)
    if binding is None or binding.app_key != ctx.app.app_key or binding.mode != MODE:
        raise ApiError(codes.RECORD_NOT_FOUND)
    return binding


def _bind_yb(ctx: Ctx) -> Payload:
    p = ctx.params
    b = p.need_number("origNum")
    sub_id = p.need_string("subscriptionId", max_len=64)
    area = p.area_code()
    match = p.enum("areaMatchMode", ("0", "1"))
    pre_voice_y = p.tone("preVoiceY")
    yb_duration = _duration(p, "ybDuration")
    binding = _subscription(ctx, sub_id)
    if binding.y is not None:
        raise ApiError(codes.RECORD_EXISTS)
    if b == binding.a:
        raise invalid("origNum", "must differ from the A number of the subscription.")
    limit = ctx.config.axyb_max_relations_per_y

    def usable(candidate: NumberInfo) -> bool:
        return (
            ctx.tx.count(y=candidate.number) < limit and ctx.tx.count(y=candidate.number, b=b) == 0
        )

    x_info = ctx.tx.number(binding.x)
    y = allocate(
        ctx,
        kind="Y",
        area_code=area,
        loose=match == "1",
        usable=usable,
        none_left=codes.NO_NUMBER,
        prefer_area=x_info.area_code if x_info else None,
    ).number
    attrs = dict(binding.attrs)
    lifetime = yb_duration if yb_duration is not None else attrs.get("ybDuration", 0)
    if attrs["duration"] and lifetime > attrs["duration"]:
        lifetime = attrs["duration"]
    attrs["ybDuration"] = lifetime
    set_fields(attrs, preVoiceY=pre_voice_y)
    binding.b, binding.y = b, y
    binding.yb_expires = ctx.now + lifetime if lifetime else None
    binding.attrs = attrs
    binding.changed = ctx.now
    ctx.tx.update(binding)
    return {"subscriptionId": binding.sub_id, "relationNumber": y}


def unbind(ctx: Ctx) -> Payload:
    p = ctx.params
    sub_id = p.need_string("subscriptionId", max_len=64)
    y = p.number("yNum")
    b = p.number("bNum")
    binding = _subscription(ctx, sub_id)
    if y is None and b is None:
        ctx.tx.delete([binding.sub_id])
        return {}
    if binding.y is None or (binding.y != y if y is not None else binding.b != b):
        raise ApiError(codes.RECORD_NOT_FOUND)
    binding.b = binding.y = None
    binding.yb_expires = None
    binding.attrs = {k: v for k, v in binding.attrs.items() if k != "preVoiceY"}
    binding.changed = ctx.now
    ctx.tx.update(binding)
    return {}


def query(ctx: Ctx) -> Payload:
    p = ctx.params
    sub_id = p.string("subscriptionId", max_len=64)
    x = p.number("relationNum")
    if sub_id is not None:
        found = [_subscription(ctx, sub_id)]
    elif x is not None:
        found = ctx.tx.find(app_key=ctx.app.app_key, mode=MODE, x=x)
    else:
        raise invalid("subscriptionId or relationNum", "is mandatory.")
    if not found:
        raise ApiError(codes.RECORD_NOT_FOUND)
    return {"xyRelationNumList": [element(binding) for binding in found]}
