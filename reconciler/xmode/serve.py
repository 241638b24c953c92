"""Building the route server from a bindings repository, and running it on uvicorn.

Each X app of ``privcall.yaml`` is served with the YAML's table (or the one saved in
``.privcall/xmode/`` by an earlier run, see :mod:`.live`). Pushes are verified with the
app's key and secret: from the environment variables its ``credentials`` name, or for a
sandbox app (no ``endpoint``) the sandbox's own (:mod:`reconciler.session`), so the
emulator's signed pushes are accepted. The admin token comes from the variable named by
``xmode.token_env``.

One process: the served tables live in its memory (run uvicorn with one worker).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
import time
from collections.abc import Callable, Generator, Iterator, Mapping
from datetime import timedelta
from pathlib import Path

import uvicorn

from reconciler.errors import ConfigError
from reconciler.loader import Repository
from reconciler.masking import Masker
from reconciler.model import Mode
from reconciler.session import SANDBOX_SECRET, STATE_DIR, credentials, sandbox_key
from reconciler.xmode.auth import DEFAULT_WINDOW, AppKey, PushVerifier
from reconciler.xmode.errors import ServerError
from reconciler.xmode.live import LiveTables
from reconciler.xmode.server import CallSink, RouteServer

STATE_SUBDIR = "xmode"
DEFAULT_PORT = 8790


def x_apps(repo: Repository, names: tuple[str, ...] | list[str] = ()) -> list[str]:
    """The X apps among ``names`` (all X apps when empty); a clear error when none."""
    chosen = list(names) or [n for n, a in repo.config.apps.items() if a.mode is Mode.X]
    for name in chosen:
        app = repo.config.apps.get(name)
        if app is None:
            known = ", ".join(repo.config.apps)
            raise ConfigError(f"unknown app {name!r}: the apps of privcall.yaml are {known}")
        if app.mode is not Mode.X:
            raise ConfigError(f"app {name!r} is {app.mode.value}, not an X app")
    if not chosen:
        raise ConfigError("privcall.yaml has no X app (mode: X)")
    return chosen


def admin_token(repo: Repository, name: str, env: Mapping[str, str]) -> str:
    settings = repo.config.apps[name].xmode
    assert settings is not None  # the loader requires xmode: on X apps
    token = env.get(settings.token_env, "")
    if len(token) < 16:
        raise ConfigError(
            f"app {name!r}: environment variable {settings.token_env} must hold the route "
            "server's admin token (at least 16 characters)"
        )
    return token


def app_key(repo: Repository, name: str, env: Mapping[str, str]) -> AppKey:
    app = repo.config.apps[name]
    if app.sandbox:
        return AppKey(name, sandbox_key(name), SANDBOX_SECRET)
    key, secret = credentials(name, app, env)
    return AppKey(name, key, secret)


def build_server(
    repo: Repository,
    env: Mapping[str, str],
    *,
    apps: tuple[str, ...] | list[str] = (),
    state_dir: Path | None = None,
    window: timedelta = DEFAULT_WINDOW,
    sink: CallSink | None = None,
    persist: bool = True,
) -> RouteServer:
    """The ASGI app serving the X apps of ``repo``."""
    names = x_apps(repo, apps)
    keys = [app_key(repo, n, env) for n in names]
    tokens = {n: admin_token(repo, n, env) for n in names}
    if persist and state_dir is None:
        state_dir = repo.root / STATE_DIR / STATE_SUBDIR
    tables = LiveTables({n: repo.routes[n] for n in names}, state_dir if persist else None)
    return RouteServer(
        tables,
        PushVerifier(keys, window=window),
        tokens,
        masker=Masker(repo.virtual_numbers()),
        sink=sink,
    )


class _Server(uvicorn.Server):
    """uvicorn's server; in the main thread it stops on SIGINT/SIGTERM without re-raising."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        stops = (signal.SIGINT, signal.SIGTERM)
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in stops}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def make_server(
    app: RouteServer, host: str = "127.0.0.1", port: int = DEFAULT_PORT, log_level: str = "warning"
) -> uvicorn.Server:
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        lifespan="on",
        log_level=log_level,
        access_log=False,
        timeout_graceful_shutdown=5,
    )
    return _Server(config)


def server_url(server: uvicorn.Server) -> str:
    host, port = server.servers[0].sockets[0].getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def serve(
    app: RouteServer,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    on_ready: Callable[[str], None] = lambda url: None,
    log_level: str = "warning",
) -> None:
    """Serve until SIGINT/SIGTERM; ``on_ready`` gets the URL once the port is bound."""
    server = make_server(app, host, port, log_level)

    async def run() -> None:
        task = asyncio.create_task(server.serve())
        while not server.started and not task.done():
            await asyncio.sleep(0.01)
        if server.started:
            on_ready(server_url(server))
        await task

    with contextlib.suppress(SystemExit):
        asyncio.run(run())
    if not server.started:
        raise ServerError(f"cannot serve on {host}:{port} (is the port in use?)")


@contextlib.contextmanager
def serve_in_thread(
    app: RouteServer, host: str = "127.0.0.1", port: int = 0, startup_timeout: float = 10.0
) -> Iterator[str]:
    """Serve ``app`` from a background thread (tests); yields the base URL."""
    server = make_server(app, host, port)
    thread = threading.Thread(target=server.run, name="privcall-xmode", daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            thread.join(startup_timeout)
            raise ServerError(f"the route server did not start on {host}:{port}")
        time.sleep(0.005)
    try:
        yield server_url(server)
    finally:
        server.should_exit = True
        thread.join(startup_timeout)
