"""AXB rules: uniqueness on an X, pairs per X, ownership, paging, validation."""

from __future__ import annotations

import pytest

from reconciler.emulator import Emulator
from tests.emulator.conftest import (
    AXB_PATH,
    START,
    ApiFactory,
    a_number,
    client_for,
    expect,
    make_config,
    ok,
)

X1, X2 = "+8675500020001", "+8675500020002"


def pair(a: int, b: int, **extra: object) -> dict[str, object]:
    return {"callerNum": a_number(a), "calleeNum": a_number(b), **extra}


def test_no_real_number_twice_on_one_x(api: ApiFactory) -> None:
    axb = api("app-axb")
    ok(axb.post(AXB_PATH, pair(1, 2, relationNum=X1)))
    text = "The relation number has been bound."
    expect(axb.post(AXB_PATH, pair(2, 3, relationNum=X1)), 403, "1012010", text)
    expect(axb.post(AXB_PATH, pair(1, 3, relationNum=X1)), 403, "1012010", text)
    ok(axb.post(AXB_PATH, pair(3, 4, relationNum=X1)))
    ok(axb.post(AXB_PATH, pair(1, 5, relationNum=X2)))


def test_allocation_skips_an_x_where_a_number_is_taken(api: ApiFactory) -> None:
    axb = api("app-axb")
    first = ok(axb.post(AXB_PATH, pair(1, 2, areaCode="0755")))
    second = ok(axb.post(AXB_PATH, pair(1, 3, areaCode="0755")))
    assert (first["relationNum"], second["relationNum"]) == (X1, X2)


def test_pairs_per_x_limit_is_1012009() -> None:
    with Emulator(make_config(axb_max_pairs_per_x=2), now=START) as emu:
        axb = client_for(emu, "app-axb")
        ok(axb.post(AXB_PATH, pair(1, 2, relationNum=X1)))
        ok(axb.post(AXB_PATH, pair(3, 4, relationNum=X1)))
        full = axb.post(AXB_PATH, pair(5, 6, relationNum=X1))
        expect(full, 403, "1012009", "Maximum number of resources has been exceeded")


def test_default_pair_limit_is_the_platforms() -> None:
    assert make_config().axb_max_pairs_per_x == 5000


def test_area_allocation_strict_and_loose(api: ApiFactory) -> None:
    axb = api("app-axb")
    ok(axb.post(AXB_PATH, pair(1, 2, areaCode="010")))
    strict = axb.post(AXB_PATH, pair(1, 3, areaCode="010"))
    expect(strict, 403, "1012008", "Insufficient number of resources")
    none_there = axb.post(AXB_PATH, pair(5, 6, areaCode="020"))
    expect(none_there, 403, "1012008", "Insufficient number of resources")
    loose = ok(axb.post(AXB_PATH, pair(1, 3, areaCode="010", areaMatchMode="1")))
    assert loose["relationNum"] == X1
    anywhere = ok(axb.post(AXB_PATH, pair(7, 8)))
    assert anywhere["relationNum"] == "+861000020001"  # lowest usable number of the pool


def test_unknown_and_foreign_x(api: ApiFactory) -> None:
    axb = api("app-axb")
    foreign, unknown = "+8675500010001", "+8675599999999"
    not_owned = "Resource of number is not to be applied."
    expect(axb.post(AXB_PATH, pair(1, 2, relationNum=foreign)), 403, "1012001", not_owned)
    expect(axb.delete(AXB_PATH, relationNum=foreign), 403, "1012001", not_owned)
    expect(axb.get(AXB_PATH, relationNum=foreign), 403, "1012001", not_owned)
    missing = "The record does not exist."
    expect(axb.post(AXB_PATH, pair(1, 2, relationNum=unknown)), 403, "1012007", missing)
    expect(axb.delete(AXB_PATH, relationNum=unknown), 403, "1012007", missing)
    expect(axb.get(AXB_PATH, relationNum=unknown), 403, "1012007", missing)


def test_unknown_subscription_and_empty_x(api: ApiFactory) -> None:
    axb = api("app-axb")
    missing = "The record does not exist."
    expect(axb.get(AXB_PATH, subscriptionId="nope"), 403, "1016001", missing)
    expect(axb.delete(AXB_PATH, subscriptionId="nope"), 403, "1016001", missing)
    expect(axb.put(AXB_PATH, {"subscriptionId": "nope"}), 403, "1016001", missing)
    expect(axb.delete(AXB_PATH, relationNum=X1), 403, "1016001", missing)
    expect(axb.get(AXB_PATH, relationNum=X1, callerNum=a_number(1)), 403, "1016001", missing)


def test_unbind_by_relation_number_removes_every_pair(api: ApiFactory, emu: Emulator) -> None:
    axb = api("app-axb")
    ok(axb.post(AXB_PATH, pair(1, 2, relationNum=X1)))
    ok(axb.post(AXB_PATH, pair(3, 4, relationNum=X1)))
    kept = ok(axb.post(AXB_PATH, pair(5, 6, relationNum=X2)))
    ok(axb.delete(AXB_PATH, relationNum=X1))
    assert [b["subscriptionId"] for b in emu.bindings()] == [kept["subscriptionId"]]


