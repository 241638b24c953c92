"""A small, typed client of GitHub's REST API, on httpx.

Only the calls privcall makes: issue comments (a pull request's conversation is its issue's
comments), the pull requests of a commit, issues. The base URL defaults to
``https://api.github.com`` and is taken from ``GITHUB_API_URL`` as Actions sets it (GitHub
Enterprise Server); the token from ``GITHUB_TOKEN``. The transport can be injected (tests
run it against a local server playing GitHub).

Every failure is a :class:`~reconciler.github.errors.GitHubError` whose message says what
to do; a 403 names the ``permissions:`` entry the workflow needs for that call.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from reconciler import __version__
from reconciler.github.errors import (
    GitHubConfigError,
    GitHubError,
    GitHubNotFound,
    GitHubPermissionError,
    GitHubRateLimited,
)

DEFAULT_API_URL = "https://api.github.com"
API_VERSION = "2022-11-28"
PER_PAGE = 100
MAX_PAGES = 1_000
"""A guard against a server whose ``next`` link never ends (100,000 items)."""

_RETRIED = frozenset({500, 502, 503, 504})

# What each call needs, as a workflow's `permissions:` entry says it.
READ_PULLS = "pull-requests: read"
WRITE_PULLS = "pull-requests: write"
READ_CONTENTS = "contents: read"
READ_ISSUES = "issues: read"
WRITE_ISSUES = "issues: write"


@dataclass(frozen=True)
class Comment:
    id: int
    body: str
    author: str
    html_url: str
    updated_at: str

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Comment:
        return cls(
            int(data["id"]),
            str(data.get("body") or ""),
            _login(data),
            str(data.get("html_url") or ""),
            str(data.get("updated_at") or ""),
        )


@dataclass(frozen=True)
class PullRequest:
    number: int
    state: str
    merged_at: str | None
    merge_commit_sha: str | None
    head_sha: str
    html_url: str

    @property
    def merged(self) -> bool:
        return bool(self.merged_at)

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> PullRequest:
        head = data.get("head") or {}
        return cls(
            int(data["number"]),
            str(data.get("state") or ""),
            data.get("merged_at") or None,
            data.get("merge_commit_sha") or None,
            str(head.get("sha") or ""),
            str(data.get("html_url") or ""),
        )


@dataclass(frozen=True)
class Issue:
    number: int
    title: str
    body: str
    state: str
    author: str
    html_url: str
    is_pull_request: bool = False

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Issue:
        return cls(
            int(data["number"]),
            str(data.get("title") or ""),
            str(data.get("body") or ""),
            str(data.get("state") or ""),
            _login(data),
            str(data.get("html_url") or ""),
            "pull_request" in data,
        )


def _login(data: Mapping[str, Any]) -> str:
    user = data.get("user") or {}
    return str(user.get("login") or "")


class GitHubClient:
    """Calls to one GitHub API (``base_url``) with one token."""

    def __init__(
        self,
        token: str,
        *,
        base_url: str = DEFAULT_API_URL,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
        attempts: int = 3,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not token:
            raise GitHubConfigError(_NO_TOKEN)
        self.base_url = base_url.rstrip("/")
        self.attempts = max(1, attempts)
        self._sleep = sleep
        self._http = httpx.Client(
            base_url=self.base_url,
            transport=transport,
            timeout=timeout,
            headers={
                "Authorization": f"Bearer {token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": API_VERSION,
                "User-Agent": f"privcall/{__version__}",
            },
        )

    @classmethod
    def from_env(
        cls, env: Mapping[str, str], *, transport: httpx.BaseTransport | None = None
    ) -> GitHubClient:
        """A client for ``GITHUB_API_URL`` (default api.github.com) with ``GITHUB_TOKEN``."""
        return cls(
            env.get("GITHUB_TOKEN", ""),
            base_url=env.get("GITHUB_API_URL") or DEFAULT_API_URL,
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> GitHubClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the calls -------------------------------------------------------------------------

    def issue_comments(self, repo: str, number: int) -> Iterator[Comment]:
        """Every comment of issue or pull request ``number``, oldest first, page by page."""
        path = f"/repos/{repo}/issues/{number}/comments"
        for item in self._pages(path, READ_PULLS):
            yield Comment.parse(item)

    def create_comment(self, repo: str, number: int, body: str) -> Comment:
        data = self._call(
            "POST", f"/repos/{repo}/issues/{number}/comments", WRITE_PULLS, json={"body": body}
        )
        return Comment.parse(data)

    def update_comment(self, repo: str, comment_id: int, body: str) -> Comment:
        data = self._call(
            "PATCH", f"/repos/{repo}/issues/comments/{comment_id}", WRITE_PULLS, json={"body": body}
        )
        return Comment.parse(data)

    def delete_comment(self, repo: str, comment_id: int) -> None:
        self._call("DELETE", f"/repos/{repo}/issues/comments/{comment_id}", WRITE_PULLS)

    def pulls_of_commit(self, repo: str, sha: str) -> list[PullRequest]:
        """The pull requests associated with commit ``sha`` (for a merge commit: the pull
        request it merged)."""
        path = f"/repos/{repo}/commits/{sha}/pulls"
        return [PullRequest.parse(item) for item in self._pages(path, READ_PULLS)]

    def pull(self, repo: str, number: int) -> PullRequest:
        return PullRequest.parse(self._call("GET", f"/repos/{repo}/pulls/{number}", READ_PULLS))

    def open_issues(self, repo: str) -> Iterator[Issue]:
        """The open issues (not pull requests), page by page."""
        for item in self._pages(f"/repos/{repo}/issues", READ_ISSUES, {"state": "open"}):
            issue = Issue.parse(item)
            if not issue.is_pull_request:
                yield issue

    def create_issue(self, repo: str, title: str, body: str, labels: tuple[str, ...] = ()) -> Issue:
        payload: dict[str, Any] = {"title": title, "body": body}
        if labels:
            payload["labels"] = list(labels)
        return Issue.parse(self._call("POST", f"/repos/{repo}/issues", WRITE_ISSUES, json=payload))

    def update_issue(self, repo: str, number: int, **fields: Any) -> Issue:
        data = self._call("PATCH", f"/repos/{repo}/issues/{number}", WRITE_ISSUES, json=fields)
        return Issue.parse(data)

    def comment_on_issue(self, repo: str, number: int, body: str) -> Comment:
        data = self._call(
            "POST", f"/repos/{repo}/issues/{number}/comments", WRITE_ISSUES, json={"body": body}
        )
        return Comment.parse(data)

    # -- transport -------------------------------------------------------------------------

    def _pages(
        self, path: str, permission: str, params: Mapping[str, str] | None = None
    ) -> Iterator[dict[str, Any]]:
        """Follow the ``Link: <...>; rel="next"`` header from page to page."""
        url: str | None = path
        query: dict[str, str] | None = {**(params or {}), "per_page": str(PER_PAGE)}
        for _ in range(MAX_PAGES):
            if url is None:
                return
            response = self._send("GET", url, permission, params=query)
            items = _json(response, "GET", url)
            if not isinstance(items, list):
                raise GitHubError(f"GitHub answered GET {path} with something not a list")
            yield from (item for item in items if isinstance(item, dict))
            url = response.links.get("next", {}).get("url")
            query = None  # the next link carries its own query
        raise GitHubError(f"GET {path}: more than {MAX_PAGES} pages; stopped")

    def _call(self, method: str, path: str, permission: str, *, json: Any = None) -> dict[str, Any]:
        response = self._send(method, path, permission, json=json)
        if response.status_code == 204 or not response.content:
            return {}
        data = _json(response, method, path)
        if not isinstance(data, dict):
            raise GitHubError(f"GitHub answered {method} {path} with something not an object")
        return data

    def _send(
        self,
        method: str,
        url: str,
        permission: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
    ) -> httpx.Response:
        for attempt in range(1, self.attempts + 1):
            try:
                response = self._http.request(method, url, params=params, json=json)
            except httpx.HTTPError as exc:
                if attempt < self.attempts:
                    self._sleep(0.5 * attempt)
                    continue
                raise GitHubError(
                    f"cannot reach GitHub at {self.base_url} ({type(exc).__name__}: {exc}); "
                    "check GITHUB_API_URL and the runner's network"
                ) from exc
            if response.status_code in _RETRIED and attempt < self.attempts:
                self._sleep(0.5 * attempt)
                continue
            if response.is_success:
                return response
            raise _error(response, method, url, permission)
        raise AssertionError("unreachable")  # pragma: no cover


def _json(response: httpx.Response, method: str, url: str) -> Any:
    try:
        return response.json()
    except ValueError as exc:
        raise GitHubError(f"GitHub answered {method} {url} with invalid JSON") from exc


def _message(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(data, dict):
        text = str(data.get("message") or "")
        errors = data.get("errors")
        if isinstance(errors, list) and errors:
            text += " (" + "; ".join(str(e.get("message", e)) for e in errors[:3]) + ")"
        return text
    return ""


_NO_TOKEN = (
    "GITHUB_TOKEN is not set: give the step `env: GITHUB_TOKEN: ${{ github.token }}` "
    "(the privcall action does this itself)"
)


def _error(response: httpx.Response, method: str, url: str, permission: str) -> GitHubError:
    status = response.status_code
    path = httpx.URL(url).path
    what = f"GitHub answered {method} {path} with {status}"
    detail = _message(response)
    if detail:
        what += f": {detail}"
    remaining = response.headers.get("x-ratelimit-remaining")
    if status == 429 or (status == 403 and (remaining == "0" or "rate limit" in detail.lower())):
        reset = response.headers.get("x-ratelimit-reset") or response.headers.get("retry-after")
        return GitHubRateLimited(
            f"{what}. The API rate limit is used up"
            + (f" (resets at epoch {reset})" if reset else "")
            + "; run the job again later"
        )
    if status == 401:
        return GitHubPermissionError(
            f"{what}. The token was refused: check that GITHUB_TOKEN is the job's token "
            "(`${{ github.token }}`) or a valid token for this repository"
        )
    if status == 403:
        return GitHubPermissionError(
            f"{what}. The token may not do this: add `{permission}` to the workflow's "
            "`permissions:` (a pull request from a fork gets a read-only token whatever "
            "the workflow says)"
        )
    if status == 404:
        return GitHubNotFound(
            f"{what}. Check the repository and number; for a private repository this "
            f"also means the token lacks `{permission}` in the workflow's `permissions:`"
        )
    if status == 422:
        return GitHubError(f"{what}. GitHub refused the request as invalid")
    return GitHubError(f"{what}. Run the job again; if it persists, check githubstatus.com")
