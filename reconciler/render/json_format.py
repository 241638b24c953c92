"""The plan as JSON, for machines. The schema is versioned and documented field by field in
``docs/plan-json.md``; a change that removes or renames a field bumps
:data:`FORMAT_VERSION` (adding a field does not)."""

from __future__ import annotations

import json
from typing import Any

from reconciler.masking import Masker
from reconciler.plan import AppPlan, FieldChange, Kind, Note, Operation, Plan
from reconciler.platform.live import Live
from reconciler.render import common

FORMAT_VERSION = 1


def render_json(plan: Plan, masker: Masker) -> str:
    """The plan as a JSON document (``format_version`` 1), real numbers masked."""
    return json.dumps(plan_document(plan, masker), indent=2) + "\n"


def plan_document(plan: Plan, masker: Masker) -> dict[str, Any]:
    """The JSON document as Python data (what :func:`render_json` serialises)."""
    return {
        "format_version": FORMAT_VERSION,
        "planned_at": plan.planned_at.isoformat(),
        "checksum": plan.checksum,
        "masked": not masker.unmask,
        "sandbox": any(app.sandbox for app in plan.apps),
        "has_changes": plan.has_changes,
        "summary": {
            "operations": _counts(plan.counts()),
            "notes": common.note_counts(plan.notes),
            "refusals": len(plan.refusals),
            "number_may_change": sum(1 for op in plan.operations if op.number_may_change),
        },
        "apps": [_app(app, masker) for app in plan.apps],
    }


def _counts(counts: dict[str, int]) -> dict[str, int]:
    return {kind.value: counts.get(kind.value, 0) for kind in (*common.SUMMARY_ORDER, Kind.dedupe)}


def _app(app: AppPlan, masker: Masker) -> dict[str, Any]:
    return {
        "app": app.app,
        "mode": app.mode.value,
        "sandbox": app.sandbox,
        "existing": app.existing,
        "summary": {
            "operations": common.app_counts(app),
            "notes": common.note_counts(app.notes),
        },
        "operations": [_operation(op, masker) for op in app.operations],
        "notes": [_note(note, masker) for note in app.notes],
    }


def _operation(op: Operation, masker: Masker) -> dict[str, Any]:
    return {
        "kind": op.kind.value,
        "symbol": common.SYMBOLS[op.kind],
        "key": common.mask_text(masker, op.key),
        "reason": common.mask_text(masker, op.reason),
        "subscription_id": op.subscription_id,
        "x": common.op_x(op),
        "number_may_change": op.number_may_change,
        "bind_first": op.bind_first if op.kind is Kind.replace else None,
        "after": list(op.after),
        "changes": [_change(change, masker) for change in op.changes],
        "desired": common.dump_binding(op.desired, masker) if op.desired is not None else None,
        "live": _live(op.live, masker),
    }


def _change(change: FieldChange, masker: Masker) -> dict[str, Any]:
    return {
        "field": change.field,
        "before": common.json_value(change.field, change.before, masker),
        "after": common.json_value(change.field, change.after, masker),
        "reported": change.reported,
        "out_of_band": change.out_of_band,
    }


def _live(live: Live | None, masker: Masker) -> dict[str, Any] | None:
    if live is None:
        return None
    return {
        "subscription_id": live.subscription_id,
        "x": live.x,
        "y": live.y,
        "extension": live.extension,
        "a": masker.number(live.a),
        "b": masker.number(live.b),
        "expires": live.expires.isoformat() if live.expires is not None else None,
        "expiry_known": live.expiry_known,
    }


def _note(note: Note, masker: Masker) -> dict[str, Any]:
    return {
        "kind": note.kind.value,
        "key": common.mask_text(masker, note.key),
        "message": common.mask_text(masker, note.message),
        "count": note.count,
        "refuses_apply": note.kind in common.REFUSING,
        "subscription_id": note.live.subscription_id if note.live is not None else None,
        "live": _live(note.live, masker),
    }
