"""The emulator as a plain ASGI application (served by uvicorn, see :mod:`.server`).

"Commit then drop" needs to close the TCP connection without any response. ASGI has no
message for that, so servers started by :mod:`.server` register each connection's
transport in :attr:`AsgiApp.connections`; the app closes it directly. Under another ASGI
server the app falls back to starting a response and never finishing it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from reconciler.emulator.dispatch import Dispatcher
from reconciler.emulator.messages import Request, Response

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class AsgiApp:
    def __init__(
        self,
        dispatcher: Dispatcher,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._dispatcher = dispatcher
        self.sleep = sleep
        self.connections: dict[tuple[str, int], asyncio.BaseTransport] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body.extend(message.get("body", b""))
            if not message.get("more_body", False):
                break
        request = Request(
            method=scope["method"],
            path=scope["path"],
            query=scope.get("query_string", b"").decode("latin-1"),
            headers={k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]},
            body=bytes(body),
        )
        delay = self._dispatcher.latency(request)
        if delay > 0:
            await self.sleep(delay)
        response = self._dispatcher.handle(request)
        if response.drop:
            await self._drop(scope, response, send)
            return
        headers = [
            (b"content-type", response.content_type.encode()),
            (b"content-length", str(len(response.body)).encode()),
            *((k.lower().encode(), v.encode()) for k, v in response.headers),
        ]
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        await send({"type": "http.response.body", "body": response.body})

    async def _drop(self, scope: Scope, response: Response, send: Send) -> None:
        client = scope.get("client")
        transport = self.connections.get((client[0], client[1])) if client else None
        if transport is not None:
            transport.close()
            # Let the server see the connection go before the app returns, so it does not
            # try to answer on it.
            for _ in range(3):
                await asyncio.sleep(0)
            return
        headers = [(b"content-length", str(len(response.body) + 1).encode())]
        await send({"type": "http.response.start", "status": response.status, "headers": headers})


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
