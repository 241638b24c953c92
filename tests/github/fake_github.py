"""A local HTTP server that plays the GitHub REST endpoints privcall calls, and records every
request it receives.

A real socket on 127.0.0.1 (``http.server`` in a thread): privcall's client talks to it
exactly as to api.github.com. State is in memory: issue comments per number, pull requests,
the pull requests of a commit, issues. Pages follow GitHub's ``Link`` header, with a
``page_size`` that tests make small to force several pages. Comments longer than GitHub's
65,536 characters are refused with 422, as GitHub does; ``forbid`` makes a route answer 403
"Resource not accessible by integration".
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

TOKEN = "ghs_test-token-not-real"
BOT = "github-actions[bot]"
MAX_BODY = 65_536


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    headers: dict[str, str]


@dataclass
class FakeGitHub:
    repo: str = "acme/bindings"
    page_size: int = 100
    """The most items per page, whatever ``per_page`` asks (GitHub: 100)."""
    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    pulls: dict[int, dict[str, Any]] = field(default_factory=dict)
    commit_pulls: dict[str, list[int]] = field(default_factory=dict)
    issues: dict[int, dict[str, Any]] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    forbid: set[tuple[str, str]] = field(default_factory=set)
    """``(method, path regex)`` answered 403."""
    url: str = ""
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1000))
    _clock: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    lock: threading.Lock = field(default_factory=threading.Lock)

    # -- seeding ---------------------------------------------------------------------------

    def _now(self) -> str:
        return f"2026-11-21T10:{next(self._clock):05d}Z"

    def add_comment(self, number: int, body: str, author: str = BOT) -> dict[str, Any]:
        comment_id = next(self._ids)
        now = self._now()
        comment = {
            "id": comment_id,
            "body": body,
            "user": {"login": author, "type": "Bot" if author.endswith("[bot]") else "User"},
            "html_url": f"https://github.com/{self.repo}/pull/{number}#issuecomment-{comment_id}",
            "created_at": now,
            "updated_at": now,
        }
        self.comments.setdefault(number, []).append(comment)
        return comment

    def add_pull(self, number: int, head_sha: str, *, merge_sha: str | None = None) -> None:
        self.pulls[number] = {
            "number": number,
            "state": "closed" if merge_sha else "open",
            "merged_at": "2026-11-21T11:00:00Z" if merge_sha else None,
            "merge_commit_sha": merge_sha,
            "head": {"sha": head_sha},
            "html_url": f"https://github.com/{self.repo}/pull/{number}",
        }
        if merge_sha:
            self.commit_pulls.setdefault(merge_sha, []).append(number)

    def add_issue(self, body: str, *, title: str = "an issue", author: str = "someone") -> int:
        number = max([*self.issues, *self.pulls, 0]) + 1
        self.issues[number] = {
            "number": number,
            "title": title,
            "body": body,
            "state": "open",
            "user": {"login": author},
            "labels": [],
            "html_url": f"https://github.com/{self.repo}/issues/{number}",
        }
        return number

    # -- what was received -----------------------------------------------------------------

    def calls(self, method: str | None = None, pattern: str = "") -> list[Request]:
        return [
            r
            for r in self.requests
            if (method is None or r.method == method) and re.search(pattern, r.path)
        ]

    def bot_comments(self, number: int) -> list[dict[str, Any]]:
        return [c for c in self.comments.get(number, []) if c["user"]["login"] == BOT]

    # -- serving ---------------------------------------------------------------------------

    def handle(self, request: Request) -> tuple[int, Any, dict[str, str]]:
        with self.lock:
            self.requests.append(request)
            if request.headers.get("authorization") != f"Bearer {TOKEN}":
                return 401, {"message": "Bad credentials"}, {}
            for method, pattern in self.forbid:
                if request.method == method and re.fullmatch(pattern, request.path):
                    return 403, {"message": "Resource not accessible by integration"}, {}
            return self._route(request)

    def _route(self, r: Request) -> tuple[int, Any, dict[str, str]]:
        prefix = f"/repos/{self.repo}"
        if not r.path.startswith(prefix + "/"):
            return 404, {"message": "Not Found"}, {}
        path = r.path[len(prefix) :]
        if m := re.fullmatch(r"/issues/(\d+)/comments", path):
            number = int(m.group(1))
            if r.method == "GET":
                return self._page(r, self.comments.get(number, []))
            if r.method == "POST":
                if number not in self.pulls and number not in self.issues:
                    return 404, {"message": "Not Found"}, {}
                return self._write_comment(r, lambda body: self.add_comment(number, body))
        if m := re.fullmatch(r"/issues/comments/(\d+)", path):
            found = [
                (n, c) for n, cs in self.comments.items() for c in cs if c["id"] == int(m.group(1))
            ]
            if not found:
                return 404, {"message": "Not Found"}, {}
            number, comment = found[0]
            if r.method == "DELETE":
                self.comments[number].remove(comment)
                return 204, None, {}
            if r.method == "PATCH":

                def update(body: str) -> dict[str, Any]:
                    comment.update(body=body, updated_at=self._now())
                    return comment

                return self._write_comment(r, update)
        if m := re.fullmatch(r"/commits/([0-9a-f]+)/pulls", path):
            numbers = self.commit_pulls.get(m.group(1), [])
            return self._page(r, [self.pulls[n] for n in numbers])
        if (m := re.fullmatch(r"/pulls/(\d+)", path)) and r.method == "GET":
            pull = self.pulls.get(int(m.group(1)))
            return (200, pull, {}) if pull else (404, {"message": "Not Found"}, {})
        if path == "/issues" and r.method == "GET":
            state = r.query.get("state", "open")
            items = [i for i in self.issues.values() if state == "all" or i["state"] == state]
            return self._page(r, items)
        if path == "/issues" and r.method == "POST":
            number = self.add_issue(r.body["body"], title=r.body["title"], author=BOT)
            self.issues[number]["labels"] = [{"name": n} for n in r.body.get("labels", [])]
            return 201, self.issues[number], {}
        if (m := re.fullmatch(r"/issues/(\d+)", path)) and r.method == "PATCH":
            issue = self.issues.get(int(m.group(1)))
            if issue is None:
                return 404, {"message": "Not Found"}, {}
            issue.update({k: v for k, v in r.body.items() if k in ("title", "body", "state")})
            return 200, issue, {}
        return 404, {"message": "Not Found"}, {}

    def _write_comment(self, r: Request, write: Any) -> tuple[int, Any, dict[str, str]]:
        body = r.body.get("body") if isinstance(r.body, dict) else None
        if not isinstance(body, str) or not body:
            return 422, {"message": "Validation Failed"}, {}
        if len(body) > MAX_BODY:
            return (
                422,
                {
                    "message": "Validation Failed",
                    "errors": [{"message": "Body is too long (maximum is 65536 characters)"}],
                },
                {},
            )
        return (201 if r.method == "POST" else 200), write(body), {}

    def _page(self, r: Request, items: list[dict[str, Any]]) -> tuple[int, Any, dict[str, str]]:
        size = min(int(r.query.get("per_page", "30")), self.page_size)
        page = int(r.query.get("page", "1"))
        chunk = items[(page - 1) * size : page * size]
        headers = {}
        if page * size < len(items):
            query = {**r.query, "page": str(page + 1)}
            headers["Link"] = f'<{self.url}{r.path}?{urlencode(query)}>; rel="next"'
        return 200, chunk, headers


@contextmanager
def serve(fake: FakeGitHub) -> Iterator[FakeGitHub]:
    """Serve ``fake`` on 127.0.0.1 (a free port) for the ``with`` block."""

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            request = Request(
                self.command,
                parts.path,
                {k: v[-1] for k, v in parse_qs(parts.query).items()},
                json.loads(raw) if raw else None,
                {k.lower(): v for k, v in self.headers.items()},
            )
            status, payload, headers = fake.handle(request)
            data = b"" if payload is None else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
