"""Route files are validated before anything runs: one fixture per failure case."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reconciler.errors import ValidationFailed
from reconciler.loader import load_repository
from reconciler.xmode.table import Close, Connect
from tests.xmode.conftest import FIXTURES, X1, X2, copy_case, make_repo

CASES = sorted(p for p in (FIXTURES / "invalid").iterdir() if p.suffix != ".expect")
REAL = re.compile(r"\+861[3-9]\d{9}")


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_invalid_route_file_reports_exact_problem(tmp_path: Path, case: Path) -> None:
    root = copy_case(tmp_path, case)
    with pytest.raises(ValidationFailed) as failed:
        load_repository(root)
    expected = case.with_suffix(".expect").read_text(encoding="utf-8").splitlines()
    assert [str(p) for p in failed.value.problems] == expected
    assert REAL.search(str(failed.value)) is None  # real numbers are masked


def test_valid_route_file_gives_the_declared_table(tmp_path: Path) -> None:
    repo = load_repository(make_repo(tmp_path))
    table = repo.routes["hotline"]
    assert [r.key for r in table.routes] == ["closed-line", "drivers", "front-desk", "vip"]
    assert table.default == Close("sorry.wav")
    vip = table.route("vip")
    assert vip is not None and vip.callers == frozenset({"+8613800000001"})
    assert vip.answer == Connect(
        "+8613900000001", None, 30, "wait.wav", False, None, "lastmin.wav", None
    )
    drivers = table.route("drivers")
    assert drivers is not None and drivers.answer == Connect(
        "+8613900000002", X2, 0, None, True, "rec.wav", None, "drivers-line"
    )
    desk = table.route("front-desk")
    assert desk is not None and desk.callers is None and desk.x == X1
    assert repo.bindings["hotline"] == ()


def test_display_equal_to_x_is_the_default(tmp_path: Path) -> None:
    routes = f'app: hotline\nroutes:\n  - {{x: "{X1}", to: "+8613900000001", display: "{X1}"}}\n'
    table = load_repository(make_repo(tmp_path, routes)).routes["hotline"]
    assert table.routes[0].answer == Connect("+8613900000001")


def test_an_x_app_without_route_files_serves_an_empty_table(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    (root / "bindings" / "hotline.yaml").unlink()
    (root / "bindings" / ".gitkeep").write_text("")
    table = load_repository(root).routes["hotline"]
    assert table.routes == () and table.default is None


def test_an_x_app_needs_its_admin_token_setting(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    config = (
        (root / "privcall.yaml")
        .read_text()
        .replace("    xmode: {token_env: PRIVCALL_TEST_XMODE_TOKEN}\n", "")
    )
    (root / "privcall.yaml").write_text(config)
    with pytest.raises(ValidationFailed) as failed:
        load_repository(root)
    assert [str(p) for p in failed.value.problems] == [
        "privcall.yaml:4:5: an X app needs xmode: {token_env: ...}, the route server's admin token"
    ]


def test_xmode_settings_on_another_mode_are_refused(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    config = (root / "privcall.yaml").read_text() + "    xmode: {token_env: T}\n"
    (root / "privcall.yaml").write_text(config)
    with pytest.raises(ValidationFailed) as failed:
        load_repository(root)
    assert [str(p) for p in failed.value.problems] == [
        "privcall.yaml:16:5: xmode is for X apps; this app is AXB"
    ]


def test_the_worked_example_is_valid() -> None:
    repo = load_repository(Path(__file__).parents[2] / "examples" / "xmode")
    table = repo.routes["hotline"]
    assert [r.key for r in table.routes] == ["closed-line", "drivers", "front-desk", "vip-customer"]
    assert table.default == Close("closed.wav")
