"""The apply on merge: the reviewed checksum read back from the merged pull request, and an
apply whose reviewed plan no longer matches the live state refused with exit 3."""

from __future__ import annotations

import json
from pathlib import Path

from tests.github.conftest import HEAD, MERGE, PR, Actions
from tests.github.test_plan_comment import ORDER, ORDER2
from tests.reconciler.repo import on_platform, run, sandbox, write_repo


def _merged(actions: Actions) -> None:
    actions.fake.add_pull(PR, HEAD, merge_sha=MERGE)
    actions.push(MERGE)


def _live_keys(root: Path) -> int:
    with sandbox(root) as emu:
        return len([b for b in emu.bindings() if b["app_key"] == "sandbox-orders"])


def test_the_reviewed_checksum_is_read_back_from_the_merged_pull_request(
    actions: Actions, tmp_path: Path
) -> None:
    root = write_repo(tmp_path / "repo", {"orders": [ORDER, ORDER2]})
    actions.pull_request()
    planned = actions.run("github", "plan-comment", "-C", str(root))
    assert planned.exit_code == 0, planned.output
    checksum = planned.stdout.strip()

    _merged(actions)
    reviewed_file = actions.folder / "reviewed.json"
    read = actions.run(
        "github", "reviewed-checksum", "-C", str(root), "--reviewed-out", str(reviewed_file)
    )
    assert read.exit_code == 0, read.output
    assert read.stdout == checksum + "\n"
    assert "reviewed plan: pull request #7" in read.stderr
    assert actions.fake.calls("GET", rf"/commits/{MERGE}/pulls$")
    saved = json.loads(reviewed_file.read_text())
    assert saved["checksum"] == checksum
    assert [item["key"] for item in saved["plan"]] == ["o1", "o2"]

    applied = run(
        "apply", "-C", str(root), "--auto-approve", "--checksum", checksum,
        "--reviewed", str(reviewed_file),
    )  # fmt: skip
    assert applied.exit_code == 0, applied.output
    assert _live_keys(root) == 2


def test_apply_refuses_with_exit_3_when_the_live_state_changed_since_the_review(
    actions: Actions, tmp_path: Path
) -> None:
    root = write_repo(tmp_path / "repo", {"orders": [ORDER]})
    assert run("apply", "-C", str(root), "--auto-approve").exit_code == 0
    write_repo(root, {"orders": [ORDER, ORDER2]})
    actions.pull_request()
    assert actions.run("github", "plan-comment", "-C", str(root)).exit_code == 0

    async def unbind_o1(client: object) -> None:
        with sandbox(root) as emu:
            (live,) = [b for b in emu.bindings() if b["app_key"] == "sandbox-orders"]
        await client.unbind(live["subscriptionId"])  # type: ignore[attr-defined]

    on_platform(root, "orders", unbind_o1)  # someone unbinds o1 behind privcall's back
    _merged(actions)
    reviewed_file = actions.folder / "reviewed.json"
    read = actions.run(
        "github", "reviewed-checksum", "-C", str(root), "--reviewed-out", str(reviewed_file)
    )
    assert read.exit_code == 0, read.output

    refused = run(
        "apply", "-C", str(root), "--auto-approve", "--checksum", read.stdout.strip(),
        "--reviewed", str(reviewed_file),
    )  # fmt: skip
    assert refused.exit_code == 3
    assert "refused: the plan changed since it was reviewed" in refused.stderr
    assert "nothing was applied" in refused.stderr
    assert "  - newly planned: bind orders/o1" in refused.stderr
    assert _live_keys(root) == 0

    without_file = run(
        "apply", "-C", str(root), "--auto-approve", "--checksum", read.stdout.strip()
    )
    assert without_file.exit_code == 3
    assert "now planned: bind orders/o1" in without_file.stderr
    assert "now planned: bind orders/o2" in without_file.stderr


def test_a_direct_push_has_no_reviewed_plan(actions: Actions, tmp_path: Path) -> None:
    root = write_repo(tmp_path / "repo", {"orders": [ORDER]})
    actions.push("d4" * 20)
    result = actions.run("github", "reviewed-checksum", "-C", str(root))
    assert result.exit_code == 1
    assert "is not the merge of a merged pull request (pushed directly?)" in result.stderr
    assert result.stdout == ""


def test_a_merged_pull_request_without_a_plan_comment_is_refused(
    actions: Actions, tmp_path: Path
) -> None:
    root = write_repo(tmp_path / "repo", {"orders": [ORDER]})
    _merged(actions)
    actions.fake.add_comment(
        PR,
        "<!-- privcall-plan:. -->\n<!-- privcall-checksum:" + "0" * 64 + " -->",
        author="mallory",
    )
    result = actions.run("github", "reviewed-checksum", "-C", str(root))
    assert result.exit_code == 1
    assert "pull request #7 has no privcall plan comment by github-actions[bot]" in result.stderr


def test_a_failed_last_plan_is_not_a_reviewed_plan(actions: Actions, tmp_path: Path) -> None:
    root = write_repo(tmp_path / "repo", {"orders": [ORDER]})
    actions.pull_request()
    assert actions.run("github", "plan-comment", "-C", str(root)).exit_code == 0
    (root / "privcall.yaml").write_text("apps: {}\n")
    assert actions.run("github", "plan-comment", "-C", str(root)).exit_code == 1
    _merged(actions)
    result = actions.run("github", "reviewed-checksum", "-C", str(root))
    assert result.exit_code == 1
    assert "the last plan of pull request #7 failed" in result.stderr


def test_a_stale_plan_is_noted(actions: Actions, tmp_path: Path) -> None:
    root = write_repo(tmp_path / "repo", {"orders": [ORDER]})
    actions.pull_request(head="e5" * 20)
    assert actions.run("github", "plan-comment", "-C", str(root)).exit_code == 0
    _merged(actions)
    result = actions.run("github", "reviewed-checksum", "-C", str(root))
    assert result.exit_code == 0
    assert "that plan was made for commit e5e5e5e5e5e5" in result.stderr
