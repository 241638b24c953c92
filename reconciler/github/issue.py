"""The drift issue: one open issue per scope, found again through its hidden marker.

Drift found: the open issue is updated (title and body), or one is opened. No drift: the
open issue gets a closing comment and is closed. Drift that comes back later opens a new
issue. Only issues written by ``author`` are considered.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from reconciler import __version__
from reconciler.github import markers
from reconciler.github.client import GitHubClient, Issue
from reconciler.github.comment import DEFAULT_AUTHOR


class IssueAction(StrEnum):
    opened = "opened"
    updated = "updated"
    closed = "closed"
    none = "none"


@dataclass(frozen=True)
class DriftIssue:
    action: IssueAction
    issue: Issue | None


def drift_title(scope: str) -> str:
    where = "" if scope == "." else f" ({scope})"
    return f"privcall: the platform differs from the YAML{where}"


def drift_body(markdown: str, *, scope: str, run_url: str | None) -> str:
    footer = [f"privcall {__version__}", f"scope `{scope}`"]
    if run_url:
        footer.append(f"[the run]({run_url})")
    footer.append("privcall updates this issue on every drift run and closes it when drift is gone")
    return (
        markers.marker(markers.DRIFT, scope)
        + "\n"
        + markdown.rstrip("\n")
        + "\n\n---\n<sub>"
        + " · ".join(footer)
        + "</sub>\n"
    )


def find_drift_issue(
    client: GitHubClient, repo: str, scope: str, *, author: str = DEFAULT_AUTHOR
) -> Issue | None:
    for issue in client.open_issues(repo):
        if (not author or issue.author == author) and markers.has_marker(
            issue.body, markers.DRIFT, scope
        ):
            return issue
    return None


def sync_drift_issue(
    client: GitHubClient,
    repo: str,
    scope: str,
    *,
    drifted: bool,
    markdown: str,
    run_url: str | None = None,
    author: str = DEFAULT_AUTHOR,
    labels: tuple[str, ...] = (),
    closing_note: str = "",
) -> DriftIssue:
    """Open, update or close the drift issue of ``scope``; ``markdown`` is the drift report
    (masked, under GitHub's limit)."""
    existing = find_drift_issue(client, repo, scope, author=author)
    if drifted:
        body = drift_body(markdown, scope=scope, run_url=run_url)
        title = drift_title(scope)
        if existing is None:
            return DriftIssue(IssueAction.opened, client.create_issue(repo, title, body, labels))
        updated = client.update_issue(repo, existing.number, title=title, body=body)
        return DriftIssue(IssueAction.updated, updated)
    if existing is None:
        return DriftIssue(IssueAction.none, None)
    note = closing_note or "Drift is gone: the platform matches the YAML again."
    if run_url:
        note += f" ([run]({run_url}))"
    client.comment_on_issue(repo, existing.number, note)
    closed = client.update_issue(repo, existing.number, state="closed", state_reason="completed")
    return DriftIssue(IssueAction.closed, closed)
