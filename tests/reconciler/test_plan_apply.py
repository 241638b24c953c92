"""plan and apply through the CLI, against the sandbox."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reconciler.model import Mode
from reconciler.modes import AXBBinding
from reconciler.platform import AppClient, Live
from tests.reconciler.repo import (
    APPS,
    on_platform,
    operations,
    plan_json,
    run,
    sandbox,
    write_repo,
)

ORDER = {"key": "o1", "a": "+8613900000101", "b": "+8613700000201", "x": "+8675500020001"}


def _apply(root: Path, *extra: str) -> Any:
    return run("apply", "-C", str(root), "--auto-approve", *extra)


def _live(root: Path, app: str) -> list[dict[str, Any]]:
    with sandbox(root) as emu:
        return [b for b in emu.bindings() if b["app_key"] == f"sandbox-{app}"]


def test_apply_then_plan_is_empty_and_detailed_exitcode_says_so(tmp_path: Path) -> None:
    root = write_repo(tmp_path, {"orders": [ORDER]})
    assert run("plan", "-C", str(root), "--detailed-exitcode").exit_code == 2
    result = _apply(root)
    assert result.exit_code == 0, result.output
    assert "Apply complete: 1 done" in result.stdout
    again = run("plan", "-C", str(root), "--detailed-exitcode")
    assert again.exit_code == 0
    assert again.stdout.startswith("No changes. The platform matches the YAML.\n")


def test_changing_b_is_a_modify_that_keeps_x_and_the_subscription(tmp_path: Path) -> None:
    root = write_repo(tmp_path, {"orders": [{**ORDER, "x": None, "area_code": "0755"}]})
    assert _apply(root).exit_code == 0
    (before,) = _live(root, "orders")
    write_repo(
        tmp_path, {"orders": [{**ORDER, "x": None, "area_code": "0755", "b": "+8613700000299"}]}
    )
    (op,) = operations(plan_json(root))
    assert (op["kind"], op["subscription_id"]) == ("modify", before["subscriptionId"])
    assert [(c["field"], c["before"], c["after"]) for c in op["changes"]] == [
        ("b", "+86137****0201", "+86137****0299")
    ]
    assert _apply(root).exit_code == 0
    (after,) = _live(root, "orders")
    assert (after["subscriptionId"], after["relationNum"], after["calleeNum"]) == (
        before["subscriptionId"],
        before["relationNum"],
        "+8613700000299",
    )


def test_moving_a_pinned_x_is_a_replace_flagged_loudly(tmp_path: Path) -> None:
    root = write_repo(tmp_path, {"orders": [ORDER]})
    assert _apply(root).exit_code == 0
    write_repo(tmp_path, {"orders": [{**ORDER, "x": "+8675500020002"}]})
    (op,) = operations(plan_json(root))
    assert (op["kind"], op["number_may_change"], op["bind_first"]) == ("replace", True, True)
    text = run("plan", "-C", str(root)).stdout
    assert "REPLACE" in text
    assert "the customer-facing number may change" in text
    assert _apply(root).exit_code == 0
    (live,) = _live(root, "orders")
    assert live["relationNum"] == "+8675500020002"
    assert operations(plan_json(root)) == []


def test_foreign_bindings_are_never_touched_in_marked_mode(tmp_path: Path) -> None:
    root = write_repo(tmp_path, {"orders": [ORDER]})
    foreign = AXBBinding(a="+8613900000777", b="+8613700000777", x="+8675500020001")

    async def bind_foreign(client: AppClient) -> str:
        result = await client.bind(foreign, now=datetime.now(UTC), user_data="crm-42")
        return result.subscription_id

    foreign_id = on_platform(root, "orders", bind_foreign)
    document = plan_json(root)
    assert [op["kind"] for op in operations(document)] == ["bind"]
    assert document["summary"]["notes"]["foreign"] == 1
    assert _apply(root).exit_code == 0
    write_repo(tmp_path, {"orders": []})
    assert [op["kind"] for op in operations(plan_json(root))] == ["unbind"]
    assert all(op["subscription_id"] != foreign_id for op in operations(plan_json(root)))
    assert _apply(root).exit_code == 0
    (left,) = _live(root, "orders")
    assert (left["subscriptionId"], left["userData"]) == (foreign_id, "crm-42")


def test_removing_a_protected_binding_is_refused_with_exit_3(tmp_path: Path) -> None:
    root = write_repo(tmp_path, {"orders": [{**ORDER, "protect": True}]})
    assert _apply(root).exit_code == 0
    write_repo(tmp_path, {"orders": []})
    refused = _apply(root)
    assert refused.exit_code == 3
    assert refused.stderr.startswith("refused: refused before any call:\n  - orders/")
    assert "protected, but no longer declared" in refused.stderr
    assert len(_live(root, "orders")) == 1
    write_repo(tmp_path, {"orders": [{**ORDER, "protect": False}]})
    assert _apply(root).exit_code == 0
    write_repo(tmp_path, {"orders": []})
    assert _apply(root).exit_code == 0
    assert _live(root, "orders") == []


def _couriers(count: int) -> list[dict[str, Any]]:
    return [
        {"key": f"c{i}", "a": f"+861380000{i:04d}", "area_code": "0755" if i < 5 else "020"}
        for i in range(count)
    ]


def test_unbind_gate_refuses_before_any_call_and_override_names_the_count(tmp_path: Path) -> None:
    apps = {
        "couriers": {**APPS["couriers"], "safety": {"min_existing": 2, "max_unbind_percent": 30}}
    }
    root = write_repo(tmp_path, {"couriers": _couriers(8)}, apps)
    assert _apply(root).exit_code == 0
    write_repo(tmp_path, {"couriers": _couriers(4)}, apps)
    refused = _apply(root)
    assert refused.exit_code == 3
    assert refused.stderr == (
        "refused: a safety gate stops this apply before any call:\n"
        "  - app 'couriers': 4 unbinds of 8 existing bindings exceeds 30% (unbinds / existing);"
        " if this is intended, run apply again with --allow-unbinds 4\n"
    )
    assert len(_live(root, "couriers")) == 8
    wrong = _apply(root, "--allow-unbinds", "3")
    assert wrong.exit_code == 3
    assert "--allow-unbinds 3 does not match the plan, which has 4 unbinds" in wrong.stderr
    assert _apply(root, "--allow-unbinds", "4").exit_code == 0
    assert len(_live(root, "couriers")) == 4


def test_checksum_mismatch_exits_3_and_names_the_changed_operations(tmp_path: Path) -> None:
    root = write_repo(tmp_path, {"orders": [ORDER]})
    reviewed = tmp_path / "reviewed.json"
    planned = run("plan", "-C", str(root), "--format", "json", "--save", str(reviewed))
    checksum = json.loads(planned.stdout)["checksum"]
    assert json.loads(reviewed.read_text())["checksum"] == checksum
    write_repo(
        tmp_path,
        {"orders": [ORDER, {**ORDER, "key": "o2", "a": "+8613900000102", "b": "+8613700000202"}]},
    )
    refused = _apply(root, "--checksum", checksum, "--reviewed", str(reviewed))
    assert refused.exit_code == 3
    assert "the plan changed since it was reviewed" in refused.stderr
    assert refused.stderr.endswith("  - newly planned: bind orders/o2\n")
    assert _live(root, "orders") == []
    current = json.loads(run("plan", "-C", str(root), "--format", "json").stdout)["checksum"]
    assert _apply(root, "--checksum", current).exit_code == 0


def test_plan_is_deterministic_within_a_minute(tmp_path: Path) -> None:
    root = write_repo(tmp_path, {"orders": [ORDER]})
    first, second = plan_json(root), plan_json(root)
    assert first["checksum"] == second["checksum"]


def test_apply_refuses_without_a_terminal_or_auto_approve(tmp_path: Path) -> None:
    root = write_repo(tmp_path, {"orders": [ORDER]})
    result = run("apply", "-C", str(root))
    assert result.exit_code == 1
    assert result.stderr == (
        "error: apply asks for confirmation, and this is not a terminal: pass --auto-approve "
        "(in CI, with --checksum of the reviewed plan)\n"
    )
    assert _live(root, "orders") == []


def test_out_of_band_change_is_found_and_reverted(tmp_path: Path) -> None:
    root = write_repo(tmp_path, {"orders": [ORDER]})
    assert _apply(root).exit_code == 0

    async def change_direction(client: AppClient) -> None:
        (live,) = await client.list_x(ORDER["x"])
        await client.modify(
            live.subscription_id, {"call_direction": "a_only"}, now=datetime.now(UTC)
        )

    on_platform(root, "orders", change_direction)
    (op,) = operations(plan_json(root))
    assert op["kind"] == "modify"
    assert op["reason"] == "changed on the platform, out of band: call_direction"
    assert _apply(root).exit_code == 0
    assert operations(plan_json(root)) == []


def test_a_live_binding_of_a_mode_reports_its_mode(tmp_path: Path) -> None:
    root = write_repo(tmp_path, {"orders": [ORDER]})
    assert _apply(root).exit_code == 0

    async def listing(client: AppClient) -> list[Live]:
        return await client.list_x(ORDER["x"])

    (live,) = on_platform(root, "orders", listing)
    assert live.mode is Mode.AXB


def test_pinning_a_number_another_binding_keeps_is_blocked_not_retried(tmp_path: Path) -> None:
    first = {"key": "c1", "a": "+8613800000001", "area_code": "0755"}
    root = write_repo(tmp_path, {"couriers": [first]})
    assert _apply(root).exit_code == 0
    (live,) = _live(root, "couriers")
    pinned = {"key": "c2", "a": "+8613800000002", "x": live["privateNum"]}
    write_repo(tmp_path, {"couriers": [first, pinned]})
    document = plan_json(root)
    assert operations(document) == []
    (note,) = document["apps"][0]["notes"]
    assert (note["kind"], note["key"]) == ("blocked", "c2")
    assert note["message"] == (
        f"cannot bind: number {live['privateNum']} is taken by binding "
        f"{live['subscriptionId']}, which stays; pin another number, or move that binding first"
    )
    refused = _apply(root)
    assert refused.exit_code == 3
    assert len(_live(root, "couriers")) == 1


def test_apply_json_is_one_document_with_the_plan_and_the_result(tmp_path: Path) -> None:
    root = write_repo(tmp_path, {"orders": [ORDER]})
    document = json.loads(_apply(root, "--format", "json").stdout)
    assert document["counts"] == {"done": 1, "failed": 0, "not attempted": 0, "skipped": 0}
    assert document["plan"]["summary"]["operations"]["bind"] == 1
    (outcome,) = document["outcomes"]
    assert (outcome["status"], outcome["kind"], outcome["key"]) == ("done", "bind", "o1")
    assert outcome["subscription_id"] == _live(root, "orders")[0]["subscriptionId"]
    again = json.loads(_apply(root, "--format", "json").stdout)
    assert (again["outcomes"], again["plan"]["has_changes"]) == ([], False)
    assert _apply(root).stdout == "Nothing to apply: the platform matches the YAML.\n"
