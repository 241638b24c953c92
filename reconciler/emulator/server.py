"""Serving the emulator over HTTP with uvicorn (h11).

:func:`serve_in_thread` is for tests (a background thread, any free port);
:func:`serve` is the blocking server of ``privcall emulator serve`` that stops cleanly on
SIGINT/SIGTERM. Both register every connection's transport with the app so that the
"commit then drop" fault can close a connection without sending any response.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
import time
from collections.abc import Callable, Generator, Iterator

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from reconciler.emulator.app import AsgiApp
from reconciler.emulator.emulator import Emulator
from reconciler.errors import PrivcallError

_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class ServerError(PrivcallError):
    """The emulator's HTTP server could not start (e.g. the port is taken)."""


def _protocol_for(app: AsgiApp) -> type[H11Protocol]:
    class _RegisteringProtocol(H11Protocol):
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            if self.client is not None:
                app.connections[self.client] = transport

        def connection_lost(self, exc: Exception | None) -> None:
            if self.client is not None:
                app.connections.pop(self.client, None)
            super().connection_lost(exc)

    return _RegisteringProtocol


class _Server(uvicorn.Server):
    """uvicorn's server, stopping on SIGINT/SIGTERM without re-raising the signal."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in _STOP_SIGNALS}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def make_server(
    emu: Emulator, host: str = "127.0.0.1", port: int = 8080, log_level: str = "warning"
) -> uvicorn.Server:
    config = uvicorn.Config(
        emu.asgi_app,
        host=host,
        port=port,
        http=_protocol_for(emu.asgi_app),
        lifespan="on",
        log_level=log_level,
        access_log=False,
        timeout_graceful_shutdown=5,
    )
    return _Server(config)


def server_url(server: uvicorn.Server) -> str:
    """``http://host:port`` of a started server (the real port when 0 was asked for)."""
    sock = server.servers[0].sockets[0]
    host, port = sock.getsockname()[:2]
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


async def _serve(server: uvicorn.Server, on_ready: Callable[[str], None]) -> None:
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            break
        await asyncio.sleep(0.01)
    if server.started:
        on_ready(server_url(server))
    await task


def serve(
    emu: Emulator,
    host: str = "127.0.0.1",
    port: int = 8080,
    on_ready: Callable[[str], None] = lambda url: None,
    log_level: str = "warning",
) -> None:
    """Serve until SIGINT/SIGTERM; ``on_ready`` gets the URL once the port is bound."""
    server = make_server(emu, host, port, log_level)
    try:
        asyncio.run(_serve(server, on_ready))
    except SystemExit:
        raise ServerError(
            f"cannot serve the emulator on {host}:{port} (is the port in use?)"
        ) from None
    if not server.started:
        raise ServerError(f"cannot serve the emulator on {host}:{port} (is the port in use?)")


@contextlib.contextmanager
def serve_in_thread(
    emu: Emulator, host: str = "127.0.0.1", port: int = 0, startup_timeout: float = 10.0
) -> Iterator[str]:
    """Serve ``emu`` from a background thread; yields the base URL, stops on exit."""
    server = make_server(emu, host, port)
    failure: list[BaseException] = []

    def run() -> None:
        try:
            server.run()
        except BaseException as exc:  # SystemExit from a failed bind, too
            failure.append(exc)

    thread = threading.Thread(target=run, name="privcall-emulator", daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if failure or not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            thread.join(startup_timeout)
            raise ServerError(f"the emulator did not start on {host}:{port}")
        time.sleep(0.005)
    try:
        yield server_url(server)
    finally:
        server.should_exit = True
        thread.join(startup_timeout)
