"""Contract tests: the reference's example requests and responses (tests/fixtures/api/)
are parsed and produced by the wire models."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from pydantic import BaseModel

from reconciler.platform import errors
from reconciler.platform.auth import Signer
from reconciler.platform.mapping import ax as ax_mapping
from reconciler.platform.mapping import axb as axb_mapping
from reconciler.platform.mapping import axyb as axyb_mapping
from reconciler.platform.wire import ax, axb, axe, axyb, common

FIXTURES = Path(__file__).parent.parent / "fixtures" / "api"
MODULES = {"ax": ax, "axb": axb, "axe": axe, "axyb": axyb, "common": common}


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


def wire_class(spec: str) -> type[BaseModel]:
    module, _, name = spec.partition(".")
    cls: type[BaseModel] = getattr(MODULES[module], name)
    return cls


RESPONSES = sorted(p.name for p in FIXTURES.glob("*.json") if "response" in load(p.name))


@pytest.mark.parametrize("name", RESPONSES)
def test_example_responses_parse(name: str) -> None:
    fixture = load(name)
    cls = wire_class(fixture.get("response_wire", fixture["wire"]))
    parsed = cls.model_validate(fixture["response"])
    for field, value in fixture.get("expect", {}).items():
        assert getattr(parsed, field) == value


def test_ax_unbind_example_query_string() -> None:
    fixture = load("ax_unbind.json")
    params = ax.UnbindParams.model_validate(fixture["params"])
    request = httpx.Request(fixture["method"], "https://h" + fixture["path"], params=params.wire())
    sent = request.url.query.decode()
    # The same parameters, "+" escaped as %2B (the example's masking stars are escaped too).
    assert sorted(parse_qsl(sent)) == sorted(parse_qsl(fixture["query"]))
    assert "origNum=%2B86138" in sent


def test_axb_modify_example_body_from_privcall_changes() -> None:
    fixture = load("axb_modify.json")
    request = axb_mapping.modify_request(
        fixture["body"]["subscriptionId"], fixture["changes"], datetime(2026, 1, 1, tzinfo=UTC)
    )
    assert request.wire() == fixture["body"]
    assert axb.ModifyRequest.model_validate(fixture["body"]).wire() == fixture["body"]


def test_ax_query_example_maps_to_a_live_binding() -> None:
    fixture = load("ax_query_response.json")
    answer = ax.QueryResponse.model_validate(fixture["response"])
    live = ax_mapping.live(answer.privateNumList[0])
    assert (live.subscription_id, live.user_data) == ("sub-1", "order-1")
    assert live.bound_at == datetime(2017, 12, 20, 14, 55, tzinfo=UTC)
    assert live.fields["record"] is False
    assert live.fields["sms"] is True


def test_axyb_query_example_reads_string_durations() -> None:
    fixture = load("axyb_query_response.json")
    answer = axyb.QueryResponse.model_validate(fixture["response"])
    live = axyb_mapping.live(answer.xyRelationNumList[0])
    assert live.fields["expires"] == datetime(2016, 12, 24, 17, 15, 15, tzinfo=UTC)
    assert live.fields["b_expires"] is None


@pytest.mark.parametrize(
    "name", ["error_invalid_request.json", "error_invalid_digest.json", "error_flow_control.json"]
)
def test_example_errors_classify(name: str) -> None:
    fixture = load(name)
    answer = common.Response.model_validate(fixture["response"])
    error = errors.error_for(
        fixture["status"], answer.resultcode, answer.resultdesc, operation="op", app="app"
    )
    assert type(error).__name__ == fixture["error"]
    if "parameter" in fixture:
        assert isinstance(error, errors.InvalidRequest)
        assert error.parameter == fixture["parameter"]


def test_signed_headers_match_the_documented_format() -> None:
    fixture = load("auth_headers.json")
    created = datetime.strptime(fixture["created"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    signer = Signer(
        fixture["app_key"],
        fixture["app_secret"],
        clock=lambda: created,
        nonce=lambda: fixture["nonce"],
    )
    assert signer.headers() == fixture["headers"]
    assert fixture["app_secret"] not in repr(signer)
