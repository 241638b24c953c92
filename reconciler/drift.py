"""`privcall drift`: has the platform moved away from the YAML since the last apply?

For a scheduled job. It plans (never changes anything) and classifies every difference;
the rules, and what they cannot tell apart, are in ``docs/drift.md``:

* **changed out of band** — a binding privcall manages whose reported fields differ while
  the YAML did not change since privcall wrote it (:attr:`FieldChange.out_of_band`, or the
  marker's state hash equals the YAML's); also a second binding carrying a declared key.
* **expired by the platform** — a declared, not yet expired binding that privcall had bound
  (per the journal) and that is gone, when its ``expires`` is within :data:`EXPIRY_WINDOW`,
  or when the platform's longest lifetime since privcall last wrote it has run out.
* **deleted** — a declared binding privcall had bound that is gone otherwise.
* **new foreign binding** — a binding privcall did not create that has a declared
  binding's numbers (a conflict), or any unmanaged binding of an ``ownership: owned`` app.
  In ``marked`` apps, the other foreign bindings are counted as information only.
* **pending** — changes in the YAML that are not applied yet (and declared bindings the
  journal does not show privcall ever bound). Reported, but not drift: the exit code is 0
  when nothing else differs, because applying the YAML is the job of plan / apply.

Exit codes: 0 the platform matches (pending changes allowed), 2 drift, 1 errors.
"""

from __future__ import annotations

import dataclasses
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from reconciler.config import Ownership
from reconciler.digest import Digest
from reconciler.journal import JOURNAL_DIR
from reconciler.loader import Repository
from reconciler.marker import Codec
from reconciler.model import Mode
from reconciler.modes import Binding, domain
from reconciler.plan import FieldChange, Kind, Note, NoteKind, Operation, Plan
from reconciler.platform import tables
from reconciler.runner import RunOptions
from reconciler.runner import plan as plan_with

EXPIRY_WINDOW = timedelta(minutes=15)
"""A declared binding privcall had bound that is gone while its ``expires`` is at most this
far ahead was expired by the platform: the platform counts a lifetime on its own clock,
AXE in whole minutes rounded up, and privcall's plan already treats the last
:data:`reconciler.plan.EXPIRY_TOLERANCE` as expired."""

EXIT_MATCHES = 0
EXIT_DRIFT = 2


class DriftKind(StrEnum):
    """What a difference is, in the order they are shown."""

    changed_out_of_band = "changed_out_of_band"
    expired_by_platform = "expired_by_platform"
    deleted = "deleted"
    new_foreign = "new_foreign"
    pending = "pending"


DRIFT: tuple[DriftKind, ...] = (
    DriftKind.changed_out_of_band,
    DriftKind.expired_by_platform,
    DriftKind.deleted,
    DriftKind.new_foreign,
)
"""The kinds that are drift of the platform (exit 2); ``pending`` is not."""

_NOTE_KINDS: dict[NoteKind, DriftKind] = {
    NoteKind.conflict: DriftKind.new_foreign,
    NoteKind.protected: DriftKind.pending,
    NoteKind.blocked: DriftKind.pending,
}
"""Notes that are differences; ``expired`` and ``foreign`` are not (foreign is counted)."""

LABELS: dict[DriftKind, str] = {
    DriftKind.changed_out_of_band: "changed out of band",
    DriftKind.expired_by_platform: "expired by the platform",
    DriftKind.deleted: "deleted",
    DriftKind.new_foreign: "new foreign binding",
    DriftKind.pending: "pending (in the YAML, not applied yet; not drift)",
}


@dataclass(frozen=True)
class Finding:
    """One difference between the platform and the YAML."""

    kind: DriftKind
    app: str
    key: str
    detail: str
    subscription_id: str | None = None
    x: str | None = None
    changes: tuple[FieldChange, ...] = ()
    source: str = ""
    """The plan operation or note it comes from (``bind``, ``modify``, ``conflict`` ...)."""

    @property
    def is_drift(self) -> bool:
        return self.kind in DRIFT


@dataclass(frozen=True)
class AppDrift:
    app: str
    mode: Mode
    sandbox: bool
    ownership: Ownership
    findings: tuple[Finding, ...]
    foreign: int = 0
    """Bindings privcall did not create, left alone in a ``marked`` app (information)."""

    def count(self, kind: DriftKind) -> int:
        return sum(1 for f in self.findings if f.kind is kind)


