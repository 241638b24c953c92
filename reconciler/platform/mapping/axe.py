"""AXE: privcall's :class:`~reconciler.model.AXEBinding` <-> the AXE wire format.

Wire choices ([I] in the reference):

- Lifetimes are sent in minutes: ``timeUnit: "1"`` with ``bindExpiredTime`` (whole minutes
  from ``now``, rounded up; ``0`` = never, always sent, because the platform's default is
  not "never") and ``callbackExpiredTime`` = ``callback_window_minutes``.
- A modify that sends ``timeUnit`` must send ``bindExpiredTime`` and ``callbackExpiredTime``
  too (documented). A change of ``expires`` or ``callback_window_minutes`` therefore sends
  all three, the other value from ``changes`` or the desired binding. When the callback
  window is not known (not declared), ``bindExpiredTime`` is sent alone, without
  ``timeUnit``: it is then read in the binding's bind-time unit, which is minutes for every
  binding privcall binds.
- ``callbackTone``/``callbackNum`` exclude each other: a modify setting one sends only that
  one (the platform drops the other); clearing one sends ``""``.
- The query reports the *bind-time* ``timeUnit``/``bindExpiredTime``/``callbackExpiredTime``
  and no ``subscribeTime``: ``expires`` and ``callback_window_minutes`` are unreported
  (compare them through the marker); ``Live.lifetime`` is the reported bind-time lifetime.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from reconciler.model import Mode
from reconciler.modes import AXEBinding
from reconciler.platform.errors import LocalRefusal
from reconciler.platform.live import Live
from reconciler.platform.mapping.common import (
    area_match,
    check_changes,
    display,
    display_of,
    lifetime_minutes,
    pick,
    tone,
    unreported,
)
from reconciler.platform.wire import axe as wire

FIELDS = frozenset(AXEBinding.model_fields)
MODIFIABLE = frozenset(
    {
        "callee_display",
        "record",
        "record_hint_tone",
        "callback_tone",
        "callback_number",
        "callback_window_minutes",
        "expires",
        "user_data",
    }
)
UNIT = timedelta(minutes=1)
UNIT_OF: dict[str, timedelta] = {wire.HOURS: timedelta(hours=1), wire.MINUTES: UNIT}


def _minutes(expires: datetime | None, now: datetime) -> int:
    return lifetime_minutes(expires, now, Mode.AXE) if expires is not None else 0


def bind_request(binding: AXEBinding, user_data: str | None, now: datetime) -> wire.BindRequest:
    b = binding
    return wire.BindRequest(
        bindNum=b.a,
        virtualNum=b.x,
        areaCode=b.area_code,
        areaMatchMode=area_match(b.area_match),
        extendNum=b.extension,
        displayNumMode=display(b.callee_display) if b.callee_display != "x" else None,
        recordFlag=True if b.record else None,
        recordHintTone=b.record_hint_tone,
        callbackTone=b.callback_tone,
        callbackNum=b.callback_number,
        timeUnit=wire.MINUTES,
        bindExpiredTime=_minutes(b.expires, now),
        callbackExpiredTime=b.callback_window_minutes,
        userData=user_data,
    )


def _lifetimes(
    changes: Mapping[str, Any], now: datetime, desired: AXEBinding | None
) -> dict[str, Any]:
    has_expires, expires = pick("expires", changes, desired)
    _, window = pick("callback_window_minutes", changes, desired)
    if not has_expires:
        raise LocalRefusal(
            "expires is needed to change callback_window_minutes: the platform takes "
            "callbackExpiredTime only with timeUnit and bindExpiredTime",
            hint="give expires in changes too, or pass the desired binding",
        )
    if window is None:
        return {"bindExpiredTime": _minutes(expires, now)}
    return {
        "timeUnit": wire.MINUTES,
        "bindExpiredTime": _minutes(expires, now),
        "callbackExpiredTime": int(window),
    }


def modify_request(
    subscription_id: str,
    changes: Mapping[str, Any],
    now: datetime,
    desired: AXEBinding | None = None,
) -> wire.ModifyRequest:
    check_changes(Mode.AXE, changes, FIELDS, MODIFIABLE)
    out: dict[str, Any] = {"subscriptionId": subscription_id}
    for name, value in changes.items():
        if name == "callee_display":
            out["displayNumMode"] = display(value)
        elif name == "record":
            out["recordFlag"] = bool(value)
        elif name == "record_hint_tone":
            out["recordHintTone"] = tone(value)
        elif name == "user_data":
            out["userData"] = value
    if "expires" in changes or "callback_window_minutes" in changes:
        out.update(_lifetimes(changes, now, desired))
    new_tone, new_number = changes.get("callback_tone"), changes.get("callback_number")
    if new_tone:
        out["callbackTone"] = new_tone
    elif new_number:
        out["callbackNum"] = new_number
    else:
        if "callback_tone" in changes:
            out["callbackTone"] = ""
        if "callback_number" in changes:
            out["callbackNum"] = ""
    return wire.ModifyRequest(**out)


def live(info: wire.BindingInfo) -> Live:
    fields: dict[str, Any] = {
        "a": info.bindNum,
        "x": info.virtualNum,
        "extension": info.extendNum,
        "callee_display": display_of(info.displayNumMode),
        "record": info.recordFlag,
        "callback_tone": info.callbackTone or None,
        "callback_number": info.callbackNum or None,
    }
    if info.recordFlag or info.reported("recordHintTone"):
        fields["record_hint_tone"] = info.recordHintTone
    lifetime = None
    if info.bindExpiredTime is not None:
        lifetime = info.bindExpiredTime * UNIT_OF.get(info.timeUnit or wire.HOURS, UNIT)
    return Live(
        mode=Mode.AXE,
        subscription_id=info.subscriptionId,
        x=info.virtualNum,
        a=info.bindNum,
        extension=info.extendNum,
        fields=fields,
        unreported=unreported(FIELDS, fields),
        user_data=info.userData,
        lifetime=lifetime,
        wire=info,
    )
