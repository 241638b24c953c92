"""`privcall github plan-comment` against the fake GitHub on a local socket: one sticky
comment per pull request, the job summary, truncation, failures and permissions."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from reconciler.github import markers
from tests.github.conftest import PR, Actions
from tests.github.fake_github import BOT, FakeGitHub
from tests.reconciler.repo import write_repo

ORDER = {"key": "o1", "a": "+8613900000101", "b": "+8613700000201", "x": "+8675500020001"}
ORDER2 = {**ORDER, "key": "o2", "a": "+8613900000102", "b": "+8613700000202"}
MARKER = markers.marker(markers.PLAN, ".")


def _orders(count: int) -> list[dict[str, Any]]:
    return [
        {
            "key": f"order-{i:04d}",
            "a": f"+86139{i:08d}",
            "b": f"+86137{i:08d}",
            "area_code": "0755",
            "user_data": f"order number {i} with a long note to make every row longer",
        }
        for i in range(count)
    ]


def _plan_comment(actions: Actions, root: Path, *extra: str) -> Any:
    return actions.run("github", "plan-comment", "-C", str(root), *extra)


def _sticky(fake: FakeGitHub, number: int = PR, scope: str = ".") -> list[dict[str, Any]]:
    return [
        c for c in fake.bot_comments(number) if markers.has_marker(c["body"], markers.PLAN, scope)
    ]


def test_the_sticky_comment_is_created_once_then_updated_across_pages(
    actions: Actions, tmp_path: Path, monkeypatch: Any
) -> None:
    fake = actions.fake
    fake.page_size = 3
    for i in range(8):
        fake.add_comment(PR, f"review remark {i}", author="reviewer")
    forged = fake.add_comment(PR, f"{MARKER}\nfake plan\n<!-- privcall-checksum:{'0' * 64} -->")
    forged["user"]["login"] = "mallory"
    fake.add_comment(PR, "a bot comment of another tool")
    root = write_repo(tmp_path / "repo", {"orders": [ORDER]})
    monkeypatch.chdir(root)
    actions.pull_request()

    first = _plan_comment(actions, Path("."))
    assert first.exit_code == 0, first.output
    checksum = first.stdout.strip()
    assert re.fullmatch(r"[0-9a-f]{64}", checksum)
    assert "created the plan comment of pull request #7" in first.stderr
    (comment,) = _sticky(fake)
    assert comment["body"].startswith(MARKER + "\n## privcall plan")
    assert f"Checksum: `{checksum}`" in comment["body"]
    assert markers.read_value(comment["body"], markers.CHECKSUM) == checksum
    assert "+8613900000101" not in comment["body"]
    assert "+86139****0101" in comment["body"]
    # every page was read before deciding to create
    assert [r.query.get("page", "1") for r in fake.calls("GET", r"/comments$")] == list("1234")

    write_repo(root, {"orders": [ORDER, ORDER2]})
    second = _plan_comment(actions, Path("."))
    assert second.exit_code == 0, second.output
    assert second.stdout.strip() != checksum
    assert "updated the plan comment of pull request #7" in second.stderr
    (updated,) = _sticky(fake)
    assert updated["id"] == comment["id"]
    assert "Plan: 2 to bind" in updated["body"]
    assert len(fake.calls("POST", r"/issues/7/comments$")) == 1
    assert len(fake.calls("PATCH", r"/issues/comments/")) == 1
    assert forged in fake.comments[PR]
    assert len(fake.comments[PR]) == 11
    # the API was called as GitHub expects
    request = fake.calls("POST")[0]
    assert request.headers["accept"] == "application/vnd.github+json"
    assert request.headers["x-github-api-version"] == "2022-11-28"


def test_an_unchanged_plan_is_not_written_again_and_duplicates_are_removed(
    actions: Actions, tmp_path: Path
) -> None:
    fake = actions.fake
    root = write_repo(tmp_path / "repo", {"orders": [ORDER]})
    actions.pull_request()
    assert _plan_comment(actions, root).exit_code == 0
    (comment,) = _sticky(fake, scope=str(root))
    fake.add_comment(PR, comment["body"])  # a second run that raced the first
    again = _plan_comment(actions, root)
    assert again.exit_code == 0, again.output
    assert "removed 1 duplicate plan comment(s)" in again.stderr
    assert _sticky(fake, scope=str(root)) == [comment]
    assert fake.calls("PATCH") == []


def test_each_directory_and_app_selection_has_its_own_comment(
    actions: Actions, tmp_path: Path
) -> None:
    root = write_repo(tmp_path / "repo", {"orders": [ORDER]})
    actions.pull_request()
    assert _plan_comment(actions, root).exit_code == 0
    assert _plan_comment(actions, root, "--app", "orders").exit_code == 0
    assert _plan_comment(actions, root, "--app", "orders").exit_code == 0
    assert len(_sticky(actions.fake, scope=str(root))) == 1
    assert len(_sticky(actions.fake, scope=f"{root}:orders")) == 1
    assert len(actions.fake.bot_comments(PR)) == 2


def test_a_plan_too_long_for_a_comment_keeps_its_summary_and_points_to_the_job_summary(
    actions: Actions, tmp_path: Path
) -> None:
    root = write_repo(tmp_path / "repo", {"orders": _orders(400)})
    actions.pull_request()
    result = _plan_comment(actions, root)
    assert result.exit_code == 0, result.output
    assert "truncated, the summary kept" in result.stderr
    (comment,) = _sticky(actions.fake, scope=str(root))
    body = comment["body"]
    assert len(body) <= 65_536
    assert len(body.encode()) <= 65_536
    assert "## privcall plan" in body
    assert "**Plan: 400 to bind, 0 to modify" in body
    assert f"Checksum: `{result.stdout.strip()}`" in body
    assert "**Details truncated**" in body
    run_url = "https://github.com/acme/bindings/actions/runs/4242/attempts/1"
    assert f"The full plan: [{run_url}](<{run_url}>)" in body
    assert f"[job summary]({run_url})" in body
    shown = body.count("| `+` bind |")
    assert 0 < shown < 400
    # the job summary has the whole plan
    summary = actions.summary.read_text()
    assert summary.count("| `+` bind |") == 400
    assert "Details truncated" not in summary
    assert "+8613900000001" not in summary and "+8613900000001" not in body


def test_outside_a_pull_request_only_the_job_summary_is_written(
    actions: Actions, tmp_path: Path
) -> None:
    root = write_repo(tmp_path / "repo", {"orders": [ORDER]})
    actions.push()
    actions.env["GITHUB_TOKEN"] = None
    result = _plan_comment(actions, root, "--detailed-exitcode")
    assert result.exit_code == 2
    assert "not a pull request: no comment posted" in result.stderr
    assert actions.fake.requests == []
    assert "## privcall plan" in actions.summary.read_text()


def test_a_failed_plan_replaces_the_comment_and_is_annotated(
    actions: Actions, tmp_path: Path
) -> None:
    root = write_repo(tmp_path / "repo", {"orders": [ORDER]})
    actions.pull_request()
    assert _plan_comment(actions, root).exit_code == 0
    (root / "bindings" / "orders.yaml").write_text(
        "app: orders\nbindings:\n  - key: o1\n    a: +8613900000101\n"
    )
    failed = _plan_comment(actions, root)
    assert failed.exit_code == 1
    assert "::error file=" in failed.stdout
    (comment,) = _sticky(actions.fake, scope=str(root))
    assert "## privcall plan failed" in comment["body"]
    assert "orders.yaml:4:" in comment["body"]
    assert markers.read_value(comment["body"], markers.CHECKSUM) == "failed"
    assert "+8613900000101" not in comment["body"]


def test_a_missing_permission_names_the_permissions_entry(actions: Actions, tmp_path: Path) -> None:
    actions.fake.forbid.add(("POST", r"/repos/acme/bindings/issues/\d+/comments"))
    root = write_repo(tmp_path / "repo", {"orders": [ORDER]})
    actions.pull_request()
    result = _plan_comment(actions, root)
    assert result.exit_code == 1
    assert "GitHub answered POST /repos/acme/bindings/issues/7/comments with 403" in result.stderr
    assert "add `pull-requests: write` to the workflow's `permissions:`" in result.stderr


def test_a_missing_token_says_how_to_pass_it(actions: Actions, tmp_path: Path) -> None:
    root = write_repo(tmp_path / "repo", {"orders": [ORDER]})
    actions.pull_request()
    actions.env["GITHUB_TOKEN"] = None
    result = _plan_comment(actions, root)
    assert result.exit_code == 1
    assert "GITHUB_TOKEN is not set" in result.stderr
    assert "${{ github.token }}" in result.stderr


def test_a_bad_token_is_reported(actions: Actions, tmp_path: Path) -> None:
    root = write_repo(tmp_path / "repo", {"orders": [ORDER]})
    actions.pull_request()
    actions.env["GITHUB_TOKEN"] = "wrong"
    result = _plan_comment(actions, root)
    assert result.exit_code == 1
    assert "with 401: Bad credentials. The token was refused" in result.stderr


def test_the_comment_author_must_match_or_privcall_warns(actions: Actions, tmp_path: Path) -> None:
    root = write_repo(tmp_path / "repo", {"orders": [ORDER]})
    actions.pull_request()
    result = _plan_comment(actions, root, "--comment-author", "privcall-app[bot]")
    assert result.exit_code == 0
    assert f"written as {BOT}, not privcall-app[bot]" in result.stderr
