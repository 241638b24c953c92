"""Each mode's whole lifecycle over a real socket, signed by the tests' own client."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from reconciler.emulator import Emulator
from reconciler.emulator.server import serve_in_thread
from tests.emulator.conftest import (
    AX_CALLEE_PATH,
    AX_PATH,
    AXB_PATH,
    AXE_PATH,
    AXE_V2_PATH,
    AXYB_PATH,
    SECRETS,
    a_number,
    expect,
    ok,
)
from tests.emulator.signer import Api, Signer


@pytest.fixture
def base_url(emu: Emulator) -> Iterator[str]:
    with serve_in_thread(emu) as url:
        yield url


def http_api(emu: Emulator, base_url: str, app_key: str, sep: str = ",") -> Api:
    auth = Signer(app_key, SECRETS[app_key], emu.clock.now, sep=sep)
    return Api(httpx.Client(base_url=base_url, auth=auth))


def test_ax_lifecycle_over_http(emu: Emulator, base_url: str) -> None:
    api = http_api(emu, base_url, "app-ax", sep=", ")
    a, new_a = a_number(1), a_number(2)
    bound = ok(
        api.post(
            AX_PATH,
            {
                "origNum": a,
                "areaCode": "0755",
                "privateNumType": "mobile-virtual",
                "recordFlag": "true",
                "recordHintTone": "rec.wav",
                "userData": "order-1",
            },
        )
    )
    x, sub_id = bound["privateNum"], bound["subscriptionId"]
    assert (bound["origNum"], x) == (a, "+8675500010001")

    listed = ok(api.get(AX_PATH, origNum=a))["privateNumList"]
    assert listed == [
        {
            "origNum": a,
            "privateNum": x,
            "privateNumType": "mobile-virtual",
            "subscriptionId": sub_id,
            "subscribeTime": "2026-01-01 00:00:00",
            "recordFlag": "true",
            "recordHintTone": "rec.wav",
            "turnFlag": "on",
            "callDirection": 0,
            "privateSms": "true",
            "maxDuration": 0,
            "userData": "order-1",
        }
    ]
    ok(api.put(AX_PATH, {"subscriptionId": sub_id, "origNum": new_a, "maxDuration": 30}))
    ok(api.put(AX_CALLEE_PATH, {"subscriptionId": sub_id, "calleeNum": a_number(9)}))
    element = ok(api.get(AX_PATH, privateNum=x))["privateNumList"][0]
    assert (element["origNum"], element["maxDuration"]) == (new_a, 30)
    assert emu.bindings("app-ax")[0]["tempCallee"]["calleeNum"] == a_number(9)

    ok(api.delete(AX_PATH, subscriptionId=sub_id))
    expect(api.get(AX_PATH, subscriptionId=sub_id), 403, "1016001", "The record does not exist.")


def test_axb_lifecycle_over_http(emu: Emulator, base_url: str) -> None:
    api = http_api(emu, base_url, "app-axb")
    a, b, c = a_number(1), a_number(2), a_number(3)
    bound = ok(
        api.post(AXB_PATH, {"callerNum": a, "calleeNum": b, "relationNum": "+8675500020002"})
    )
    sub_id = bound["subscriptionId"]
    assert (bound["relationNum"], bound["callerNum"], bound["calleeNum"]) == (
        "+8675500020002",
        a,
        b,
    )
    assert bound["callDirection"] == 0

    emu.clock.advance(30)
    ok(api.put(AXB_PATH, {"subscriptionId": sub_id, "calleeNum": c, "duration": 600}))
    page = ok(api.get(AXB_PATH, relationNum="+8675500020002"))
    assert (page["app_key"], page["totalCount"], page["pageIndex"], page["pageSize"]) == (
        "app-axb",
        1,
        1,
        50,
    )
    element = page["relationNumList"][0]
    assert (element["calleeNum"], element["duration"]) == (c, 600)
    assert element["subscribeTime"] == "2026-01-01 00:00:30"

    single = ok(api.get(AXB_PATH, subscriptionId=sub_id))
    assert single["relationNumList"] == [element]
    ok(api.delete(AXB_PATH, subscriptionId=sub_id))
    empty = ok(api.get(AXB_PATH, relationNum="+8675500020002"))
    assert (empty["totalCount"], empty["relationNumList"]) == (0, [])


def test_axe_lifecycle_over_http(emu: Emulator, base_url: str) -> None:
    api = http_api(emu, base_url, "app-axe")
    a = a_number(1)
    bound = ok(
        api.post(
            AXE_PATH,
            {"bindNum": a, "virtualNum": "+8675500030001", "timeUnit": "1", "bindExpiredTime": 90},
        )
    )
    assert (bound["virtualNum"], bound["extendNum"], bound["bindNum"]) == ("+8675500030001", "1", a)
    sub_id = bound["subscriptionId"]

    ok(api.put(AXE_PATH, {"subscriptionId": sub_id, "callbackNum": a_number(5), "userData": "u"}))
    flat = ok(api.get(AXE_PATH, virtualNum="+8675500030001", extendNum="1"))
    assert flat == {
        "resultcode": "0",
        "resultdesc": "Success",
        "subscriptionId": sub_id,
        "virtualNum": "+8675500030001",
        "extendNum": "1",
        "bindNum": a,
        "displayNumMode": "0",
        "recordFlag": "false",
        "callbackNum": a_number(5),
        "timeUnit": "1",
        "bindExpiredTime": 90,
        "userData": "u",
    }
    listed = ok(api.get(AXE_V2_PATH, virtualNum="+8675500030001", cursor="0000000000000_0"))
    assert listed["bindList"] == [{k: v for k, v in flat.items() if not k.startswith("result")}]
    assert "nextCursor" not in listed

    ok(api.delete(AXE_PATH, virtualNum="+8675500030001", extendNum="1"))
    expect(api.get(AXE_PATH, subscriptionId=sub_id), 403, "1016001", "The record does not exist.")


def test_axyb_lifecycle_over_http(emu: Emulator, base_url: str) -> None:
    api = http_api(emu, base_url, "app-axyb")
    a, b = a_number(1), a_number(2)
    ax = ok(api.post(AXYB_PATH, {"origNum": a, "areaCode": "0755"}, app_key="app-axyb"))
    sub_id, x = ax["subscriptionId"], ax["relationNumber"]
    assert x == "+8675500040001"
    yb = ok(
        api.post(
            AXYB_PATH,
            {"origNum": b, "subscriptionId": sub_id, "ybDuration": 600},
            app_key="app-axyb",
        )
    )
    assert yb == {
        "resultcode": "0",
        "resultdesc": "Success",
        "subscriptionId": sub_id,
        "relationNumber": "+8675500050001",
    }
    listed = ok(api.get(AXYB_PATH, relationNum=x, app_key="app-axyb"))["xyRelationNumList"]
    assert listed == [
        {
            "bindId": sub_id,
            "numA": a,
            "numX": x,
            "numY": "+8675500050001",
            "numB": b,
            "recordFlag": "false",
            "subscribeTime": "2026-01-01 00:00:00",
            "callDirection": 0,
            "duration": "7200",
            "ybDuration": "600",
        }
    ]
    ok(api.delete(AXYB_PATH, subscriptionId=sub_id, bNum=b, app_key="app-axyb"))
    only_ax = ok(api.get(AXYB_PATH, subscriptionId=sub_id, app_key="app-axyb"))
    assert "numY" not in only_ax["xyRelationNumList"][0]
    ok(api.delete(AXYB_PATH, subscriptionId=sub_id, app_key="app-axyb"))
    expect(
        api.get(AXYB_PATH, subscriptionId=sub_id, app_key="app-axyb"),
        403,
        "1016001",
        "The record does not exist.",
    )


def test_unknown_path_is_404_and_wrong_method_405(base_url: str) -> None:
    with httpx.Client(base_url=base_url) as client:
        assert client.get("/rest/caas/nothing/v1.0").status_code == 404
        response = client.put(AXYB_PATH, json={})
        assert (response.status_code, response.headers["allow"]) == (405, "DELETE, GET, POST")
