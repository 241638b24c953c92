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

from reconciler import marker as mk
from reconciler.config import Ownership
from reconciler.journal import JOURNAL_DIR
from reconciler.loader import Repository
from reconciler.masking import Masker
from reconciler.model import MAX_LIFETIME, Binding, Mode
from reconciler.plan import FieldChange, Kind, Note, NoteKind, Operation, Plan
from reconciler.render import common
from reconciler.render.markdown import GITHUB_COMMENT_LIMIT
from reconciler.runner import RunOptions
from reconciler.runner import plan as make_plan

FORMAT_VERSION = 1

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

    def bound(self, app: str, key: str) -> _KeyHistory | None:
        """The key's history if privcall had it bound, else None."""
        found = self.keys.get((app, mk.key_hash(key)))
        if found is None or not (found.bound - self.unbound[app]):
            return None
        return found


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
    planned = await make_plan(repo, dataclasses.replace(options, adopt=False))
    return classify(repo, planned, read_history(repo.root))


def classify(repo: Repository, planned: Plan, history: History) -> DriftReport:
    """Classify every operation and note of ``planned`` (pure)."""
    apps = []
    for app_plan in planned.apps:
        app = repo.config.apps[app_plan.app]
        declared = {item.key: item.binding for item in repo.bindings[app_plan.app]}
        sorter = _Sorter(app_plan.mode, planned.planned_at, history, declared)
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

    @property
    def declared_hashes(self) -> set[str]:
        return {mk.key_hash(key) for key in self.declared}

    def operation(self, op: Operation) -> Finding:
        if op.kind is Kind.bind:
            assert op.desired is not None
            return self._gone(op.app, op.key, op.desired, "bind", op.reason)
        if op.kind in (Kind.modify, Kind.replace):
            kind = DriftKind.changed_out_of_band if _platform_changed(op) else DriftKind.pending
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
        _, found = mk.split(op.live.user_data)
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
        x = getattr(desired, "x", None)
        seen = self.history.bound(app, key)
        if seen is None:
            detail = (
                f"{reason}; the journal has no record of privcall binding it: never applied "
                "(or deleted before the journal was kept)"
            )
            return Finding(DriftKind.pending, app, key, detail, None, x, (), source)
        expires: datetime | None = getattr(desired, "expires", None)
        cap = MAX_LIFETIME.get(self.mode)
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
        x = op.live.x if op.live is not None else getattr(op.desired, "x", None)
        return Finding(kind, op.app, op.key, detail, op.subscription_id, x, changes, op.kind.value)


def _platform_changed(op: Operation) -> bool:
    """Whether a managed binding differs because the platform changed: a field flagged out
    of band, or the marker showing that the YAML has not changed since privcall wrote it."""
    if any(change.out_of_band for change in op.changes):
        return True
    if op.live is None or op.desired is None:
        return False
    _, found = mk.split(op.live.user_data)
    return found is not None and found.state_hash == mk.state_hash(op.desired)


def _minutes(delta: timedelta) -> str:
    return f"{int(delta.total_seconds() // 60)} minutes"


# -- rendering --------------------------------------------------------------------------------


def render(report: DriftReport, fmt: str, masker: Masker) -> str:
    """The report as ``text``, ``markdown`` (a GitHub issue body) or ``json``; masked."""
    if fmt == "json":
        return render_json(report, masker)
    if fmt == "markdown":
        return render_markdown(report, masker)
    return render_text(report, masker)


def headline(report: DriftReport) -> str:
    counts = report.counts()
    drift = sum(counts[k.value] for k in DRIFT)
    if not drift:
        return "No drift: the platform matches the YAML."
    parts = ", ".join(f"{counts[k.value]} {LABELS[k]}" for k in DRIFT)
    return f"Drift: {drift} difference(s) between the platform and the YAML: {parts}."


def _context(report: DriftReport) -> list[str]:
    counts = report.counts()
    lines = []
    if report.sandbox:
        names = ", ".join(a.app for a in report.apps if a.sandbox)
        lines.append(
            "SANDBOX: checked against privcall's built-in sandbox emulator "
            f"(.privcall/sandbox.db), not Huawei Cloud (app(s): {names})"
        )
    if counts[DriftKind.pending.value]:
        lines.append(
            f"Pending: {counts[DriftKind.pending.value]} change(s) in the YAML not applied yet "
            "(not drift; privcall plan shows them)."
        )
    if report.foreign:
        lines.append(
            f"Information: {report.foreign} binding(s) privcall did not create, left alone "
            "in ownership: marked apps."
        )
    if report.journal_files:
        lines.append(f"Journal: {report.journal_files} apply journal file(s) read.")
    else:
        lines.append(
            "Journal: none found under .privcall/journal: a declared binding that is gone is "
            "reported as pending, because deleted and never applied cannot be told apart."
        )
    lines.append(f"Checked at {report.checked_at.isoformat()}")
    return lines


def _change_text(change: FieldChange, masker: Masker) -> str:
    platform = common.show_value(change.field, change.before, masker)
    yaml = common.show_value(change.field, change.after, masker)
    return f"{change.field}: platform {platform}, YAML {yaml}"


