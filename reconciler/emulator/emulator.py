"""The :class:`Emulator`: apps, state, clock and faults behind one object."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from reconciler.emulator.admin import admin_view
from reconciler.emulator.app import AsgiApp
from reconciler.emulator.auth import Authenticator
from reconciler.emulator.clock import Clock
from reconciler.emulator.config import EmulatorConfig
from reconciler.emulator.dispatch import Dispatcher
from reconciler.emulator.faults import FaultEngine, Faults
from reconciler.emulator.store import Store
from reconciler.emulator.transport import AsyncEmulatorTransport, EmulatorTransport


class Emulator:
    """A local Privacy Protection Call platform.

    ``state``: ``None`` keeps everything in memory; a path is a SQLite file that keeps the
    bindings across restarts. The apps of ``config`` are authoritative: their numbers are
    synced into the store on construction, existing bindings are kept. ``now`` freezes the
    clock at that instant (otherwise it follows the system time).
    """

    def __init__(
        self,
        config: EmulatorConfig,
        state: str | Path | None = None,
        faults: Faults | None = None,
        now: datetime | None = None,
    ) -> None:
        self.config = config
        self.clock = Clock(now)
        self.store = Store(state)
        self.store.sync_numbers(config)
        self.fault_engine = FaultEngine(faults)
        secrets = {app.app_key: app.app_secret for app in config.apps}
        self.authenticator = Authenticator(secrets.get, config.auth_window_seconds)
        self.dispatcher = Dispatcher(self)
        self.asgi_app = AsgiApp(self.dispatcher)

    @property
    def faults(self) -> Faults:
        """The fault switches in force; mutate them in place, or assign a new
        :class:`Faults` (which also re-seeds the fault RNG)."""
        return self.fault_engine.faults

    @faults.setter
    def faults(self, value: Faults) -> None:
        self.fault_engine.faults = value

    def transport(self) -> httpx.BaseTransport:
        """An in-process httpx transport (no socket) for a sync ``httpx.Client``."""
        return EmulatorTransport(self.dispatcher)

    def async_transport(self) -> httpx.AsyncBaseTransport:
        """An in-process httpx transport (no socket) for an ``httpx.AsyncClient``."""
        return AsyncEmulatorTransport(self.dispatcher)

    def bindings(self, app_key: str | None = None) -> list[dict[str, Any]]:
        """Every live binding (of one app), oldest first, as the admin API shows them."""
        now = self.clock.timestamp()
        with self.store.transaction() as tx:
            tx.purge(now)
            return [admin_view(binding, tx) for binding in tx.all(app_key)]

    def reset(self) -> None:
        """Remove every binding; apps and numbers stay."""
        self.store.reset()

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Emulator:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
