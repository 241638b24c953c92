"""The golden masking test: no renderer output contains an unmasked real number, unless
the masker was made with ``unmask=True``; virtual numbers are always shown in full."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from reconciler.masking import Masker
from reconciler.model import Mode
from reconciler.modes import AXBinding
from reconciler.plan import AppPlan, FieldChange, Kind, Note, NoteKind, Operation, Plan
from reconciler.render import render_json, render_markdown, render_text
from reconciler.render.common import mask_text
from tests.render.plans import A1, A2, AT, REAL, VIRTUAL, X1, big_plan, full_plan, live, masker

Renderer = Callable[[Plan, Masker], str]

RENDERERS: dict[str, Renderer] = {
    "text": lambda plan, m: render_text(plan, m, color=False),
    "text-colour": lambda plan, m: render_text(plan, m, color=True),
    "markdown": render_markdown,
    "markdown-cut": lambda plan, m: render_markdown(plan, m, limit=4_000),
    "json": render_json,
}

# A Chinese number with or without "+", not inside a longer run of digits.
CHINESE_NUMBER = re.compile(r"(?<!\d)\+?86\d{11}(?!\d)")
VIRTUAL_DIGITS = {v.lstrip("+") for v in VIRTUAL}


def glued_plan() -> Plan:
    """Real numbers where they are easy to miss: glued to letters in keys and user_data,
    without their "+" in a message, in a note's key."""
    op = Operation(
        Kind.modify,
        "couriers",
        Mode.AX,
        f"courier{A1}",
        f"changed in the YAML for {A2[1:]}",
        desired=AXBinding(a=A1, x=X1, user_data=f"ref{A2}"),
        live=live(Mode.AX, "sub-1", X1, A1),
        changes=(FieldChange("user_data", f"id={A2[1:]}", f"ref{A2}"),),
    )
    note = Note(NoteKind.expired, "couriers", f"k_{A2}", f"number {A1} expired")
    return Plan((AppPlan("couriers", Mode.AX, True, 1, (op,), (note,)),), AT)


PLANS: dict[str, Callable[[], Plan]] = {
    "full": full_plan,
    "glued": glued_plan,
    "big": lambda: big_plan(300),
}


def unmasked(text: str) -> list[str]:
    """Every real number shown in full in ``text``."""
    found = [n for n in CHINESE_NUMBER.findall(text) if n.lstrip("+") not in VIRTUAL_DIGITS]
    found += [n for n in REAL if n in text or n[1:] in text]
    return found


@pytest.mark.parametrize("plan_name", list(PLANS))
@pytest.mark.parametrize("renderer_name", list(RENDERERS))
def test_no_output_shows_a_real_number(renderer_name: str, plan_name: str) -> None:
    text = RENDERERS[renderer_name](PLANS[plan_name](), masker())
    assert unmasked(text) == []
    assert "****" in text


@pytest.mark.parametrize("renderer_name", list(RENDERERS))
def test_virtual_numbers_are_shown_in_full(renderer_name: str) -> None:
    text = RENDERERS[renderer_name](full_plan(), masker())
    assert X1 in text


@pytest.mark.parametrize("renderer_name", list(RENDERERS))
def test_unmask_shows_real_numbers(renderer_name: str) -> None:
    text = RENDERERS[renderer_name](glued_plan(), masker(unmask=True))
    assert A1 in text
    assert A1 in unmasked(text)
    assert "****" not in text


def test_mask_text_masks_numbers_glued_to_letters_and_keeps_virtual_ones() -> None:
    m = masker()
    assert mask_text(m, f"courier{A1}~{A2[1:]}@{X1}") == (
        f"courier+86138****0001~86138****0002@{X1}"
    )
    assert mask_text(m, "sub-12 order-00001 [abcdefghij] 0755") == (
        "sub-12 order-00001 [abcdefghij] 0755"
    )
    assert mask_text(masker(unmask=True), f"courier{A1}") == f"courier{A1}"
