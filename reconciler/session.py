"""Connections to the platform, one client per app: the real platform, or the sandbox.

An app without ``endpoint`` uses the **sandbox**: privcall's emulator of the platform,
in-process, with its state in ``.privcall/sandbox.db`` next to ``privcall.yaml`` and the
app's numbers provisioned from ``privcall.yaml``. An app with an endpoint reads its key
and secret from the environment variables its ``credentials`` name.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from reconciler.config import App
from reconciler.digest import Digest
from reconciler.emulator import AppSpec, Emulator, EmulatorConfig, NumberSpec
from reconciler.errors import ConfigError
from reconciler.loader import Repository
from reconciler.marker import Codec
from reconciler.masking import Masker
from reconciler.platform import AppClient, tables

STATE_DIR = ".privcall"
SANDBOX_DB = "sandbox.db"
SANDBOX_ENDPOINT = "http://sandbox.privcall.invalid"
SANDBOX_SECRET = "sandbox-only-not-a-secret"


def sandbox_key(name: str) -> str:
    """The app key an app has in the sandbox."""
    return f"sandbox-{name}"


@dataclass
class Connection:
    name: str
    app: App
    client: AppClient

    @property
    def sandbox(self) -> bool:
        return self.app.sandbox


def select_apps(repo: Repository, names: tuple[str, ...] | list[str] | None) -> list[str]:
    """The apps to work on: ``names`` (checked) or all of them."""
    if not names:
        return list(repo.config.apps)
    unknown = [n for n in names if n not in repo.config.apps]
    if unknown:
        known = ", ".join(repo.config.apps)
        raise ConfigError(f"unknown app {unknown[0]!r}: the apps of privcall.yaml are {known}")
    return list(dict.fromkeys(names))


def credentials(name: str, app: App, env: Mapping[str, str]) -> tuple[str, str]:
    """The app's key and secret from the environment; a clear error when unset."""
    assert app.credentials is not None  # the loader requires credentials with an endpoint
    missing = [
        var for var in (app.credentials.key_env, app.credentials.secret_env) if not env.get(var)
    ]
    if missing:
        raise ConfigError(
            f"app {name!r}: environment variable {' and '.join(missing)} is not set; set it to "
            "the app's key / secret (in CI, from a repository secret)"
        )
    return env[app.credentials.key_env], env[app.credentials.secret_env]


def sandbox_config(repo: Repository, names: list[str]) -> EmulatorConfig:
    """The emulator's apps for the sandbox apps among ``names``."""
    specs = []
    for name in names:
        app = repo.config.apps[name]
        if not app.sandbox:
            continue
        specs.append(
            AppSpec(
                app_key=sandbox_key(name),
                app_secret=SANDBOX_SECRET,
                mode=app.mode.value,
                numbers=[NumberSpec(number=n.number, area_code=n.area_code) for n in app.numbers],
                y_numbers=[
                    NumberSpec(number=n.number, area_code=n.area_code) for n in app.y_numbers
                ],
                recording=True,
                extension_digits=app.extension_digits or 4,
                tones=list(app.tones) if app.tones is not None else None,
                transparent=True,
            )
        )
    return EmulatorConfig(apps=specs)


@dataclass
class Session:
    """Clients for the selected apps; ``async with`` opens and closes them.

    ``emulator`` serves the sandbox apps instead of one opened on ``sandbox_state`` (tests
    that inject faults or move its clock); ``client_options`` go to every
    :class:`AppClient` (retry policy, ...).
    """

    repo: Repository
    names: list[str]
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    sandbox_state: Path | None = None
    client_options: dict[str, Any] = field(default_factory=dict)
    emulator: Emulator | None = None
    connections: dict[str, Connection] = field(default_factory=dict)
    _own_emulator: bool = True

    @property
    def digest(self) -> Digest:
        """The digest key of the run (``PRIVCALL_DIGEST_KEY``; unkeyed when unset)."""
        return Digest.from_env(self.env)

    @property
    def codec(self) -> Codec:
        """Makes and reads privcall's markers under the run's digest."""
        return Codec(self.digest, tables.all_marker_fields())

    @property
    def masker(self) -> Masker:
        return Masker(self.repo.virtual_numbers(), digest=self.digest)

    @property
    def uses_sandbox(self) -> bool:
        return any(self.repo.config.apps[n].sandbox for n in self.names)

    async def __aenter__(self) -> Session:
        keys: dict[str, tuple[str, str]] = {}
        for name in self.names:
            app = self.repo.config.apps[name]
            if not app.sandbox:
                keys[name] = credentials(name, app, self.env)
        self._own_emulator = self.emulator is None
        if self.uses_sandbox and self.emulator is None:
            self.emulator = self._sandbox()
        for name in self.names:
            self.connections[name] = Connection(
                name, self.repo.config.apps[name], self._client(name, keys.get(name))
            )
        return self

    def _sandbox(self) -> Emulator:
        state = self.sandbox_state or self.repo.root / STATE_DIR / SANDBOX_DB
        state.parent.mkdir(parents=True, exist_ok=True)
        return Emulator(sandbox_config(self.repo, self.names), state=state)

    def _client(self, name: str, key: tuple[str, str] | None) -> AppClient:
        app = self.repo.config.apps[name]
        options = dict(self.client_options)
        options.setdefault("masker", self.masker)
        if key is not None:
            return AppClient.for_app(name, app, key[0], key[1], **options)
        assert self.emulator is not None
        transport: httpx.AsyncBaseTransport = self.emulator.async_transport()
        options["transport"] = transport
        return AppClient(
            app.mode,
            SANDBOX_ENDPOINT,
            sandbox_key(name),
            SANDBOX_SECRET,
            app=name,
            qps=app.rate_limit.qps,
            concurrency=app.rate_limit.concurrency,
            **options,
        )

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for connection in self.connections.values():
            await connection.client.aclose()
        if self.emulator is not None and self._own_emulator:
            self.emulator.close()
