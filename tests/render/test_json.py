"""The JSON renderer: versioned, the keys of docs/plan-json.md, masked values."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from reconciler.render import FORMAT_VERSION, plan_document, render_json
from tests.render.plans import A1, A2, A3, X2, big_plan, empty_plan, full_plan, masker

DOC = Path(__file__).resolve().parents[2] / "docs" / "plan-json.md"
_ROW = re.compile(r"^\| `([^`]+)` \|")


def documented() -> dict[str, set[str]]:
    """Per heading of docs/plan-json.md, the field names its table lists."""
    found: dict[str, set[str]] = {}
    heading = ""
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
        elif match := _ROW.match(line):
            found.setdefault(heading, set()).add(match.group(1))
    return found


def _top(names: set[str]) -> set[str]:
    return {name.split(".")[0] for name in names}


def _document() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(render_json(full_plan(), masker()))
    return loaded


def test_the_json_round_trips_and_equals_the_document() -> None:
    plan = full_plan()
    assert json.loads(render_json(plan, masker())) == plan_document(plan, masker())


def test_every_key_is_documented_and_every_documented_key_is_there() -> None:
    doc = documented()
    data = _document()
    assert set(data) == doc["The document"]
    assert {f"summary.{k}" for k in data["summary"]} == doc["`summary`"]
    live_keys = doc["`live` (in operations and notes)"]
    for app in data["apps"]:
        assert set(app) == _top(doc["`apps[]`"])
        assert {f"summary.{k}" for k in app["summary"]} == doc["`apps[]`"] - _top(doc["`apps[]`"])
        for op in app["operations"]:
            assert set(op) == doc["`apps[].operations[]`"]
            for change in op["changes"]:
                assert set(change) == doc["`apps[].operations[].changes[]`"]
            if op["live"] is not None:
                assert set(op["live"]) == live_keys
        for note in app["notes"]:
            assert set(note) == doc["`apps[].notes[]`"]
            if note["live"] is not None:
                assert set(note["live"]) == live_keys


def test_the_summary_counts_every_kind_and_note() -> None:
    data = _document()
    assert data["format_version"] == FORMAT_VERSION == 1
    assert data["planned_at"] == "2026-03-01T09:30:00+00:00"
    assert data["checksum"] == full_plan().checksum
    assert (data["masked"], data["sandbox"], data["has_changes"]) == (True, True, True)
    assert data["summary"] == {
        "operations": {"bind": 2, "modify": 2, "replace": 3, "unbind": 1, "adopt": 1, "dedupe": 0},
        "notes": {"protected": 1, "blocked": 1, "conflict": 1, "expired": 1, "foreign": 3},
        "refusals": 2,
        "number_may_change": 3,
    }
    assert [(a["app"], a["mode"], a["sandbox"], a["existing"]) for a in data["apps"]] == [
        ("couriers", "AX", True, 12),
        ("orders", "AXB", False, 40),
        ("shops", "AXE", False, 3),
        ("pairs", "AXYB", False, 1),
    ]


def test_a_modify_with_an_unreported_field_and_an_out_of_band_change() -> None:
    modify = _document()["apps"][0]["operations"][1]
    assert {k: v for k, v in modify.items() if k != "desired"} == {
        "kind": "modify",
        "symbol": "~",
        "key": "courier-li",
        "reason": "changed on the platform, out of band: a",
        "subscription_id": "sub-2",
        "x": X2,
        "number_may_change": False,
        "after": [],
        "bind_first": None,
        "changes": [
            {
                "field": "a",
                "before": "+86138****0003",
                "after": "+86138****0002",
                "reported": True,
                "out_of_band": True,
            },
            {
                "field": "record",
                "before": False,
                "after": True,
                "reported": True,
                "out_of_band": False,
            },
            {
                "field": "record_hint_tone",
                "before": None,
                "after": "r.wav",
                "reported": False,
                "out_of_band": False,
            },
            {
                "field": "call_direction",
                "before": "both",
                "after": "a_only",
                "reported": True,
                "out_of_band": False,
            },
        ],
        "live": {
            "subscription_id": "sub-2",
            "x": X2,
            "y": None,
            "extension": None,
            "a": "+86138****0003",
            "b": None,
            "expires": None,
            "expiry_known": False,
        },
    }
    assert modify["desired"] == {
        "key": "courier-li",
        "a": "+86138****0002",
        "record": True,
        "record_hint_tone": "r.wav",
        "user_data": None,
        "protect": False,
        "x": X2,
        "area_code": None,
        "area_match": None,
        "max_duration_minutes": 0,
        "last_minute_tone": None,
        "call_direction": "both",
        "callee_display": "x",
        "sms": True,
        "active": True,
        "pre_tone_a_calls": None,
        "pre_tone_others_call": None,
    }


def test_replaces_say_whether_the_new_binding_is_bound_first() -> None:
    orders = _document()["apps"][1]
    replaces = [op for op in orders["operations"] if op["kind"] == "replace"]
    assert [(op["key"], op["number_may_change"], op["bind_first"]) for op in replaces] == [
        ("+86138****0001~+86139****0001", True, True),
        ("order-7", True, False),
    ]
    bind = orders["operations"][2]
    assert (bind["kind"], bind["subscription_id"], bind["x"], bind["live"]) == (
        "bind",
        None,
        None,
        None,
    )
    assert bind["desired"]["expires"] == "2026-05-01T00:00:00+00:00"
    assert (bind["desired"]["a"], bind["desired"]["b"]) == ("+86138****0003", "+86139****0003")


def test_notes_carry_their_kind_count_and_live_binding() -> None:
    apps = _document()["apps"]
    notes = [
        (n["kind"], n["key"], n["count"], n["refuses_apply"]) for a in apps for n in a["notes"]
    ]
    assert notes == [
        ("protected", "+86138****0001@+8675500010001 [bcdefghijk]", 1, True),
        ("foreign", "", 3, False),
        ("blocked", "order-9", 1, True),
        ("conflict", "+86138****0004~+86139****0003", 1, False),
        ("expired", "order-1", 1, False),
    ]
    conflict = apps[1]["notes"][1]
    assert conflict["subscription_id"] == "sub-12"
    assert conflict["live"]["b"] == "+86139****0003"


def test_unmask_shows_real_numbers_and_says_so() -> None:
    data = json.loads(render_json(full_plan(), masker(unmask=True)))
    assert data["masked"] is False
    change = data["apps"][0]["operations"][1]["changes"][0]
    assert (change["before"], change["after"]) == (A3, A2)
    assert data["apps"][0]["operations"][3]["desired"]["a"] == A1


@pytest.mark.parametrize("plan", [empty_plan(), big_plan(3)], ids=["empty", "big"])
def test_other_plans_render_as_valid_json(plan: Any) -> None:
    data = json.loads(render_json(plan, masker()))
    assert data["has_changes"] is plan.has_changes
    assert sum(data["summary"]["operations"].values()) == len(plan.operations)
