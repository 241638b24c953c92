"""The outcome of an apply: a table of what was done, failed, skipped or not attempted."""

from __future__ import annotations

import json
from typing import Any

from reconciler.apply import ApplyResult, Outcome, Status
from reconciler.masking import Masker

RESULT_FORMAT_VERSION = 1
_ORDER = (Status.failed, Status.skipped, Status.not_attempted, Status.done)


def _rows(result: ApplyResult, masker: Masker) -> list[tuple[str, str, str, str, str, str]]:
    def order(o: Outcome) -> tuple[int, str, str]:
        return (_ORDER.index(o.status), o.op.app, o.op.key)

    return [
        (
            o.status.value,
            o.op.kind.value,
            o.op.app,
            masker.text(o.op.key),
            masker.text(o.message, foreign=True),
            o.subscription_id or o.op.subscription_id or "",
        )
        for o in sorted(result.outcomes, key=order)
    ]


def summary(result: ApplyResult) -> str:
    counts = ", ".join(f"{result.count(s)} {s.value}" for s in (*reversed(_ORDER),))
    verdict = (
        "Apply complete"
        if result.complete
        else "Apply INCOMPLETE: run privcall apply again to converge"
    )
    return f"{verdict}: {counts}."


def render_result_text(result: ApplyResult, masker: Masker) -> str:
    rows = _rows(result, masker)
    lines = [summary(result)]
    if not result.complete:
        widths = [max(len(r[i]) for r in rows) for i in range(4)] if rows else [0] * 4
        for status, kind, app, key, message, _ in rows:
            cells = (status, kind, app, key)
            lines.append(
                "  "
                + "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True))
                + f"  {message}"
            )
    if result.journal:
        lines.append(f"Journal: {result.journal}")
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;").replace("\n", " ")


def render_result_markdown(result: ApplyResult, masker: Masker) -> str:
    lines = [f"**{summary(result)}**", ""]
    if result.outcomes:
        lines += ["| status | operation | app | key | detail |", "|---|---|---|---|---|"]
        lines += [
            "| " + " | ".join(_md(cell) for cell in row[:5]) + " |" for row in _rows(result, masker)
        ]
    return "\n".join(lines) + "\n"


def render_result_json(
    result: ApplyResult, masker: Masker, plan: dict[str, Any] | None = None
) -> str:
    """One JSON document: the result and, when given, the plan that was applied (as
    :func:`reconciler.render.plan_document` makes it)."""
    document: dict[str, Any] = {
        "format_version": RESULT_FORMAT_VERSION,
        "plan": plan,
        "complete": result.complete,
        "counts": {s.value: result.count(s) for s in Status},
        "journal": result.journal,
        "outcomes": [
            {
                "status": status,
                "kind": kind,
                "app": app,
                "key": key,
                "message": message,
                "subscription_id": sub,
            }
            for status, kind, app, key, message, sub in _rows(result, masker)
        ],
    }
    return json.dumps(document, indent=2, sort_keys=True) + "\n"
