"""The markdown renderer: summary first, a section per app, escaping, the comment limit."""

from __future__ import annotations

import pytest

from reconciler.model import Mode
from reconciler.modes import AXBinding
from reconciler.plan import AppPlan, FieldChange, Kind, Note, NoteKind, Operation, Plan
from reconciler.render import GITHUB_COMMENT_LIMIT, render_markdown
from reconciler.render.markdown import code, escape
from tests.render.plans import (
    A1,
    AT,
    X1,
    big_plan,
    couriers,
    empty_plan,
    full_plan,
    live,
    masker,
    orders,
)

SANDBOX_ALERT = [
    "> [!WARNING]",
    "> **SANDBOX**: planned against privcall's built-in sandbox emulator "
    "(`.privcall/sandbox.db`), not Huawei Cloud. App(s): `couriers`.",
]


def _summary(text: str) -> str:
    return text[: text.index("\n<details>")]


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def test_the_summary_comes_first_with_counts_warnings_refusals_and_conflicts() -> None:
    plan = full_plan()
    lines = _summary(render_markdown(plan, masker())).splitlines()
    assert lines == [
        "## privcall plan",
        "",
        *SANDBOX_ALERT,
        "",
        "**Plan: 2 to bind, 2 to modify, 3 to replace, 1 to unbind, 1 to adopt.**",
        "",
        "> [!CAUTION]",
        "> **3 replace(s): the customer-facing number may change, 1 with a gap (unbind first)**",
        "> - orders · `+86138****0001~+86139****0001`: bound first, no gap",
        "> - orders · `order-7`: **unbound first: a gap**",
        "> - pairs · `+86138****0002~+86139****0002`: bound first, no gap",
        "",
        "> [!CAUTION]",
        "> **Apply is refused until resolved: 1 protected, 1 blocked**",
        "> - **protected** · couriers · `+86138****0001@+8675500010001 [bcdefghijk]` "
        "(subscription sub-9, x +8675500010001): protected, but no longer declared: privcall "
        "refuses to unbind it. Declare it again, or apply protect: false first",
        "> - **blocked** · orders · `order-9`: cannot bind: expires 2027-01-01 is 306 days away",
        "",
        "> [!NOTE]",
        "> **1 conflict(s)**: a binding privcall did not create has the numbers of a declared "
        "one; it is not bound until adopted (`--adopt`)",
        "> - **conflict** · orders · `+86138****0004~+86139****0003` (subscription sub-12, "
        "x +8675500010003): a binding privcall did not create (sub-12) has the same numbers: "
        "adopt it with --adopt (or privcall import) to manage it",
        "",
        "| app | mode | platform | bind | modify | replace | unbind | adopt | notes |",
        "|---|---|---|--:|--:|--:|--:|--:|---|",
        "| couriers | AX | **SANDBOX** | 1 | 1 | 0 | 1 | 1 | 1 protected, 3 foreign |",
        "| orders | AXB | Huawei Cloud | 1 | 0 | 2 | 0 | 0 | 1 blocked, 1 conflict, 1 expired |",
        "| shops | AXE | Huawei Cloud | 0 | 1 | 0 | 0 | 0 | – |",
        "| pairs | AXYB | Huawei Cloud | 0 | 0 | 1 | 0 | 0 | – |",
        "",
        f"Checksum: `{plan.checksum}` · planned at 2026-03-01T09:30:00+00:00",
    ]


def test_one_collapsible_section_per_app_with_every_kind_and_note() -> None:
    text = render_markdown(full_plan(), masker())
    assert text.count("<details>") == text.count("</details>") == 4
    section = text[text.index("<details>") : text.index("</details>") + len("</details>")]
    assert section.splitlines() == [
        "<details>",
        "<summary><b>couriers</b> · AX · <b>SANDBOX</b> · 1 to bind, 1 to modify, 0 to replace, "
        "1 to unbind, 1 to adopt · 2 note(s)</summary>",
        "",
        "> [!WARNING]",
        "> **SANDBOX: planned against privcall's built-in sandbox emulator "
        "(.privcall/sandbox.db), not Huawei Cloud**",
        "",
        "| | key | what | changes |",
        "|---|---|---|---|",
        "| `-` unbind | `+86138****0004@+8675500010004 [abcdefghij]` | no longer declared<br>"
        'subscription sub-4, x +8675500010004 | `a: "+86138****0004"` |',
        "| `~` modify | `courier-li` | changed on the platform, out of band: a<br>subscription "
        'sub-2, x +8675500010002 | `a: "+86138****0003" -> "+86138****0002" (changed on the '
        "platform, out of band)`<br>`record: false -> true`<br>`record_hint_tone: (not "
        'reported) -> "r.wav"`<br>`call_direction: both -> a_only` |',
        "| `<=` adopt | `+86138****0003@0755` | taken over on request: privcall writes its "
        'marker<br>subscription sub-3, x +8675500010003 | `user_data: "old +86136****0001" -> '
        '"ref+86136****0001"` |',
        "| `+` bind | `courier-zhang` | declared, not on the platform | "
        '`a: "+86138****0001"`<br>`area_code: "0755"`<br>`sms: false` |',
        "",
        "**Notes**",
        "",
        "- **protected** · `+86138****0001@+8675500010001 [bcdefghijk]` (subscription sub-9, "
        "x +8675500010001): protected, but no longer declared: privcall refuses to unbind it. "
        "Declare it again, or apply protect: false first",
        "- **foreign (3)**: 3 binding(s) privcall did not create: left alone (ownership: marked)",
        "",
        "</details>",
    ]


