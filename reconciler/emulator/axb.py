"""AXB mode: A and B talk through X (reference section 4).

One X holds up to 5000 pairs (``axb_max_pairs_per_x``) and no real number appears twice
on one X. ``duration`` (0-7776000 s, 0 = never) expires the binding on the emulator clock;
a modify that sends it restarts the timer.
"""

from __future__ import annotations

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
    set_fields,
    wire_bool,
    wire_time,
)
from reconciler.emulator.store import Binding, NumberInfo

MODE = "AXB"
MAX_DURATION = 7_776_000
_PAGE_SIZE_DEFAULT = 50


def _options(ctx: Ctx) -> dict[str, Any]:
    p = ctx.params
    values: dict[str, Any] = {
        "callDirection": p.integer("callDirection", 0, 2),
        "duration": p.integer("duration", 0, MAX_DURATION),
        "recordFlag": p.boolean("recordFlag"),
        "recordHintTone": p.tone("recordHintTone"),
        "maxDuration": p.integer("maxDuration", 0, 1440),
        "lastMinVoice": p.tone("lastMinVoice", min_len=0),
        "privateSms": p.boolean("privateSms"),
        "preVoice": p.play_info("preVoice"),
        "userData": p.user_data(),
    }
    check_recording(ctx, values["recordFlag"])
    return values


def _own_x(ctx: Ctx, x: str) -> None:
    """``1012007`` for a number no app has, ``1012001`` for another app's number."""
    info = ctx.tx.number(x)
    if info is None:
        raise ApiError(codes.X_NOT_EXIST)
    if info.app_key != ctx.app.app_key or info.kind != "X":
        raise ApiError(codes.NUMBER_NOT_OWNED)


def _expiry(now: float, duration: int | None) -> float | None:
    return now + duration if duration else None


def element(binding: Binding) -> Payload:
    """One element of ``relationNumList``."""
    attrs = binding.attrs
    out: Payload = {
        "subscriptionId": binding.sub_id,
        "relationNum": binding.x,
        "callerNum": binding.a,
        "calleeNum": binding.b,
        "callDirection": attrs.get("callDirection", 0),
        "duration": attrs.get("duration", 0),
        "maxDuration": attrs.get("maxDuration", 0),
        "recordFlag": wire_bool(attrs.get("recordFlag", False)),
    }
    set_fields(
        out,
        recordHintTone=attrs.get("recordHintTone"),
        lastMinVoice=attrs.get("lastMinVoice"),
    )
    out["privateSms"] = wire_bool(attrs.get("privateSms", True))
    set_fields(out, preVoice=attrs.get("preVoice") or None, userData=attrs.get("userData"))
    out["subscribeTime"] = wire_time(binding.changed)
    return out


def bind(ctx: Ctx) -> Payload:
    p = ctx.params
    a = p.need_number("callerNum", min_len=4, max_len=31)
    b = p.need_number("calleeNum", min_len=4, max_len=31)
    x = p.number("relationNum", min_len=4, max_len=31)
    area = p.area_code()
    match = p.enum("areaMatchMode", ("0", "1"))
    values = _options(ctx)
    if a == b:
        raise invalid("calleeNum", "must differ from callerNum.")
    check_last_min_voice(values["lastMinVoice"], values["maxDuration"])
    limit = ctx.config.axb_max_pairs_per_x
    if x is not None:
        _own_x(ctx, x)
        if ctx.tx.number_on(x, (a, b)):
            raise ApiError(codes.NUMBER_BOUND)
        if ctx.tx.count(x=x) >= limit:
            raise ApiError(codes.X_FULL)
    else:

        def usable(candidate: NumberInfo) -> bool:
            return ctx.tx.count(x=candidate.number) < limit and not ctx.tx.number_on(
                candidate.number, (a, b)
            )

        x = allocate(
            ctx,
            kind="X",
            area_code=area,
            loose=match == "1",
            usable=usable,
            none_left=codes.NO_NUMBER,
        ).number
    attrs: dict[str, Any] = {"callDirection": 0, "duration": 0}
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
            b=b,
            created=ctx.now,
            changed=ctx.now,
            expires=_expiry(ctx.now, values["duration"]),
            attrs=attrs,
        )
    )
    out = element(binding)
    del out["subscribeTime"]
    return out


