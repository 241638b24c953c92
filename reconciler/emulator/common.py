"""What the four modes share: the request context, number ownership, allocation, rendering."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from reconciler.emulator import codes
from reconciler.emulator.codes import ApiError, Result, invalid
from reconciler.emulator.config import AppSpec, EmulatorConfig
from reconciler.emulator.params import Params
from reconciler.emulator.store import NumberInfo, Tx

Payload = dict[str, Any]


@dataclass
class Ctx:
    """One authenticated request being handled inside its transaction."""

    tx: Tx
    app: AppSpec
    config: EmulatorConfig
    now: float
    params: Params

    @staticmethod
    def new_id() -> str:
        return str(uuid.uuid4())


def wire_time(timestamp: float) -> str:
    """``subscribeTime``: ``yyyy-MM-dd HH:mm:ss`` in UTC."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S")


def iso_time(timestamp: float | None) -> str | None:
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, UTC).isoformat().replace("+00:00", "Z")


def wire_bool(value: bool) -> str:
    """Booleans are reported as the strings ``"true"``/``"false"`` (String(enum) on the wire)."""
    return "true" if value else "false"


def set_fields(target: dict[str, Any], **values: Any) -> None:
    """Copy the values that were sent (not ``None``) into ``target``."""
    for name, value in values.items():
        if value is not None:
            target[name] = value


def apply_tone(target: dict[str, Any], name: str, value: str | None) -> None:
    """In a modify: ``None`` leaves the tone, ``""`` clears it, a name sets it."""
    if value is None:
        return
    if value == "":
        target.pop(name, None)
    else:
        target[name] = value


def check_recording(ctx: Ctx, record: bool | None) -> None:
    if record and not ctx.app.recording:
        raise ApiError(codes.NO_RECORDING)


def check_transparent(ctx: Ctx, display: str | None) -> None:
    if display == "1" and not ctx.app.transparent:
        raise ApiError(codes.TRANSPARENT_NOT_ALLOWED)


def check_last_min_voice(last_min_voice: str | None, max_duration: int | None) -> None:
    if last_min_voice and not max_duration:
        raise invalid("lastMinVoice", "is only valid when maxDuration is not 0.")


def owned(
    ctx: Ctx, number: str, *, kind: str = "X", not_owned: Result, unknown: Result | None = None
) -> NumberInfo:
    """The app's own number ``number``; else ``not_owned`` (or ``unknown`` when the number
    is in no app's pool at all and the API distinguishes that case)."""
    info = ctx.tx.number(number)
    if info is None and unknown is not None:
        raise ApiError(unknown)
    if info is None or info.app_key != ctx.app.app_key or info.kind != kind:
        raise ApiError(not_owned)
    return info


def allocate(
    ctx: Ctx,
    *,
    kind: str,
    area_code: str | None,
    loose: bool,
    usable: Callable[[NumberInfo], bool],
    none_left: Result,
    prefer_area: str | None = None,
) -> NumberInfo:
    """Pick a number of the app's pool for a new binding.

    With ``area_code``: a usable number of that city; when there is none, strict matching
    fails with ``none_left`` and loose matching takes any usable number of the pool.
    Without it: any usable number, those of ``prefer_area`` first. Within a group the
    lowest usable number wins, so allocation is deterministic.
    """
    if area_code is not None:
        found = _first_usable(ctx.tx.pool(ctx.app.app_key, kind, area_code), usable)
        if found is not None:
            return found
        if not loose:
            raise ApiError(none_left)
    elif prefer_area is not None:
        found = _first_usable(ctx.tx.pool(ctx.app.app_key, kind, prefer_area), usable)
        if found is not None:
            return found
    found = _first_usable(ctx.tx.pool(ctx.app.app_key, kind), usable)
    if found is None:
        raise ApiError(none_left)
    return found


def _first_usable(
    candidates: list[NumberInfo], usable: Callable[[NumberInfo], bool]
) -> NumberInfo | None:
    for candidate in candidates:
        if usable(candidate):
            return candidate
    return None


def need_one_of(ctx: Ctx, *names: str) -> None:
    if not any(ctx.params.has(name) for name in names):
        raise invalid(" or ".join(names), "is mandatory.")
