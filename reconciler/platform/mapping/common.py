"""Mapping rules every mode shares: lifetimes, enum codes, times, change checking.

The [I] wire choices that concern several modes are here, each in one place:

- ``subscribeTime`` is read as UTC (:data:`SUBSCRIBE_TIME_ZONE`).
- A tone set to ``None`` in a modify is sent as ``""`` (clears it), as AXE's modify
  documents; [I] for AX and AXB.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import Any

from reconciler.model import AreaMatch, CallDirection, CalleeDisplay, Mode
from reconciler.modes import domain
from reconciler.platform.errors import LifetimeError, LocalRefusal, NotModifiable

SUBSCRIBE_TIME_ZONE: tzinfo = UTC
"""[I] The zone of ``subscribeTime`` ("server time at binding"): UTC, like the CDR times."""

DIRECTION_CODE: dict[CallDirection, int] = {
    CallDirection.both: 0,
    CallDirection.a_only: 1,
    CallDirection.b_only: 2,
}
DIRECTION_OF: dict[int, CallDirection] = {v: k for k, v in DIRECTION_CODE.items()}
AREA_MATCH_CODE: dict[AreaMatch, str] = {AreaMatch.strict: "0", AreaMatch.loose: "1"}
DISPLAY_CODE: dict[CalleeDisplay, str] = {CalleeDisplay.x: "0", CalleeDisplay.real_caller: "1"}
DISPLAY_OF: dict[str, CalleeDisplay] = {v: k for k, v in DISPLAY_CODE.items()}

MODIFY_EXTRA = frozenset({"user_data"})
"""Names a ``changes`` mapping may hold beside the model's fields."""


def _left(expires: datetime, now: datetime, mode: Mode, what: str) -> timedelta:
    if expires.tzinfo is None or now.tzinfo is None:
        raise LocalRefusal(f"{what} and now must be timezone-aware datetimes")
    left = expires - now
    if left <= timedelta(0):
        raise LifetimeError(
            f"{what} {expires.isoformat()} has already passed (now {now.isoformat()}): a "
            f"{mode} binding cannot be bound or modified to expire in the past",
            hint=f"move {what} into the future, or remove the binding",
        )
    return left


def _over_cap(amount: int, cap: int, unit: str, mode: Mode, what: str) -> LifetimeError:
    return LifetimeError(
        f"{what} is {amount:,} {unit} away, beyond the {cap:,} {unit} a {mode} binding may "
        "live from when it is bound or modified",
        hint=f"set {what} at most that far ahead and move it later",
    )


def _cap_seconds(mode: Mode) -> int:
    cap = domain(mode).max_lifetime
    assert cap is not None, f"{mode} bindings do not expire"
    return int(cap.total_seconds())


def lifetime_seconds(expires: datetime, now: datetime, mode: Mode, *, what: str = "expires") -> int:
    """The wire duration in whole seconds (rounded up) from ``now`` until ``expires``.
    A past ``expires`` is an error (0 would mean "never"), so is one beyond the cap."""
    seconds = math.ceil(_left(expires, now, mode, what).total_seconds())
    cap = _cap_seconds(mode)
    if seconds > cap:
        raise _over_cap(seconds, cap, "seconds", mode, what)
    return seconds


def lifetime_minutes(expires: datetime, now: datetime, mode: Mode, *, what: str = "expires") -> int:
    """Like :func:`lifetime_seconds`, in whole minutes (rounded up)."""
    minutes = math.ceil(_left(expires, now, mode, what).total_seconds() / 60)
    cap = _cap_seconds(mode) // 60
    if minutes > cap:
        raise _over_cap(minutes, cap, "minutes", mode, what)
    return minutes


def subscribe_time(text: str | None) -> datetime | None:
    """``subscribeTime`` (``yyyy-MM-dd HH:mm:ss``, single digits allowed) as an aware time."""
    return _subscribe_time(text) if text else None


@lru_cache(maxsize=4096)
def _subscribe_time(text: str) -> datetime | None:
    try:
        parsed = datetime.strptime(text.strip(), "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None
    return parsed.replace(tzinfo=SUBSCRIBE_TIME_ZONE)


def direction(value: Any) -> CallDirection:
    return CallDirection(value)


def direction_of(code: int) -> CallDirection | int:
    """The privcall direction of a wire code (an unknown code is kept as is)."""
    return DIRECTION_OF.get(code, code)


def area_match(value: AreaMatch | str | None) -> str | None:
    return None if value is None else AREA_MATCH_CODE[AreaMatch(value)]


def display(value: CalleeDisplay | str) -> str:
    return DISPLAY_CODE[CalleeDisplay(value)]


def display_of(code: str | None) -> CalleeDisplay | str | None:
    if code is None:
        return None
    return DISPLAY_OF.get(code, code)


def check_changes(
    mode: Mode,
    changes: Mapping[str, Any],
    model_fields: frozenset[str],
    modifiable: frozenset[str],
) -> None:
    """Refuse names that are not privcall fields, and fields the modify API cannot change."""
    unknown = sorted(set(changes) - model_fields - MODIFY_EXTRA)
    if unknown:
        raise LocalRefusal(
            f"{', '.join(unknown)}: not a field of a {mode} binding",
            hint="changes are keyed by privcall's field names (snake_case, as in the YAML)",
        )
    refused = sorted(set(changes) - modifiable)
    if refused:
        raise NotModifiable(str(mode), refused, sorted(modifiable))
    if "user_data" in changes and not changes["user_data"]:
        raise LocalRefusal(
            "user_data cannot be cleared by a modify: the platform takes 1-256 characters",
            hint="set user_data to a value, or replace the binding",
        )


def pick(name: str, changes: Mapping[str, Any], desired: object | None) -> tuple[bool, Any]:
    """A companion value the wire needs together with a change: from ``changes``, else
    from the ``desired`` binding. ``(False, None)`` if neither has it."""
    if name in changes:
        return True, changes[name]
    if desired is not None and hasattr(desired, name):
        return True, getattr(desired, name)
    return False, None


def tone(value: str | None) -> str:
    """A tone in a modify: ``None`` clears it (sent as ``""``)."""
    return value or ""


NOT_LIVE_FIELDS = frozenset({"key", "protect", "user_data"})
"""Model fields a live binding cannot have: privcall's own (in the marker) and user_data
(reported raw in :attr:`Live.user_data`)."""


def unreported(model_fields: frozenset[str], fields: Mapping[str, Any]) -> frozenset[str]:
    """The model fields the query did not report (privcall's own fields excluded)."""
    return _unreported(model_fields, frozenset(fields))


@lru_cache(maxsize=256)
def _unreported(model_fields: frozenset[str], reported: frozenset[str]) -> frozenset[str]:
    return model_fields - reported - NOT_LIVE_FIELDS
