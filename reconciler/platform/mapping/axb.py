"""AXB: privcall's :class:`~reconciler.model.AXBBinding` <-> the AXB wire format.

Wire choices ([I] in the reference):

- ``expires`` is sent as ``duration`` in whole seconds from ``now`` (rounded up);
  no ``expires`` binds with no duration (never) and modifies to ``duration: 0``.
- ``preVoice`` is one object on the wire: a change of either pre-connect tone sends both
  (the other from ``changes`` or the desired binding).
- ``recordHintTone`` and ``userData`` are sent in a modify although the captured table does
  not list them (recording needs the tone; the platform echoes userData).
- The query's ``lastMinVoice``, ``privateSms`` and ``preVoice`` are reported only when
  present; otherwise listed in ``Live.unreported``. ``expires`` is ``subscribeTime`` (the
  bind or the last modify, which restarts the timer) plus ``duration``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from reconciler.model import Mode
from reconciler.modes import AXBBinding
from reconciler.platform.errors import LocalRefusal
from reconciler.platform.live import Live
from reconciler.platform.mapping.common import (
    DIRECTION_CODE,
    area_match,
    check_changes,
    direction,
    direction_of,
    lifetime_seconds,
    pick,
    subscribe_time,
    tone,
    unreported,
)
from reconciler.platform.wire import axb as wire
from reconciler.platform.wire.common import PlayInfo

FIELDS = frozenset(AXBBinding.model_fields)
MODIFIABLE = frozenset(
    {
        "a",
        "b",
        "call_direction",
        "expires",
        "max_duration_minutes",
        "last_minute_tone",
        "sms",
        "record",
        "record_hint_tone",
        "pre_tone_a_calls",
        "pre_tone_b_calls",
        "user_data",
    }
)


def _pre_voice(a_calls: str | None, b_calls: str | None) -> PlayInfo | None:
    if a_calls is None and b_calls is None:
        return None
    return PlayInfo(callerHintTone=a_calls, calleeHintTone=b_calls)


def bind_request(binding: AXBBinding, user_data: str | None, now: datetime) -> wire.BindRequest:
    b = binding
    return wire.BindRequest(
        relationNum=b.x,
        callerNum=b.a,
        calleeNum=b.b,
        areaCode=b.area_code,
        areaMatchMode=area_match(b.area_match),
        callDirection=DIRECTION_CODE[b.call_direction] or None,
        duration=lifetime_seconds(b.expires, now, Mode.AXB) if b.expires else None,
        recordFlag=True if b.record else None,
        recordHintTone=b.record_hint_tone,
        maxDuration=b.max_duration_minutes or None,
        lastMinVoice=b.last_minute_tone,
        privateSms=False if not b.sms else None,
        preVoice=_pre_voice(b.pre_tone_a_calls, b.pre_tone_b_calls),
        userData=user_data,
    )


def _pre_voice_change(changes: Mapping[str, Any], desired: AXBBinding | None) -> PlayInfo:
    tones: list[str] = []
    for name in ("pre_tone_a_calls", "pre_tone_b_calls"):
        found, value = pick(name, changes, desired)
        if not found:
            raise LocalRefusal(
                f"{name} is needed to change the other pre-connect tone: preVoice is one "
                "object on the wire",
                hint="give both pre-connect tones in changes, or pass the desired binding",
            )
        tones.append(tone(value))
    return PlayInfo(callerHintTone=tones[0], calleeHintTone=tones[1])


def modify_request(
    subscription_id: str,
    changes: Mapping[str, Any],
    now: datetime,
    desired: AXBBinding | None = None,
) -> wire.ModifyRequest:
    check_changes(Mode.AXB, changes, FIELDS, MODIFIABLE)
    out: dict[str, Any] = {"subscriptionId": subscription_id}
    simple = {
        "a": "callerNum",
        "b": "calleeNum",
        "max_duration_minutes": "maxDuration",
        "sms": "privateSms",
        "record": "recordFlag",
        "user_data": "userData",
    }
    for name, value in changes.items():
        if name in simple:
            out[simple[name]] = value
        elif name == "call_direction":
            out["callDirection"] = DIRECTION_CODE[direction(value)]
        elif name == "expires":
            out["duration"] = lifetime_seconds(value, now, Mode.AXB) if value else 0
        elif name == "last_minute_tone":
            out["lastMinVoice"] = tone(value)
        elif name == "record_hint_tone":
            out["recordHintTone"] = tone(value)
    if "pre_tone_a_calls" in changes or "pre_tone_b_calls" in changes:
        out["preVoice"] = _pre_voice_change(changes, desired)
    return wire.ModifyRequest(**out)


def live(info: wire.BindingInfo) -> Live:
    bound_at = subscribe_time(info.subscribeTime)
    lifetime = timedelta(seconds=info.duration)
    fields: dict[str, Any] = {
        "a": info.callerNum,
        "b": info.calleeNum,
        "x": info.relationNum,
        "call_direction": direction_of(info.callDirection),
        "max_duration_minutes": info.maxDuration,
        "record": info.recordFlag,
    }
    if info.duration == 0:
        fields["expires"] = None
    elif bound_at is not None:
        fields["expires"] = bound_at + lifetime
    sent = info.model_fields_set
    if info.recordFlag or "recordHintTone" in sent:
        fields["record_hint_tone"] = info.recordHintTone
    if "lastMinVoice" in sent:
        fields["last_minute_tone"] = info.lastMinVoice or None
    if "privateSms" in sent:
        fields["sms"] = info.privateSms
    if "preVoice" in sent:
        pre = info.preVoice or PlayInfo()
        fields["pre_tone_a_calls"] = pre.callerHintTone or None
        fields["pre_tone_b_calls"] = pre.calleeHintTone or None
    return Live(
        mode=Mode.AXB,
        subscription_id=info.subscriptionId,
        x=info.relationNum,
        a=info.callerNum,
        b=info.calleeNum,
        fields=fields,
        unreported=unreported(FIELDS, fields),
        user_data=info.userData,
        bound_at=bound_at,
        lifetime=lifetime,
        wire=info,
    )
