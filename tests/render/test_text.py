"""The text renderer: summary, every kind and note, replace warnings, colour, sandbox."""

from __future__ import annotations

import re

from reconciler.plan import AppPlan, Note, NoteKind, Plan
from reconciler.render import render_text
from tests.render.plans import AT, couriers, empty_plan, full_plan, masker, orders

ANSI = re.compile(r"\x1b\[")
SANDBOX_LINE = (
    "!! SANDBOX: planned against privcall's built-in sandbox emulator (.privcall/sandbox.db), "
    "not Huawei Cloud"
)


def _block(text: str, header: str) -> list[str]:
    """The lines of one app, from its header to the blank line after it."""
    lines = text.splitlines()
    start = lines.index(header)
    end = lines.index("", start)
    return lines[start:end]


def test_summary_comes_first_and_the_checksum_last() -> None:
    plan = full_plan()
    lines = render_text(plan, masker(), color=False).splitlines()
    assert lines[:6] == [
        "Plan: 2 to bind, 2 to modify, 3 to replace, 1 to unbind, 1 to adopt.",
        f"{SANDBOX_LINE} (app(s): couriers)",
        "!! 3 replace(s): the customer-facing number may change, 1 with a gap (unbind first)",
        "!! Apply is refused until resolved: 1 protected, 1 blocked",
        "Notes: 1 conflict, 1 expired, 3 foreign.",
        "Planned at 2026-03-01T09:30:00+00:00",
    ]
    assert lines[-2:] == [
        "Plan: 2 to bind, 2 to modify, 3 to replace, 1 to unbind, 1 to adopt.",
        f"Checksum: {plan.checksum}",
    ]


def test_each_kind_and_note_of_a_sandbox_app_with_fields_before_and_after() -> None:
    text = render_text(full_plan(), masker(), color=False)
    header = "== couriers · AX · 12 managed binding(s) on the platform"
    assert _block(text, header) == [
        header,
        SANDBOX_LINE,
        "  - unbind +86138****0004@+8675500010004 [abcdefghij] "
        "(subscription sub-4, x +8675500010004)",
        "      no longer declared",
        '      a: "+86138****0004"',
        "  ~ modify courier-li (subscription sub-2, x +8675500010002)",
        "      changed on the platform, out of band: a",
        '      a: "+86138****0003" -> "+86138****0002" (changed on the platform, out of band)',
        "      record: false -> true",
        '      record_hint_tone: (not reported) -> "r.wav"',
        "      call_direction: both -> a_only",
        "  <= adopt +86138****0003@0755 (subscription sub-3, x +8675500010003)",
        "      taken over on request: privcall writes its marker",
        '      user_data: "old +86136****0001" -> "ref+86136****0001"',
        "  + bind courier-zhang",
        "      declared, not on the platform",
        '      a: "+86138****0001"',
        '      area_code: "0755"',
        "      sms: false",
        "  notes:",
        "    ! protected +86138****0001@+8675500010001 [bcdefghijk] "
        "(subscription sub-9, x +8675500010001): protected, but no longer declared: privcall "
        "refuses to unbind it. Declare it again, or apply protect: false first",
        "    i foreign (3): 3 binding(s) privcall did not create: left alone (ownership: marked)",
    ]


def test_a_replace_says_loudly_that_the_number_may_change_and_whether_there_is_a_gap() -> None:
    text = render_text(full_plan(), masker(), color=False)
    header = "== orders · AXB · 40 managed binding(s) on the platform"
    assert _block(text, header) == [
        header,
        "  -/+ replace +86138****0001~+86139****0001 (subscription sub-10, x +8675500010001)",
        "      !! REPLACE: the customer-facing number may change; the new binding is bound "
        "first, then the old one unbound: no gap",
        "      x changes from +8675500010001 to +8675500010002",
        "  -/+ replace order-7 (subscription sub-11, x +8675500010002)",
        "      !! REPLACE: the customer-facing number may change; the old binding is unbound "
        "first: calls fail (a gap) until the new one is bound",
        "      its area changes from 0755 to 0756",
        '      b: "+86139****0003" -> "+86139****0002"',
        "  + bind order-8",
        "      declared, not on the platform",
        '      a: "+86138****0003"',
        '      b: "+86139****0003"',
        '      area_code: "0755"',
        "      expires: 2026-05-01T00:00:00+00:00",
        "  notes:",
        "    ! blocked order-9: cannot bind: expires 2027-01-01 is 306 days away",
        "    ? conflict +86138****0004~+86139****0003 (subscription sub-12, x +8675500010003): "
        "a binding privcall did not create (sub-12) has the same numbers: adopt it with "
        "--adopt (or privcall import) to manage it",
        "    i expired order-1: expired at 2026-02-01T00:00:00+00:00",
    ]


def test_axe_callback_number_and_axyb_y_are_shown() -> None:
    text = render_text(full_plan(), masker(), color=False)
    assert '      callback_number: "+86137****0001" -> "+86137****0002"' in text.splitlines()
    assert (
        "  -/+ replace +86138****0002~+86139****0002 "
        "(subscription sub-30, x +8675500010001, y +8675500020001)"
    ) in text.splitlines()
    assert "      expires: (none) -> 2026-03-11T09:30:00+00:00" in text.splitlines()


def test_no_changes_says_the_platform_matches() -> None:
    plan = empty_plan()
    assert render_text(plan, masker(), color=False).splitlines() == [
        "No changes. The platform matches the YAML.",
        "Planned at 2026-03-01T09:30:00+00:00",
        "",
        "== couriers · AX · 12 managed binding(s) on the platform",
        "  no changes",
        "",
        "No changes. The platform matches the YAML.",
        f"Checksum: {plan.checksum}",
    ]


def test_no_operations_but_a_conflict_does_not_claim_the_platform_matches() -> None:
    conflict = Note(NoteKind.conflict, "orders", "order-1", "a foreign binding has its numbers")
    plan = Plan((AppPlan("orders", orders().mode, False, 1, (), (conflict,)),), AT)
    first = render_text(plan, masker(), color=False).splitlines()[0]
    assert first == "No changes to apply, but the platform does not match the YAML: 1 conflict."


def test_without_colour_there_are_no_ansi_escapes() -> None:
    assert ANSI.search(render_text(full_plan(), masker(), color=False)) is None


def test_with_colour_kinds_banners_and_warnings_are_styled() -> None:
    text = render_text(full_plan(), masker(), color=True)
    lines = text.splitlines()
    assert (
        lines[0]
        == "\x1b[1mPlan: 2 to bind, 2 to modify, 3 to replace, 1 to unbind, 1 to adopt.\x1b[0m"
    )
    assert f"\x1b[30m\x1b[43m\x1b[1m{SANDBOX_LINE}\x1b[0m" in lines
    assert "  \x1b[32m+ bind\x1b[0m courier-zhang" in lines
    assert ANSI.sub("", re.sub(r"\x1b\[[0-9;]*m", "", text)) == render_text(
        full_plan(), masker(), color=False
    )


def test_the_sandbox_banner_is_only_shown_for_sandbox_apps() -> None:
    plan = Plan((couriers(sandbox=False), orders()), AT)
    assert "SANDBOX" not in render_text(plan, masker(), color=False)
    sandboxed = render_text(empty_plan(sandbox=True), masker(), color=False).splitlines()
    assert sandboxed.count(SANDBOX_LINE) == 1
    assert f"{SANDBOX_LINE} (app(s): couriers)" in sandboxed
