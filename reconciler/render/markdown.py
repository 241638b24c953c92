"""The plan as a pull-request comment (GitHub-flavoured markdown).

The summary comes first and is never cut: counts per kind, the sandbox banner, replaces
that may change a customer-facing number, refusals and conflicts (the first few of each),
one row per app and the checksum. Then one collapsible ``<details>`` section per app.
GitHub refuses comments over 65,536 characters, so when the whole does not fit in
``limit`` the per-app details are cut (whole rows, never half a row) and a notice says
what is not shown and where the full plan is. Sizes are counted in UTF-8 bytes, which is
never less than the characters GitHub counts, so the limit holds whatever it counts.

Text from the plan is escaped: prose with backslashes and HTML entities, keys and values
in code spans (pipes escaped inside tables). Values are masked before they are escaped.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass

from reconciler.masking import Masker
from reconciler.plan import AppPlan, Kind, Note, NoteKind, Operation, Plan
from reconciler.render import common

GITHUB_COMMENT_LIMIT = 65_536
SUMMARY_ITEMS = 10
"""How many refusals, conflicts and replaces the summary lists by name."""

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~#$!@])")
_BACKTICKS = re.compile(r"`+")
_TABLE_HEAD = "| | key | what | changes |\n|---|---|---|---|\n"
_NOTES_HEAD = "\n**Notes**\n\n"
_OMITTED_RESERVE = 160
_KINDS_SHOWN: tuple[NoteKind, ...] = (*common.REFUSING, NoteKind.conflict)


# -- escaping ----------------------------------------------------------------------------


def escape(text: str) -> str:
    """Prose for markdown: HTML entities for ``& < >``, backslashes for markdown syntax."""
    flat = html.escape(text.replace("\r", " ").replace("\n", " "), quote=False)
    return _MD_SPECIAL.sub(r"\\\1", flat)


def code(text: str, *, table: bool = False) -> str:
    """``text`` as an inline code span (literal: no emphasis, no @mentions)."""
    flat = text.replace("\r", " ").replace("\n", " ")
    if not flat.strip():
        return escape(flat) or "(empty)"
    fence = "`" * (max((len(m) for m in _BACKTICKS.findall(flat)), default=0) + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    span = f"{fence}{pad}{flat}{pad}{fence}"
    return span.replace("|", "\\|") if table else span


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


# -- the summary -------------------------------------------------------------------------


def _summary(plan: Plan, masker: Masker) -> str:
    blocks = ["## privcall plan"]
    if common.sandbox_apps(plan):
        names = ", ".join(code(name) for name in common.sandbox_apps(plan))
        blocks.append(
            "> [!WARNING]\n> **SANDBOX**: planned against privcall's built-in sandbox emulator "
            f"(`.privcall/sandbox.db`), not Huawei Cloud. App(s): {names}."
        )
    blocks.append(f"**{escape(common.summary_line(plan))}**")
    blocks += _callouts(plan, masker)
    blocks.append(_apps_table(plan))
    blocks.append(f"Checksum: `{plan.checksum}` · planned at {plan.planned_at.isoformat()}")
    return "\n\n".join(blocks) + "\n"


def _callouts(plan: Plan, masker: Masker) -> list[str]:
    found: list[str] = []
    replace = common.replace_summary(plan)
    if replace is not None:
        items = [_replace_item(op, masker) for op in common.replaces(plan)]
        found.append(_alert("CAUTION", f"**{escape(replace)}**", items))
    refusal = common.refusal_summary(plan)
    if refusal is not None:
        items = [_note_item(n, masker, with_app=True) for n in plan.refusals]
        found.append(_alert("CAUTION", f"**{escape(refusal.capitalize())}**", items))
    conflicts = [n for n in plan.notes if n.kind is NoteKind.conflict]
    if conflicts:
        title = (
            f"**{len(conflicts)} conflict(s)**: a binding privcall did not create has the "
            "numbers of a declared one; it is not bound until adopted (`--adopt`)"
        )
        items = [_note_item(n, masker, with_app=True) for n in conflicts]
        found.append(_alert("NOTE", title, items))
    return found


def _alert(kind: str, title: str, items: list[str]) -> str:
    lines = [f"> [!{kind}]", f"> {title}"]
    lines += [f"> - {item}" for item in items[:SUMMARY_ITEMS]]
    if len(items) > SUMMARY_ITEMS:
        lines.append(f"> - … and {len(items) - SUMMARY_ITEMS:,} more (see the details below)")
    return "\n".join(lines)


def _replace_item(op: Operation, masker: Masker) -> str:
    gap = "bound first, no gap" if op.bind_first else "**unbound first: a gap**"
    return f"{escape(op.app)} · {code(common.mask_text(masker, op.key))}: {gap}"


def _note_item(note: Note, masker: Masker, *, with_app: bool = False) -> str:
    app = f" · {escape(note.app)}" if with_app else ""
    key = f" · {code(common.mask_text(masker, note.key))}" if note.key else ""
    where = f" ({escape(common.where(note.live))})" if note.live is not None else ""
    message = escape(common.mask_text(masker, note.message))
    return f"**{escape(common.note_label(note))}**{app}{key}{where}: {message}"


def _apps_table(plan: Plan) -> str:
    kinds = common.SUMMARY_ORDER
    lines = [
        "| app | mode | platform | " + " | ".join(k.value for k in kinds) + " | notes |",
        "|---|---|---|" + "--:|" * len(kinds) + "---|",
    ]
    for app in plan.apps:
        counts = common.app_counts(app)
        platform = "**SANDBOX**" if app.sandbox else "Huawei Cloud"
        cells = [escape(app.app), app.mode.value, platform]
        cells += [str(counts[k.value]) for k in kinds]
        cells.append(escape(common.notes_text(common.note_counts(app.notes))) or "–")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


# -- one app's details -------------------------------------------------------------------


@dataclass(frozen=True)
class _Section:
    app: AppPlan
    head: str
    rows: tuple[str, ...]
    notes: tuple[str, ...]
    tail: str = "\n</details>\n"

    def text(self, rows: int, notes: int, omitted: str = "") -> str:
        """The section with the first ``rows`` operations and ``notes`` notes."""
        parts = [self.head]
        if rows:
            parts += [_TABLE_HEAD, *self.rows[:rows]]
        if notes:
            parts += [_NOTES_HEAD, *self.notes[:notes]]
        if omitted:
            parts.append(f"\n_{omitted}_\n")
        parts.append(self.tail)
        return "".join(parts)

    def full(self) -> str:
        return self.text(len(self.rows), len(self.notes))


def _section(app: AppPlan, masker: Masker) -> _Section:
    sandbox = " · <b>SANDBOX</b>" if app.sandbox else ""
    notes = f" · {len(app.notes)} note(s)" if app.notes else ""
    summary = (
        f"<b>{html.escape(app.app)}</b> · {app.mode.value}{sandbox} · "
        f"{html.escape(common.counts_text(common.app_counts(app)))}{notes}"
    )
    head = f"<details>\n<summary>{summary}</summary>\n\n"
    if app.sandbox:
        head += f"> [!WARNING]\n> **{escape(common.SANDBOX_TEXT)}**\n\n"
    if not app.operations and not app.notes:
        head += "No changes.\n"
    rows = tuple(_row(op, masker) for op in app.operations)
    notes_ = tuple(f"- {_note_item(note, masker)}\n" for note in app.notes)
    return _Section(app, head, rows, notes_)


def _row(op: Operation, masker: Masker) -> str:
    kind = f"`{common.SYMBOLS[op.kind]}` {op.kind.value}"
    what = [escape(common.mask_text(masker, op.reason))]
    if op.kind is Kind.replace:
        what.insert(0, f"**⚠️ {escape(common.replace_warning(op))}**")
    if op.live is not None:
        what.append(escape(common.where(op.live)))
    after = common.after_text(op)
    if after is not None:
        what.append(escape(common.mask_text(masker, after)))
    changes = "<br>".join(code(d, table=True) for d in common.op_details(op, masker))
    key = code(common.mask_text(masker, op.key), table=True)
    return f"| {kind} | {key} | {'<br>'.join(what)} | {changes} |\n"


# -- fitting under the limit -------------------------------------------------------------


@dataclass
class _Layout:
    parts: list[str]
    shown_ops: int = 0
    shown_notes: int = 0
    hidden_apps: tuple[str, ...] = ()


@dataclass
class _Fill:
    """How much of one app's section is shown: a prefix of its rows, then of its notes."""

    section: _Section
    rows: int = 0
    notes: int = 0

    @property
    def fixed(self) -> int:
        return _size(self.section.head) + _size(self.section.tail) + _OMITTED_RESERVE

    def next_cost(self) -> int | None:
        """The bytes the next row (or note) adds; None when all are shown."""
        rows, notes = self.section.rows, self.section.notes
        if self.rows < len(rows):
            return _size(rows[self.rows]) + (_size(_TABLE_HEAD) if self.rows == 0 else 0)
        if self.notes < len(notes):
            return _size(notes[self.notes]) + (_size(_NOTES_HEAD) if self.notes == 0 else 0)
        return None

    def take(self) -> None:
        if self.rows < len(self.section.rows):
            self.rows += 1
        else:
            self.notes += 1

    def text(self) -> str:
        hidden_rows = len(self.section.rows) - self.rows
        hidden_notes = len(self.section.notes) - self.notes
        omitted = (
            f"… {hidden_rows:,} more operation(s) and {hidden_notes:,} more note(s) of this "
            "app are not shown."
            if hidden_rows or hidden_notes
            else ""
        )
        return self.section.text(self.rows, self.notes, omitted)


