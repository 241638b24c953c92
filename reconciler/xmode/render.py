"""X-mode plans, apply results and drift as text, markdown or JSON, always masked.

Route keys and answers hold real numbers (callers, callees): every line goes through the
:class:`~reconciler.masking.Masker` before it is returned. X numbers are shown in full.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from reconciler.masking import Masker
from reconciler.xmode.plan import (
    FORMAT_VERSION,
    Applied,
    AppPlan,
    ChangeKind,
    RouteChange,
    XPlan,
    describe_answer,
)
from reconciler.xmode.table import Route, to_wire

Format = Literal["text", "markdown", "json"]
Purpose = Literal["plan", "drift"]

_SIGN = {ChangeKind.add: "+", ChangeKind.change: "~", ChangeKind.remove: "-"}


def _route_line(change: RouteChange) -> str:
    route = change.after or change.before
    assert route is not None
    if change.kind is ChangeKind.change:
        assert change.before is not None and change.after is not None
        what = (
            f"({', '.join(change.fields)}) {describe_answer(change.before.answer)} -> "
            f"{describe_answer(change.after.answer)}"
        )
    else:
        what = describe_answer(route.answer)
    return f"{_SIGN[change.kind]} {change.kind.value:<6} {change.key}: {what}"


def _summary(app_plan: AppPlan) -> str:
    counts = [
        f"{app_plan.count(kind)} to {kind.value}"
        for kind in (ChangeKind.add, ChangeKind.change, ChangeKind.remove)
    ]
    default = ", the default changes" if app_plan.default is not None else ""
    return ", ".join(counts) + default


def _lines(app_plan: AppPlan, purpose: Purpose) -> list[str]:
    served = app_plan.served
    head = (
        f"app {app_plan.app} (route server {app_plan.url}): served version {served.version}, "
        f"{len(served.table.routes)} routes; YAML {len(app_plan.desired.routes)} routes"
    )
    if not app_plan.has_changes:
        return [head, "  the served table matches the YAML"]
    verb = "differs from the YAML" if purpose == "drift" else "would change"
    lines = [head, f"  the served table {verb}: {_summary(app_plan)}"]
    lines += [f"  {_route_line(c)}" for c in app_plan.changes]
    if app_plan.default is not None:
        lines.append(
            f"  ~ default: {describe_answer(app_plan.default.before)} -> "
            f"{describe_answer(app_plan.default.after)}"
        )
    return lines


def render_plan(plan: XPlan, masker: Masker, fmt: Format, purpose: Purpose = "plan") -> str:
    if fmt == "json":
        return json.dumps(masked(plan_document(plan, purpose), masker), indent=2) + "\n"
    lines: list[str] = []
    if fmt == "markdown":
        title = "X-mode drift" if purpose == "drift" else "X-mode plan"
        lines.append(f"### {title}")
        for app_plan in plan.apps:
            body = _lines(app_plan, purpose)
            lines += ["", f"**{body[0]}**", "", "```diff", *(b.strip() for b in body[1:]), "```"]
    else:
        for app_plan in plan.apps:
            lines += _lines(app_plan, purpose)
    text = masker.text("\n".join(lines))  # the checksum is added after: hex is no number
    if purpose == "drift":
        if plan.has_changes:
            return text + "\ndrift: a served table differs from the YAML\n"
        return text + "\nno drift: every served table matches the YAML\n"
    if plan.has_changes:
        return text + f"\nChecksum: {plan.checksum}\n"
    return text + "\nNo changes: every served table matches the YAML.\n"


def masked(document: Any, masker: Masker) -> Any:
    """``document`` with every string masked, except checksums (hex, not numbers)."""
    if isinstance(document, dict):
        return {k: v if k == "checksum" else masked(v, masker) for k, v in document.items()}
    if isinstance(document, list):
        return [masked(v, masker) for v in document]
    if isinstance(document, str):
        return masker.text(document)
    return document


def _route_json(route: Route | None) -> dict[str, Any] | None:
    return None if route is None else route.to_json()


def plan_document(plan: XPlan, purpose: Purpose = "plan") -> dict[str, Any]:
    """The versioned JSON document (unmasked: the caller masks it)."""
    return {
        "format_version": FORMAT_VERSION,
        "kind": f"xmode-{purpose}",
        "checksum": plan.checksum,
        "has_changes": plan.has_changes,
        "apps": [
            {
                "app": a.app,
                "url": a.url,
                "served_version": a.served.version,
                "served_routes": len(a.served.table.routes),
                "desired_routes": len(a.desired.routes),
                "changes": [
                    {
                        "kind": c.kind.value,
                        "key": c.key,
                        "fields": list(c.fields),
                        "before": _route_json(c.before),
                        "after": _route_json(c.after),
                    }
                    for c in a.changes
                ],
                "default": None
                if a.default is None
                else {
                    "fields": list(a.default.fields),
                    "before": None if a.default.before is None else to_wire(a.default.before, ""),
                    "after": None if a.default.after is None else to_wire(a.default.after, ""),
                },
            }
            for a in plan.apps
        ],
    }


def render_applied(done: list[Applied], plan: XPlan, masker: Masker, fmt: Format) -> str:
    if fmt == "json":
        document = {
            "format_version": FORMAT_VERSION,
            "kind": "xmode-apply",
            "plan": plan_document(plan),
            "applied": [{"app": a.app, "before": a.before, "after": a.after} for a in done],
        }
        return json.dumps(masked(document, masker), indent=2) + "\n"
    bullet = "- " if fmt == "markdown" else ""
    lines = [
        f"{bullet}app {a.app}: now serving table version {a.after} (was {a.before})" for a in done
    ]
    return masker.text("\n".join(lines or ["Nothing to apply: every served table matches."])) + "\n"
