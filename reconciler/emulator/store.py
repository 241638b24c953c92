"""SQLite state: the apps' numbers and every live binding of all four modes.

One table holds the bindings of every mode (``x`` the virtual number, ``a`` the real
number it protects, ``b``/``y`` for AXB and AXYB, ``ext`` for AXE) with the mode's other
attributes as JSON. Each request runs in one ``BEGIN IMMEDIATE`` transaction, so
requests are serialised; a file database survives restarts (WAL journal).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reconciler.emulator.config import EmulatorConfig
from reconciler.errors import ConfigError

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS numbers (
    number TEXT PRIMARY KEY,
    app_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    area_code TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS bindings (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    sub_id TEXT NOT NULL UNIQUE,
    app_key TEXT NOT NULL,
    mode TEXT NOT NULL,
    x TEXT NOT NULL,
    a TEXT NOT NULL,
    b TEXT,
    y TEXT,
    ext TEXT,
    created REAL NOT NULL,
    changed REAL NOT NULL,
    expires REAL,
    yb_expires REAL,
    attrs TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS bindings_xa ON bindings (x, a);
CREATE INDEX IF NOT EXISTS bindings_xb ON bindings (x, b);
CREATE INDEX IF NOT EXISTS bindings_xext ON bindings (x, ext);
CREATE INDEX IF NOT EXISTS bindings_a ON bindings (a, mode);
CREATE INDEX IF NOT EXISTS bindings_yb ON bindings (y, b);
CREATE INDEX IF NOT EXISTS bindings_app ON bindings (app_key, seq);
CREATE INDEX IF NOT EXISTS bindings_expires ON bindings (expires) WHERE expires IS NOT NULL;
CREATE INDEX IF NOT EXISTS bindings_yb_expires ON bindings (yb_expires)
    WHERE yb_expires IS NOT NULL;
CREATE TABLE IF NOT EXISTS temp_callees (
    sub_id TEXT PRIMARY KEY,
    callee TEXT NOT NULL,
    expires REAL NOT NULL,
    user_data TEXT
);
"""

_COLUMNS = (
    "seq, sub_id, app_key, mode, x, a, b, y, ext, created, changed, expires, yb_expires, attrs"
)


@dataclass
class Binding:
    """One live binding. ``changed`` is the time of creation or last change
    (``subscribeTime``); ``expires``/``yb_expires`` are epoch seconds or ``None`` (never)."""

    sub_id: str
    app_key: str
    mode: str
    x: str
    a: str
    created: float
    changed: float
    b: str | None = None
    y: str | None = None
    ext: str | None = None
    expires: float | None = None
    yb_expires: float | None = None
    attrs: dict[str, Any] = field(default_factory=dict)
    seq: int = 0


@dataclass(frozen=True)
class NumberInfo:
    number: str
    app_key: str
    kind: str
    area_code: str


@dataclass(frozen=True)
class TempCallee:
    callee: str
    expires: float
    user_data: str | None


def _row_to_binding(row: Sequence[Any]) -> Binding:
    return Binding(
        seq=row[0],
        sub_id=row[1],
        app_key=row[2],
        mode=row[3],
        x=row[4],
        a=row[5],
        b=row[6],
        y=row[7],
        ext=row[8],
        created=row[9],
        changed=row[10],
        expires=row[11],
        yb_expires=row[12],
        attrs=json.loads(row[13]),
    )


