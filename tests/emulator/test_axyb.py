"""AXYB rules: the two steps, X exclusivity, Y sharing, durations, YB-only unbind."""

from __future__ import annotations

from reconciler.emulator import Emulator
from tests.emulator.conftest import (
    AXYB_PATH,
    START,
    ApiFactory,
    a_number,
    client_for,
    expect,
    make_config,
    ok,
)
from tests.emulator.signer import Api

KEY = {"app_key": "app-axyb"}


def ax_step(api: Api, a: int, **extra: object) -> dict[str, str]:
    body = {"origNum": a_number(a), "areaCode": "0755", **extra}
    return ok(api.post(AXYB_PATH, body, **KEY))  # type: ignore[no-any-return]


def yb_step(api: Api, sub_id: str, b: int, **extra: object) -> dict[str, str]:
    body = {"origNum": a_number(b), "subscriptionId": sub_id, **extra}
    return ok(api.post(AXYB_PATH, body, **KEY))  # type: ignore[no-any-return]


def test_x_is_exclusive_and_runs_out(api: ApiFactory) -> None:
    axyb = api("app-axyb")
    xs = [ax_step(axyb, i)["relationNumber"] for i in range(1, 4)]
    assert xs == ["+8675500040001", "+8675500040002", "+8675500040003"]
    none_left = axyb.post(AXYB_PATH, {"origNum": a_number(9), "areaCode": "0755"}, **KEY)
    expect(none_left, 403, "1012008", "Insufficient number of resources")
    loose = axyb.post(
        AXYB_PATH, {"origNum": a_number(9), "areaCode": "0755", "areaMatchMode": "1"}, **KEY
    )
    assert ok(loose)["relationNumber"] == "+861000040001"


def test_a_holds_at_most_the_configured_x() -> None:
    with Emulator(make_config(ax_max_x_per_a=2), now=START) as emu:
        axyb = client_for(emu, "app-axyb")
        ax_step(axyb, 1)
        ax_step(axyb, 1)
        third = axyb.post(AXYB_PATH, {"origNum": a_number(1), "areaCode": "0755"}, **KEY)
        expect(
            third, 403, "1011003", "Exceeded the upper limit of resources that can be applied for."
        )


def test_y_is_shared_by_different_b_only(api: ApiFactory) -> None:
    axyb = api("app-axyb")
    first, second, third = (ax_step(axyb, i)["subscriptionId"] for i in (1, 2, 3))
    assert yb_step(axyb, first, 10)["relationNumber"] == "+8675500050001"
    assert yb_step(axyb, second, 11)["relationNumber"] == "+8675500050001"
    assert yb_step(axyb, third, 10)["relationNumber"] == "+8675500050002"
    again = axyb.post(AXYB_PATH, {"origNum": a_number(12), "subscriptionId": first}, **KEY)
    expect(again, 403, "1016002", "The record already exists.")


def test_y_relation_limit() -> None:
    with Emulator(make_config(axyb_max_relations_per_y=1), now=START) as emu:
        axyb = client_for(emu, "app-axyb")
        subs = [ax_step(axyb, i)["subscriptionId"] for i in (1, 2, 3)]
        yb_step(axyb, subs[0], 10)
        yb_step(axyb, subs[1], 11)
        full = axyb.post(AXYB_PATH, {"origNum": a_number(12), "subscriptionId": subs[2]}, **KEY)
        expect(full, 403, "1012008", "Insufficient number of resources")


def test_durations(api: ApiFactory, emu: Emulator) -> None:
    axyb = api("app-axyb")
    short = axyb.post(
        AXYB_PATH, {"origNum": a_number(1), "areaCode": "0755", "duration": 59}, **KEY
    )
    expect(short, 403, "1010002", "Invalid request.duration must be 0 or from 60 to 7776000.")
    sub_id = ax_step(axyb, 1, duration=600)["subscriptionId"]
    yb_step(axyb, sub_id, 2, ybDuration="900")
    element = ok(axyb.get(AXYB_PATH, subscriptionId=sub_id, **KEY))["xyRelationNumList"][0]
    assert (element["duration"], element["ybDuration"]) == ("600", "600")

    default = ax_step(axyb, 3)["subscriptionId"]
    listed = ok(axyb.get(AXYB_PATH, subscriptionId=default, **KEY))["xyRelationNumList"]
    assert listed[0]["duration"] == "7200"


def test_yb_expiry_keeps_ax_and_ax_expiry_removes_both(api: ApiFactory, emu: Emulator) -> None:
    axyb = api("app-axyb")
    sub_id = ax_step(axyb, 1, duration=300)["subscriptionId"]
    yb_step(axyb, sub_id, 2, ybDuration=120)
    emu.clock.advance(120)
    element = ok(axyb.get(AXYB_PATH, subscriptionId=sub_id, **KEY))["xyRelationNumList"][0]
    assert ("numY" in element, "numB" in element) == (False, False)
    emu.clock.advance(180)
    expect(
        axyb.get(AXYB_PATH, subscriptionId=sub_id, **KEY),
        403,
        "1016001",
        "The record does not exist.",
    )


def test_unbind_variants(api: ApiFactory, emu: Emulator) -> None:
    axyb = api("app-axyb")
    sub_id = ax_step(axyb, 1)["subscriptionId"]
    y = yb_step(axyb, sub_id, 2)["relationNumber"]
    missing = "The record does not exist."
    expect(
        axyb.delete(AXYB_PATH, subscriptionId=sub_id, yNum="+8675500050002", **KEY),
        403,
        "1016001",
        missing,
    )
    expect(
        axyb.delete(AXYB_PATH, subscriptionId=sub_id, bNum=a_number(3), **KEY),
        403,
        "1016001",
        missing,
    )
    ok(axyb.delete(AXYB_PATH, subscriptionId=sub_id, yNum=y, **KEY))
    assert emu.bindings()[0].get("numY") is None
    expect(axyb.delete(AXYB_PATH, subscriptionId=sub_id, yNum=y, **KEY), 403, "1016001", missing)
    ok(axyb.delete(AXYB_PATH, subscriptionId=sub_id, **KEY))
    assert emu.bindings() == []
    expect(axyb.delete(AXYB_PATH, subscriptionId="nope", **KEY), 403, "1016001", missing)
    expect(axyb.get(AXYB_PATH, relationNum="+8675500040001", **KEY), 403, "1016001", missing)


def test_step_parameter_rules(api: ApiFactory) -> None:
    axyb = api("app-axyb")
    no_area = axyb.post(AXYB_PATH, {"origNum": a_number(1)}, **KEY)
    expect(no_area, 403, "1010002", "Invalid request.areaCode is mandatory.")
    sub_id = ax_step(axyb, 1)["subscriptionId"]
    self_b = axyb.post(AXYB_PATH, {"origNum": a_number(1), "subscriptionId": sub_id}, **KEY)
    expect(
        self_b,
        403,
        "1010002",
        "Invalid request.origNum must differ from the A number of the subscription.",
    )
    unknown = axyb.post(AXYB_PATH, {"origNum": a_number(2), "subscriptionId": "nope"}, **KEY)
    expect(unknown, 403, "1016001", "The record does not exist.")
