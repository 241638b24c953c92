"""In-process httpx transports: requests go straight to the emulator, no socket.

Fault injection applies as over HTTP: latency is slept (``asyncio.sleep`` in the async
transport), and a dropped response raises :class:`httpx.RemoteProtocolError` after the
request was committed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import httpx

from reconciler.emulator.dispatch import Dispatcher
from reconciler.emulator.messages import Request, Response

_DROPPED = "Server disconnected without sending a response."


def _request(request: httpx.Request, body: bytes) -> Request:
    return Request(
        method=request.method,
        path=request.url.path,
        query=request.url.query.decode("ascii", errors="replace"),
        headers={name.lower(): value for name, value in request.headers.items()},
        body=body,
    )


def _response(response: Response, request: httpx.Request) -> httpx.Response:
    if response.drop:
        raise httpx.RemoteProtocolError(_DROPPED, request=request)
    headers = [("content-type", response.content_type), *response.headers]
    return httpx.Response(response.status, headers=headers, content=response.body, request=request)


class EmulatorTransport(httpx.BaseTransport):
    def __init__(self, dispatcher: Dispatcher, sleep: Callable[[float], None] = time.sleep) -> None:
        self._dispatcher = dispatcher
        self._sleep = sleep

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        ours = _request(request, request.read())
        delay = self._dispatcher.latency(ours)
        if delay > 0:
            self._sleep(delay)
        return _response(self._dispatcher.handle(ours), request)


class AsyncEmulatorTransport(httpx.AsyncBaseTransport):
    def __init__(
        self,
        dispatcher: Dispatcher,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._dispatcher = dispatcher
        self._sleep = sleep

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        ours = _request(request, await request.aread())
        delay = self._dispatcher.latency(ours)
        if delay > 0:
            await self._sleep(delay)
        return _response(self._dispatcher.handle(ours), request)