def _fit(sections: list[_Section], budget: int) -> _Layout:
    """Fill ``budget`` bytes fairly: every app's header first, then one row of each app in
    turn, so that one huge app does not hide the others."""
    fills: list[_Fill] = []
    used = 0
    for section in sections:
        fill = _Fill(section)
        if used + fill.fixed > budget:
            break
        fills.append(fill)
        used += fill.fixed
    active = list(fills)
    while active:
        still: list[_Fill] = []
        for fill in active:
            cost = fill.next_cost()
            if cost is not None and used + cost <= budget:
                fill.take()
                used += cost
                still.append(fill)
        active = still
    return _Layout(
        [fill.text() for fill in fills],
        sum(fill.rows for fill in fills),
        sum(fill.notes for fill in fills),
        tuple(section.app.app for section in sections[len(fills) :]),
    )


def _notice(plan: Plan, layout: _Layout, limit: int, details_url: str | None) -> str:
    total_ops, total_notes = len(plan.operations), len(plan.notes)
    text = (
        f"**Details truncated** to stay under the {limit:,}-character comment limit: "
        f"showing {layout.shown_ops:,} of {total_ops:,} operation(s) and "
        f"{layout.shown_notes:,} of {total_notes:,} note(s)."
    )
    if layout.hidden_apps:
        text += " Apps not shown: " + ", ".join(escape(a) for a in layout.hidden_apps) + "."
    if details_url:
        url = re.sub(r"[<>\s]", "", details_url)
        text += f" The full plan: [{escape(url)}](<{url}>)."
    else:
        text += " Run `privcall plan` for the full plan."
    return f"> [!IMPORTANT]\n> {text}\n"


