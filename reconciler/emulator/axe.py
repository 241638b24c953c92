"""AXE mode: A gets X plus an extension E (reference section 5).

Many A per X, one extension per A per X; extensions have the app's digit count (1-4) and
run from 1 to all nines. The lifetime is ``bindExpiredTime`` in ``timeUnit`` (``0`` hours,
``1`` minutes; 0 = never).
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
    check_recording,
    check_transparent,
    set_fields,
    wire_bool,
)
from reconciler.emulator.params import Params
from reconciler.emulator.store import Binding, NumberInfo

MODE = "AXE"
UNIT_SECONDS = {"0": 3600, "1": 60}
# The longest lifetime accepted: 90 days, in either unit (the AXB/AXYB maximum).
MAX_LIFETIME = {"0": 90 * 24, "1": 90 * 24 * 60}
FIRST_CURSOR = "0000000000000_0"
_CURSOR = re.compile(r"^\d{13}_\d{1,20}$")


def _extension(ctx: Ctx, value: str | None) -> str | None:
    """A requested extension: exactly the app's digit count, not all zeros."""
    if value is None or value == "":
        return None
    digits = ctx.app.extension_digits
    if len(value) != digits or not value.isdigit() or int(value) == 0:
        low, high = "1".rjust(digits, "0"), "9" * digits
        raise invalid("extendNum", f"must be {digits} digit(s) long, from {low} to {high}.")
    return value


def _lifetime(p: Params, name: str, unit: str) -> int | None:
    return p.integer(name, 0, MAX_LIFETIME[unit])


def _free_extension(ctx: Ctx, x: str) -> str | None:
    digits = ctx.app.extension_digits
    used = {b.ext for b in ctx.tx.find(x=x, mode=MODE)}
    for candidate in range(1, 10**digits):
        text = str(candidate).rjust(digits, "0")
        if text not in used:
            return text
    return None


def _callback(ctx: Ctx, *, modify: bool) -> tuple[str | None, str | None]:
    p = ctx.params
    tone = p.tone("callbackTone", min_len=0 if modify else 1)
    number = p.string("callbackNum", min_len=0 if modify else 1, max_len=32)
    if number:
        p.number("callbackNum")
    if tone and number:
        raise invalid("callbackTone", "and callbackNum must not be sent together.")
    return tone, number


def element(binding: Binding) -> Payload:
    """The binding's fields as query v1.0 reports them (and v2.0 lists them)."""
    attrs = binding.attrs
    out: Payload = {
        "subscriptionId": binding.sub_id,
        "virtualNum": binding.x,
        "extendNum": binding.ext,
        "bindNum": binding.a,
        "displayNumMode": attrs.get("displayNumMode", "0"),
        "recordFlag": wire_bool(attrs.get("recordFlag", False)),
    }
    set_fields(
        out,
        recordHintTone=attrs.get("recordHintTone"),
        callbackTone=attrs.get("callbackTone"),
        callbackNum=attrs.get("callbackNum"),
    )
    out["timeUnit"] = attrs["timeUnit"]
    out["bindExpiredTime"] = attrs["bindExpiredTime"]
    set_fields(
        out,
        callbackExpiredTime=attrs.get("callbackExpiredTime"),
        userData=attrs.get("userData"),
    )
    return out


def bind(ctx: Ctx) -> Payload:
    p = ctx.params
    a = p.need_number("bindNum")
    x = p.number("virtualNum")
    area = p.area_code()
    match = p.enum("areaMatchMode", ("0", "1"))
    ext = _extension(ctx, p.string("extendNum", min_len=0, max_len=4))
    display = p.enum("displayNumMode", ("0", "1"))
    record = p.boolean("recordFlag")
    hint = p.tone("recordHintTone")
    callback_tone, callback_num = _callback(ctx, modify=False)
    unit = p.enum("timeUnit", ("0", "1")) or "0"
    bind_expired = _lifetime(p, "bindExpiredTime", unit)
    callback_expired = _lifetime(p, "callbackExpiredTime", unit)
    user_data = p.user_data()
    if x is None and area is None:
        raise invalid("virtualNum or areaCode", "is mandatory.")
    check_recording(ctx, record)
    check_transparent(ctx, display)
    if bind_expired is None:
        bind_expired = ctx.config.axe_default_bind_expired_hours * 3600 // UNIT_SECONDS[unit]
    if x is not None:
        info = ctx.tx.number(x)
        if info is None or info.app_key != ctx.app.app_key or info.kind != "X":
            raise ApiError(codes.NUMBER_NOT_OWNED)
        if ctx.tx.count(x=x, a=a):
            raise ApiError(codes.RECORD_EXISTS)
        chosen = ext if ext is not None else _free_extension(ctx, x)
        if chosen is None or (ext is not None and ctx.tx.count(x=x, ext=ext)):
            raise ApiError(codes.NO_IDLE_EXTENSION)
        ext = chosen
    else:

        def usable(candidate: NumberInfo) -> bool:
            if ctx.tx.count(x=candidate.number, a=a):
                return False
            if ext is not None:
                return ctx.tx.count(x=candidate.number, ext=ext) == 0
            return _free_extension(ctx, candidate.number) is not None

        x = allocate(
            ctx,
            kind="X",
            area_code=area,
            loose=match == "1",
            usable=usable,
            none_left=codes.NO_NUMBER,
        ).number
        ext = ext if ext is not None else _free_extension(ctx, x)
    attrs: dict[str, Any] = {"timeUnit": unit, "bindExpiredTime": bind_expired}
    set_fields(
        attrs,
        displayNumMode=display,
        recordFlag=record,
        recordHintTone=hint,
        callbackTone=callback_tone,
        callbackNum=callback_num,
        callbackExpiredTime=callback_expired,
        userData=user_data,
    )
    binding = ctx.tx.insert(
        Binding(
            sub_id=ctx.new_id(),
            app_key=ctx.app.app_key,
            mode=MODE,
            x=x,
            a=a,
            ext=ext,
            created=ctx.now,
            changed=ctx.now,
            expires=ctx.now + bind_expired * UNIT_SECONDS[unit] if bind_expired else None,
            attrs=attrs,
        )
    )
    out: Payload = {
        "subscriptionId": binding.sub_id,
        "virtualNum": x,
        "extendNum": ext,
        "bindNum": a,
    }
    set_fields(out, userData=user_data)
    return out


