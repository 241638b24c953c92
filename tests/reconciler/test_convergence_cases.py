"""Every valid edit converges: the seven cases found adversarially (issue "Every valid edit
converges"), each through the CLI against the sandbox.

Each ends the same way: apply succeeds (exit 0) and the next plan is empty, or the plan
refuses up front naming a real platform limit.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from reconciler.modes import AXBBinding, AXBinding
from reconciler.platform import AppClient
from tests.reconciler.repo import APPS, on_platform, operations, plan_json, run, sandbox, write_repo

TWO_NUMBERS = {
    "couriers": {
        "mode": "AX",
        "numbers": [
            {"number": "+8675500010001", "area_code": "0755"},
            {"number": "+8675500010002", "area_code": "0755"},
        ],
        "safety": {"min_existing": 1000},
    }
}


def _apply(root: Path, *extra: str) -> Any:
    return run("apply", "-C", str(root), "--auto-approve", *extra)


def _live(root: Path, app: str) -> list[dict[str, Any]]:
    with sandbox(root) as emu:
        return [b for b in emu.bindings() if b["app_key"] == f"sandbox-{app}"]


def _converged(root: Path) -> None:
    result = run("plan", "-C", str(root), "--detailed-exitcode")
    assert result.exit_code == 0, result.output


# -- 1. a pinned number taken by privcall's own area-placed binding -----------------------


def test_a_pinned_number_held_by_an_own_area_binding_moves_that_binding(tmp_path: Path) -> None:
    by_area = {"key": "a-by-area", "a": "+8613800000001", "area_code": "0755"}
    root = write_repo(tmp_path, {"couriers": [by_area]}, TWO_NUMBERS)
    assert _apply(root).exit_code == 0
    (live,) = _live(root, "couriers")
    assert live["privateNum"] == "+8675500010001"
    pinned = {"key": "b-pinned", "a": "+8613800000002", "x": "+8675500010001"}
    write_repo(tmp_path, {"couriers": [by_area, pinned]}, TWO_NUMBERS)
    kinds = {op["key"]: (op["kind"], op["number_may_change"]) for op in operations(plan_json(root))}
    assert kinds == {"a-by-area": ("replace", True), "b-pinned": ("bind", False)}
    result = _apply(root)
    assert result.exit_code == 0, result.output
    numbers = {b["origNum"]: b["privateNum"] for b in _live(root, "couriers")}
    assert numbers == {"+8613800000002": "+8675500010001", "+8613800000001": "+8675500010002"}
    _converged(root)


def test_pinned_binds_run_before_area_binds_in_one_apply(tmp_path: Path) -> None:
    couriers = [
        *({"key": f"area-{i}", "a": f"+861380000{i:04d}", "area_code": "0755"} for i in range(5)),
        *(
            {"key": f"pin-{i}", "a": f"+861390000{i:04d}", "x": f"+867550001000{i + 1}"}
            for i in range(5)
        ),
    ]
    apps = {
        "couriers": {
            **TWO_NUMBERS["couriers"],
            "numbers": [
                {"number": f"+8675500010{i:03d}", "area_code": "0755"} for i in range(1, 11)
            ],
        }
    }
    root = write_repo(tmp_path, {"couriers": couriers}, apps)
    result = _apply(root)
    assert result.exit_code == 0, result.output
    assert len(_live(root, "couriers")) == 10
    _converged(root)


def test_a_pinned_number_held_by_a_foreign_binding_stays_blocked(tmp_path: Path) -> None:
    root = write_repo(tmp_path, {"couriers": []}, TWO_NUMBERS)
    foreign = AXBinding(a="+8613800000009", x="+8675500010001")

    async def bind_foreign(client: AppClient) -> str:
        result = await client.bind(foreign, now=datetime.now(UTC), user_data="crm")
        return result.subscription_id

    foreign_id = on_platform(root, "couriers", bind_foreign)
    pinned = {"key": "b-pinned", "a": "+8613800000002", "x": "+8675500010001"}
    write_repo(tmp_path, {"couriers": [pinned]}, TWO_NUMBERS)
    document = plan_json(root)
    assert operations(document) == []
    notes = [n for n in document["apps"][0]["notes"] if n["kind"] == "blocked"]
    assert [n["message"] for n in notes] == [
        f"cannot bind: number +8675500010001 is taken by binding {foreign_id}, which stays; "
        "pin another number, or move that binding first"
    ]
    assert _apply(root).exit_code == 3


# -- 4. AX re-pin of one of an A's five numbers ------------------------------------------


def test_repinning_one_of_five_numbers_of_an_a_unbinds_first(tmp_path: Path) -> None:
    numbers = APPS["couriers"]["numbers"]
    five = [{"key": f"k{i}", "a": "+8613800000001", "x": numbers[i]["number"]} for i in range(5)]
    root = write_repo(tmp_path, {"couriers": five})
    assert _apply(root).exit_code == 0
    moved = [*five[:4], {**five[4], "x": numbers[5]["number"]}]
    write_repo(tmp_path, {"couriers": moved})
    (op,) = operations(plan_json(root))
    assert (op["kind"], op["bind_first"]) == ("replace", False)
    result = _apply(root)
    assert result.exit_code == 0, result.output
    assert sorted(b["privateNum"] for b in _live(root, "couriers")) == sorted(b["x"] for b in moved)
    _converged(root)


# -- 5. and 6. AXB pairs on one number trading real numbers -------------------------------

X = "+8675500020001"


def _pair(key: str, a: str, b: str) -> dict[str, Any]:
    return {"key": key, "a": a, "b": b, "x": X}


def test_two_pairs_swapping_their_b_numbers_converge_in_one_apply(tmp_path: Path) -> None:
    a1, b1, a2, b2 = "+8613900000001", "+8613700000001", "+8613900000002", "+8613700000002"
    root = write_repo(tmp_path, {"orders": [_pair("p1", a1, b1), _pair("p2", a2, b2)]})
    assert _apply(root).exit_code == 0
    write_repo(tmp_path, {"orders": [_pair("p1", a1, b2), _pair("p2", a2, b1)]})
    document = plan_json(root)
    kinds = sorted((op["key"], op["kind"]) for op in operations(document))
    assert kinds == [("p1", "modify"), ("p2", "replace")]
    text = run("plan", "-C", str(root)).stdout
    assert "to break a cycle" in text
    result = _apply(root)
    assert result.exit_code == 0, result.output
    pairs = {(b["callerNum"], b["calleeNum"]) for b in _live(root, "orders")}
    assert pairs == {(a1, b2), (a2, b1)}
    _converged(root)


def test_a_pair_taking_the_b_another_pair_gives_up_waits_for_it(tmp_path: Path) -> None:
    a1, b1, a2, b2, b3 = (
        "+8613900000001",
        "+8613700000001",
        "+8613900000002",
        "+8613700000002",
        "+8613700000003",
    )
    root = write_repo(tmp_path, {"orders": [_pair("p1", a1, b1), _pair("p2", a2, b2)]})
    assert _apply(root).exit_code == 0
    write_repo(tmp_path, {"orders": [_pair("p1", a1, b2), _pair("p2", a2, b3)]})
    ops = {op["key"]: op for op in operations(plan_json(root))}
    assert {k: op["kind"] for k, op in ops.items()} == {"p1": "modify", "p2": "modify"}
    assert ops["p1"]["after"] == ["modify orders/p2"]
    result = _apply(root)
    assert result.exit_code == 0, result.output
    pairs = {(b["callerNum"], b["calleeNum"]) for b in _live(root, "orders")}
    assert pairs == {(a1, b2), (a2, b3)}
    _converged(root)


# -- 7. expires moved earlier --------------------------------------------------------------


def _at(delta: timedelta) -> str:
    return (datetime.now(UTC) + delta).replace(second=0, microsecond=0).isoformat()


def test_expires_moved_earlier_is_a_modify_of_the_duration(tmp_path: Path) -> None:
    order = {"key": "o1", "a": "+8613900000101", "b": "+8613700000201", "x": X}
    root = write_repo(tmp_path, {"orders": [{**order, "expires": _at(timedelta(hours=3))}]})
    assert _apply(root).exit_code == 0
    sooner = _at(timedelta(hours=1))
    write_repo(tmp_path, {"orders": [{**order, "expires": sooner}]})
    (op,) = operations(plan_json(root))
    assert (op["kind"], [c["field"] for c in op["changes"]]) == ("modify", ["expires"])
    assert _apply(root).exit_code == 0
    (live,) = _live(root, "orders")
    assert abs(datetime.fromisoformat(live["expiresAt"]) - datetime.fromisoformat(sooner)) < (
        timedelta(minutes=2)
    )
    _converged(root)


def test_a_declared_expiry_that_has_passed_unbinds_the_live_binding(tmp_path: Path) -> None:
    order = {"key": "o1", "a": "+8613900000101", "b": "+8613700000201", "x": X}
    root = write_repo(tmp_path, {"orders": [{**order, "expires": _at(timedelta(hours=3))}]})
    assert _apply(root).exit_code == 0
    write_repo(tmp_path, {"orders": [{**order, "expires": _at(-timedelta(days=1))}]})
    (op,) = operations(plan_json(root))
    assert op["kind"] == "unbind"
    assert op["reason"].startswith("its declared expiry")
    assert _apply(root).exit_code == 0
    assert _live(root, "orders") == []
    _converged(root)


def test_the_foreign_binding_helper_still_binds(tmp_path: Path) -> None:
    """The foreign-binding path used above works for AXB too (a sanity check)."""
    root = write_repo(tmp_path, {"orders": []})
    foreign = AXBBinding(a="+8613900000777", b="+8613700000777", x=X)

    async def bind(client: AppClient) -> str:
        return (await client.bind(foreign, now=datetime.now(UTC), user_data="crm")).x

    assert on_platform(root, "orders", bind) == X
