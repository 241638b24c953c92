"""What GitHub Actions tells a step through its environment: the repository, the commit,
the event (with its pull request), the run, the job-summary file."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from reconciler.github.errors import GitHubConfigError

DEFAULT_SERVER_URL = "https://github.com"


@dataclass(frozen=True)
class ActionsContext:
    repository: str = ""
    """``owner/name``."""
    sha: str = ""
    server_url: str = DEFAULT_SERVER_URL
    run_id: str = ""
    run_attempt: str = ""
    step_summary: Path | None = None
    event_name: str = ""
    event: Mapping[str, Any] = field(default_factory=dict)
    pull_number: int | None = None
    """The pull request of the event (``pull_request``, ``pull_request_target``), or the
    one given on the command line."""

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ActionsContext:
        event: dict[str, Any] = {}
        event_path = env.get("GITHUB_EVENT_PATH")
        if event_path:
            try:
                loaded = json.loads(Path(event_path).read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise GitHubConfigError(
                    f"cannot read the event file GITHUB_EVENT_PATH={event_path}: {exc}"
                ) from exc
            if isinstance(loaded, dict):
                event = loaded
        summary = env.get("GITHUB_STEP_SUMMARY")
        return cls(
            repository=env.get("GITHUB_REPOSITORY", ""),
            sha=env.get("GITHUB_SHA", ""),
            server_url=(env.get("GITHUB_SERVER_URL") or DEFAULT_SERVER_URL).rstrip("/"),
            run_id=env.get("GITHUB_RUN_ID", ""),
            run_attempt=env.get("GITHUB_RUN_ATTEMPT", ""),
            step_summary=Path(summary) if summary else None,
            event_name=env.get("GITHUB_EVENT_NAME", ""),
            event=event,
            pull_number=_pull_number(event),
        )

    def with_overrides(
        self, *, repository: str | None = None, sha: str | None = None, pull: int | None = None
    ) -> ActionsContext:
        return replace(
            self,
            repository=repository or self.repository,
            sha=sha or self.sha,
            pull_number=pull if pull is not None else self.pull_number,
        )

    @property
    def head_sha(self) -> str:
        """The commit the plan is for: the pull request's head, else ``GITHUB_SHA``."""
        pull = self.event.get("pull_request")
        if isinstance(pull, dict):
            head = pull.get("head")
            if isinstance(head, dict) and head.get("sha"):
                return str(head["sha"])
        return self.sha

    @property
    def run_url(self) -> str | None:
        """The run's page, where job summaries are shown."""
        if not (self.repository and self.run_id):
            return None
        url = f"{self.server_url}/{self.repository}/actions/runs/{self.run_id}"
        return f"{url}/attempts/{self.run_attempt}" if self.run_attempt else url

    def require_repository(self) -> str:
        if "/" not in self.repository:
            raise GitHubConfigError(
                "GITHUB_REPOSITORY (owner/name) is not set: run this in GitHub Actions, or "
                "pass --repo OWNER/NAME"
            )
        return self.repository

    def require_sha(self) -> str:
        if not self.sha:
            raise GitHubConfigError(
                "GITHUB_SHA is not set: run this in GitHub Actions, or pass --sha COMMIT"
            )
        return self.sha


def _pull_number(event: Mapping[str, Any]) -> int | None:
    pull = event.get("pull_request")
    if isinstance(pull, dict) and isinstance(pull.get("number"), int):
        return int(pull["number"])
    issue = event.get("issue")
    if isinstance(issue, dict) and "pull_request" in issue and isinstance(issue.get("number"), int):
        return int(issue["number"])
    return None
