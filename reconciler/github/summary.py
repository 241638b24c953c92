"""The job summary: markdown appended to the file ``GITHUB_STEP_SUMMARY`` names, shown on the
workflow run's page (at most 1 MiB per step)."""

from __future__ import annotations

from pathlib import Path

from reconciler.github.errors import GitHubError


def append_job_summary(path: Path, markdown: str) -> None:
    """Append ``markdown`` (and a blank line) to the job summary at ``path``."""
    try:
        with path.open("a", encoding="utf-8") as summary:
            summary.write(markdown.rstrip("\n") + "\n\n")
    except OSError as exc:
        raise GitHubError(f"cannot write the job summary {path}: {exc}") from exc
