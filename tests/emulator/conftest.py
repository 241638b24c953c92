"""Shared fixtures: one app per mode with fictional numbers, an emulator on a frozen clock,
and signed clients (in-process or over a real socket)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from reconciler.emulator import AppSpec, Emulator, EmulatorConfig, NumberSpec
from tests.emulator.signer import Api, Signer

START = datetime(2026, 1, 1, tzinfo=UTC)

AX_PATH = "/rest/provision/caas/privatenumber/v1.0"
AX_CALLEE_PATH = "/rest/caas/privatenumber/calleenumber/v1.0"
AXB_PATH = "/rest/caas/relationnumber/partners/v1.0"
AXE_PATH = "/rest/caas/extendnumber/v1.0"
AXE_V2_PATH = "/rest/caas/extendnumber/v2.0"
AXYB_PATH = "/rest/omp/xyrelationnumber/v1.0"

SECRETS = {
    "app-ax": "secret-ax",
    "app-axb": "secret-axb",
    "app-axe": "secret-axe",
    "app-axyb": "secret-axyb",
    "app-norec": "secret-norec",
}


def numbers(prefix: str, count: int, area: str) -> list[NumberSpec]:
    return [NumberSpec(number=f"{prefix}{i:04d}", area_code=area) for i in range(1, count + 1)]


def make_config(**overrides: Any) -> EmulatorConfig:
    apps = [
        AppSpec(
            app_key="app-ax",
            app_secret=SECRETS["app-ax"],
            mode="AX",
            numbers=numbers("+867550001", 6, "0755") + numbers("+86100001", 2, "010"),
            tones=["rec.wav", "pre.wav", "last.wav"],
        ),
        AppSpec(
            app_key="app-axb",
            app_secret=SECRETS["app-axb"],
            mode="AXB",
            numbers=numbers("+867550002", 3, "0755") + numbers("+86100002", 1, "010"),
        ),
        AppSpec(
            app_key="app-axe",
            app_secret=SECRETS["app-axe"],
            mode="AXE",
            numbers=numbers("+867550003", 2, "0755") + numbers("+86100003", 1, "010"),
            extension_digits=1,
        ),
        AppSpec(
            app_key="app-axyb",
            app_secret=SECRETS["app-axyb"],
            mode="AXYB",
            numbers=numbers("+867550004", 3, "0755") + numbers("+86100004", 1, "010"),
            y_numbers=numbers("+867550005", 2, "0755"),
        ),
        AppSpec(
            app_key="app-norec",
            app_secret=SECRETS["app-norec"],
            mode="AXB",
            numbers=numbers("+867550006", 1, "0755"),
            recording=False,
        ),
    ]
    return EmulatorConfig(apps=apps, **overrides)


def a_number(i: int) -> str:
    """A fictional real number (A or B)."""
    return f"+86138000{i:05d}"


@pytest.fixture
def config() -> EmulatorConfig:
    return make_config()


@pytest.fixture
def emu(config: EmulatorConfig) -> Iterator[Emulator]:
    with Emulator(config, now=START) as emulator:
        yield emulator


ApiFactory = Callable[..., Api]


@pytest.fixture
def api(emu: Emulator) -> Iterator[ApiFactory]:
    """``api("app-axb")``: a signed in-process client for that app."""
    clients: list[httpx.Client] = []

    def make(app_key: str, sep: str = ",") -> Api:
        client = httpx.Client(
            transport=emu.transport(),
            base_url="https://rtcpns.example.invalid",
            auth=Signer(app_key, SECRETS[app_key], emu.clock.now, sep=sep),
        )
        clients.append(client)
        return Api(client)

    yield make
    for client in clients:
        client.close()


def client_for(emu: Emulator, app_key: str) -> Api:
    """A signed in-process client for an emulator built inside a test."""
    auth = Signer(app_key, SECRETS[app_key], emu.clock.now)
    return Api(httpx.Client(transport=emu.transport(), base_url="https://e.invalid", auth=auth))


def expect(response: httpx.Response, status: int, code: str, desc: str | None = None) -> Any:
    """Assert the platform answer and return the JSON body."""
    body = response.json()
    assert (response.status_code, body["resultcode"]) == (status, code), body
    if desc is not None:
        assert body["resultdesc"] == desc
    return body


def ok(response: httpx.Response) -> Any:
    return expect(response, 200, "0", "Success")
