"""What every format shares: the dispatcher, the sandbox banner, strings only."""

from __future__ import annotations

import json

import pytest

from reconciler.plan import Plan
from reconciler.render import FORMATS, Format, render, render_json, render_markdown, render_text
from tests.render.plans import AT, couriers, empty_plan, full_plan, masker, orders


@pytest.mark.parametrize("fmt", FORMATS)
def test_render_dispatches_to_the_format(fmt: Format) -> None:
    plan, m = full_plan(), masker()
    expected = {
        "text": render_text(plan, m, color=False),
        "markdown": render_markdown(plan, m),
        "json": render_json(plan, m),
    }
    assert render(plan, m, fmt) == expected[fmt]


def test_every_format_says_when_the_plan_is_against_the_sandbox() -> None:
    plan, m = empty_plan(sandbox=True), masker()
    assert "!! SANDBOX: planned against privcall's built-in sandbox emulator" in render_text(
        plan, m, color=False
    )
    assert "> **SANDBOX**: planned against privcall's built-in sandbox emulator" in (
        render_markdown(plan, m)
    )
    data = json.loads(render_json(plan, m))
    assert data["sandbox"] is True
    assert data["apps"][0]["sandbox"] is True


def test_no_format_mentions_the_sandbox_for_apps_on_the_platform() -> None:
    plan, m = Plan((couriers(sandbox=False), orders()), AT), masker()
    assert "SANDBOX" not in render_text(plan, m, color=False)
    assert "SANDBOX" not in render_markdown(plan, m)
    data = json.loads(render_json(plan, m))
    assert [data["sandbox"], *(a["sandbox"] for a in data["apps"])] == [False, False, False]
