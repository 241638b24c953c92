"""AXYB: privcall's :class:`~reconciler.model.AXYBBinding` <-> the AXYB wire format.

Bind is two calls: the AX step (A gets X in ``area_code``) and the YB step (B gets Y in
``y_area_code``, else ``area_code``). There is no modify API: every change replaces.

Wire choices ([I] in the reference):

- ``duration`` is always sent (seconds from ``now``, rounded up; ``0`` = never), because
  the platform's default when omitted is 7200 s, not "never". ``ybDuration`` is sent in the
  YB step only, from ``b_expires`` (omitted: B's side ends with the binding).
- ``expires``/``b_expires`` are reported as ``subscribeTime`` plus ``duration`` /
  ``ybDuration``; ``subscribeTime`` is the time of the YB step (the last change), so they
  can be up to the seconds between the two steps later than the real expiry.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from reconciler.model import Mode
from reconciler.modes import AXYBBinding, domain
from reconciler.platform.errors import LifetimeError
from reconciler.platform.live import Live
from reconciler.platform.mapping.common import (
    DIRECTION_CODE,
    area_match,
    direction_of,
    lifetime_seconds,
    subscribe_time,
    unreported,
)
from reconciler.platform.wire import axyb as wire

FIELDS = frozenset(AXYBBinding.model_fields)
MODIFIABLE: frozenset[str] = frozenset()
_FLOOR = domain(Mode.AXYB).min_lifetime
assert _FLOOR is not None
_MIN = int(_FLOOR.total_seconds())


def _seconds(expires: datetime | None, now: datetime, what: str) -> int:
    if expires is None:
        return 0
    seconds = lifetime_seconds(expires, now, Mode.AXYB, what=what)
    if seconds < _MIN:
        raise LifetimeError(
            f"{what} is {seconds} s away; an AXYB binding must be bound for at least {_MIN} s",
            hint=f"move {what} later, or remove the binding",
        )
    return seconds


def ax_step(binding: AXYBBinding, user_data: str | None, now: datetime) -> wire.AxBindRequest:
    b = binding
    if b.b_expires is not None:
        _seconds(b.b_expires, now, "b_expires")
    return wire.AxBindRequest(
        origNum=b.a,
        areaCode=b.area_code,
        areaMatchMode=area_match(b.area_match),
        callDirection=DIRECTION_CODE[b.call_direction] or None,
        duration=_seconds(b.expires, now, "expires"),
        recordFlag=True if b.record else None,
        recordHintTone=b.record_hint_tone,
        preVoiceX=b.pre_tone_x,
        userData=user_data,
    )


def yb_step(binding: AXYBBinding, subscription_id: str, now: datetime) -> wire.YbBindRequest:
    b = binding
    return wire.YbBindRequest(
        origNum=b.b,
        subscriptionId=subscription_id,
        areaCode=b.y_area_code or b.area_code,
        areaMatchMode=area_match(b.area_match),
        preVoiceY=b.pre_tone_y,
        ybDuration=_seconds(b.b_expires, now, "b_expires") if b.b_expires else None,
    )


def live(info: wire.BindingInfo) -> Live:
    bound_at = subscribe_time(info.subscribeTime)
    fields: dict[str, Any] = {
        "a": info.numA,
        "b": info.numB,
        "record": info.recordFlag,
        "record_hint_tone": info.recordHintTone,
        "call_direction": direction_of(info.callDirection),
        "pre_tone_x": info.preVoiceX or None,
        "pre_tone_y": info.preVoiceY or None,
    }
    for name, seconds in (("expires", info.duration), ("b_expires", info.ybDuration)):
        if seconds == 0:
            fields[name] = None
        elif bound_at is not None:
            fields[name] = bound_at + timedelta(seconds=seconds)
    return Live(
        mode=Mode.AXYB,
        subscription_id=info.bindId,
        x=info.numX,
        a=info.numA,
        b=info.numB,
        y=info.numY,
        fields=fields,
        unreported=unreported(FIELDS, fields),
        user_data=info.userData,
        bound_at=bound_at,
        lifetime=timedelta(seconds=info.duration),
        b_lifetime=timedelta(seconds=info.ybDuration),
        wire=info,
    )
