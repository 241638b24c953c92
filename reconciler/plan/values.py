"""The plan as a value (DESIGN section 4): operations, notes, per-app plans."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum, StrEnum
from typing import Any

from reconciler.digest import UNKEYED, Digest
from reconciler.model import Mode
from reconciler.modes import Binding
from reconciler.platform.live import Live


class Kind(Enum):
    """Operation kinds, in the order they are shown."""

    unbind = "unbind"
    replace = "replace"
    modify = "modify"
    adopt = "adopt"
    bind = "bind"


class NoteKind(StrEnum):
    """Notes, in the order they are shown. ``protected`` and ``blocked`` stop an apply."""

    protected = "protected"
    blocked = "blocked"
    conflict = "conflict"
    expired = "expired"
    foreign = "foreign"


REFUSING = frozenset({NoteKind.protected, NoteKind.blocked})


class _Unknown:
    """The before-value of a field the platform did not report."""

    def __repr__(self) -> str:
        return "<not reported>"


NOT_REPORTED: Any = _Unknown()


@dataclass(frozen=True)
class FieldChange:
    """One field that differs: ``before`` is :data:`NOT_REPORTED` for a field compared
    through the marker because the platform does not report it."""

    field: str
    before: Any
    after: Any
    out_of_band: bool = False

    @property
    def reported(self) -> bool:
        return self.before is not NOT_REPORTED


@dataclass(frozen=True)
class Operation:
    kind: Kind
    app: str
    mode: Mode
    key: str
    reason: str
    desired: Binding | None = None
    live: Live | None = None
    changes: tuple[FieldChange, ...] = ()
    number_may_change: bool = False
    bind_first: bool = False
    """For a replace: the new binding is bound before the old one is unbound."""
    duplicate: bool = False
    """An unbind of a second live binding that carries the same key."""
    after: tuple[str, ...] = ()
    """Keys of operations of the same app that must be done before this one starts."""

    @property
    def subscription_id(self) -> str | None:
        return self.live.subscription_id if self.live is not None else None

    @property
    def x(self) -> str | None:
        """The virtual number it concerns: the live one, else the pinned one."""
        if self.live is not None:
            return self.live.x
        return self.desired.pinned_number() if self.desired is not None else None


@dataclass(frozen=True)
class Note:
    kind: NoteKind
    app: str
    key: str
    message: str
    live: Live | None = None
    count: int = 1


@dataclass(frozen=True)
class AppPlan:
    app: str
    mode: Mode
    sandbox: bool
    existing: int
    """Live bindings privcall manages in this app (its own, or the whole pool if owned)."""
    operations: tuple[Operation, ...]
    notes: tuple[Note, ...]


@dataclass(frozen=True)
class Plan:
    apps: tuple[AppPlan, ...]
    planned_at: datetime
    """The minute the plan was made for (expiry is judged at this minute)."""
    digest: Digest = field(default=UNKEYED, compare=False, repr=False)
    """Keys the checksum (:mod:`reconciler.plan.checksum`)."""

    @property
    def operations(self) -> list[Operation]:
        return [op for app in self.apps for op in app.operations]

    @property
    def notes(self) -> list[Note]:
        return [note for app in self.apps for note in app.notes]

    @property
    def has_changes(self) -> bool:
        return any(app.operations for app in self.apps)

    @property
    def refusals(self) -> list[Note]:
        """Notes that stop an apply: a protected binding to remove, a binding that cannot
        be bound as declared."""
        return [n for n in self.notes if n.kind in REFUSING]

    def counts(self) -> dict[str, int]:
        found = {kind.value: 0 for kind in Kind}
        for op in self.operations:
            found[op.kind.value] += 1
        return found

    @property
    def checksum(self) -> str:
        from reconciler.plan.checksum import checksum  # noqa: PLC0415 (checksum imports this)

        return checksum(self)
