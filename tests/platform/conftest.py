"""Shared fixtures: an emulator with one app per mode on a frozen clock, and privcall's
client for each app, in-process (the emulator's httpx transport) or over a socket."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from itertools import count
from typing import Any

import httpx
import pytest

from reconciler.emulator import AppSpec, Emulator, EmulatorConfig, NumberSpec
from reconciler.model import Mode
from reconciler.platform import AppClient, RetryPolicy

START = datetime(2026, 1, 1, tzinfo=UTC)
ENDPOINT = "https://rtcpns.example.invalid"

KEYS = {Mode.AX: "pc-ax", Mode.AXB: "pc-axb", Mode.AXE: "pc-axe", Mode.AXYB: "pc-axyb"}
SECRET = "s3cret-do-not-log"


def numbers(prefix: str, amount: int, area: str) -> list[NumberSpec]:
    return [NumberSpec(number=f"{prefix}{i:04d}", area_code=area) for i in range(1, amount + 1)]


def x_number(mode: Mode, i: int = 1) -> str:
    prefix = {Mode.AX: "+867550101", Mode.AXB: "+867550102", Mode.AXE: "+867550103"}
    return f"{prefix.get(mode, '+867550104')}{i:04d}"


def real(i: int) -> str:
    """A fictional real number (A or B)."""
    return f"+86139000{i:05d}"


def make_config(**overrides: Any) -> EmulatorConfig:
    apps = [
        AppSpec(
            app_key=KEYS[Mode.AX],
            app_secret=SECRET,
            mode="AX",
            numbers=numbers("+867550101", 4, "0755"),
        ),
        AppSpec(
            app_key=KEYS[Mode.AXB],
            app_secret=SECRET,
            mode="AXB",
            numbers=numbers("+867550102", 3, "0755"),
        ),
        AppSpec(
            app_key=KEYS[Mode.AXE],
            app_secret=SECRET,
            mode="AXE",
            numbers=numbers("+867550103", 2, "0755"),
            extension_digits=3,
        ),
        AppSpec(
            app_key=KEYS[Mode.AXYB],
            app_secret=SECRET,
            mode="AXYB",
            numbers=numbers("+867550104", 3, "0755"),
            y_numbers=numbers("+867550105", 2, "0755"),
        ),
    ]
    return EmulatorConfig(apps=apps, **overrides)


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(make_config(), now=START) as emulator:
        yield emulator


class CountingTransport(httpx.AsyncBaseTransport):
    """Counts (and keeps) the requests that reach the wrapped transport."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return await self.inner.handle_async_request(request)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def fast_retry() -> RetryPolicy:
    return RetryPolicy(rng=lambda: 0.0)


ClientFactory = Callable[..., AppClient]


@pytest.fixture
async def client_for(emu: Emulator) -> AsyncIterator[ClientFactory]:
    """``client_for(Mode.AXB)``: privcall's client for that app, in-process; the backoff
    sleeps advance the emulator clock instead of waiting."""
    made: list[AppClient] = []
    nonces = count(1)

    async def advance(seconds: float) -> None:
        emu.clock.advance(seconds)

    def make(mode: Mode, **options: Any) -> AppClient:
        options.setdefault("transport", emu.async_transport())
        options.setdefault("clock", emu.clock.now)
        options.setdefault("nonce", lambda: f"N{next(nonces):08d}")
        options.setdefault("retry", fast_retry())
        options.setdefault("sleep", advance)
        options.setdefault("qps", 1000)
        client = AppClient(mode, options.pop("endpoint", ENDPOINT), KEYS[mode], SECRET, **options)
        made.append(client)
        return client

    yield make
    for client in made:
        await client.aclose()
