"""The plan for a terminal: a summary, each app's operations and notes, the checksum.

Colour (ANSI, through :func:`click.style`) only when asked: the caller decides (a TTY).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import click

from reconciler.masking import Masker
from reconciler.plan import AppPlan, Kind, Note, NoteKind, Operation, Plan
from reconciler.render import common

_INDENT = "  "
_DETAIL = _INDENT * 3

_KIND_STYLE: dict[Kind, dict[str, Any]] = {
    Kind.bind: {"fg": "green"},
    Kind.modify: {"fg": "yellow"},
    Kind.replace: {"fg": "magenta", "bold": True},
    Kind.unbind: {"fg": "red"},
    Kind.adopt: {"fg": "cyan"},
    Kind.dedupe: {"fg": "red"},
}
_NOTE_MARK: dict[NoteKind, str] = {
    NoteKind.protected: "!",
    NoteKind.blocked: "!",
    NoteKind.conflict: "?",
    NoteKind.expired: "i",
    NoteKind.foreign: "i",
}
_NOTE_STYLE: dict[NoteKind, dict[str, Any]] = {
    NoteKind.protected: {"fg": "red", "bold": True},
    NoteKind.blocked: {"fg": "red", "bold": True},
    NoteKind.conflict: {"fg": "yellow", "bold": True},
    NoteKind.expired: {"dim": True},
    NoteKind.foreign: {"dim": True},
}
_LOUD: dict[str, Any] = {"fg": "red", "bold": True}
_BANNER: dict[str, Any] = {"fg": "black", "bg": "yellow", "bold": True}


@dataclass(frozen=True)
class _Writer:
    masker: Masker
    color: bool

    def style(self, text: str, style: dict[str, Any]) -> str:
        return click.style(text, **style) if self.color else text

    def text(self, text: str) -> str:
        return common.mask_text(self.masker, text)


def render_text(plan: Plan, masker: Masker, *, color: bool) -> str:
    """The plan as a terminal shows it; ANSI colour only with ``color=True``."""
    out = _Writer(masker, color)
    lines = _summary(plan, out)
    for app in plan.apps:
        lines += ["", *_app(app, out)]
    lines += ["", out.style(common.summary_line(plan), {"bold": True})]
    lines.append(f"Checksum: {plan.checksum}")
    return "\n".join(lines) + "\n"


def _summary(plan: Plan, out: _Writer) -> list[str]:
    lines = [out.style(common.summary_line(plan), {"bold": True})]
    sandbox = common.sandbox_summary(plan)
    if sandbox is not None:
        lines.append(out.style(f"!! {sandbox}", _BANNER))
    for loud in (common.replace_summary(plan), common.refusal_summary(plan)):
        if loud is not None:
            lines.append(out.style(f"!! {loud[0].upper()}{loud[1:]}", _LOUD))
    others = common.notes_text(
        common.note_counts(plan.notes), (NoteKind.conflict, NoteKind.expired, NoteKind.foreign)
    )
    if others:
        lines.append(f"Notes: {others}.")
    lines.append(f"Planned at {plan.planned_at.isoformat()}")
    return lines


def _app(app: AppPlan, out: _Writer) -> list[str]:
    header = f"== {app.app} · {app.mode.value} · {app.existing} managed binding(s) on the platform"
    lines = [out.style(header, {"bold": True})]
    if app.sandbox:
        lines.append(out.style(f"!! {common.SANDBOX_TEXT}", _BANNER))
    for op in app.operations:
        lines += _operation(op, out)
    if app.notes:
        lines.append(f"{_INDENT}notes:")
        lines += [_note(note, out) for note in app.notes]
    if not app.operations and not app.notes:
        lines.append(f"{_INDENT}no changes")
    return lines


def _operation(op: Operation, out: _Writer) -> list[str]:
    head = f"{common.SYMBOLS[op.kind]} {op.kind.value}"
    where = f" ({common.where(op.live)})" if op.live is not None else ""
    lines = [f"{_INDENT}{out.style(head, _KIND_STYLE[op.kind])} {out.text(op.key)}{where}"]
    if op.kind is Kind.replace:
        lines.append(_DETAIL + out.style(f"!! {common.replace_warning(op)}", _LOUD))
    lines.append(_DETAIL + out.text(op.reason))
    after = common.after_text(op)
    if after is not None:
        lines.append(_DETAIL + out.text(after))
    lines += [_DETAIL + detail for detail in common.op_details(op, out.masker)]
    return lines


def _note(note: Note, out: _Writer) -> str:
    label = out.style(f"{_NOTE_MARK[note.kind]} {common.note_label(note)}", _NOTE_STYLE[note.kind])
    key = f" {out.text(note.key)}" if note.key else ""
    where = f" ({common.where(note.live)})" if note.live is not None else ""
    return f"{_INDENT * 2}{label}{key}{where}: {out.text(note.message)}"
