"""JSON Schema of privcall.yaml and of binding files, for editors.

A binding file's schema picks the binding model from the file's ``mode:`` key when it has
one, and otherwise accepts a binding of any mode. Editors use it through a
``# yaml-language-server: $schema=...`` first line.
"""

from __future__ import annotations

from typing import Any

from pydantic.json_schema import models_json_schema

from reconciler.config import Config
from reconciler.model import Mode
from reconciler.modes import MODELS

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def config_schema() -> dict[str, Any]:
    """JSON Schema of ``privcall.yaml``."""
    schema = Config.model_json_schema()
    return {"$schema": DIALECT, "title": "privcall.yaml", **schema}


def bindings_schema(mode: Mode | None = None) -> dict[str, Any]:
    """JSON Schema of a binding file; of one mode's files when ``mode`` is given."""
    _, top = models_json_schema(
        [(model, "validation") for model in MODELS.values()], ref_template="#/$defs/{model}"
    )
    defs = top["$defs"]
    refs = {m: {"$ref": f"#/$defs/{MODELS[m].__name__}"} for m in MODELS}
    items: dict[str, Any] = refs[mode] if mode is not None else {"anyOf": list(refs.values())}
    schema: dict[str, Any] = {
        "$schema": DIALECT,
        "title": f"privcall bindings file{f' ({mode.value})' if mode else ''}",
        "type": "object",
        "additionalProperties": False,
        "required": ["app", "bindings"],
        "properties": {
            "app": {"type": "string", "description": "The app of privcall.yaml"},
            "mode": {
                "enum": [m.value for m in (MODELS if mode is None else [mode])],
                "description": "Optional; must be the app's mode",
            },
            "bindings": {"type": "array", "items": items},
        },
        "$defs": defs,
    }
    if mode is None:
        schema["allOf"] = [
            {
                "if": {"properties": {"mode": {"const": m.value}}, "required": ["mode"]},
                "then": {"properties": {"bindings": {"items": refs[m]}}},
            }
            for m in MODELS
        ]
    return schema