def test_a_replace_row_warns_that_the_number_may_change() -> None:
    text = render_markdown(full_plan(), masker())
    assert (
        "| `-/+` replace | `order-7` | **⚠️ REPLACE: the customer-facing number may change; "
        "the old binding is unbound first: calls fail (a gap) until the new one is bound**<br>"
        "its area changes from 0755 to 0756<br>subscription sub-11, x +8675500010002 | "
        '`b: "+86139****0003" -> "+86139****0002"` |'
    ) in text.splitlines()


def test_no_changes() -> None:
    text = render_markdown(empty_plan(), masker())
    assert "**No changes. The platform matches the YAML.**" in text.splitlines()
    assert "SANDBOX" not in text
    assert "[!IMPORTANT]" not in text


def test_pipes_html_and_markdown_in_plan_text_are_escaped() -> None:
    key = "odd|key`with<b>"
    op = Operation(
        Kind.modify,
        "shop|s",
        Mode.AX,
        key,
        "reason with | pipe, <script>alert(1)</script> and *stars* [link](x)",
        desired=AXBinding(a=A1, x=X1, user_data="a|b`c"),
        live=live(Mode.AX, "sub-1", X1, A1),
        changes=(FieldChange("user_data", "x<y>", "a|b`c"),),
    )
    note = Note(NoteKind.expired, "shop|s", "k", "gone <soon> | later")
    plan = Plan((AppPlan("shop|s<i>", Mode.AX, False, 1, (op,), (note,)),), AT)
    text = render_markdown(plan, masker())
    assert (
        "| `~` modify | ``odd\\|key`with<b>`` | reason with \\| pipe, &lt;script&gt;alert(1)"
        "&lt;/script&gt; and \\*stars\\* \\[link\\](x)<br>subscription sub-1, x +8675500010001 "
        '| ``user_data: "x<y>" -> "a\\|b`c"`` |'
    ) in text.splitlines()
    assert "- **expired** · `k`: gone &lt;soon&gt; \\| later" in text.splitlines()
    assert "<summary><b>shop|s&lt;i&gt;</b> · AX · " in text
    assert "<script>" not in text


def test_code_spans_survive_backticks_and_pipes() -> None:
    assert code("plain") == "`plain`"
    assert code("a`b") == "``a`b``"
    assert code("`edge`") == "`` `edge` ``"
    assert code("a|b", table=True) == "`a\\|b`"
    assert code("a|b") == "`a|b`"
    assert code("") == "(empty)"


def test_escape_covers_html_and_markdown() -> None:
    assert escape("<a> & *b* _c_ [d] |e| `f` ~g~ #1 $x$ @you") == (
        "&lt;a&gt; &amp; \\*b\\* \\_c\\_ \\[d\\] \\|e\\| \\`f\\` \\~g\\~ \\#1 \\$x\\$ \\@you"
    )


def test_thousands_of_operations_stay_under_the_limit_with_the_summary_intact() -> None:
    plan = big_plan(5000)
    whole = render_markdown(plan, masker(), limit=10**9)
    assert _size(whole) > GITHUB_COMMENT_LIMIT
    text = render_markdown(plan, masker(), details_url="https://ci.example/run/1#summary")
    assert _size(text) <= GITHUB_COMMENT_LIMIT
    assert text.startswith(_summary(whole))
    notice = text[len(_summary(whole)) :].split("\n<details>")[0]
    shown = sum(1 for line in text.splitlines() if line.startswith("| `"))
    assert notice.strip().splitlines() == [
        "> [!IMPORTANT]",
        "> **Details truncated** to stay under the 65,536-character comment limit: showing "
        f"{shown:,} of 5,003 operation(s) and 3 of 4 note(s). The full plan: "
        "[https://ci.example/run/1\\#summary](<https://ci.example/run/1#summary>).",
    ]
    assert text.count("<details>") == text.count("</details>") == 2
    assert "_… 4," in text and "more operation(s) and 1 more note(s) of this app" in text


def test_every_app_keeps_a_share_when_one_app_is_huge() -> None:
    text = render_markdown(big_plan(5000), masker())
    orders_section = text[text.index("<summary><b>orders</b>") :]
    assert "| `-/+` replace | `order-7` |" in orders_section
    assert "- **blocked** · `order-9`" in orders_section
    assert "Run `privcall plan` for the full plan." in text


def test_a_small_limit_cuts_rows_not_the_summary() -> None:
    plan = full_plan()
    whole = render_markdown(plan, masker())
    text = render_markdown(plan, masker(), limit=5_000)
    assert _size(text) <= 5_000
    assert text.startswith(_summary(whole))
    assert "**Details truncated** to stay under the 5,000-character comment limit" in text
    assert text.count("<details>") == text.count("</details>")


def test_rows_are_whole_when_cut() -> None:
    text = render_markdown(big_plan(2000), masker())
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert rows
    assert all(row.endswith(" |") and row.count(" | ") >= 3 for row in rows)


def test_the_sandbox_banner_is_in_the_summary_and_the_app_section() -> None:
    text = render_markdown(empty_plan(sandbox=True), masker())
    assert text.splitlines()[2:4] == SANDBOX_ALERT
    assert "<summary><b>couriers</b> · AX · <b>SANDBOX</b> · " in text
    assert "| couriers | AX | **SANDBOX** | 0 | 0 | 0 | 0 | 0 | – |" in text.splitlines()
    plain = render_markdown(Plan((couriers(sandbox=False), orders()), AT), masker())
    assert "SANDBOX" not in plain


@pytest.mark.parametrize("limit", [1_000, 40])
def test_a_limit_smaller_than_the_summary_is_still_kept(limit: int) -> None:
    text = render_markdown(full_plan(), masker(), limit=limit)
    assert _size(text) <= limit
    assert text.startswith("## privcall plan")
    if limit == 1_000:
        assert text.endswith("> **Cut at the comment limit**: run `privcall plan`.\n")
