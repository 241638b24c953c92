"""Build throw-away bindings repositories from the fixtures in tests/fixtures/loader."""

from __future__ import annotations

import shutil
from pathlib import Path

FIXTURES = Path(__file__).parent.parent / "fixtures" / "loader"


def repo_with_binding_case(tmp_path: Path, case: Path) -> Path:
    """The standard privcall.yaml plus the case as bindings/<name> (a file or a folder)."""
    shutil.copy(FIXTURES / "privcall.yaml", tmp_path / "privcall.yaml")
    bindings = tmp_path / "bindings"
    if case.is_dir():
        shutil.copytree(case, bindings)
    else:
        bindings.mkdir()
        shutil.copy(case, bindings / "case.yaml")
    return tmp_path


def repo_with_config_case(tmp_path: Path, case: Path) -> Path:
    """The case as privcall.yaml, with an empty bindings folder."""
    shutil.copy(case, tmp_path / "privcall.yaml")
    (tmp_path / "bindings").mkdir()
    return tmp_path


def expected(case: Path) -> list[str]:
    """The whole expected output of a case, from its .expect file next to it."""
    text = case.with_suffix(".expect").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line]