def test_modify_cannot_bring_a_number_twice_onto_x(api: ApiFactory) -> None:
    axb = api("app-axb")
    first = ok(axb.post(AXB_PATH, pair(1, 2, relationNum=X1)))
    ok(axb.post(AXB_PATH, pair(3, 4, relationNum=X1)))
    clash = axb.put(AXB_PATH, {"subscriptionId": first["subscriptionId"], "calleeNum": a_number(3)})
    expect(clash, 403, "1012010", "The number $ has been bound.")
    swap = {
        "subscriptionId": first["subscriptionId"],
        "callerNum": a_number(2),
        "calleeNum": a_number(1),
    }
    ok(axb.put(AXB_PATH, swap))
    same = axb.put(AXB_PATH, {"subscriptionId": first["subscriptionId"], "callerNum": a_number(1)})
    expect(same, 403, "1010002", "Invalid request.calleeNum must differ from callerNum.")


def test_paging_and_page_size_default(api: ApiFactory) -> None:
    axb = api("app-axb")
    ids = [
        ok(axb.post(AXB_PATH, pair(2 * i, 2 * i + 1, relationNum=X1)))["subscriptionId"]
        for i in range(1, 13)
    ]
    page2 = ok(axb.get(AXB_PATH, relationNum=X1, pageIndex=2, pageSize=10))
    assert (page2["totalCount"], page2["pageIndex"], page2["pageSize"]) == (12, 2, 10)
    assert [e["subscriptionId"] for e in page2["relationNumList"]] == ids[10:]
    small = ok(axb.get(AXB_PATH, relationNum=X1, pageSize=5))
    assert (small["pageSize"], len(small["relationNumList"])) == (50, 12)
    bad = axb.get(AXB_PATH, relationNum=X1, pageIndex=0)
    expect(
        bad, 403, "1010002", "Invalid request.pageIndex must be an integer from 1 to 1000000000."
    )
    filtered = ok(axb.get(AXB_PATH, relationNum=X1, calleeNum=a_number(5)))
    assert [e["subscriptionId"] for e in filtered["relationNumList"]] == [ids[1]]


def test_recording_needs_the_app_feature(api: ApiFactory) -> None:
    norec = api("app-norec")
    refused = norec.post(AXB_PATH, pair(1, 2, recordFlag=True))
    expect(refused, 403, "1012012", "Application does not open recording function.")
    ok(norec.post(AXB_PATH, pair(1, 2, recordFlag="false")))


INVALID = [
    (pair(1, 2, duration=7776001), "duration must be an integer from 0 to 7776000."),
    (pair(1, 2, duration="abc"), "duration must be an integer from 0 to 7776000."),
    (pair(1, 2, callDirection=True), "callDirection must be an integer from 0 to 2."),
    (pair(1, 2, recordFlag="yes"), "recordFlag must be true or false."),
    (pair(1, 2, areaMatchMode="2", areaCode="0755"), "areaMatchMode must be one of 0, 1."),
    (pair(1, 2, userData="a{b}"), "userData must not contain { or }."),
    (pair(1, 2, userData="订单"), "userData must contain only ASCII characters."),
    (pair(1, 2, userData="u" * 257), "userData must be 1-256 characters long."),
    (pair(1, 2, userData=""), "userData must be 1-256 characters long."),
    (pair(1, 1), "calleeNum must differ from callerNum."),
    ({"calleeNum": a_number(1)}, "callerNum is mandatory."),
    (pair(1, 2, relationNum="+86"), "relationNum must be 4-31 characters long."),
    (
        pair(1, 2, preVoice="x.wav"),
        "preVoice must be an object with callerHintTone and calleeHintTone.",
    ),
]


@pytest.mark.parametrize(("body", "detail"), INVALID)
def test_invalid_bind_parameters(api: ApiFactory, body: dict[str, object], detail: str) -> None:
    expect(api("app-axb").post(AXB_PATH, body), 403, "1010002", "Invalid request." + detail)


def test_unescaped_plus_in_a_url_is_not_a_number(emu: Emulator, api: ApiFactory) -> None:
    axb = api("app-axb")
    raw = axb.client.get(AXB_PATH + "?relationNum=+8675500020001")
    detail = "relationNum must be a number in global format, e.g. +8613800000001."
    expect(raw, 403, "1010002", "Invalid request." + detail)
    ok(axb.client.get(AXB_PATH + "?relationNum=%2B8675500020001"))


def test_body_must_be_json(api: ApiFactory) -> None:
    axb = api("app-axb")
    bad = axb.client.post(AXB_PATH, content=b"callerNum=1")
    expect(bad, 403, "1010002", "Invalid request.body is not valid JSON.")
    not_object = axb.client.post(AXB_PATH, content=b"[1]")
    expect(not_object, 403, "1010002", "Invalid request.body must be a JSON object.")


def test_booleans_as_json_or_strings_reported_as_strings(api: ApiFactory) -> None:
    axb = api("app-axb")
    bound = ok(
        axb.post(AXB_PATH, pair(1, 2, recordFlag=True, privateSms="false", recordHintTone="r.wav"))
    )
    assert (bound["recordFlag"], bound["privateSms"], bound["recordHintTone"]) == (
        "true",
        "false",
        "r.wav",
    )