@dataclass(frozen=True)
class DriftReport:
    apps: tuple[AppDrift, ...]
    checked_at: datetime
    checksum: str
    journal_files: int
    """Journal files read; 0 means "deleted" and "never applied" could not be told apart."""

    @property
    def findings(self) -> list[Finding]:
        return [f for app in self.apps for f in app.findings]

    @property
    def has_drift(self) -> bool:
        return any(f.is_drift for f in self.findings)

    @property
    def exit_code(self) -> int:
        return EXIT_DRIFT if self.has_drift else EXIT_MATCHES

    @property
    def sandbox(self) -> bool:
        return any(app.sandbox for app in self.apps)

    def counts(self) -> dict[str, int]:
        found = {kind.value: 0 for kind in DriftKind}
        for finding in self.findings:
            found[finding.kind.value] += 1
        return found

    @property
    def foreign(self) -> int:
        return sum(app.foreign for app in self.apps)


# -- the journal ------------------------------------------------------------------------------


@dataclass
class _KeyHistory:
    bound: set[str] = field(default_factory=set)
    last_write: datetime | None = None


@dataclass
class History:
    """What the apply journals say privcall did: per app and key hash, the subscriptions it
    bound (or modified, which adopting does) and has not unbound since."""

    files: int = 0
    keys: dict[tuple[str, str], _KeyHistory] = field(default_factory=dict)
    unbound: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def bound(self, app: str, hashes: Iterable[str]) -> _KeyHistory | None:
        """The history of the key with these key hashes (one per marker scheme: the
        journal holds the hash the apply wrote) if privcall had it bound, else None."""
        for key_hash in hashes:
            found = self.keys.get((app, key_hash))
            if found is not None and found.bound - self.unbound[app]:
                return found
        return None


def read_history(root: Path) -> History:
    """Replay every ``done`` result of the journals under ``root`` in time order. A line
    that is not JSON (a killed apply's last line) is skipped."""
    folder = root / JOURNAL_DIR
    paths = sorted(folder.glob("*.jsonl")) if folder.is_dir() else []
    records = [rec for path in paths for rec in _done_results(path)]
    records.sort(key=lambda rec: rec["_time"])
    history = History(files=len(paths))
    for rec in records:
        _replay(history, rec)
    return history


def _done_results(path: Path) -> Iterable[dict[str, Any]]:
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            rec = json.loads(line)
            when = datetime.fromisoformat(rec["time"])
        except (ValueError, KeyError, TypeError):
            continue
        if isinstance(rec, dict) and rec.get("event") == "result" and rec.get("status") == "done":
            rec["_time"] = when
            yield rec


def _replay(history: History, rec: dict[str, Any]) -> None:
    app, sub, step = str(rec.get("app")), rec.get("subscription_id"), rec.get("step")
    if not sub:
        return
    if step == "unbind":
        history.unbound[app].add(sub)
        return
    if step in ("bind", "modify"):
        entry = history.keys.setdefault((app, str(rec.get("key_hash"))), _KeyHistory())
        entry.bound.add(sub)
        entry.last_write = rec["_time"]


# -- classification ---------------------------------------------------------------------------


async def check(repo: Repository, options: RunOptions) -> DriftReport:
    """Read the platform, plan (never with ``--adopt``), and classify the differences."""
    planned = await plan_with(repo, dataclasses.replace(options, adopt=False))
    codec = Codec(Digest.from_env(options.env), tables.all_marker_fields())
    return classify(repo, planned, read_history(repo.root), codec)


def classify(
    repo: Repository, planned: Plan, history: History, codec: Codec | None = None
) -> DriftReport:
    """Classify every operation and note of ``planned`` (pure)."""
    codec = codec or Codec()
    apps = []
    for app_plan in planned.apps:
        app = repo.config.apps[app_plan.app]
        declared = {item.key: item.binding for item in repo.bindings[app_plan.app]}
        sorter = _Sorter(app_plan.mode, planned.planned_at, history, declared, codec)
        findings = [sorter.operation(op) for op in app_plan.operations]
        findings += [f for note in app_plan.notes if (f := sorter.note(note)) is not None]
        foreign = sum(n.count for n in app_plan.notes if n.kind is NoteKind.foreign)
        ordered = sorted(findings, key=lambda f: (list(DriftKind).index(f.kind), f.key))
        apps.append(
            AppDrift(
                app_plan.app,
                app_plan.mode,
                app_plan.sandbox,
                app.ownership,
                tuple(ordered),
                foreign,
            )
        )
    return DriftReport(tuple(apps), planned.planned_at, planned.checksum, history.files)


