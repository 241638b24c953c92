"""`privcall validate` and `privcall schema` as a user runs them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.cli import main

ROOT = Path(__file__).parents[1]
EXAMPLES = ROOT / "examples"


def _broken_repo(tmp_path: Path) -> Path:
    shutil.copytree(EXAMPLES, tmp_path / "repo")
    (tmp_path / "repo" / "bindings" / "bad.yaml").write_text(
        'app: orders\nbindings:\n  - {key: k, a: +8613900000999, b: "+8613700000999",'
        ' area_code: "0755", recrod: true}\n',
        encoding="utf-8",
    )
    return tmp_path / "repo"


def test_validate_examples_exits_0_with_a_summary() -> None:
    result = CliRunner().invoke(main, ["validate", "-C", str(EXAMPLES)])
    assert result.exit_code == 0, result.output
    assert result.output == "valid: 12 bindings in 4 files for 4 apps\n"


def test_validate_lists_every_problem_and_exits_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = _broken_repo(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    result = CliRunner().invoke(main, ["validate", "-C", "repo"])
    assert result.exit_code == 1
    assert result.stdout == (
        "repo/bindings/bad.yaml:3:14: a: write the phone number in quotes, like "
        "\"+86 138 xxxx xxxx\": unquoted, YAML reads it as an integer and drops the '+'\n"
        "repo/bindings/bad.yaml:3:73: unknown key 'recrod' (did you mean 'record'?)\n"
    )
    assert result.stderr == "2 problems found; nothing was sent to the platform.\n"
    assert repo.is_dir()


def test_validate_emits_github_annotations_in_actions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _broken_repo(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    result = CliRunner().invoke(main, ["validate", "-C", "repo"])
    annotations = [line for line in result.stdout.splitlines() if line.startswith("::")]
    assert annotations == [
        "::error file=repo/bindings/bad.yaml,line=3,col=14::a: write the phone number in quotes,"
        " like \"+86 138 xxxx xxxx\": unquoted, YAML reads it as an integer and drops the '+'",
        "::error file=repo/bindings/bad.yaml,line=3,col=73::unknown key 'recrod' (did you mean "
        "'record'?)",
    ]


def test_validate_of_a_missing_directory_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "reconciler", "validate", "-C", str(tmp_path / "nowhere")],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"error: {tmp_path / 'nowhere'} is not a directory; pass the bindings repository with "
        "-C DIR\n"
    )


def test_schema_commands_match_the_committed_schemas() -> None:
    runner = CliRunner()
    for args, path in (
        (["schema"], ROOT / "schema" / "bindings.schema.json"),
        (["schema", "config"], ROOT / "schema" / "privcall.schema.json"),
    ):
        result = runner.invoke(main, args)
        assert result.exit_code == 0
        assert json.loads(result.output) == json.loads(path.read_text()), (
            f"{path} is stale: regenerate it with privcall {' '.join(args)} -o {path}"
        )


def test_schema_for_one_mode_names_only_that_model() -> None:
    result = CliRunner().invoke(main, ["schema", "--mode", "AXE"])
    schema = json.loads(result.output)
    assert schema["properties"]["bindings"]["items"] == {"$ref": "#/$defs/AXEBinding"}
    assert schema["properties"]["mode"]["enum"] == ["AXE"]