def _target(ctx: Ctx) -> Binding:
    """The binding named by ``subscriptionId`` (wins) or ``virtualNum`` + ``extendNum``."""
    p = ctx.params
    sub_id = p.string("subscriptionId", min_len=0, max_len=64)
    x = p.number("virtualNum")
    ext = p.string("extendNum", max_len=4)
    if sub_id:
        binding = ctx.tx.get(sub_id)
        if binding is None or binding.app_key != ctx.app.app_key or binding.mode != MODE:
            raise ApiError(codes.RECORD_NOT_FOUND)
        return binding
    if x is None and ext is None:
        raise invalid("subscriptionId or virtualNum and extendNum", "is mandatory.")
    if x is None or ext is None:
        raise invalid("virtualNum and extendNum", "must be sent together.")
    _own_x(ctx, x)
    found = ctx.tx.find(x=x, ext=ext, mode=MODE)
    if not found:
        raise ApiError(codes.RECORD_NOT_FOUND)
    return found[0]


def _own_x(ctx: Ctx, x: str) -> None:
    info = ctx.tx.number(x)
    if info is None or info.app_key != ctx.app.app_key or info.kind != "X":
        raise ApiError(codes.NUMBER_NOT_OWNED)


def modify(ctx: Ctx) -> Payload:
    """Change the settings; a new ``bindExpiredTime`` counts from now, while queries keep
    reporting the bind-time ``timeUnit``/``bindExpiredTime``."""
    p = ctx.params
    display = p.enum("displayNumMode", ("0", "1"))
    record = p.boolean("recordFlag")
    hint = p.tone("recordHintTone", min_len=0)
    callback_tone, callback_num = _callback(ctx, modify=True)
    unit = p.enum("timeUnit", ("0", "1"))
    if unit is not None and not (p.has("bindExpiredTime") and p.has("callbackExpiredTime")):
        raise invalid(
            "timeUnit", "needs bindExpiredTime and callbackExpiredTime in the same request."
        )
    user_data = p.user_data()
    check_recording(ctx, record)
    check_transparent(ctx, display)
    binding = _target(ctx)
    attrs = dict(binding.attrs)
    effective_unit = unit or attrs.get("effectiveTimeUnit") or attrs["timeUnit"]
    bind_expired = _lifetime(p, "bindExpiredTime", effective_unit)
    _lifetime(p, "callbackExpiredTime", effective_unit)
    set_fields(attrs, displayNumMode=display, recordFlag=record, userData=user_data)
    apply_tone(attrs, "recordHintTone", hint)
    for name, value, other in (
        ("callbackTone", callback_tone, "callbackNum"),
        ("callbackNum", callback_num, "callbackTone"),
    ):
        apply_tone(attrs, name, value)
        if value:
            attrs.pop(other, None)
    if bind_expired is not None:
        attrs["effectiveTimeUnit"] = effective_unit
        binding.expires = (
            ctx.now + bind_expired * UNIT_SECONDS[effective_unit] if bind_expired else None
        )
    binding.attrs = attrs
    binding.changed = ctx.now
    ctx.tx.update(binding)
    return {}


def unbind(ctx: Ctx) -> Payload:
    ctx.tx.delete([_target(ctx).sub_id])
    return {}


def query_v1(ctx: Ctx) -> Payload:
    return element(_target(ctx))


def query_v2(ctx: Ctx) -> Payload:
    p = ctx.params
    cursor = p.string("cursor", min_len=0, max_len=64) or FIRST_CURSOR
    if not _CURSOR.match(cursor):
        raise invalid("cursor", f"must look like {FIRST_CURSOR}.")
    limit = p.integer("limit", 1, 100) or 50
    sub_id = p.string("subscriptionId", min_len=0, max_len=64)
    x = p.number("virtualNum")
    ext = p.string("extendNum", max_len=4)
    if sub_id or ext is not None:
        return {"bindList": [element(_target(ctx))]}
    if x is None:
        raise invalid("subscriptionId or virtualNum", "is mandatory.")
    _own_x(ctx, x)
    after = int(cursor.partition("_")[2])
    page = ctx.tx.find(x=x, mode=MODE, after_seq=after, limit=limit + 1)
    out: Payload = {"bindList": [element(b) for b in page[:limit]]}
    if len(page) > limit:
        last = page[limit - 1]
        out["nextCursor"] = f"{max(0, int(last.created * 1000)):013d}_{last.seq}"
    return out
