"""AXE rules: extensions, ownership, expiry units, modify semantics, v2.0 cursor paging."""

from __future__ import annotations

from reconciler.emulator import Emulator
from tests.emulator.conftest import (
    AXE_PATH,
    AXE_V2_PATH,
    START,
    ApiFactory,
    a_number,
    client_for,
    expect,
    make_config,
    ok,
)
from tests.emulator.signer import Api

X1, X2, X_010 = "+8675500030001", "+8675500030002", "+861000030001"


def test_extensions_are_assigned_until_none_is_idle(api: ApiFactory) -> None:
    axe = api("app-axe")
    extensions = [
        ok(axe.post(AXE_PATH, {"bindNum": a_number(i), "virtualNum": X1}))["extendNum"]
        for i in range(1, 10)
    ]
    assert extensions == [str(i) for i in range(1, 10)]
    tenth = axe.post(AXE_PATH, {"bindNum": a_number(10), "virtualNum": X1})
    expect(tenth, 403, "1020167", "No idle extend Number.")


def test_requested_extension(api: ApiFactory) -> None:
    axe = api("app-axe")
    bound = ok(axe.post(AXE_PATH, {"bindNum": a_number(1), "virtualNum": X1, "extendNum": "7"}))
    assert bound["extendNum"] == "7"
    taken = axe.post(AXE_PATH, {"bindNum": a_number(2), "virtualNum": X1, "extendNum": "7"})
    expect(taken, 403, "1020167", "No idle extend Number.")
    by_area = ok(axe.post(AXE_PATH, {"bindNum": a_number(2), "areaCode": "0755", "extendNum": "7"}))
    assert (by_area["virtualNum"], by_area["extendNum"]) == (X2, "7")
    wrong = axe.post(AXE_PATH, {"bindNum": a_number(3), "virtualNum": X1, "extendNum": "12"})
    detail = "extendNum must be 1 digit(s) long, from 1 to 9."
    expect(wrong, 403, "1010002", "Invalid request." + detail)


def test_one_extension_per_a_per_x(api: ApiFactory) -> None:
    axe = api("app-axe")
    ok(axe.post(AXE_PATH, {"bindNum": a_number(1), "virtualNum": X1}))
    again = axe.post(AXE_PATH, {"bindNum": a_number(1), "virtualNum": X1})
    expect(again, 403, "1016002", "The record already exists.")
    elsewhere = ok(axe.post(AXE_PATH, {"bindNum": a_number(1), "areaCode": "0755"}))
    assert elsewhere["virtualNum"] == X2


def test_ownership_and_allocation_codes(api: ApiFactory) -> None:
    axe = api("app-axe")
    not_owned = "Resource of number is not to be applied."
    foreign = "+8675500020001"
    expect(
        axe.post(AXE_PATH, {"bindNum": a_number(1), "virtualNum": foreign}),
        403,
        "1012001",
        not_owned,
    )
    expect(axe.delete(AXE_PATH, virtualNum=foreign, extendNum="1"), 403, "1012001", not_owned)
    expect(axe.get(AXE_PATH, virtualNum=foreign, extendNum="1"), 403, "1012001", not_owned)
    ok(axe.post(AXE_PATH, {"bindNum": a_number(1), "areaCode": "010"}))
    none_left = axe.post(AXE_PATH, {"bindNum": a_number(1), "areaCode": "010"})
    expect(none_left, 403, "1012008", "Insufficient number of resources")
    missing = "The record does not exist."
    expect(axe.get(AXE_PATH, subscriptionId="nope"), 403, "1016001", missing)
    expect(axe.delete(AXE_PATH, virtualNum=X1, extendNum="5"), 403, "1016001", missing)
    expect(axe.put(AXE_PATH, {"subscriptionId": "nope"}), 403, "1016001", missing)
    half = axe.get(AXE_PATH, virtualNum=X1)
    expect(half, 403, "1010002", "Invalid request.virtualNum and extendNum must be sent together.")


def test_bind_parameter_rules(api: ApiFactory) -> None:
    axe = api("app-axe")
    base = {"bindNum": a_number(1), "virtualNum": X1}
    cases = [
        (
            {"callbackTone": "t.wav", "callbackNum": a_number(2)},
            "callbackTone and callbackNum must not be sent together.",
        ),
        ({"timeUnit": "2"}, "timeUnit must be one of 0, 1."),
        ({"bindExpiredTime": 2161}, "bindExpiredTime must be an integer from 0 to 2160."),
        (
            {"timeUnit": "1", "bindExpiredTime": 129601},
            "bindExpiredTime must be an integer from 0 to 129600.",
        ),
        ({"displayNumMode": "2"}, "displayNumMode must be one of 0, 1."),
    ]
    for extra, detail in cases:
        expect(axe.post(AXE_PATH, {**base, **extra}), 403, "1010002", "Invalid request." + detail)
    neither = axe.post(AXE_PATH, {"bindNum": a_number(1)})
    expect(neither, 403, "1010002", "Invalid request.virtualNum or areaCode is mandatory.")
    shown = axe.post(AXE_PATH, {**base, "displayNumMode": "1"})
    expect(shown, 403, "1020178", "The transparent mode is not allowed.")


