"""AX rules: one A per X, five X per A, ownership, allocation, temp callee."""

from __future__ import annotations

from reconciler.emulator import Emulator
from tests.emulator.conftest import AX_CALLEE_PATH, AX_PATH, ApiFactory, a_number, expect, ok

AREA = {"areaCode": "0755", "privateNumType": "mobile-virtual"}


def test_allocation_by_area_strict_then_loose(api: ApiFactory) -> None:
    ax = api("app-ax")
    first = ok(ax.post(AX_PATH, {"origNum": a_number(1), "areaCode": "010", **_type()}))
    second = ok(ax.post(AX_PATH, {"origNum": a_number(2), "areaCode": "010", **_type()}))
    assert (first["privateNum"], second["privateNum"]) == ("+861000010001", "+861000010002")
    strict = ax.post(AX_PATH, {"origNum": a_number(3), "areaCode": "010", **_type()})
    expect(strict, 403, "1011002", "Insufficient number resources.")
    loose = ok(
        ax.post(
            AX_PATH, {"origNum": a_number(3), "areaCode": "010", "areaMatchMode": "1", **_type()}
        )
    )
    assert loose["privateNum"] == "+8675500010001"


def _type() -> dict[str, str]:
    return {"privateNumType": "mobile-virtual"}


def test_five_x_per_a_then_1011003(api: ApiFactory) -> None:
    ax = api("app-ax")
    for _ in range(5):
        ok(ax.post(AX_PATH, {"origNum": a_number(1), **AREA}))
    sixth = ax.post(AX_PATH, {"origNum": a_number(1), **AREA})
    expect(sixth, 403, "1011003", "Exceeded the upper limit of resources that can be applied for.")
    pinned = ax.post(AX_PATH, {"origNum": a_number(1), "privateNum": "+8675500010006"})
    expect(pinned, 403, "1011003", "Exceeded the upper limit of resources that can be applied for.")
    assert len(ok(ax.get(AX_PATH, origNum=a_number(1)))["privateNumList"]) == 5


def test_one_a_per_x(api: ApiFactory) -> None:
    ax = api("app-ax")
    ok(ax.post(AX_PATH, {"origNum": a_number(1), "privateNum": "+8675500010001"}))
    again = ax.post(AX_PATH, {"origNum": a_number(1), "privateNum": "+8675500010001"})
    expect(again, 403, "1016002", "The record already exists.")
    other = ax.post(AX_PATH, {"origNum": a_number(2), "privateNum": "+8675500010001"})
    expect(other, 403, "1011005", "Resources have been allocated.")


def test_x_of_another_app(api: ApiFactory) -> None:
    ax = api("app-ax")
    foreign = "+8675500020001"
    bind = ax.post(AX_PATH, {"origNum": a_number(1), "privateNum": foreign})
    expect(bind, 403, "1011001", "Account does not exist.")
    text = "The number is not applied for binding application."
    expect(ax.delete(AX_PATH, privateNum=foreign), 403, "1011004", text)
    expect(ax.get(AX_PATH, privateNum=foreign), 403, "1011004", text)
    expect(ax.put(AX_PATH, {"privateNum": foreign, "maxDuration": 1}), 403, "1011004", text)


def test_unknown_binding_is_1016001(api: ApiFactory) -> None:
    ax = api("app-ax")
    text = "The record does not exist."
    expect(ax.get(AX_PATH, subscriptionId="nope"), 403, "1016001", text)
    expect(ax.get(AX_PATH, origNum=a_number(1)), 403, "1016001", text)
    expect(ax.get(AX_PATH, privateNum="+8675500010001"), 403, "1016001", text)
    expect(ax.delete(AX_PATH, subscriptionId="nope"), 403, "1016001", text)
    expect(ax.put(AX_PATH, {"subscriptionId": "nope", "maxDuration": 1}), 403, "1016001", text)


def test_bind_parameter_rules(api: ApiFactory) -> None:
    ax = api("app-ax")
    a = a_number(1)
    cases = [
        ({"areaCode": "0755"}, "privateNumType is mandatory with areaCode (mobile-virtual)."),
        ({}, "privateNum or areaCode is mandatory."),
        ({**AREA, "maxDuration": 1441}, "maxDuration must be an integer from 0 to 1440."),
        (
            {**AREA, "lastMinVoice": "last.wav"},
            "lastMinVoice is only valid when maxDuration is not 0.",
        ),
        ({**AREA, "turnFlag": "maybe"}, "turnFlag must be one of on, off."),
        ({**AREA, "callDirection": 3}, "callDirection must be an integer from 0 to 2."),
        (
            {**AREA, "recordHintTone": "unknown.wav"},
            "recordHintTone unknown.wav is not an approved voice file of this app.",
        ),
        (
            {**AREA, "preVoice": {"callerHintTone": "nope.wav"}},
            "preVoice.callerHintTone nope.wav is not an approved voice file of this app.",
        ),
        (
            {"privateNum": "8675500010001"},
            "privateNum must be a number in global format, e.g. +8613800000001.",
        ),
    ]
    for extra, detail in cases:
        expect(
            ax.post(AX_PATH, {"origNum": a, **extra}), 403, "1010002", "Invalid request." + detail
        )
    expect(ax.post(AX_PATH, {**AREA}), 403, "1010002", "Invalid request.origNum is mandatory.")


