"""The JSON Schemas accept the examples and refuse what the loader refuses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml_rs

from reconciler.model import Mode
from reconciler.schema import bindings_schema, config_schema

EXAMPLES = Path(__file__).parents[1] / "examples"


def _load(path: Path) -> Any:
    return yaml_rs.loads(path.read_text(encoding="utf-8"), parse_datetime=False)


@pytest.mark.parametrize(
    "path", sorted((EXAMPLES / "bindings").glob("*.yaml")), ids=lambda p: p.name
)
def test_every_example_bindings_file_matches_the_schema(path: Path) -> None:
    jsonschema.validate(_load(path), bindings_schema())


def test_example_config_matches_the_schema() -> None:
    jsonschema.validate(_load(EXAMPLES / "privcall.yaml"), config_schema())


def test_schema_picks_the_model_from_the_files_mode() -> None:
    ax_file_with_b = {
        "app": "couriers",
        "mode": "AX",
        "bindings": [{"a": "+8613800000001", "b": "+8613800000002", "area_code": "0755"}],
    }
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(ax_file_with_b, bindings_schema())
    ax_file_with_b["mode"] = "AXB"
    jsonschema.validate(ax_file_with_b, bindings_schema())


def test_schema_refuses_unknown_keys_and_literal_secrets() -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(
            {"app": "x", "bindings": [{"a": "+8613800000001", "area_code": "0755", "recrod": 1}]},
            bindings_schema(Mode.AX),
        )
    config = {
        "apps": {
            "o": {
                "mode": "AXB",
                "credentials": {"key_env": "K", "secret_env": "S", "secret": "x"},
                "numbers": [{"number": "+8675500020001", "area_code": "0755"}],
            }
        }
    }
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(config, config_schema())
