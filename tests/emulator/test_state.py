"""State: restarts keep bindings, apps sync into the store, expiry follows the clock."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from reconciler.emulator import Emulator, NumberSpec
from reconciler.errors import ConfigError
from tests.emulator.conftest import (
    AX_PATH,
    AXB_PATH,
    START,
    ApiFactory,
    a_number,
    client_for,
    expect,
    make_config,
    ok,
)


def test_restart_keeps_bindings(tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    with Emulator(make_config(), state=db, now=START) as emu:
        bound = ok(
            client_for(emu, "app-axb").post(
                AXB_PATH, {"callerNum": a_number(1), "calleeNum": a_number(2), "duration": 600}
            )
        )
    with Emulator(make_config(), state=db, now=START) as emu:
        axb = client_for(emu, "app-axb")
        listed = ok(axb.get(AXB_PATH, subscriptionId=bound["subscriptionId"]))["relationNumList"]
        assert [(e["callerNum"], e["duration"]) for e in listed] == [(a_number(1), 600)]
        taken = axb.post(
            AXB_PATH,
            {
                "callerNum": a_number(1),
                "calleeNum": a_number(3),
                "relationNum": bound["relationNum"],
            },
        )
        expect(taken, 403, "1012010")


def test_config_numbers_are_synced_and_bindings_kept(tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    with Emulator(make_config(), state=db, now=START) as emu:
        ok(
            client_for(emu, "app-axb").post(
                AXB_PATH,
                {
                    "callerNum": a_number(1),
                    "calleeNum": a_number(2),
                    "relationNum": "+8675500020001",
                },
            )
        )
    config = make_config()
    config.apps[1].numbers = [NumberSpec(number="+8675500029999", area_code="0755")]
    with Emulator(config, state=db, now=START) as emu:
        axb = client_for(emu, "app-axb")
        expect(axb.get(AXB_PATH, relationNum="+8675500020001"), 403, "1012007")
        ok(axb.get(AXB_PATH, relationNum="+8675500029999"))
        assert len(emu.bindings("app-axb")) == 1


def test_unreadable_state_file_is_a_config_error(tmp_path: Path) -> None:
    bad = tmp_path / "not-a-db"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(ConfigError, match="cannot open the emulator state as SQLite"):
        Emulator(make_config(), state=bad)


def test_axb_expiry_and_modify_restarting_the_timer(api: ApiFactory, emu: Emulator) -> None:
    axb = api("app-axb")
    sub_id = ok(
        axb.post(AXB_PATH, {"callerNum": a_number(1), "calleeNum": a_number(2), "duration": 100})
    )["subscriptionId"]
    emu.clock.advance(90)
    ok(axb.put(AXB_PATH, {"subscriptionId": sub_id, "duration": 100}))
    emu.clock.advance(99)
    ok(axb.get(AXB_PATH, subscriptionId=sub_id))
    emu.clock.advance(1)
    expect(axb.get(AXB_PATH, subscriptionId=sub_id), 403, "1016001", "The record does not exist.")
    assert emu.bindings() == []


def test_duration_zero_never_expires(api: ApiFactory, emu: Emulator) -> None:
    axb = api("app-axb")
    sub_id = ok(
        axb.post(AXB_PATH, {"callerNum": a_number(1), "calleeNum": a_number(2), "duration": 0})
    )["subscriptionId"]
    emu.clock.advance(10 * 365 * 86400)
    ok(axb.get(AXB_PATH, subscriptionId=sub_id))


def test_ax_bindings_never_expire(api: ApiFactory, emu: Emulator) -> None:
    ax = api("app-ax")
    ok(ax.post(AX_PATH, {"origNum": a_number(1), "privateNum": "+8675500010001"}))
    emu.clock.advance(100 * 86400)
    ok(ax.get(AX_PATH, origNum=a_number(1)))


def test_reset_removes_bindings_keeps_apps(api: ApiFactory, emu: Emulator) -> None:
    axb = api("app-axb")
    ok(axb.post(AXB_PATH, {"callerNum": a_number(1), "calleeNum": a_number(2)}))
    emu.reset()
    assert emu.bindings() == []
    ok(axb.post(AXB_PATH, {"callerNum": a_number(1), "calleeNum": a_number(2)}))


def test_concurrent_binds_never_share_an_x(emu: Emulator) -> None:
    clients = [client_for(emu, "app-ax") for _ in range(4)]

    def bind(i: int) -> str:
        body = {"origNum": a_number(i), "areaCode": "0755", "privateNumType": "mobile-virtual"}
        body["areaMatchMode"] = "1"
        return str(clients[i % 4].post(AX_PATH, body).json()["resultcode"])

    with ThreadPoolExecutor(max_workers=4) as pool:
        codes = list(pool.map(bind, range(1, 21)))
    assert sorted(codes) == ["0"] * 8 + ["1011002"] * 12
    xs = [b["privateNum"] for b in emu.bindings("app-ax")]
    assert len(xs) == len(set(xs)) == 8


@pytest.mark.parametrize(
    ("app_key", "path", "body", "params"),
    [
        ("app-ax", AX_PATH, {"origNum": "+8613800000001", "privateNum": "+8675500010001"}, {}),
        (
            "app-axe",
            "/rest/caas/extendnumber/v1.0",
            {"bindNum": "+8613800000001", "virtualNum": "+8675500030001"},
            {},
        ),
        (
            "app-axyb",
            "/rest/omp/xyrelationnumber/v1.0",
            {"origNum": "+8613800000001", "areaCode": "0755"},
            {"app_key": "app-axyb"},
        ),
    ],
)
def test_recording_needs_the_app_feature_in_every_mode(
    app_key: str, path: str, body: dict[str, str], params: dict[str, str]
) -> None:
    config = make_config()
    for app in config.apps:
        app.recording = False
    with Emulator(config, now=START) as emu:
        api = client_for(emu, app_key)
        refused = api.post(path, {**body, "recordFlag": "true"}, **params)
        expect(refused, 403, "1012012", "Application does not open recording function.")
        assert emu.bindings() == []
        ok(api.post(path, {**body, "recordFlag": False}, **params))
