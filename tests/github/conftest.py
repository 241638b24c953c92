"""Fixtures for privcall's GitHub side: the fake GitHub on a local socket, and the
environment GitHub Actions gives a step (event file, job-summary file, API URL, token)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from reconciler.cli import main
from tests.github.fake_github import TOKEN, FakeGitHub, serve

HEAD = "a1" * 20
MERGE = "b2" * 20
PR = 7

_ACTIONS_VARS = (
    "GITHUB_ACTIONS",
    "GITHUB_API_URL",
    "GITHUB_TOKEN",
    "GITHUB_REPOSITORY",
    "GITHUB_SHA",
    "GITHUB_EVENT_NAME",
    "GITHUB_EVENT_PATH",
    "GITHUB_STEP_SUMMARY",
    "GITHUB_SERVER_URL",
    "GITHUB_RUN_ID",
    "GITHUB_RUN_ATTEMPT",
    "PRIVCALL_GITHUB_AUTHOR",
)


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    fake = FakeGitHub()
    fake.add_pull(PR, HEAD)
    with serve(fake) as served:
        yield served


@dataclass
class Actions:
    """The environment of one workflow step, and the CLI run in it."""

    fake: FakeGitHub
    folder: Path
    env: dict[str, str | None] = field(default_factory=dict)

    @property
    def summary(self) -> Path:
        return self.folder / "step_summary.md"

    def event(self, name: str, payload: dict[str, Any], *, sha: str) -> None:
        path = self.folder / f"event-{name}.json"
        path.write_text(json.dumps(payload))
        self.env.update(GITHUB_EVENT_NAME=name, GITHUB_EVENT_PATH=str(path), GITHUB_SHA=sha)

    def pull_request(self, number: int = PR, head: str = HEAD) -> None:
        self.event(
            "pull_request",
            {"pull_request": {"number": number, "head": {"sha": head}}},
            sha="c3" * 20,
        )

    def push(self, sha: str = MERGE) -> None:
        self.event("push", {"ref": "refs/heads/main", "after": sha}, sha=sha)

    def run(self, *args: str) -> Result:
        return CliRunner().invoke(main, list(args), env=self.env, catch_exceptions=False)


@pytest.fixture
def actions(github: FakeGitHub, tmp_path: Path) -> Actions:
    folder = tmp_path / "runner"
    folder.mkdir()
    env: dict[str, str | None] = dict.fromkeys(_ACTIONS_VARS)
    env.update(
        GITHUB_ACTIONS="true",
        GITHUB_API_URL=github.url,
        GITHUB_TOKEN=TOKEN,
        GITHUB_REPOSITORY=github.repo,
        GITHUB_SERVER_URL="https://github.com",
        GITHUB_RUN_ID="4242",
        GITHUB_RUN_ATTEMPT="1",
        GITHUB_STEP_SUMMARY=str(folder / "step_summary.md"),
    )
    return Actions(github, folder, env)