def render_markdown(
    plan: Plan, masker: Masker, *, limit: int = GITHUB_COMMENT_LIMIT, details_url: str | None = None
) -> str:
    """The plan as a pull-request comment of at most ``limit`` characters (UTF-8 bytes).

    ``details_url`` is where the full plan can be read (a CI job summary, say); the
    truncation notice points there.
    """
    summary = _summary(plan, masker)
    sections = [_section(app, masker) for app in plan.apps]
    whole = _join(summary, "", [s.full() for s in sections])
    if _size(whole) <= limit:
        return whole
    worst = _Layout([], len(plan.operations), len(plan.notes), tuple(a.app for a in plan.apps))
    reserve = _size(_notice(plan, worst, limit, details_url))
    budget = limit - _size(summary) - reserve - 2 * (len(sections) + 2)
    layout = _fit(sections, budget)
    return _hard_cut(_join(summary, _notice(plan, layout, limit, details_url), layout.parts), limit)


def _hard_cut(text: str, limit: int) -> str:
    """The last resort, for a summary that alone exceeds ``limit`` (hundreds of apps, or a
    tiny ``limit``): cut the text itself, and say so."""
    if _size(text) <= limit:
        return text
    tail = "\n\n> [!IMPORTANT]\n> **Cut at the comment limit**: run `privcall plan`.\n"
    if _size(tail) > limit:
        tail = ""
    room = limit - _size(tail)
    return text.encode("utf-8")[:room].decode("utf-8", errors="ignore") + tail


def _join(summary: str, notice: str, parts: Iterable[str]) -> str:
    return "\n".join(part for part in (summary, notice, *parts) if part)
