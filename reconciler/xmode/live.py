"""The tables a route server serves: one versioned :class:`Index` per app, swapped whole.

A call reads the app's current index once and answers from it, so it sees one table,
never half of two. :meth:`LiveTables.replace` is a compare-and-swap on the version under a
per-app lock: two applies that read the same version cannot both replace it.

With a ``state_dir``, every served table is saved (``<app>.json``, written to a temporary
file and renamed over the old one), and a restarted server serves what it served before;
an app with no saved table starts from the YAML's, as version 1. The saved files hold the
real numbers the routes connect to: they are the server's working state, like the YAML.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from reconciler.xmode.errors import ServerError, TableError, VersionConflict
from reconciler.xmode.table import Index, Table


def document(index: Index) -> dict[str, Any]:
    """What the admin endpoint returns for one app: version, checksum, table."""
    return {"version": index.version, "checksum": index.checksum, "table": index.table.to_json()}


class LiveTables:
    def __init__(self, initial: Mapping[str, Table], state_dir: Path | None = None) -> None:
        self._state_dir = state_dir
        self._live: dict[str, Index] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        for app, table in initial.items():
            saved = self._load(app)
            self._live[app] = saved if saved is not None else Index(table, 1)
            self._locks[app] = asyncio.Lock()

    @property
    def apps(self) -> list[str]:
        return list(self._live)

    def current(self, app: str) -> Index:
        return self._live[app]

    async def replace(self, app: str, expected_version: int, table: Table) -> Index:
        """Serve ``table`` for ``app`` if the served version is still ``expected_version``."""
        if table.app != app:
            raise TableError("app", f"the table is for app {table.app!r}, not {app!r}")
        async with self._locks[app]:
            current = self._live[app]
            if current.version != expected_version:
                raise VersionConflict(
                    f"app {app!r}: the served table is version {current.version}, not "
                    f"{expected_version}: another apply replaced it since it was read"
                )
            new = Index(table, current.version + 1)
            if self._state_dir is not None:
                await asyncio.to_thread(self._save, app, new)
            self._live[app] = new
            return new

    # -- state files --------------------------------------------------------------------

    def _path(self, app: str) -> Path:
        assert self._state_dir is not None
        return self._state_dir / f"{app}.json"

    def _load(self, app: str) -> Index | None:
        if self._state_dir is None or not self._path(app).is_file():
            return None
        path = self._path(app)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            version = data["version"]
            if isinstance(version, bool) or not isinstance(version, int) or version < 1:
                raise TableError("version", "must be a whole number from 1")
            index = Index(Table.from_json(data["table"]), version)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            reason = exc.reason if isinstance(exc, TableError) else type(exc).__name__
            where = f" at {exc.where}" if isinstance(exc, TableError) and exc.where else ""
            raise ServerError(
                f"the saved table of app {app!r} ({path}) cannot be read{where}: {reason}; "
                "remove the file to start from the YAML's table"
            ) from None
        if index.table.app != app or data.get("checksum") != index.checksum:
            raise ServerError(
                f"the saved table of app {app!r} ({path}) does not match its checksum or app; "
                "remove the file to start from the YAML's table"
            )
        return index

    def _save(self, app: str, index: Index) -> None:
        assert self._state_dir is not None
        self._state_dir.mkdir(parents=True, exist_ok=True)
        text = json.dumps(document(index), indent=1, sort_keys=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{app}.", suffix=".tmp", dir=self._state_dir)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, self._path(app))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