@dataclass(frozen=True)
class _Sorter:
    mode: Mode
    at: datetime
    history: History
    declared: dict[str, Binding]
    codec: Codec

    @property
    def declared_hashes(self) -> set[str]:
        return {h for key in self.declared for h in self.codec.key_hashes(key)}

    def operation(self, op: Operation) -> Finding:
        if op.kind is Kind.bind:
            assert op.desired is not None
            return self._gone(op.app, op.key, op.desired, "bind", op.reason)
        if op.kind in (Kind.modify, Kind.replace):
            changed = _platform_changed(op, self.codec)
            kind = DriftKind.changed_out_of_band if changed else DriftKind.pending
            return self._finding(kind, op, op.reason, op.changes)
        if op.kind is Kind.adopt:
            detail = (
                "privcall did not create it, and it has the numbers of this declared binding: "
                "apply adopts it (ownership: owned)"
            )
            return self._finding(DriftKind.new_foreign, op, detail)
        return self._unbind(op)

    def _unbind(self, op: Operation) -> Finding:
        assert op.live is not None
        found = op.live.marker
        if found is None:
            detail = (
                "privcall did not create it and it is not declared: apply unbinds it "
                "(ownership: owned)"
            )
            return self._finding(DriftKind.new_foreign, op, detail)
        if found.key_hash in self.declared_hashes:
            return self._finding(DriftKind.changed_out_of_band, op, op.reason)
        return self._finding(DriftKind.pending, op, f"{op.reason}: apply unbinds it")

    def note(self, note: Note) -> Finding | None:
        kind = _NOTE_KINDS.get(note.kind)
        if kind is None:
            return None
        desired = self.declared.get(note.key)
        if note.kind is NoteKind.blocked and note.live is None and desired is not None:
            gone = self._gone(note.app, note.key, desired, note.kind.value, note.message)
            if gone.kind is not DriftKind.pending:
                return gone
        sub = note.live.subscription_id if note.live is not None else None
        x = note.live.x if note.live is not None else None
        return Finding(kind, note.app, note.key, note.message, sub, x, (), note.kind.value)

    def _gone(self, app: str, key: str, desired: Binding, source: str, reason: str) -> Finding:
        x = desired.pinned_number()
        seen = self.history.bound(app, self.codec.key_hashes(key))
        if seen is None:
            detail = (
                f"{reason}; the journal has no record of privcall binding it: never applied "
                "(or deleted before the journal was kept)"
            )
            return Finding(DriftKind.pending, app, key, detail, None, x, (), source)
        expires = desired.expiry()
        cap = domain(self.mode).max_lifetime
        if expires is not None and expires - self.at <= EXPIRY_WINDOW:
            detail = (
                f"gone; it expires at {expires.isoformat()}, within {_minutes(EXPIRY_WINDOW)} "
                "of now: the platform's clock removed it"
            )
            return Finding(DriftKind.expired_by_platform, app, key, detail, None, x, (), source)
        if expires is not None and cap is not None and seen.last_write is not None:
            ended = seen.last_write + cap
            if ended <= self.at + EXPIRY_WINDOW:
                detail = (
                    f"gone; privcall last bound or modified it at {seen.last_write.isoformat()}, "
                    f"and the platform keeps a {self.mode.value} binding at most "
                    f"{cap.days} days from then"
                )
                return Finding(DriftKind.expired_by_platform, app, key, detail, None, x, (), source)
        detail = "privcall had bound it (journal), and it is gone from the platform"
        return Finding(DriftKind.deleted, app, key, detail, None, x, (), source)

    @staticmethod
    def _finding(
        kind: DriftKind, op: Operation, detail: str, changes: tuple[FieldChange, ...] = ()
    ) -> Finding:
        x = op.x
        return Finding(kind, op.app, op.key, detail, op.subscription_id, x, changes, op.kind.value)


def _platform_changed(op: Operation, codec: Codec) -> bool:
    """Whether a managed binding differs because the platform changed: a field flagged out
    of band, or the marker showing that the YAML has not changed since privcall wrote it."""
    if any(change.out_of_band for change in op.changes):
        return True
    if op.live is None or op.desired is None:
        return False
    found = op.live.marker
    return found is not None and codec.unchanged(found, op.desired)


def _minutes(delta: timedelta) -> str:
    return f"{int(delta.total_seconds() // 60)} minutes"
