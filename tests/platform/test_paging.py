"""A virtual number with more bindings than one page: every binding, exactly once."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from reconciler.emulator import Emulator
from reconciler.model import Mode
from reconciler.modes import AXBBinding, AXEBinding
from tests.platform.conftest import START, ClientFactory, CountingTransport, real, x_number

pytestmark = pytest.mark.anyio

MANY = 250


async def test_axb_list_x_returns_every_page_once(client_for: ClientFactory, emu: Emulator) -> None:
    client = client_for(Mode.AXB)
    x = x_number(Mode.AXB, 1)
    made = await asyncio.gather(
        *(
            client.bind(
                AXBBinding(a=real(2 * i), b=real(2 * i + 1), x=x), now=START, user_data=None
            )
            for i in range(MANY)
        )
    )
    counting = CountingTransport(emu.async_transport())
    reader = client_for(Mode.AXB, transport=counting)
    found = await reader.list_x(x)
    assert sorted(live.subscription_id for live in found) == sorted(
        result.subscription_id for result in made
    )
    assert len(counting.requests) == 3
    assert [r.url.params["pageIndex"] for r in counting.requests] == ["1", "2", "3"]


async def test_axe_list_x_follows_the_cursor_to_the_end(
    client_for: ClientFactory, emu: Emulator
) -> None:
    client = client_for(Mode.AXE)
    x = x_number(Mode.AXE, 1)
    made = await asyncio.gather(
        *(client.bind(AXEBinding(a=real(i), x=x), now=START, user_data=None) for i in range(MANY))
    )
    counting = CountingTransport(emu.async_transport())
    reader = client_for(Mode.AXE, transport=counting)
    found = await reader.list_x(x)
    assert len(found) == MANY
    assert {live.subscription_id for live in found} == {r.subscription_id for r in made}
    cursors = [r.url.params["cursor"] for r in counting.requests]
    assert len(cursors) == 3
    assert cursors[0] == "0000000000000_0"


def element(i: int) -> dict[str, str]:
    return {
        "subscriptionId": f"s{i}",
        "virtualNum": "+8675501030001",
        "extendNum": f"{i:03d}",
        "bindNum": real(i),
        "timeUnit": "1",
        "bindExpiredTime": "0",
    }


async def test_axe_list_x_reads_the_documented_cursor_spelling(client_for: ClientFactory) -> None:
    """The doc spells the field ``nextCusor``; a repeated element is returned once."""
    pages = [
        {"resultcode": "0", "bindList": [element(1), element(2)], "nextCusor": "0000000000001_2"},
        {"resultcode": "0", "bindList": [element(2), element(3)], "nextCusor": ""},
    ]
    seen: list[str] = []

    def respond(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.params["cursor"])
        return httpx.Response(200, content=json.dumps(pages[len(seen) - 1]).encode())

    client = client_for(Mode.AXE, transport=httpx.MockTransport(respond))
    found = await client.list_x("+8675501030001")
    assert [live.subscription_id for live in found] == ["s1", "s2", "s3"]
    assert seen == ["0000000000000_0", "0000000000001_2"]