def test_default_lifetime_is_168_hours(api: ApiFactory, emu: Emulator) -> None:
    axe = api("app-axe")
    bound = ok(axe.post(AXE_PATH, {"bindNum": a_number(1), "virtualNum": X1}))
    flat = ok(axe.get(AXE_PATH, subscriptionId=bound["subscriptionId"]))
    assert (flat["timeUnit"], flat["bindExpiredTime"]) == ("0", 168)
    emu.clock.advance(168 * 3600 - 1)
    ok(axe.get(AXE_PATH, subscriptionId=bound["subscriptionId"]))
    emu.clock.advance(1)
    expect(axe.get(AXE_PATH, subscriptionId=bound["subscriptionId"]), 403, "1016001")


def test_modify_restarts_lifetime_but_query_reports_bind_values(
    api: ApiFactory, emu: Emulator
) -> None:
    axe = api("app-axe")
    bound = ok(
        axe.post(
            AXE_PATH,
            {
                "bindNum": a_number(1),
                "virtualNum": X1,
                "timeUnit": "1",
                "bindExpiredTime": 10,
                "callbackTone": "t.wav",
            },
        )
    )
    sub_id = bound["subscriptionId"]
    incomplete = axe.put(
        AXE_PATH, {"subscriptionId": sub_id, "timeUnit": "0", "bindExpiredTime": 1}
    )
    detail = "timeUnit needs bindExpiredTime and callbackExpiredTime in the same request."
    expect(incomplete, 403, "1010002", "Invalid request." + detail)
    emu.clock.advance(5 * 60)
    ok(
        axe.put(
            AXE_PATH,
            {
                "virtualNum": X1,
                "extendNum": bound["extendNum"],
                "bindExpiredTime": 20,
                "callbackNum": a_number(3),
            },
        )
    )
    flat = ok(axe.get(AXE_PATH, subscriptionId=sub_id))
    assert (flat["timeUnit"], flat["bindExpiredTime"], flat["callbackNum"]) == (
        "1",
        10,
        a_number(3),
    )
    assert "callbackTone" not in flat
    emu.clock.advance(19 * 60)
    ok(axe.get(AXE_PATH, subscriptionId=sub_id))
    emu.clock.advance(60)
    expect(axe.get(AXE_PATH, subscriptionId=sub_id), 403, "1016001")


def test_modify_empty_string_clears_a_callback_setting(api: ApiFactory) -> None:
    axe = api("app-axe")
    bound = ok(
        axe.post(AXE_PATH, {"bindNum": a_number(1), "virtualNum": X1, "callbackNum": a_number(2)})
    )
    ok(axe.put(AXE_PATH, {"subscriptionId": bound["subscriptionId"], "callbackNum": ""}))
    assert "callbackNum" not in ok(axe.get(AXE_PATH, subscriptionId=bound["subscriptionId"]))


def _v2_pages(axe: Api, x: str, limit: int, between: list[object] | None = None) -> list[str]:
    seen: list[str] = []
    cursor = "0000000000000_0"
    while True:
        page = ok(axe.get(AXE_V2_PATH, virtualNum=x, cursor=cursor, limit=limit))
        seen += [b["subscriptionId"] for b in page["bindList"]]
        if between:
            action = between.pop(0)
            assert callable(action)
            action()
        if "nextCursor" not in page:
            return seen
        cursor = page["nextCursor"]
        assert cursor


def test_v2_cursor_paging_returns_each_binding_once_despite_changes() -> None:
    config = make_config()
    config.apps[2].extension_digits = 2
    with Emulator(config, now=START) as emu:
        axe = client_for(emu, "app-axe")
        ids = [
            ok(axe.post(AXE_PATH, {"bindNum": a_number(i), "virtualNum": X1}))["subscriptionId"]
            for i in range(1, 8)
        ]
        assert _v2_pages(axe, X1, 3) == ids
        added: list[str] = []

        def remove_seen_and_add() -> None:
            ok(axe.delete(AXE_PATH, subscriptionId=ids[0]))
            added.append(
                ok(axe.post(AXE_PATH, {"bindNum": a_number(50), "virtualNum": X1}))[
                    "subscriptionId"
                ]
            )

        seen = _v2_pages(
            axe, X1, 3, [remove_seen_and_add, lambda: None, lambda: None, lambda: None]
        )
        assert seen == ids + added
        assert len(seen) == len(set(seen))


def test_v2_single_lookup_parameters_and_errors(api: ApiFactory) -> None:
    axe = api("app-axe")
    bound = ok(axe.post(AXE_PATH, {"bindNum": a_number(1), "virtualNum": X1}))
    single = ok(axe.get(AXE_V2_PATH, subscriptionId=bound["subscriptionId"]))
    assert [b["bindNum"] for b in single["bindList"]] == [a_number(1)]
    empty = ok(axe.get(AXE_V2_PATH, virtualNum=X2))
    assert empty == {"resultcode": "0", "resultdesc": "Success", "bindList": []}
    bad_cursor = axe.get(AXE_V2_PATH, virtualNum=X1, cursor="12_3")
    expect(bad_cursor, 403, "1010002", "Invalid request.cursor must look like 0000000000000_0.")
    bad_limit = axe.get(AXE_V2_PATH, virtualNum=X1, limit=101)
    expect(bad_limit, 403, "1010002", "Invalid request.limit must be an integer from 1 to 100.")
    expect(axe.get(AXE_V2_PATH, subscriptionId="nope"), 403, "1016001")
