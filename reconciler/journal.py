"""The apply journal: every call, before it is made and again with its result.

JSON lines under ``.privcall/journal/`` (one file per apply run), masked like every other
output: real numbers never appear unless the user unmasked. Each line is flushed as it is
written, so a killed apply leaves a journal that shows how far it got.

Line format (``"journal_version": 1``): ``time`` (UTC ISO 8601), ``run`` (the run id),
``event`` (``intent`` | ``result``), ``app``, ``kind`` (the plan operation), ``step``
(``bind`` | ``modify`` | ``unbind``), ``key`` (masked), ``key_hash`` (the marker's hash of
the key: finds a binding's history even when its key holds a masked number),
``subscription_id``, ``x``, and on results ``status`` (``done`` | ``failed`` | ``skipped``)
and ``message``.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from reconciler.marker import Codec
from reconciler.masking import Masker
from reconciler.plan import Operation

JOURNAL_DIR = Path(".privcall") / "journal"
VERSION = 1


def _key_hash(op: Operation, codec: Codec) -> str:
    """The marker's key hash (a keyed digest): read from the live binding's marker when it
    has one (a binding no longer declared is named by its numbers, not its key)."""
    if op.live is not None and op.live.marker is not None:
        return op.live.marker.key_hash
    return codec.key_hash(op.key)


class Journal:
    """Append-only JSON-lines journal of one apply run."""

    def __init__(
        self,
        root: Path,
        masker: Masker,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        codec: Codec | None = None,
    ) -> None:
        self.masker = masker
        self.codec = codec or Codec()
        self.clock = clock
        self.run = f"{clock().strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(3)}"
        folder = root / JOURNAL_DIR
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"{self.run}.jsonl"
        self._file: IO[str] = self.path.open("a", encoding="utf-8")

    def _write(self, record: dict[str, Any]) -> None:
        record = {
            "journal_version": VERSION,
            "time": self.clock().isoformat(),
            "run": self.run,
            **record,
        }
        self._file.write(json.dumps(record, ensure_ascii=True, sort_keys=True) + "\n")
        self._file.flush()

    def _base(self, op: Operation, step: str, subscription_id: str | None) -> dict[str, Any]:
        return {
            "app": op.app,
            "kind": op.kind.value,
            "step": step,
            "key": self.masker.text(op.key),
            "key_hash": _key_hash(op, self.codec),
            "subscription_id": subscription_id,
            "x": op.x,
        }

    def intent(self, op: Operation, step: str, subscription_id: str | None) -> None:
        self._write({"event": "intent", **self._base(op, step, subscription_id)})

    def result(
        self,
        op: Operation,
        step: str,
        status: str,
        subscription_id: str | None,
        message: str = "",
    ) -> None:
        self._write(
            {
                "event": "result",
                **self._base(op, step, subscription_id),
                "status": status,
                "message": self.masker.text(message, foreign=True),
            }
        )

    def close(self) -> None:
        self._file.close()