class Tx:
    """Queries and changes inside one transaction."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    # numbers

    def number(self, number: str) -> NumberInfo | None:
        row = self._conn.execute(
            "SELECT number, app_key, kind, area_code FROM numbers WHERE number = ?", (number,)
        ).fetchone()
        return NumberInfo(*row) if row else None

    def pool(self, app_key: str, kind: str, area_code: str | None = None) -> list[NumberInfo]:
        """The app's numbers of ``kind`` (``X`` or ``Y``), optionally of one city, sorted."""
        sql = "SELECT number, app_key, kind, area_code FROM numbers WHERE app_key = ? AND kind = ?"
        args: list[Any] = [app_key, kind]
        if area_code is not None:
            sql += " AND area_code = ?"
            args.append(area_code)
        return [NumberInfo(*row) for row in self._conn.execute(sql + " ORDER BY number", args)]

    # bindings

    def get(self, sub_id: str) -> Binding | None:
        row = self._conn.execute(
            f"SELECT {_COLUMNS} FROM bindings WHERE sub_id = ?", (sub_id,)
        ).fetchone()
        return _row_to_binding(row) if row else None

    def find(
        self, *, limit: int | None = None, offset: int = 0, after_seq: int = 0, **where: str
    ) -> list[Binding]:
        """Bindings whose columns equal ``where`` (e.g. ``x=..., a=...``), oldest first."""
        clauses = ["seq > ?"]
        args: list[Any] = [after_seq]
        for column, value in where.items():
            if column not in ("app_key", "mode", "x", "a", "b", "y", "ext"):
                raise ValueError(f"unknown binding column {column}")
            clauses.append(f"{column} = ?")
            args.append(value)
        sql = f"SELECT {_COLUMNS} FROM bindings WHERE {' AND '.join(clauses)} ORDER BY seq"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            args.extend((limit, offset))
        return [_row_to_binding(row) for row in self._conn.execute(sql, args)]

    def number_on(self, x: str, numbers: Sequence[str], exclude: str | None = None) -> bool:
        """Whether any of ``numbers`` is already A or B of a binding on ``x``."""
        marks = ", ".join("?" for _ in numbers)
        row = self._conn.execute(
            f"SELECT 1 FROM bindings WHERE x = ? AND (a IN ({marks}) OR b IN ({marks}))"
            " AND sub_id != ? LIMIT 1",
            (x, *numbers, *numbers, exclude or ""),
        ).fetchone()
        return row is not None

    def count(self, **where: str) -> int:
        clauses = []
        args: list[Any] = []
        for column, value in where.items():
            if column not in ("app_key", "mode", "x", "a", "b", "y", "ext"):
                raise ValueError(f"unknown binding column {column}")
            clauses.append(f"{column} = ?")
            args.append(value)
        row = self._conn.execute(
            f"SELECT COUNT(*) FROM bindings WHERE {' AND '.join(clauses)}", args
        ).fetchone()
        return int(row[0])

    def insert(self, binding: Binding) -> Binding:
        cursor = self._conn.execute(
            "INSERT INTO bindings (sub_id, app_key, mode, x, a, b, y, ext, created, changed,"
            " expires, yb_expires, attrs) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                binding.sub_id,
                binding.app_key,
                binding.mode,
                binding.x,
                binding.a,
                binding.b,
                binding.y,
                binding.ext,
                binding.created,
                binding.changed,
                binding.expires,
                binding.yb_expires,
                json.dumps(binding.attrs, separators=(",", ":")),
            ),
        )
        binding.seq = int(cursor.lastrowid or 0)
        return binding

    def update(self, binding: Binding) -> None:
        self._conn.execute(
            "UPDATE bindings SET x = ?, a = ?, b = ?, y = ?, ext = ?, changed = ?, expires = ?,"
            " yb_expires = ?, attrs = ? WHERE sub_id = ?",
            (
                binding.x,
                binding.a,
                binding.b,
                binding.y,
                binding.ext,
                binding.changed,
                binding.expires,
                binding.yb_expires,
                json.dumps(binding.attrs, separators=(",", ":")),
                binding.sub_id,
            ),
        )

    def delete(self, sub_ids: Sequence[str]) -> None:
        for sub_id in sub_ids:
            self._conn.execute("DELETE FROM bindings WHERE sub_id = ?", (sub_id,))
            self._conn.execute("DELETE FROM temp_callees WHERE sub_id = ?", (sub_id,))

    def all(self, app_key: str | None = None) -> list[Binding]:
        if app_key is None:
            return self.find()
        return self.find(app_key=app_key)

    # AX temporary callee

    def set_temp_callee(self, sub_id: str, callee: TempCallee) -> None:
        self._conn.execute(
            "INSERT OR REPLACE INTO temp_callees (sub_id, callee, expires, user_data)"
            " VALUES (?, ?, ?, ?)",
            (sub_id, callee.callee, callee.expires, callee.user_data),
        )

    def temp_callee(self, sub_id: str) -> TempCallee | None:
        row = self._conn.execute(
            "SELECT callee, expires, user_data FROM temp_callees WHERE sub_id = ?", (sub_id,)
        ).fetchone()
        return TempCallee(*row) if row else None

    # expiry

    def purge(self, now: float) -> None:
        """Remove what has expired at ``now``: bindings, AXYB YB halves, temp callees."""
        self._conn.execute(
            "DELETE FROM temp_callees WHERE sub_id IN"
            " (SELECT sub_id FROM bindings WHERE expires IS NOT NULL AND expires <= ?)",
            (now,),
        )
        self._conn.execute(
            "DELETE FROM bindings WHERE expires IS NOT NULL AND expires <= ?", (now,)
        )
        self._conn.execute(
            "UPDATE bindings SET b = NULL, y = NULL, yb_expires = NULL"
            " WHERE yb_expires IS NOT NULL AND yb_expires <= ?",
            (now,),
        )
        self._conn.execute("DELETE FROM temp_callees WHERE expires <= ?", (now,))


class Store:
    """The SQLite database (``path=None``: in memory) with one transaction at a time."""

    def __init__(self, path: str | Path | None = None) -> None:
        target = ":memory:" if path is None else str(path)
        self._lock = threading.RLock()
        try:
            self._conn = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
            self._conn.execute("PRAGMA busy_timeout = 10000")
            if path is not None:
                self._conn.execute("PRAGMA journal_mode = WAL")
                self._conn.execute("PRAGMA synchronous = NORMAL")
            version = int(self._conn.execute("PRAGMA user_version").fetchone()[0])
        except sqlite3.Error as exc:
            raise ConfigError(
                f"{target}: cannot open the emulator state as SQLite ({exc}); "
                "check the --state path"
            ) from None
        if version not in (0, SCHEMA_VERSION):
            self._conn.close()
            raise ConfigError(
                f"{target}: emulator state has schema version {version}, this emulator "
                f"reads version {SCHEMA_VERSION}; use another --state file"
            )
        self._conn.executescript(_SCHEMA)
        self._conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield Tx(self._conn)
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def sync_numbers(self, config: EmulatorConfig) -> None:
        """Make the numbers table exactly the apps' numbers; bindings are left alone."""
        rows = [
            (spec.number, app.app_key, kind, spec.area_code)
            for app in config.apps
            for kind, specs in (("X", app.numbers), ("Y", app.y_numbers))
            for spec in specs
        ]
        with self.transaction():
            self._conn.execute("DELETE FROM numbers")
            self._conn.executemany(
                "INSERT INTO numbers (number, app_key, kind, area_code) VALUES (?, ?, ?, ?)", rows
            )

    def reset(self) -> None:
        with self.transaction():
            self._conn.execute("DELETE FROM bindings")
            self._conn.execute("DELETE FROM temp_callees")

    def close(self) -> None:
        with self._lock:
            self._conn.close()
