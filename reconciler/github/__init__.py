"""privcall's GitHub side: the sticky plan comment of a pull request, the job summary,
the reviewed checksum read back from the merged pull request, and the drift issue.

Calls GitHub's REST API through :class:`GitHubClient` (httpx). Nothing here prints; the
``privcall github`` commands (:mod:`reconciler.github.cli`) do.
"""

from __future__ import annotations

from reconciler.github.client import Comment, GitHubClient, Issue, PullRequest
from reconciler.github.comment import (
    DEFAULT_AUTHOR,
    PlanComment,
    Posted,
    ReviewedPlan,
    failure_comment,
    plan_comment,
    read_reviewed_plan,
    upsert_sticky_comment,
)
from reconciler.github.context import ActionsContext
from reconciler.github.errors import (
    GitHubConfigError,
    GitHubError,
    GitHubNotFound,
    GitHubPermissionError,
    GitHubRateLimited,
    ReviewedPlanNotFound,
)
from reconciler.github.issue import DriftIssue, IssueAction, sync_drift_issue
from reconciler.github.markers import scope
from reconciler.github.summary import append_job_summary

__all__ = [
    "DEFAULT_AUTHOR",
    "ActionsContext",
    "Comment",
    "DriftIssue",
    "GitHubClient",
    "GitHubConfigError",
    "GitHubError",
    "GitHubNotFound",
    "GitHubPermissionError",
    "GitHubRateLimited",
    "Issue",
    "IssueAction",
    "PlanComment",
    "Posted",
    "PullRequest",
    "ReviewedPlan",
    "ReviewedPlanNotFound",
    "append_job_summary",
    "failure_comment",
    "plan_comment",
    "read_reviewed_plan",
    "scope",
    "sync_drift_issue",
    "upsert_sticky_comment",
]
