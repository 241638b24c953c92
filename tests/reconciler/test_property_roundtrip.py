"""For every field of every mode: apply, then plan is empty; change anything, apply again,
plan is empty again (property-based over generated desired states, through the CLI)."""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.reconciler.repo import APPS, run, write_repo

TONES = st.sampled_from(["a.wav", "b.wav", "long-name_tone.mp3"])
MAYBE_TONE = st.none() | TONES
USER_DATA = st.none() | st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E, exclude_characters="{}"),
    min_size=1,
    max_size=40,
).filter(lambda s: s.strip() == s)
DIRECTION = st.sampled_from(["both", "a_only", "b_only"])
DISPLAY = st.sampled_from(["x", "real_caller"])
NOW = datetime.now(UTC).replace(second=0, microsecond=0)
EXPIRES = st.none() | st.integers(min_value=60, max_value=80 * 24 * 60).map(
    lambda minutes: (NOW + timedelta(minutes=minutes)).isoformat()
)


@st.composite
def _common(draw: st.DrawFn) -> dict[str, Any]:
    record = draw(st.booleans())
    return {
        "record": record,
        "record_hint_tone": draw(TONES) if record else draw(MAYBE_TONE),
        "user_data": draw(USER_DATA),
        "protect": False,
    }


@st.composite
def _limits(draw: st.DrawFn) -> dict[str, Any]:
    minutes = draw(st.sampled_from([0, 1, 30, 1440]))
    return {
        "max_duration_minutes": minutes,
        "last_minute_tone": draw(MAYBE_TONE) if minutes else None,
    }


@st.composite
def ax(draw: st.DrawFn, i: int, x: str | None) -> dict[str, Any]:
    return {
        "a": f"+8613800000{i:03d}",
        **({"x": x} if x else {"area_code": "0755"}),
        **draw(_common()),
        **draw(_limits()),
        "call_direction": draw(DIRECTION),
        "callee_display": draw(DISPLAY),
        "sms": draw(st.booleans()),
        "active": draw(st.booleans()),
        "pre_tone_a_calls": draw(MAYBE_TONE),
        "pre_tone_others_call": draw(MAYBE_TONE),
    }


@st.composite
def axb(draw: st.DrawFn, i: int, x: str | None) -> dict[str, Any]:
    return {
        "a": f"+8613900000{i:03d}",
        "b": f"+86137{draw(st.integers(0, 3)):02d}0000{i:02d}",
        **({"x": x} if x else {"area_code": draw(st.sampled_from(["0755", "010"]))}),
        **draw(_common()),
        **draw(_limits()),
        "call_direction": draw(DIRECTION),
        "expires": draw(EXPIRES),
        "sms": draw(st.booleans()),
        "pre_tone_a_calls": draw(MAYBE_TONE),
        "pre_tone_b_calls": draw(MAYBE_TONE),
    }


@st.composite
def axe(draw: st.DrawFn, i: int, x: str | None) -> dict[str, Any]:
    callback = draw(st.sampled_from(["tone", "number", None]))
    return {
        "a": f"+8613600000{i:03d}",
        **({"x": x, "extension": f"{100 + i}"} if x else {"area_code": "021"}),
        **draw(_common()),
        "callee_display": draw(DISPLAY),
        "expires": draw(EXPIRES),
        "callback_tone": draw(TONES) if callback == "tone" else None,
        "callback_number": f"+8613600009{i:03d}" if callback == "number" else None,
        "callback_window_minutes": draw(st.none() | st.sampled_from([0, 60, 1440])),
    }


@st.composite
def axyb(draw: st.DrawFn, i: int, x: str | None) -> dict[str, Any]:
    expires = draw(EXPIRES)
    b_expires = None
    if expires is not None and draw(st.booleans()):
        end = datetime.fromisoformat(expires)
        b_expires = (end - timedelta(minutes=draw(st.integers(0, 50)))).isoformat()
    return {
        "a": f"+8613500000{i:03d}",
        "b": f"+8613400000{i:03d}",
        "area_code": "0755",
        "y_area_code": draw(st.sampled_from([None, "0755"])),
        **draw(_common()),
        "call_direction": draw(DIRECTION),
        "expires": expires,
        "b_expires": b_expires,
        "pre_tone_x": draw(MAYBE_TONE),
        "pre_tone_y": draw(MAYBE_TONE),
    }


PINNABLE = {
    # AX numbers are exclusive: pins come from another city than the area bindings' pool
    "couriers": [n["number"] for n in APPS["couriers"]["numbers"] if n["area_code"] == "020"],
    "orders": ["+8675500020001", "+8675500020002"],
    "stores": ["+862160030001", "+862160030002"],
    "rides": [],
}
BUILDERS = {"couriers": ax, "orders": axb, "stores": axe, "rides": axyb}


@st.composite
def states(draw: st.DrawFn, app: str) -> list[dict[str, Any]]:
    """A desired state of 1-4 bindings with keys k0..k3 (some may be absent)."""
    pins = PINNABLE[app]
    free = list(pins)
    items = []
    for i in draw(st.sets(st.integers(0, 3), min_size=1, max_size=4)):
        x = None
        if free and draw(st.booleans()):
            x = draw(st.sampled_from(free))
            if app == "couriers":
                free.remove(x)
        binding = draw(BUILDERS[app](i, x))
        items.append({"key": f"k{i}", **{k: v for k, v in binding.items() if v is not None}})
    return items


def _apply_and_replan(root: Path) -> None:
    applied = run("apply", "-C", str(root), "--auto-approve", "--format", "json")
    assert applied.exit_code == 0, applied.stdout + applied.stderr
    planned = run("plan", "-C", str(root), "--format", "json")
    document = json.loads(planned.stdout)
    leftover = [op for app in document["apps"] for op in app["operations"]]
    assert leftover == [], json.dumps(leftover, indent=1)


def _roundtrip(app: str, first: list[dict[str, Any]], second: list[dict[str, Any]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_repo(root, {app: first}, {app: APPS[app]})
        _apply_and_replan(root)
        write_repo(root, {app: second}, {app: APPS[app]})
        _apply_and_replan(root)


SETTINGS = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@SETTINGS
@given(st.data())
def test_ax_every_field_applies_and_replans_empty(data: st.DataObject) -> None:
    _roundtrip("couriers", data.draw(states("couriers")), data.draw(states("couriers")))


@SETTINGS
@given(st.data())
def test_axb_every_field_applies_and_replans_empty(data: st.DataObject) -> None:
    _roundtrip("orders", data.draw(states("orders")), data.draw(states("orders")))


@SETTINGS
@given(st.data())
def test_axe_every_field_applies_and_replans_empty(data: st.DataObject) -> None:
    _roundtrip("stores", data.draw(states("stores")), data.draw(states("stores")))


@SETTINGS
@given(st.data())
def test_axyb_every_field_applies_and_replans_empty(data: st.DataObject) -> None:
    _roundtrip("rides", data.draw(states("rides")), data.draw(states("rides")))
