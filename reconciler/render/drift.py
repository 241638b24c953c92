"""`privcall drift` reports for people and machines: text, markdown (a GitHub issue body),
JSON (``format_version`` 1, documented in ``docs/drift.md``); masked."""

from __future__ import annotations

import json
from typing import Any

from reconciler.drift import DRIFT, LABELS, AppDrift, DriftKind, DriftReport, Finding
from reconciler.masking import Masker
from reconciler.plan import FieldChange
from reconciler.render import common
from reconciler.render.markdown import GITHUB_COMMENT_LIMIT

FORMAT_VERSION = 1


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
