"""Requests per second of ``privcall emulator serve`` for a bind/query mix over loopback.

The server runs as its own process (one core) with a file-backed state, exactly as
``privcall emulator serve --config APPS --port 0 --state FILE`` starts it; this process
drives it with keep-alive connections from a few threads, half AXB binds (each a new
pair, the X allocated by area code) and half AXB queries by subscriptionId.

    .venv/bin/python bench/bench_emulator.py [--requests 6000] [--threads 4]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import http.client
import itertools
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlsplit

ROOT = Path(__file__).resolve().parents[1]
PATH = "/rest/caas/relationnumber/partners/v1.0"
APP_KEY, SECRET = "bench-axb", "bench-secret-not-real"

APPS = f"""
apps:
  - app_key: {APP_KEY}
    app_secret: {SECRET}
    mode: AXB
    numbers:
""" + "".join(f'      - {{number: "+86755000{i:05d}", area_code: "0755"}}\n' for i in range(1, 21))


def headers() -> dict[str, str]:
    nonce = uuid.uuid4().hex
    created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    mac = hmac.new(SECRET.encode(), (nonce + created).encode(), hashlib.sha256).digest()
    digest = base64.b64encode(mac).decode()
    return {
        "Authorization": 'AKSK realm="SDP",profile="UsernameToken",type="Appkey"',
        "X-AKSK": f'UsernameToken Username="{APP_KEY}",PasswordDigest="{digest}",'
        f'Nonce="{nonce}",Created="{created}"',
        "Content-Type": "application/json;charset=UTF-8",
    }


def worker(host: str, port: int, count: int, ids: itertools.count[int], errors: list[str]) -> None:
    conn = http.client.HTTPConnection(host, port, timeout=30)
    last_sub_id = ""
    for i in range(count):
        if i % 2 == 0 or not last_sub_id:
            n = next(ids)
            body = json.dumps(
                {
                    "callerNum": f"+861380{2 * n:07d}",
                    "calleeNum": f"+861390{2 * n + 1:07d}",
                    "areaCode": "0755",
                    "duration": 3600,
                }
            )
            conn.request("POST", PATH, body=body, headers=headers())
        else:
            conn.request("GET", f"{PATH}?subscriptionId={quote(last_sub_id)}", headers=headers())
        response = conn.getresponse()
        answer = json.loads(response.read())
        if answer["resultcode"] != "0":
            errors.append(f"{answer['resultcode']} {answer['resultdesc']}")
        elif "subscriptionId" in answer:
            last_sub_id = answer["subscriptionId"]
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=6000)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        apps = Path(tmp) / "apps.yaml"
        apps.write_text(APPS)
        command = [
            sys.executable,
            "-c",
            "from reconciler.cli import main; main()",
            "emulator",
            "serve",
            "--config",
            str(apps),
            "--port",
            "0",
            "--state",
            str(Path(tmp) / "state.db"),
        ]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
        try:
            assert server.stdout is not None
            url = urlsplit(server.stdout.readline().rsplit(" ", 1)[1].strip())
            host, port = url.hostname or "127.0.0.1", url.port or 80
            worker(host, port, 50, itertools.count(10_000_000), [])  # warm-up
            ids = itertools.count(1)
            errors: list[str] = []
            per_thread = args.requests // args.threads
            threads = [
                threading.Thread(target=worker, args=(host, port, per_thread, ids, errors))
                for _ in range(args.threads)
            ]
            start_cpu = time.process_time()
            start = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - start
            client_cpu = time.process_time() - start_cpu
        finally:
            server.terminate()
            server.wait(timeout=15)
    total = per_thread * args.threads
    print(
        f"emulator (uvicorn, file-backed SQLite): {total} requests (bind/query 50/50) "
        f"in {elapsed:.2f}s = {total / elapsed:,.0f} req/s "
        f"({args.threads} client threads; client used {client_cpu:.1f}s CPU; "
        f"{len(errors)} errors{': ' + errors[0] if errors else ''})"
    )


if __name__ == "__main__":
    main()
