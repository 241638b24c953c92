"""Plan renderers: text (a terminal), markdown (a pull-request comment), JSON (machines).

Each takes a :class:`~reconciler.plan.Plan` and a :class:`~reconciler.masking.Masker` and
returns a string; none prints. Real numbers are masked unless the masker was made with
``unmask=True``; virtual numbers are shown in full; every format says when an app is
planned against the built-in sandbox.
"""

from __future__ import annotations

from typing import Literal

from reconciler.masking import Masker
from reconciler.plan import Plan
from reconciler.render.json_format import FORMAT_VERSION, plan_document, render_json
from reconciler.render.markdown import GITHUB_COMMENT_LIMIT, render_markdown
from reconciler.render.text import render_text

Format = Literal["text", "markdown", "json"]
FORMATS: tuple[Format, ...] = ("text", "markdown", "json")

__all__ = [
    "FORMATS",
    "FORMAT_VERSION",
    "GITHUB_COMMENT_LIMIT",
    "Format",
    "plan_document",
    "render",
    "render_json",
    "render_markdown",
    "render_text",
]


def render(
    plan: Plan,
    masker: Masker,
    format: Format,
    *,
    color: bool = False,
    details_url: str | None = None,
) -> str:
    """Render ``plan`` in ``format`` (``--format``); options a format does not use are ignored."""
    if format == "json":
        return render_json(plan, masker)
    if format == "markdown":
        return render_markdown(plan, masker, details_url=details_url)
    return render_text(plan, masker, color=color)
