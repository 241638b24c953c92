"""Throw-away X-mode repositories, signed pushes, and route servers on real sockets."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from reconciler.loader import load_repository
from reconciler.platform.auth import Signer
from reconciler.session import SANDBOX_SECRET, sandbox_key
from reconciler.xmode.serve import build_server, serve_in_thread
from reconciler.xmode.server import RouteServer

FIXTURES = Path(__file__).parent / "fixtures"
TOKEN_ENV = "PRIVCALL_TEST_XMODE_TOKEN"
TOKEN = "test-admin-token-0123456789"
ENV = {TOKEN_ENV: TOKEN}
X1, X2, X3 = "+8675500020001", "+8675500020002", "+8675500020003"


def make_repo(root: Path, routes: str | None = None, *, url: str | None = None) -> Path:
    """The fixture privcall.yaml (with the server's URL) and one route file."""
    root.mkdir(parents=True, exist_ok=True)
    config = (FIXTURES / "privcall.yaml").read_text(encoding="utf-8")
    if url is not None:
        config = config.replace("{token_env:", f"{{url: {url!r}, token_env:")
    (root / "privcall.yaml").write_text(config, encoding="utf-8")
    (root / "bindings").mkdir(exist_ok=True)
    text = routes if routes is not None else (FIXTURES / "routes.yaml").read_text("utf-8")
    (root / "bindings" / "hotline.yaml").write_text(text, encoding="utf-8")
    return root


def signer() -> Signer:
    return Signer(sandbox_key("hotline"), SANDBOX_SECRET)


def callin(caller: str, called: str, *, mode: str = "Block") -> dict[str, Any]:
    return {
        "eventType": "callin",
        "statusInfo": {
            "sessionId": "1200_366_0_20161228102743@callenabler.home1.com",
            "timestamp": "2026-01-31 08:00:00",
            "caller": caller,
            "called": called,
            "notifyMode": mode,
        },
    }


@dataclass
class Running:
    url: str
    server: RouteServer
    root: Path

    def push(self, event: dict[str, Any], headers: dict[str, str] | None = None) -> httpx.Response:
        sent = signer().headers() if headers is None else headers
        return httpx.post(self.url + "/callstatus", json=event, headers=sent, timeout=10)


def start(root: Path, *, persist: bool = False) -> Iterator[Running]:
    repo = load_repository(root)
    app = build_server(repo, ENV, persist=persist)
    with serve_in_thread(app) as url:
        yield Running(url, app, root)


@pytest.fixture
def running(tmp_path: Path) -> Iterator[Running]:
    yield from start(make_repo(tmp_path / "repo"))


def copy_case(tmp_path: Path, case: Path) -> Path:
    root = make_repo(tmp_path / "repo", "app: hotline\nroutes: []\n")
    (root / "bindings" / "hotline.yaml").unlink()
    if case.is_dir():
        shutil.copytree(case, root / "bindings" / "case")
    else:
        shutil.copy(case, root / "bindings" / "case.yaml")
    return root
