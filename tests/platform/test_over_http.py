"""One lifecycle per mode over a real socket (the emulator served by uvicorn): the platform
closes the connection after each response, and the client leaves no socket open."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import pytest

from reconciler.emulator import DropRule, Emulator, Faults
from reconciler.emulator.server import serve_in_thread
from reconciler.model import Mode
from reconciler.modes import AXBBinding, AXBinding, AXEBinding, AXYBBinding, Binding
from reconciler.platform import UnknownOutcome
from tests.platform.conftest import START, ClientFactory, real, x_number

pytestmark = pytest.mark.anyio


@pytest.fixture
def base_url(emu: Emulator) -> Iterator[str]:
    with serve_in_thread(emu) as url:
        yield url


def no_open_connections(emu: Emulator) -> bool:
    """The server saw every connection closed (waits up to 2 s for the server thread, less
    than uvicorn's 5 s keep-alive timeout)."""
    deadline = time.monotonic() + 2
    while emu.asgi_app.connections and time.monotonic() < deadline:
        time.sleep(0.01)
    return not emu.asgi_app.connections


BINDINGS: dict[Mode, Binding] = {
    Mode.AX: AXBinding(a=real(1), x=x_number(Mode.AX, 2), record=True, record_hint_tone="r.wav"),
    Mode.AXB: AXBBinding(a=real(1), b=real(2), area_code="0755", expires=START + timedelta(days=1)),
    Mode.AXE: AXEBinding(a=real(1), x=x_number(Mode.AXE, 2), extension="007"),
    Mode.AXYB: AXYBBinding(a=real(1), b=real(2), area_code="0755"),
}
CHANGES: dict[Mode, dict[str, object]] = {
    Mode.AX: {"a": real(3), "user_data": "u2"},
    Mode.AXB: {"b": real(3), "user_data": "u2"},
    Mode.AXE: {"record": True, "record_hint_tone": "r.wav", "user_data": "u2"},
}


@pytest.mark.parametrize("mode", [m for m in Mode if m is not Mode.X])  # X: no bindings
async def test_lifecycle_over_a_socket(
    mode: Mode, emu: Emulator, base_url: str, client_for: ClientFactory
) -> None:
    async with client_for(mode, endpoint=base_url, transport=None, concurrency=3) as client:
        result = await client.bind(BINDINGS[mode], now=START, user_data="u1")
        live = await client.query_one(result.subscription_id)
        assert live is not None
        assert (live.x, live.user_data) == (result.x, "u1")
        assert await client.list_x(result.x) == [live]
        if mode in CHANGES:
            await client.modify(result.subscription_id, CHANGES[mode], now=START)
            changed = await client.query_one(result.subscription_id)
            assert changed is not None
            assert changed.user_data == "u2"
        if mode is Mode.AX:
            await client.set_temp_callee(result.subscription_id, real(9))
        await client.unbind(result.subscription_id)
        assert await client.query_one(result.subscription_id) is None
        # Still open, the client holds no connection: each one ended with its response.
        assert no_open_connections(emu)
    assert emu.bindings() == []


async def test_a_dropped_connection_over_a_socket_is_an_unknown_outcome(
    emu: Emulator, base_url: str, client_for: ClientFactory
) -> None:
    emu.faults = Faults(drop={"ax.bind": DropRule(next=1)})
    async with client_for(Mode.AX, endpoint=base_url, transport=None) as client:
        with pytest.raises(UnknownOutcome):
            await client.bind(BINDINGS[Mode.AX], now=START, user_data=None)
        assert client.requests_sent == 1
        found = await client.list_a(real(1))
        assert [live.x for live in found] == [x_number(Mode.AX, 2)]
        assert no_open_connections(emu)
