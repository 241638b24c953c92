"""plan / apply / drift against a real running route server, through the CLI."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result

from reconciler.cli import main
from reconciler.errors import ConfigError
from reconciler.loader import load_repository
from reconciler.xmode import plan as xplan
from reconciler.xmode.errors import ServerError, VersionConflict
from reconciler.xmode.live import LiveTables
from reconciler.xmode.table import Table
from tests.xmode.conftest import ENV, FIXTURES, TOKEN, X1, Running, callin, make_repo, start

REAL = re.compile(r"\+?861[3-9]\d{9}")
ROUTES = (FIXTURES / "routes.yaml").read_text(encoding="utf-8")


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Running]:
    root = make_repo(tmp_path / "repo")
    for running in start(root):
        make_repo(root, url=running.url)
        yield running


def run(root: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["xmode", *args, "-C", str(root)], env=ENV)


def edit(root: Path, text: str) -> None:
    (root / "bindings" / "hotline.yaml").write_text(text, encoding="utf-8")


CHANGED = (
    ROUTES.replace("max_duration_minutes: 30", "max_duration_minutes: 45")
    .replace(
        "  - key: closed-line\n",
        '  - key: night\n    x: "+8675500020003"\n    to: "+8613900000004"\n  - key: closed-line\n',
    )
    .replace("default: {close: true, close_tone: sorry.wav}", "default: {close: true}")
)


def test_a_fresh_server_matches_the_yaml(live: Running) -> None:
    result = run(live.root, "plan", "--detailed-exitcode")
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"app hotline (route server {live.url}): served version 1, 4 routes; YAML 4 routes\n"
        "  the served table matches the YAML\n"
        "No changes: every served table matches the YAML.\n"
    )
    assert run(live.root, "drift").exit_code == 0


def test_plan_shows_each_change_masked_and_apply_serves_it(live: Running) -> None:
    edit(live.root, CHANGED)
    result = run(live.root, "plan", "--detailed-exitcode")
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert lines[:5] == [
        f"app hotline (route server {live.url}): served version 1, 4 routes; YAML 5 routes",
        "  the served table would change: 1 to add, 1 to change, 0 to remove, the default changes",
        "  ~ change vip: (max_duration_minutes) connect to +86139****0001, at most 30 min -> "
        "connect to +86139****0001, at most 45 min",
        "  + add    night: connect to +86139****0004",
        "  ~ default: close with sorry.wav -> close (no tone)",
    ]
    checksum = lines[5].removeprefix("Checksum: ")
    assert re.fullmatch(r"[0-9a-f]{64}", checksum)
    for fmt in ("text", "markdown", "json"):
        out = run(live.root, "plan", "--format", fmt).output
        assert REAL.search(out) is None, out
    document = json.loads(run(live.root, "plan", "--format", "json").output)
    assert document["checksum"] == checksum and document["kind"] == "xmode-plan"
    assert [c["kind"] for c in document["apps"][0]["changes"]] == ["change", "add"]
    assert run(live.root, "drift").exit_code == 2

    refused = run(live.root, "apply", "--auto-approve", "--checksum", "0" * 64)
    assert refused.exit_code == 3
    assert "the plan changed since it was reviewed; nothing was applied." in refused.output

    applied = run(live.root, "apply", "--auto-approve", "--checksum", checksum)
    assert applied.exit_code == 0, applied.output
    assert applied.output.splitlines()[-1] == "app hotline: now serving table version 2 (was 1)"
    assert live.push(callin("+8613800000001", X1)).json()["connectInfo"]["maxDuration"] == 45
    assert live.push(callin("+8613800000001", "+8675500020003")).json()["operation"] == "connect"
    assert run(live.root, "drift").exit_code == 0
    again = run(live.root, "apply", "--auto-approve")
    assert again.output == "Nothing to apply: every served table matches the YAML.\n"


def test_removing_most_routes_is_gated_until_the_exact_count_is_allowed(live: Running) -> None:
    edit(live.root, ROUTES.split("  - key: drivers")[0])  # keep vip only: 3 of 4 removed
    refused = run(live.root, "apply", "--auto-approve")
    assert refused.exit_code == 3
    assert refused.output == (
        "refused: a safety gate stops this apply before any change:\n"
        "  - app 'hotline': 3 route removals of 4 served routes exceeds 50% (removals / served "
        "routes); if this is intended, run apply again with --allow-removals 3\n"
    )
    wrong = run(live.root, "apply", "--auto-approve", "--allow-removals", "2")
    assert wrong.exit_code == 3 and "--allow-removals 2 does not match the plan" in wrong.output
    assert live.server.tables.current("hotline").version == 1
    ok = run(live.root, "apply", "--auto-approve", "--allow-removals", "3")
    assert ok.exit_code == 0, ok.output
    assert [r.key for r in live.server.tables.current("hotline").table.routes] == ["vip"]


def test_a_swap_between_read_and_replace_is_refused(live: Running) -> None:
    repo = load_repository(live.root)
    edit(live.root, CHANGED)
    changed = load_repository(live.root)

    def meanwhile(plan: xplan.XPlan) -> bool:  # another apply lands while this one confirms
        body = {"version": 1, "table": Table("hotline").to_json()}
        put = httpx.put(
            live.url + "/_privcall/xmode/apps/hotline/table",
            json=body,
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert put.status_code == 200
        return True

    with pytest.raises(VersionConflict) as conflict:
        asyncio.run(xplan.apply(changed, xplan.XOptions(env=ENV), confirm=meanwhile))
    assert str(conflict.value) == (
        "app 'hotline': the served table changed since it was read (now version 2); nothing "
        "was replaced: run plan again"
    )
    assert live.server.tables.current("hotline").table == Table("hotline")
    assert repo.routes["hotline"] != Table("hotline")


def test_an_unreachable_server_or_a_wrong_token_is_a_clear_error(tmp_path: Path) -> None:
    root = make_repo(tmp_path, url="http://127.0.0.1:9")
    result = run(root, "plan")
    assert result.exit_code == 1
    assert result.output == (
        "error: app 'hotline': cannot reach the route server at http://127.0.0.1:9 "
        "(ConnectError); is privcall xmode serve running there?\n"
    )
    no_token = CliRunner().invoke(main, ["xmode", "plan", "-C", str(root)], env={})
    assert no_token.exit_code == 1
    assert "PRIVCALL_TEST_XMODE_TOKEN must hold the route server's admin token" in no_token.output


def test_wrong_token_is_refused(live: Running) -> None:
    result = CliRunner().invoke(
        main,
        ["xmode", "drift", "-C", str(live.root)],
        env={"PRIVCALL_TEST_XMODE_TOKEN": "another-token-0123456789"},
    )
    assert result.exit_code == 1
    assert "refused the admin token" in result.output


def test_served_tables_survive_a_restart_and_a_bad_state_file_is_an_error(
    tmp_path: Path,
) -> None:
    root = make_repo(tmp_path / "repo")
    state = root / ".privcall" / "xmode" / "hotline.json"
    for running in start(root, persist=True):
        make_repo(root, url=running.url)
        edit(root, CHANGED)
        assert run(root, "apply", "--auto-approve").exit_code == 0
    assert json.loads(state.read_text())["version"] == 2
    assert oct(state.stat().st_mode & 0o777) == "0o600"
    edit(root, ROUTES)  # the YAML moved back; the server still serves what was applied
    for running in start(root, persist=True):
        make_repo(root, url=running.url)
        assert running.server.tables.current("hotline").version == 2
        assert run(root, "drift").exit_code == 2
    state.write_text('{"version": 2, "checksum": "x", "table": {"format": 1, "app": "hotline"}}')
    with pytest.raises(ServerError, match="does not match its checksum or app"):
        LiveTables({"hotline": Table("hotline")}, state.parent)


def test_plan_on_a_repository_without_x_apps_says_so(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    config = (root / "privcall.yaml").read_text()
    (root / "privcall.yaml").write_text(
        config.replace("mode: X", "mode: AXB").replace(
            "    xmode: {token_env: PRIVCALL_TEST_XMODE_TOKEN}\n", ""
        )
    )
    (root / "bindings" / "hotline.yaml").write_text("app: hotline\nbindings: []\n")
    result = run(root, "plan")
    assert (result.exit_code, result.output) == (1, "error: privcall.yaml has no X app (mode: X)\n")
    with pytest.raises(ConfigError):
        xplan.XOptions(env={"PRIVCALL_DIGEST_KEY": "short"}).digest()
