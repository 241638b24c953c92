"""Fault injection switches and the admin API."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest

from reconciler.emulator import DropRule, Emulator, ErrorRule, Faults
from reconciler.emulator.faults import parse_drop_option, parse_error_option
from reconciler.emulator.server import serve_in_thread
from reconciler.emulator.transport import AsyncEmulatorTransport, EmulatorTransport
from tests.emulator.conftest import (
    AXB_PATH,
    SECRETS,
    START,
    ApiFactory,
    a_number,
    expect,
    make_config,
    ok,
)
from tests.emulator.signer import Api, Signer

BIND = {"callerNum": a_number(1), "calleeNum": a_number(2)}


def test_error_rate_one_answers_the_chosen_code_with_its_status(
    api: ApiFactory, emu: Emulator
) -> None:
    emu.faults.errors["axb.bind"] = ErrorRule(rate=1.0, code="1010001")
    axb = api("app-axb")
    expect(axb.post(AXB_PATH, BIND), 500, "1010001", "Internal system error.")
    assert emu.bindings() == []
    ok(axb.get(AXB_PATH, relationNum="+8675500020001"))
    emu.faults.errors["*"] = ErrorRule(rate=1.0, code="1011006")
    expect(
        axb.get(AXB_PATH, relationNum="+8675500020001"),
        403,
        "1011006",
        "Under traffic control status",
    )


def test_error_rate_is_seeded_and_deterministic() -> None:
    def outcomes() -> list[int]:
        with Emulator(
            make_config(),
            now=START,
            faults=Faults(errors={"axb.query": ErrorRule(rate=0.5)}, seed=7),
        ) as emu:
            axb = _client(emu)
            return [axb.get(AXB_PATH, relationNum="+8675500020001").status_code for _ in range(20)]

    first, second = outcomes(), outcomes()
    assert first == second
    assert set(first) == {200, 500}


def test_unknown_code_or_operation_is_refused() -> None:
    with pytest.raises(ValueError, match="not a platform result code"):
        ErrorRule(rate=0.5, code="999")
    with pytest.raises(ValueError, match=r"unknown operation axb\.frob"):
        Faults(errors={"axb.frob": ErrorRule(rate=0.1)})


def test_cli_fault_option_parsing() -> None:
    assert parse_error_option("axb.bind=0.25:1011006") == (
        "axb.bind",
        ErrorRule(rate=0.25, code="1011006"),
    )
    assert parse_error_option("*=1") == ("*", ErrorRule(rate=1.0, code="1010001"))
    assert parse_drop_option("ax.bind=next:2") == ("ax.bind", DropRule(next=2))
    assert parse_drop_option("ax.bind=0.5") == ("ax.bind", DropRule(rate=0.5))
    with pytest.raises(ValueError, match="expected OP=RATE"):
        parse_drop_option("ax.bind")


def _client(
    emu: Emulator, transport: httpx.BaseTransport | None = None, app_key: str = "app-axb"
) -> Api:
    auth = Signer(app_key, SECRETS[app_key], emu.clock.now)
    return Api(
        httpx.Client(
            transport=transport or emu.transport(), base_url="https://e.invalid", auth=auth
        )
    )


def test_flow_control_per_app_on_the_emulator_clock(api: ApiFactory, emu: Emulator) -> None:
    emu.faults.flow_control_qps = 2
    axb, ax = api("app-axb"), api("app-ax")
    ok(axb.get(AXB_PATH, relationNum="+8675500020001"))
    ok(axb.get(AXB_PATH, relationNum="+8675500020001"))
    limited = axb.get(AXB_PATH, relationNum="+8675500020001")
    expect(limited, 403, "1010010", "The flow control upper limit is reached on the platform.")
    expect(ax.get("/rest/provision/caas/privatenumber/v1.0", origNum=a_number(1)), 403, "1016001")
    emu.clock.advance(1)
    ok(axb.get(AXB_PATH, relationNum="+8675500020001"))
    emu.faults = Faults(flow_control_qps=1, flow_control_code="1011006")
    ok(axb.get(AXB_PATH, relationNum="+8675500020001"))
    expect(
        axb.get(AXB_PATH, relationNum="+8675500020001"),
        403,
        "1011006",
        "Under traffic control status",
    )


def test_drop_next_commits_then_raises_in_process(api: ApiFactory, emu: Emulator) -> None:
    emu.faults.drop["axb.bind"] = DropRule(next=1)
    axb = api("app-axb")
    with pytest.raises(httpx.RemoteProtocolError):
        axb.post(AXB_PATH, BIND)
    assert [b["callerNum"] for b in emu.bindings()] == [a_number(1)]
    assert emu.faults.drop["axb.bind"].next == 0
    ok(axb.post(AXB_PATH, {"callerNum": a_number(3), "calleeNum": a_number(4)}))


def test_drop_rate_is_seeded(emu: Emulator) -> None:
    emu.faults = Faults(drop={"*": DropRule(rate=0.5)}, seed=3)
    axb = _client(emu)
    dropped = 0
    for _ in range(20):
        try:
            ok(axb.get(AXB_PATH, relationNum="+8675500020001"))
        except httpx.RemoteProtocolError:
            dropped += 1
    assert 0 < dropped < 20


def test_drop_over_http_closes_without_a_response(emu: Emulator) -> None:
    emu.faults.drop["axb.bind"] = DropRule(next=1)
    with serve_in_thread(emu) as url:
        auth = Signer("app-axb", SECRETS["app-axb"], emu.clock.now)
        with httpx.Client(base_url=url, auth=auth) as client:
            with pytest.raises(httpx.RemoteProtocolError):
                client.post(AXB_PATH, json={**BIND, "relationNum": "+8675500020001"})
            listed = ok(client.get(AXB_PATH, params={"relationNum": "+8675500020001"}))
    assert listed["totalCount"] == 1


def test_fixed_latency_sleeps_in_both_transports(emu: Emulator) -> None:
    emu.faults.latency = 0.25
    slept: list[float] = []
    axb = _client(emu, EmulatorTransport(emu.dispatcher, sleep=slept.append))
    ok(axb.get(AXB_PATH, relationNum="+8675500020001"))

    async def record(seconds: float) -> None:
        slept.append(seconds)

    async def call() -> int:
        auth = Signer("app-axb", SECRETS["app-axb"], emu.clock.now)
        transport = AsyncEmulatorTransport(emu.dispatcher, sleep=record)
        async with httpx.AsyncClient(
            transport=transport, base_url="https://e.invalid", auth=auth
        ) as client:
            response = await client.get(AXB_PATH, params={"relationNum": "+8675500020001"})
            return response.status_code

    assert asyncio.run(call()) == 200
    assert slept == [0.25, 0.25]


def test_random_latency_stays_in_range_and_is_seeded(emu: Emulator) -> None:
    def delays() -> list[float]:
        emu.faults = Faults(latency=0.1, latency_max=0.3, seed=11)
        slept: list[float] = []
        axb = _client(emu, EmulatorTransport(emu.dispatcher, sleep=slept.append))
        for _ in range(5):
            ok(axb.get(AXB_PATH, relationNum="+8675500020001"))
        return slept

    first = delays()
    assert first == delays()
    assert all(0.1 <= d <= 0.3 for d in first)
    assert len(set(first)) == 5


def test_server_latency_uses_async_sleep(emu: Emulator) -> None:
    emu.faults.latency = 0.5
    slept: list[float] = []

    async def record(seconds: float) -> None:
        slept.append(seconds)

    emu.asgi_app.sleep = record
    with serve_in_thread(emu) as url:
        auth = Signer("app-axb", SECRETS["app-axb"], emu.clock.now)
        with httpx.Client(base_url=url, auth=auth) as client:
            ok(client.get(AXB_PATH, params={"relationNum": "+8675500020001"}))
            assert client.get(url + "/_emulator/clock").status_code == 200
    assert slept == [0.5]


@pytest.fixture
def admin(emu: Emulator) -> Iterator[httpx.Client]:
    with serve_in_thread(emu) as url, httpx.Client(base_url=url + "/_emulator") as client:
        yield client


def test_admin_faults_get_and_put(admin: httpx.Client, emu: Emulator) -> None:
    assert admin.get("/faults").json()["flow_control_qps"] is None
    put = admin.put(
        "/faults", json={"errors": {"axb.bind": {"rate": 1, "code": "1020001"}}, "seed": 5}
    )
    assert put.status_code == 200
    assert emu.faults.errors["axb.bind"] == ErrorRule(rate=1.0, code="1020001")
    bad = admin.put("/faults", json={"latency": -1})
    assert bad.status_code == 400
    assert "latency" in bad.json()["error"]


def test_admin_clock(admin: httpx.Client, emu: Emulator) -> None:
    assert admin.get("/clock").json() == {"now": "2026-01-01T00:00:00Z", "frozen": True}
    assert (
        admin.post("/clock/advance", json={"seconds": 90}).json()["now"] == "2026-01-01T00:01:30Z"
    )
    admin.put("/clock", json={"now": "2026-06-01T12:00:00+08:00"})
    assert emu.clock.now().isoformat() == "2026-06-01T04:00:00+00:00"
    assert admin.put("/clock", json={"frozen": False}).json()["frozen"] is False
    assert admin.put("/clock", json={"now": "2026-06-01"}).status_code == 400


def test_admin_bindings_and_reset(admin: httpx.Client, emu: Emulator) -> None:
    axb = _client(emu)
    ok(axb.post(AXB_PATH, BIND))
    listed = admin.get("/bindings", params={"app_key": "app-axb"}).json()["bindings"]
    assert [(b["mode"], b["callerNum"], b["expiresAt"]) for b in listed] == [
        ("AXB", a_number(1), None)
    ]
    assert admin.get("/bindings", params={"app_key": "app-ax"}).json() == {"bindings": []}
    assert admin.post("/reset").json() == {"reset": True}
    assert emu.bindings() == []
    assert admin.get("/nothing").status_code == 404


def test_async_transport_serves_and_drops(emu: Emulator) -> None:
    emu.faults.drop["axb.bind"] = DropRule(next=1)
    auth = Signer("app-axb", SECRETS["app-axb"], emu.clock.now)

    async def run() -> tuple[str, str]:
        async with httpx.AsyncClient(
            transport=emu.async_transport(), base_url="https://e.invalid", auth=auth
        ) as client:
            try:
                await client.post(AXB_PATH, json=BIND)
                dropped = "no"
            except httpx.RemoteProtocolError:
                dropped = "yes"
            second = await client.post(
                AXB_PATH, json={"callerNum": a_number(3), "calleeNum": a_number(4)}
            )
            return dropped, second.json()["resultcode"]

    assert asyncio.run(run()) == ("yes", "0")
    assert len(emu.bindings()) == 2
