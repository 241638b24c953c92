"""`privcall github drift-issue`: one drift issue, opened, updated, closed."""

from __future__ import annotations

from pathlib import Path

from reconciler.github import markers
from tests.github.conftest import Actions
from tests.github.fake_github import BOT
from tests.github.test_plan_comment import ORDER, ORDER2
from tests.reconciler.repo import on_platform, run, sandbox, write_repo


def _unbind(root: Path, key_a: str) -> None:
    async def go(client: object) -> None:
        with sandbox(root) as emu:
            (live,) = [b for b in emu.bindings() if b.get("callerNum") == key_a]
        await client.unbind(live["subscriptionId"])  # type: ignore[attr-defined]

    on_platform(root, "orders", go)


def test_the_drift_issue_is_opened_updated_and_closed(actions: Actions, tmp_path: Path) -> None:
    fake = actions.fake
    fake.page_size = 2
    for i in range(3):
        fake.add_issue(f"unrelated {i}")
    fake.add_issue(markers.marker(markers.DRIFT, "x") + "\nby someone", author="mallory")
    root = write_repo(tmp_path / "repo", {"orders": [ORDER, ORDER2]})
    assert run("apply", "-C", str(root), "--auto-approve").exit_code == 0
    actions.env["GITHUB_EVENT_NAME"] = "schedule"

    clean = actions.run("github", "drift-issue", "-C", str(root))
    assert clean.exit_code == 0, clean.output
    assert "nothing to do" in clean.stderr
    assert fake.calls("POST") == []

    _unbind(root, "+8613900000101")
    opened = actions.run("github", "drift-issue", "-C", str(root), "--label", "privcall-drift")
    assert opened.exit_code == 2, opened.output
    assert "opened drift issue #" in opened.stderr
    mine = [i for i in fake.issues.values() if i["user"]["login"] == BOT]
    assert len(mine) == 1
    issue = mine[0]
    assert markers.has_marker(issue["body"], markers.DRIFT, str(root))
    assert "## privcall drift: Drift: 1 difference(s)" in issue["body"]
    assert "1 deleted" in issue["body"]
    assert "+8613900000101" not in issue["body"]
    assert issue["labels"] == [{"name": "privcall-drift"}]
    assert "privcall drift" in actions.summary.read_text()

    _unbind(root, "+8613900000102")
    updated = actions.run("github", "drift-issue", "-C", str(root))
    assert updated.exit_code == 2
    assert f"updated drift issue #{issue['number']}" in updated.stderr
    assert [i for i in fake.issues.values() if i["user"]["login"] == BOT] == [issue]
    assert "Drift: 2 difference(s)" in issue["body"]
    assert len(fake.calls("POST", r"/issues$")) == 1

    assert run("apply", "-C", str(root), "--auto-approve").exit_code == 0
    closed = actions.run("github", "drift-issue", "-C", str(root))
    assert closed.exit_code == 0, closed.output
    assert f"closed drift issue #{issue['number']}" in closed.stderr
    assert issue["state"] == "closed"
    (note,) = fake.comments[issue["number"]]
    assert note["body"].startswith("Drift is gone")
    patch = fake.calls("PATCH", rf"/issues/{issue['number']}$")[-1]
    assert patch.body == {"state": "closed", "state_reason": "completed"}
    # every page of open issues was read each time
    assert {r.query.get("page", "1") for r in fake.calls("GET", r"/issues$")} == {"1", "2", "3"}


def test_a_missing_issues_permission_is_named(actions: Actions, tmp_path: Path) -> None:
    actions.fake.forbid.add(("POST", r"/repos/acme/bindings/issues"))
    root = write_repo(tmp_path / "repo", {"orders": [ORDER]})
    assert run("apply", "-C", str(root), "--auto-approve").exit_code == 0
    _unbind(root, "+8613900000101")
    result = actions.run("github", "drift-issue", "-C", str(root))
    assert result.exit_code == 1
    assert "add `issues: write` to the workflow's `permissions:`" in result.stderr
