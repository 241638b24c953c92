"""Every failure case has its own fixture and its whole expected output, line and column
included, in the .expect file beside it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.errors import ValidationFailed
from reconciler.loader import load_repository
from tests.loader.conftest import (
    FIXTURES,
    expected,
    repo_with_binding_case,
    repo_with_config_case,
)


def _cases(kind: str) -> list[Path]:
    return sorted(p for p in (FIXTURES / kind).iterdir() if p.suffix != ".expect")


def _problems(root: Path) -> list[str]:
    with pytest.raises(ValidationFailed) as failed:
        load_repository(root)
    return [str(p) for p in failed.value.problems]


@pytest.mark.parametrize("case", _cases("bindings"), ids=lambda p: p.stem)
def test_bindings_file_case_reports_exact_problems(tmp_path: Path, case: Path) -> None:
    assert _problems(repo_with_binding_case(tmp_path, case)) == expected(case)


@pytest.mark.parametrize("case", _cases("config"), ids=lambda p: p.stem)
def test_config_case_reports_exact_problems(tmp_path: Path, case: Path) -> None:
    assert _problems(repo_with_config_case(tmp_path, case)) == expected(case)


def test_every_case_has_an_expectation() -> None:
    for kind in ("bindings", "config"):
        for case in _cases(kind):
            assert case.with_suffix(".expect").is_file(), case


@pytest.mark.parametrize(
    ("case", "build"),
    [
        ("config/literal_secret.yaml", repo_with_config_case),
        ("config/secret_in_key_env.yaml", repo_with_config_case),
    ],
)
def test_secret_values_never_appear_in_messages(
    tmp_path: Path, case: str, build: Callable[[Path, Path], Path]
) -> None:
    output = "\n".join(_problems(build(tmp_path, FIXTURES / case)))
    assert "9f8e7d6c5b4a" not in output
