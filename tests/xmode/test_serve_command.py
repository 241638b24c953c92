"""`privcall xmode serve` as a real process: it prints its URL, answers, and stops on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from tests.xmode.conftest import ENV, X1, callin, make_repo, signer


def test_serve_answers_calls_and_stops_cleanly(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    env = {**os.environ, **ENV, "PYTHONPATH": str(Path(__file__).parents[2])}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "reconciler",
            "xmode",
            "serve",
            "-C",
            str(root),
            "--port",
            "0",
            "--no-save",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("app hotline: serving table version 1 (4 routes) at http://")
        url = first.rsplit(" at ", 1)[1].strip().rstrip("/")
        answer = httpx.post(
            url + "/", json=callin("+8613800000001", X1), headers=signer().headers(), timeout=10
        )
        assert answer.json()["connectInfo"]["calleeNum"] == "+8613900000001"
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert "Traceback" not in err


def test_serve_without_the_admin_token_is_a_clear_error(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    env = {k: v for k, v in os.environ.items() if k not in ENV}
    env["PYTHONPATH"] = str(Path(__file__).parents[2])
    done = subprocess.run(
        [sys.executable, "-m", "reconciler", "xmode", "serve", "-C", str(root), "--port", "0"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr == (
        "error: app 'hotline': environment variable PRIVCALL_TEST_XMODE_TOKEN must hold the "
        "route server's admin token (at least 16 characters)\n"
    )