def _by_subscription(ctx: Ctx, sub_id: str) -> Binding:
    binding = ctx.tx.get(sub_id)
    if binding is None or binding.app_key != ctx.app.app_key or binding.mode != MODE:
        raise ApiError(codes.RECORD_NOT_FOUND)
    return binding


def modify(ctx: Ctx) -> Payload:
    p = ctx.params
    sub_id = p.need_string("subscriptionId", max_len=64)
    new_a = p.number("callerNum", min_len=4, max_len=31)
    new_b = p.number("calleeNum", min_len=4, max_len=31)
    values = _options(ctx)
    binding = _by_subscription(ctx, sub_id)
    a = new_a or binding.a
    b = new_b or binding.b or ""
    if a == b:
        raise invalid("calleeNum", "must differ from callerNum.")
    arriving = [n for n in (a, b) if n not in (binding.a, binding.b)]
    if arriving and ctx.tx.number_on(binding.x, arriving, binding.sub_id):
        raise ApiError(codes.NUMBER_BOUND_MODIFY)
    attrs = dict(binding.attrs)
    last_min_voice = values.pop("lastMinVoice")
    record_hint_tone = values.pop("recordHintTone")
    set_fields(attrs, **values)
    apply_tone(attrs, "lastMinVoice", last_min_voice)
    apply_tone(attrs, "recordHintTone", record_hint_tone)
    check_last_min_voice(attrs.get("lastMinVoice"), attrs.get("maxDuration"))
    if values["duration"] is not None:
        binding.expires = _expiry(ctx.now, values["duration"])
    binding.a, binding.b = a, b
    binding.attrs = attrs
    binding.changed = ctx.now
    ctx.tx.update(binding)
    return {}


def unbind(ctx: Ctx) -> Payload:
    p = ctx.params
    sub_id = p.string("subscriptionId", max_len=64)
    x = p.number("relationNum", min_len=4, max_len=31)
    if sub_id is not None:
        ctx.tx.delete([_by_subscription(ctx, sub_id).sub_id])
        return {}
    if x is None:
        raise invalid("subscriptionId or relationNum", "is mandatory.")
    _own_x(ctx, x)
    found = ctx.tx.find(mode=MODE, x=x)
    if not found:
        raise ApiError(codes.RECORD_NOT_FOUND)
    ctx.tx.delete([b.sub_id for b in found])
    return {}


def query(ctx: Ctx) -> Payload:
    p = ctx.params
    sub_id = p.string("subscriptionId", max_len=64)
    x = p.number("relationNum", min_len=4, max_len=31)
    a = p.number("callerNum", min_len=4, max_len=128)
    b = p.number("calleeNum", min_len=4, max_len=128)
    page_index = p.integer("pageIndex", 1, 1_000_000_000) or 1
    page_size = p.integer("pageSize", -(2**31), 2**31 - 1)
    if page_size is None or not 10 <= page_size <= 100:
        page_size = _PAGE_SIZE_DEFAULT
    if sub_id is not None:
        found = [_by_subscription(ctx, sub_id)]
        total = 1
        page_index = 1
    elif x is not None:
        _own_x(ctx, x)
        if a is not None or b is not None:
            if a is not None:
                found = [f for f in ctx.tx.find(x=x, mode=MODE, a=a) if b in (None, f.b)]
            else:
                found = ctx.tx.find(x=x, mode=MODE, b=b or "")
            if not found:
                raise ApiError(codes.RECORD_NOT_FOUND)
            total = len(found)
            page_index = 1
        else:
            total = ctx.tx.count(x=x, mode=MODE)
            found = ctx.tx.find(
                x=x, mode=MODE, limit=page_size, offset=(page_index - 1) * page_size
            )
    else:
        raise invalid("subscriptionId or relationNum", "is mandatory.")
    return {
        "app_key": ctx.app.app_key,
        "relationNumList": [element(binding) for binding in found],
        "totalCount": total,
        "pageIndex": page_index,
        "pageSize": page_size,
    }