def test_transparent_display_needs_the_app_permission(api: ApiFactory) -> None:
    ax = api("app-ax")
    denied = ax.post(AX_PATH, {"origNum": a_number(1), **AREA, "calleeNumDisplay": "1"})
    expect(denied, 403, "1020178", "The transparent mode is not allowed.")
    bound = ok(ax.post(AX_PATH, {"origNum": a_number(1), **AREA, "calleeNumDisplay": "0"}))
    element = ok(ax.get(AX_PATH, subscriptionId=bound["subscriptionId"]))["privateNumList"][0]
    assert element["calleeNumDisplay"] == "0"


def test_modify_fields_and_new_a_limit(api: ApiFactory) -> None:
    ax = api("app-ax")
    for _ in range(5):
        ok(ax.post(AX_PATH, {"origNum": a_number(1), **AREA}))
    other = ok(ax.post(AX_PATH, {"origNum": a_number(2), **AREA}))
    to_full = ax.put(AX_PATH, {"subscriptionId": other["subscriptionId"], "origNum": a_number(1)})
    expect(
        to_full, 403, "1011003", "Exceeded the upper limit of resources that can be applied for."
    )
    only_sms = ok(ax.put(AX_PATH, {"privateNum": other["privateNum"], "privateSms": False}))
    assert only_sms == {"resultcode": "0", "resultdesc": "Success"}
    ok(
        ax.put(
            AX_PATH,
            {
                "subscriptionId": other["subscriptionId"],
                "maxDuration": 10,
                "lastMinVoice": "last.wav",
                "callDirection": 1,
                "userData": "x1",
                "preVoice": {"calleeHintTone": "pre.wav"},
            },
        )
    )
    element = ok(ax.get(AX_PATH, privateNum=other["privateNum"]))["privateNumList"][0]
    assert {
        k: element[k] for k in ("privateSms", "maxDuration", "lastMinVoice", "callDirection")
    } == {
        "privateSms": "false",
        "maxDuration": 10,
        "lastMinVoice": "last.wav",
        "callDirection": 1,
    }
    assert (element["userData"], element["preVoice"]) == ("x1", {"calleeHintTone": "pre.wav"})
    clear = ax.put(AX_PATH, {"subscriptionId": other["subscriptionId"], "maxDuration": 0})
    expect(
        clear,
        403,
        "1010002",
        "Invalid request.lastMinVoice is only valid when maxDuration is not 0.",
    )


def test_temporary_callee(api: ApiFactory, emu: Emulator) -> None:
    ax = api("app-ax")
    a = a_number(1)
    bound = ok(ax.post(AX_PATH, {"origNum": a, **AREA}))
    x = bound["privateNum"]
    same = ax.put(AX_CALLEE_PATH, {"privateNum": x, "calleeNum": a})
    expect(same, 403, "1010002", "Invalid request.calleeNum must differ from origNum.")
    long = ax.put(AX_CALLEE_PATH, {"privateNum": x, "calleeNum": a_number(2), "duration": 259201})
    expect(long, 403, "1010002", "Invalid request.duration must be an integer from 1 to 259200.")
    wrong_a = ax.put(
        AX_CALLEE_PATH, {"origNum": a_number(7), "privateNum": x, "calleeNum": a_number(2)}
    )
    expect(wrong_a, 403, "1016001", "The record does not exist.")
    ok(ax.put(AX_CALLEE_PATH, {"origNum": a, "privateNum": x, "calleeNum": "4001234567"}))
    assert emu.bindings()[0]["tempCallee"]["calleeNum"] == "4001234567"
    emu.clock.advance(60)
    assert "tempCallee" not in emu.bindings()[0]
    ok(ax.get(AX_PATH, privateNum=x))


def test_unbind_by_private_number(api: ApiFactory, emu: Emulator) -> None:
    ax = api("app-ax")
    bound = ok(ax.post(AX_PATH, {"origNum": a_number(1), **AREA}))
    ok(ax.delete(AX_PATH, privateNum=bound["privateNum"], origNum="ignored"))
    assert emu.bindings() == []
