"""Errors of privcall's GitHub side. Each message says what to do about it."""

from __future__ import annotations

from reconciler.errors import PrivcallError


class GitHubError(PrivcallError):
    """A GitHub REST call failed, or GitHub's answer was not what privcall needs."""


class GitHubConfigError(GitHubError):
    """Something the GitHub side needs is missing from the environment (a token, the
    repository, the pull request)."""


class GitHubPermissionError(GitHubError):
    """The token may not do this: the workflow's ``permissions:`` lack an entry."""


class GitHubNotFound(GitHubError):
    """GitHub answered 404: the repository, pull request, comment or issue is not there,
    or the token may not see it."""


class GitHubRateLimited(GitHubError):
    """GitHub's API rate limit (primary or secondary) was hit."""


class ReviewedPlanNotFound(GitHubError):
    """No reviewed plan could be read back for the commit being applied."""
