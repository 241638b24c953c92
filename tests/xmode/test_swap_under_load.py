"""Tables swapped while calls come in: every call gets a whole answer of one table."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx

from reconciler.xmode.table import Connect, Route, Table, to_wire
from tests.xmode.conftest import TOKEN, X1, X2, callin, make_repo, signer, start

CALLS = 600
CALLERS = [f"+86138000{i:05d}" for i in range(200)]


def _table(callee: str, minutes: int) -> Table:
    routes = [
        Route(
            f"r{i}",
            X1,
            frozenset({c}),
            Connect(callee, X2, minutes, record=i % 2 == 0, record_hint_tone="rec.wav"),
        )
        for i, c in enumerate(CALLERS)
    ]
    return Table("hotline", tuple(routes))


TABLES = [_table("+8613900000001", 10), _table("+8613900000002", 20)]


def _expected(caller: str) -> list[dict[str, object]]:
    return [to_wire(t.route(f"r{CALLERS.index(caller)}").answer, X1) for t in TABLES]  # type: ignore[union-attr]


async def _load(url: str) -> tuple[list[tuple[str, int, bytes]], list[int]]:
    limits = httpx.Limits(max_connections=32, max_keepalive_connections=32)
    admin = {"Authorization": f"Bearer {TOKEN}"}
    path = "/_privcall/xmode/apps/hotline/table"
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:
        stop = asyncio.Event()
        versions: list[int] = []

        first = await client.put(
            path, json={"version": 1, "table": TABLES[1].to_json()}, headers=admin
        )
        assert first.status_code == 200
        versions.append(2)

        async def swapper() -> None:
            version, i = 2, 0
            while not stop.is_set():
                body = {"version": version, "table": TABLES[i % 2].to_json()}
                response = await client.put(path, json=body, headers=admin)
                assert response.status_code == 200, response.text
                version = response.json()["version"]
                versions.append(version)
                i += 1
                await asyncio.sleep(0)

        async def call(n: int) -> tuple[str, int, bytes]:
            caller = CALLERS[n % len(CALLERS)]
            response = await client.post("/", json=callin(caller, X1), headers=signer().headers())
            return caller, response.status_code, response.content

        swapping = asyncio.create_task(swapper())
        results = await asyncio.gather(*(call(n) for n in range(CALLS)))
        stop.set()
        await swapping
        return list(results), versions


def test_no_answer_is_dropped_or_malformed_while_tables_swap(tmp_path: Path) -> None:
    for live in start(make_repo(tmp_path, "app: hotline\nroutes: []\n")):
        results, versions = asyncio.run(_load(live.url))
        assert len(results) == CALLS
        seen = set()
        for caller, status, body in results:
            assert status == 200
            answer = json.loads(body)
            assert answer in _expected(caller), answer
            seen.add(answer["connectInfo"]["calleeNum"])
        assert len(versions) >= 2 and versions == list(range(2, 2 + len(versions)))
        assert seen == {"+8613900000001", "+8613900000002"}  # both tables were served
        assert live.server.tables.current("hotline").version == versions[-1]


def test_two_replacements_from_one_version_cannot_both_win(tmp_path: Path) -> None:
    async def race(url: str) -> list[int]:
        admin = {"Authorization": f"Bearer {TOKEN}"}
        path = "/_privcall/xmode/apps/hotline/table"
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            responses = await asyncio.gather(
                *(
                    client.put(
                        path, json={"version": 1, "table": TABLES[i % 2].to_json()}, headers=admin
                    )
                    for i in range(20)
                )
            )
            return sorted(r.status_code for r in responses)

    for live in start(make_repo(tmp_path, "app: hotline\nroutes: []\n")):
        assert asyncio.run(race(live.url)) == [200] + [409] * 19
        assert live.server.tables.current("hotline").version == 2
