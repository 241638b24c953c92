"""The sticky plan comment of a pull request, and reading the reviewed plan back from it.

One comment per pull request and scope (see :mod:`reconciler.github.markers`), created by
the first plan and updated by every later one, never duplicated. It holds the masked
markdown plan (truncated under GitHub's 65,536-character limit, keeping the summary, with a
pointer to the job summary), and in hidden lines the checksum, the commit it was planned
for and, when small enough, the masked canonical operations (what ``plan --save`` writes),
so that the apply on merge can say which operations changed when the checksum no longer
matches.

Only comments written by ``author`` (the token's identity, ``github-actions[bot]`` for the
job's ``GITHUB_TOKEN``) are considered: anyone can post a comment carrying the marker.
"""

from __future__ import annotations

import base64
import binascii
import json
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler import __version__, runner
from reconciler.github import markers
from reconciler.github.client import Comment, GitHubClient, PullRequest
from reconciler.github.errors import ReviewedPlanNotFound
from reconciler.masking import Masker
from reconciler.plan import Plan
from reconciler.render.markdown import GITHUB_COMMENT_LIMIT, render_markdown

DEFAULT_AUTHOR = "github-actions[bot]"
"""Who writes the comments when the job's own ``GITHUB_TOKEN`` is used."""

SUMMARY_LIMIT = 1_000_000
"""GitHub shows at most 1 MiB of job summary per step."""

REVIEWED_MAX = 16_000
"""The largest hidden copy of the reviewed operations kept in the comment (characters);
a larger plan keeps only its checksum."""

FAILED = "failed"
"""The checksum line's value when the last plan failed."""

COMMIT = "privcall-commit"


@dataclass(frozen=True)
class Posted:
    comment: Comment
    created: bool
    duplicates_removed: int = 0


@dataclass(frozen=True)
class PlanComment:
    body: str
    full: str
    """The whole plan as markdown (for the job summary)."""
    truncated: bool


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _footer(scope: str, commit: str, details_url: str | None, what: str) -> str:
    parts = [f"privcall {__version__}", f"scope `{scope}`"]
    if commit:
        parts.append(f"commit `{commit[:12]}`")
    if details_url:
        parts.append(f"[job summary]({details_url})")
    parts.append(what)
    return "\n---\n<sub>" + " · ".join(parts) + "</sub>\n"


def reviewed_blob(plan: Plan, masker: Masker) -> str:
    """The masked canonical operations (``plan --save``'s file), compressed, for a hidden
    line of the comment."""
    with tempfile.TemporaryDirectory(prefix="privcall-") as folder:
        path = Path(folder) / "reviewed.json"
        runner.save_reviewed(plan, path, masker)
        raw = path.read_bytes()
    return base64.b64encode(zlib.compress(raw, 9)).decode("ascii")


def plan_comment(
    plan: Plan,
    masker: Masker,
    *,
    scope: str,
    commit: str,
    details_url: str | None,
    limit: int = GITHUB_COMMENT_LIMIT,
) -> PlanComment:
    """The comment for ``plan``: at most ``limit`` characters (counted in UTF-8 bytes)."""
    head = markers.marker(markers.PLAN, scope) + "\n"
    footer = _footer(
        scope, commit, details_url, "apply on merge applies this plan only if its checksum holds"
    )
    meta = (
        markers.value_marker(markers.CHECKSUM, plan.checksum)
        + "\n"
        + markers.value_marker(COMMIT, commit)
        + "\n"
    )
    blob = reviewed_blob(plan, masker)
    reviewed = markers.value_marker(markers.REVIEWED, blob) + "\n"
    if len(blob) > REVIEWED_MAX:
        reviewed = ""
    budget = limit - _size(head) - _size(footer) - _size(meta) - _size(reviewed)
    full = render_markdown(plan, masker, limit=SUMMARY_LIMIT)
    shown = full
    if _size(full) > budget:
        shown = render_markdown(plan, masker, limit=budget, details_url=details_url)
    body = head + shown + footer + meta + reviewed
    return PlanComment(body, full, shown is not full)


def failure_comment(message: str, *, scope: str, commit: str, details_url: str | None) -> str:
    """The comment when the plan could not be made (the message is already masked)."""
    text = message[:50_000]
    fence = "`" * max(3, max((len(run) for run in _backtick_runs(text)), default=0) + 1)
    return (
        markers.marker(markers.PLAN, scope)
        + "\n## privcall plan failed\n\n"
        + "No plan could be made"
        + (f" for commit `{commit[:12]}`" if commit else "")
        + ", so there is nothing to review; the apply on merge refuses until a plan "
        + "succeeds.\n\n"
        + f"{fence}text\n{text}\n{fence}\n"
        + _footer(scope, commit, details_url, "fix the problem and push again")
        + markers.value_marker(markers.CHECKSUM, FAILED)
        + "\n"
        + markers.value_marker(COMMIT, commit)
        + "\n"
    )


def _backtick_runs(text: str) -> list[str]:
    runs, current = [], ""
    for char in text:
        if char == "`":
            current += char
        elif current:
            runs.append(current)
            current = ""
    if current:
        runs.append(current)
    return runs