def _where(finding: Finding) -> str:
    parts = []
    if finding.subscription_id:
        parts.append(f"subscription {finding.subscription_id}")
    if finding.x:
        parts.append(f"x {finding.x}")
    return f" ({', '.join(parts)})" if parts else ""


def render_text(report: DriftReport, masker: Masker) -> str:
    """The report for a terminal or a job log."""
    lines = [headline(report), *_context(report)]
    for app in report.apps:
        lines += ["", f"== {app.app} · {app.mode.value} · ownership {app.ownership.value}"]
        if not app.findings:
            lines.append("  no differences")
        for kind in DriftKind:
            found = [f for f in app.findings if f.kind is kind]
            if not found:
                continue
            lines.append(f"  {LABELS[kind]} ({len(found)}):")
            for finding in found:
                key = common.mask_text(masker, finding.key)
                lines.append(f"    - {key}{_where(finding)}")
                lines.append(f"        {common.mask_text(masker, finding.detail)}")
                lines += [f"        {_change_text(c, masker)}" for c in finding.changes]
        if app.foreign:
            lines.append(f"  information: {app.foreign} foreign binding(s), left alone")
    lines += ["", headline(report)]
    return "\n".join(lines) + "\n"


_MARKDOWN_BUDGET = GITHUB_COMMENT_LIMIT - 2_000


def render_markdown(report: DriftReport, masker: Masker) -> str:
    """The report as a GitHub issue body: the summary first, then the differences by kind,
    cut (never the summary) to stay under GitHub's 65,536 characters."""
    lines = [f"## privcall drift: {headline(report)}", ""]
    lines += [f"> {line}  " for line in _context(report)]
    lines += ["", _table(report), ""]
    size = sum(len(line) + 1 for line in lines)
    left_out = 0
    for kind in DriftKind:
        found = [f for f in report.findings if f.kind is kind]
        if not found:
            continue
        section = [f"### {LABELS[kind][:1].upper()}{LABELS[kind][1:]} ({len(found)})", ""]
        for finding in found:
            item = _markdown_item(finding, masker)
            if size + len(item) + 1 > _MARKDOWN_BUDGET:
                left_out += 1
                continue
            section.append(item)
            size += len(item) + 1
        lines += [*section, ""]
    if left_out:
        lines.append(
            f"_{left_out} more difference(s) left out to stay under GitHub's limit: run "
            "`privcall drift --format json` for all of them._"
        )
    return "\n".join(lines).rstrip("\n") + "\n"


def _table(report: DriftReport) -> str:
    kinds = [*DRIFT, DriftKind.pending]
    head = "| app | " + " | ".join(LABELS[k].split(" (")[0] for k in kinds) + " | foreign (info) |"
    rule = "|---" * (len(kinds) + 2) + "|"
    rows = [
        f"| `{a.app}` ({a.mode.value}) | "
        + " | ".join(str(a.count(k)) for k in kinds)
        + f" | {a.foreign} |"
        for a in report.apps
    ]
    return "\n".join([head, rule, *rows])


def _markdown_item(finding: Finding, masker: Masker) -> str:
    key = common.mask_text(masker, finding.key)
    detail = common.mask_text(masker, finding.detail)
    text = f"- `{finding.app}` / `{key}`{_where(finding)}: {detail}"
    for change in finding.changes:
        text += f"\n  - {_change_text(change, masker)}"
    return text


def render_json(report: DriftReport, masker: Masker) -> str:
    """The report as JSON (``format_version`` 1, documented in ``docs/drift.md``)."""
    return json.dumps(drift_document(report, masker), indent=2) + "\n"


def drift_document(report: DriftReport, masker: Masker) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "checked_at": report.checked_at.isoformat(),
        "masked": not masker.unmask,
        "sandbox": report.sandbox,
        "drift": report.has_drift,
        "exit_code": report.exit_code,
        "plan_checksum": report.checksum,
        "journal_files": report.journal_files,
        "summary": {**report.counts(), "foreign_unmanaged": report.foreign},
        "apps": [_app_json(app, masker) for app in report.apps],
    }


def _app_json(app: AppDrift, masker: Masker) -> dict[str, Any]:
    return {
        "app": app.app,
        "mode": app.mode.value,
        "sandbox": app.sandbox,
        "ownership": app.ownership.value,
        "summary": {
            **{kind.value: app.count(kind) for kind in DriftKind},
            "foreign_unmanaged": app.foreign,
        },
        "findings": [_finding_json(f, masker) for f in app.findings],
    }


def _finding_json(finding: Finding, masker: Masker) -> dict[str, Any]:
    return {
        "kind": finding.kind.value,
        "drift": finding.is_drift,
        "key": common.mask_text(masker, finding.key),
        "detail": common.mask_text(masker, finding.detail),
        "source": finding.source,
        "subscription_id": finding.subscription_id,
        "x": finding.x,
        "changes": [
            {
                "field": c.field,
                "platform": common.json_value(c.field, c.before, masker),
                "yaml": common.json_value(c.field, c.after, masker),
                "reported": c.reported,
                "out_of_band": c.out_of_band,
            }
            for c in finding.changes
        ],
    }
