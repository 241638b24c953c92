"""AX: privcall's :class:`~reconciler.model.AXBinding` <-> the AX wire format.

Wire choices ([I] in the reference):

- Modify sends only what the captured modify table lists (origNum, privateSms, recordFlag,
  recordHintTone, maxDuration, lastMinVoice, userData) plus callDirection (Huawei's demo).
  ``callee_display``, ``active`` (turnFlag) and the pre-connect tones are not in the table:
  changing them is refused (:class:`~reconciler.platform.errors.NotModifiable`), so the
  reconciler replaces the binding. Change :data:`MODIFIABLE` if the platform accepts them.
- The query's ``calleeNumDisplay`` and ``preVoice`` are reported only when present;
  otherwise those fields are listed in ``Live.unreported``.
- Bind sends optional parameters only when they differ from the platform's default.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.model import Mode
from reconciler.modes import AXBinding
from reconciler.platform.live import NEVER, Live
from reconciler.platform.mapping.common import (
    DIRECTION_CODE,
    area_match,
    check_changes,
    direction,
    direction_of,
    display,
    display_of,
    subscribe_time,
    tone,
    unreported,
)
from reconciler.platform.wire import ax as wire
from reconciler.platform.wire.common import PlayInfo

FIELDS = frozenset(AXBinding.model_fields)
MODIFIABLE = frozenset(
    {
        "a",
        "sms",
        "record",
        "record_hint_tone",
        "max_duration_minutes",
        "last_minute_tone",
        "call_direction",
        "user_data",
    }
)


def _pre_voice(a_calls: str | None, others_call: str | None) -> PlayInfo | None:
    if a_calls is None and others_call is None:
        return None
    return PlayInfo(callerHintTone=a_calls, calleeHintTone=others_call)


def bind_request(binding: AXBinding, user_data: str | None) -> wire.BindRequest:
    b = binding
    return wire.BindRequest(
        origNum=b.a,
        privateNum=b.x,
        privateNumType="mobile-virtual" if b.area_code is not None else None,
        areaCode=b.area_code,
        areaMatchMode=area_match(b.area_match),
        recordFlag=True if b.record else None,
        recordHintTone=b.record_hint_tone,
        calleeNumDisplay=display(b.callee_display) if b.callee_display != "x" else None,
        privateSms=False if not b.sms else None,
        preVoice=_pre_voice(b.pre_tone_a_calls, b.pre_tone_others_call),
        maxDuration=b.max_duration_minutes or None,
        lastMinVoice=b.last_minute_tone,
        turnFlag=None if b.active else "off",
        callDirection=DIRECTION_CODE[b.call_direction] or None,
        userData=user_data,
    )


def modify_request(subscription_id: str, changes: Mapping[str, Any]) -> wire.ModifyRequest:
    check_changes(Mode.AX, changes, FIELDS, MODIFIABLE)
    out: dict[str, Any] = {"subscriptionId": subscription_id}
    for name, value in changes.items():
        if name == "a":
            out["origNum"] = value
        elif name == "sms":
            out["privateSms"] = bool(value)
        elif name == "record":
            out["recordFlag"] = bool(value)
        elif name == "record_hint_tone":
            out["recordHintTone"] = tone(value)
        elif name == "max_duration_minutes":
            out["maxDuration"] = int(value)
        elif name == "last_minute_tone":
            out["lastMinVoice"] = tone(value)
        elif name == "call_direction":
            out["callDirection"] = DIRECTION_CODE[direction(value)]
        elif name == "user_data":
            out["userData"] = value
    return wire.ModifyRequest(**out)


def live(info: wire.BindingInfo) -> Live:
    fields: dict[str, Any] = {
        "a": info.origNum,
        "x": info.privateNum,
        "record": info.recordFlag,
        "last_minute_tone": info.lastMinVoice,
        "active": info.turnFlag != "off",
        "call_direction": direction_of(info.callDirection),
        "sms": info.privateSms,
        "max_duration_minutes": info.maxDuration,
    }
    if info.recordFlag or info.reported("recordHintTone"):
        fields["record_hint_tone"] = info.recordHintTone
    if info.reported("calleeNumDisplay"):
        fields["callee_display"] = display_of(info.calleeNumDisplay)
    if info.reported("preVoice"):
        pre = info.preVoice or PlayInfo()
        fields["pre_tone_a_calls"] = pre.callerHintTone or None
        fields["pre_tone_others_call"] = pre.calleeHintTone or None
    return Live(
        mode=Mode.AX,
        subscription_id=info.subscriptionId,
        x=info.privateNum,
        a=info.origNum,
        fields=fields,
        unreported=unreported(FIELDS, fields),
        user_data=info.userData,
        bound_at=subscribe_time(info.subscribeTime),
        lifetime=NEVER,
        wire=info,
    )