def upsert_sticky_comment(
    client: GitHubClient,
    repo: str,
    number: int,
    scope: str,
    body: str,
    *,
    author: str = DEFAULT_AUTHOR,
) -> Posted:
    """Create the pull request's comment for ``scope``, or update it. Looks through every
    page of comments; extra copies (two runs that raced) are deleted, keeping the oldest."""
    mine = [
        comment
        for comment in client.issue_comments(repo, number)
        if _ours(comment, author) and markers.has_marker(comment.body, markers.PLAN, scope)
    ]
    if not mine:
        return Posted(client.create_comment(repo, number, body), created=True)
    first, extra = mine[0], mine[1:]
    updated = first if first.body == body else client.update_comment(repo, first.id, body)
    for comment in extra:
        client.delete_comment(repo, comment.id)
    return Posted(updated, created=False, duplicates_removed=len(extra))


def _ours(comment: Comment, author: str) -> bool:
    return not author or comment.author == author


# -- reading the reviewed plan back ------------------------------------------------------


@dataclass(frozen=True)
class ReviewedPlan:
    checksum: str
    pull: PullRequest
    comment: Comment
    commit: str
    """The commit the plan was made for."""
    reviewed: dict[str, Any] | None
    """``{"checksum", "plan"}`` as ``plan --save`` writes it, when the comment kept it."""

    @property
    def stale(self) -> bool:
        """The plan was made for another commit than the pull request's last one."""
        return bool(self.commit and self.pull.head_sha and self.commit != self.pull.head_sha)

    def write_reviewed(self, path: Path) -> bool:
        """Write the reviewed operations for ``apply --reviewed``; False when the comment
        did not keep them (too large)."""
        if self.reviewed is None:
            return False
        path.write_text(json.dumps(self.reviewed, indent=1), encoding="utf-8")
        return True


def merged_pull(client: GitHubClient, repo: str, sha: str) -> PullRequest:
    """The merged pull request whose merge produced ``sha``."""
    pulls = [p for p in client.pulls_of_commit(repo, sha) if p.merged]
    exact = [p for p in pulls if p.merge_commit_sha == sha]
    if exact:
        return exact[0]
    if len(pulls) == 1:
        return pulls[0]
    if not pulls:
        raise ReviewedPlanNotFound(
            f"commit {sha[:12]} is not the merge of a merged pull request (pushed directly?): "
            "privcall applies in CI only plans reviewed in a pull request. Open one, or apply "
            "by hand with --checksum of a plan you reviewed"
        )
    numbers = ", ".join(f"#{p.number}" for p in pulls)
    raise ReviewedPlanNotFound(
        f"commit {sha[:12]} belongs to several merged pull requests ({numbers}) and merges "
        "none of them: pass --pr NUMBER to say whose plan was reviewed"
    )


def read_reviewed_plan(
    client: GitHubClient,
    repo: str,
    scope: str,
    *,
    sha: str = "",
    pull_number: int | None = None,
    author: str = DEFAULT_AUTHOR,
) -> ReviewedPlan:
    """The plan reviewed in the pull request ``pull_number`` or, by default, in the merged
    pull request of commit ``sha``: the checksum of its sticky comment for ``scope``."""
    pull = (
        client.pull(repo, pull_number)
        if pull_number is not None
        else merged_pull(client, repo, sha)
    )
    found = [
        comment
        for comment in client.issue_comments(repo, pull.number)
        if _ours(comment, author) and markers.has_marker(comment.body, markers.PLAN, scope)
    ]
    if not found:
        by = f" by {author}" if author else ""
        raise ReviewedPlanNotFound(
            f"pull request #{pull.number} has no privcall plan comment{by} for scope "
            f"`{scope}`: did the plan workflow run on it (its paths filter, its directory "
            "and apps must match this apply's), and with the same token identity?"
        )
    comment = max(found, key=lambda c: c.updated_at)
    checksum = markers.read_value(comment.body, markers.CHECKSUM) or ""
    if checksum == FAILED:
        raise ReviewedPlanNotFound(
            f"the last plan of pull request #{pull.number} failed ({comment.html_url}): there "
            "is no reviewed plan to apply; fix the bindings in a new pull request"
        )
    if len(checksum) != 64 or any(c not in "0123456789abcdef" for c in checksum):
        raise ReviewedPlanNotFound(
            f"the plan comment of pull request #{pull.number} ({comment.html_url}) carries no "
            "checksum: was it edited? Run the plan workflow again"
        )
    return ReviewedPlan(
        checksum,
        pull,
        comment,
        markers.read_value(comment.body, COMMIT) or "",
        _decode(markers.read_value(comment.body, markers.REVIEWED), checksum),
    )


def _decode(blob: str | None, checksum: str) -> dict[str, Any] | None:
    if not blob:
        return None
    try:
        data = json.loads(zlib.decompress(base64.b64decode(blob, validate=True)))
    except (binascii.Error, zlib.error, ValueError):
        return None
    if not isinstance(data, dict) or data.get("checksum") != checksum:
        return None
    return data
