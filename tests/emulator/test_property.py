"""Random operation sequences across all modes against a simple model of the rules.

After every step the emulator's bindings must equal the model's, queries must agree with
it, and the platform's invariants must hold.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from reconciler.emulator import Emulator
from tests.emulator.conftest import (
    AXB_PATH,
    AXE_V2_PATH,
    AXYB_PATH,
    START,
    a_number,
    client_for,
    make_config,
)
from tests.emulator.signer import Api

AX_PATH = "/rest/provision/caas/privatenumber/v1.0"
AXE_PATH = "/rest/caas/extendnumber/v1.0"
AX_X = ["+8675500010001", "+8675500010002", "+8675500010003"]
AXB_X = ["+8675500020001", "+8675500020002"]
AXE_X = ["+8675500030001", "+8675500030002"]
AXYB_X = ["+8675500040001", "+8675500040002", "+8675500040003"]  # the 0755 X, in order
AXYB_Y = ["+8675500050001", "+8675500050002"]
PAIRS_PER_X = 2
A = st.integers(1, 4)
B = st.integers(5, 8)


@dataclass
class Row:
    mode: str
    x: str
    a: str
    b: str | None = None
    y: str | None = None
    ext: str | None = None
    expires: float | None = None
    yb_expires: float | None = None


def code_of(response: object) -> str:
    body = response.json()  # type: ignore[attr-defined]
    return str(body["resultcode"])


class EmulatorMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.emu = Emulator(make_config(axb_max_pairs_per_x=PAIRS_PER_X), now=START)
        self.now = START.timestamp()
        self.rows: dict[str, Row] = {}
        self.api = {
            key: client_for(self.emu, key) for key in ("app-ax", "app-axb", "app-axe", "app-axyb")
        }

    def teardown(self) -> None:
        for api in self.api.values():
            api.client.close()
        self.emu.close()

    # model helpers

    def live(self, mode: str) -> dict[str, Row]:
        return {s: r for s, r in self.rows.items() if r.mode == mode}

    def expect_code(self, response: object, code: str) -> dict[str, object]:
        body: dict[str, object] = response.json()  # type: ignore[attr-defined]
        assert body["resultcode"] == code, (code, body)
        return body

    def ax_api(self) -> Api:
        return self.api["app-ax"]

    # AX

    @rule(a=A, x=st.sampled_from(AX_X))
    def ax_bind(self, a: int, x: str) -> None:
        num = a_number(a)
        rows = self.live("AX").values()
        if any(r.x == x and r.a == num for r in rows):
            want = "1016002"
        elif any(r.x == x for r in rows):
            want = "1011005"
        elif sum(r.a == num for r in rows) >= 5:
            want = "1011003"
        else:
            want = "0"
        body = self.expect_code(
            self.ax_api().post(AX_PATH, {"origNum": num, "privateNum": x}), want
        )
        if want == "0":
            self.rows[str(body["subscriptionId"])] = Row("AX", x, num)

    @precondition(lambda self: bool(self.live("AX")))
    @rule(data=st.data())
    def ax_unbind(self, data: st.DataObject) -> None:
        sub_id = data.draw(st.sampled_from(sorted(self.live("AX"))))
        self.expect_code(self.ax_api().delete(AX_PATH, subscriptionId=sub_id), "0")
        del self.rows[sub_id]

    # AXB

    def axb_clash(self, x: str, numbers: set[str], exclude: str = "") -> bool:
        return any(
            r.x == x and {r.a, r.b} & numbers for s, r in self.live("AXB").items() if s != exclude
        )

    @rule(a=A, b=B, x=st.sampled_from(AXB_X), duration=st.sampled_from([0, 60, 120]))
    def axb_bind(self, a: int, b: int, x: str, duration: int) -> None:
        numbers = {a_number(a), a_number(b)}
        if self.axb_clash(x, numbers):
            want = "1012010"
        elif sum(r.x == x for r in self.live("AXB").values()) >= PAIRS_PER_X:
            want = "1012009"
        else:
            want = "0"
        body = {
            "callerNum": a_number(a),
            "calleeNum": a_number(b),
            "relationNum": x,
            "duration": duration,
        }
        answer = self.expect_code(self.api["app-axb"].post(AXB_PATH, body), want)
        if want == "0":
            expires = self.now + duration if duration else None
            self.rows[str(answer["subscriptionId"])] = Row(
                "AXB", x, a_number(a), a_number(b), expires=expires
            )

    @precondition(lambda self: bool(self.live("AXB")))
    @rule(data=st.data(), b=st.integers(1, 8))
    def axb_modify(self, data: st.DataObject, b: int) -> None:
        sub_id = data.draw(st.sampled_from(sorted(self.live("AXB"))))
        row = self.rows[sub_id]
        new_b = a_number(b)
        if new_b == row.a:
            want = "1010002"
        elif new_b != row.b and self.axb_clash(row.x, {new_b}, sub_id):
            want = "1012010"
        else:
            want = "0"
        self.expect_code(
            self.api["app-axb"].put(AXB_PATH, {"subscriptionId": sub_id, "calleeNum": new_b}), want
        )
        if want == "0":
            row.b = new_b

    @precondition(lambda self: bool(self.live("AXB")))
    @rule(x=st.sampled_from(AXB_X))
    def axb_unbind_x(self, x: str) -> None:
        doomed = [s for s, r in self.live("AXB").items() if r.x == x]
        want = "0" if doomed else "1016001"
        self.expect_code(self.api["app-axb"].delete(AXB_PATH, relationNum=x), want)
        for sub_id in doomed:
            del self.rows[sub_id]

    # AXE

    @rule(a=A, x=st.sampled_from(AXE_X))
    def axe_bind(self, a: int, x: str) -> None:
        num = a_number(a)
        on_x = [r for r in self.live("AXE").values() if r.x == x]
        used = {r.ext for r in on_x}
        free = [str(i) for i in range(1, 10) if str(i) not in used]
        if any(r.a == num for r in on_x):
            want = "1016002"
        elif not free:
            want = "1020167"
        else:
            want = "0"
        body = {"bindNum": num, "virtualNum": x, "bindExpiredTime": 0}
        answer = self.expect_code(self.api["app-axe"].post(AXE_PATH, body), want)
        if want == "0":
            assert answer["extendNum"] == free[0]
            self.rows[str(answer["subscriptionId"])] = Row("AXE", x, num, ext=free[0])

    @precondition(lambda self: bool(self.live("AXE")))
    @rule(data=st.data())
    def axe_unbind(self, data: st.DataObject) -> None:
        sub_id = data.draw(st.sampled_from(sorted(self.live("AXE"))))
        row = self.rows[sub_id]
        self.expect_code(
            self.api["app-axe"].delete(AXE_PATH, virtualNum=row.x, extendNum=row.ext or ""), "0"
        )
        del self.rows[sub_id]

    # AXYB

    @rule(a=A, duration=st.sampled_from([0, 60, 180]))
    def axyb_ax(self, a: int, duration: int) -> None:
        num = a_number(a)
        rows = self.live("AXYB").values()
        taken = {r.x for r in rows}
        free = [x for x in AXYB_X if x not in taken]
        if sum(r.a == num for r in rows) >= 5:
            want = "1011003"
        elif not free:
            want = "1012008"
        else:
            want = "0"
        body = {"origNum": num, "areaCode": "0755", "duration": duration}
        answer = self.expect_code(
            self.api["app-axyb"].post(AXYB_PATH, body, app_key="app-axyb"), want
        )
        if want == "0":
            assert answer["relationNumber"] == free[0]
            expires = self.now + duration if duration else None
            self.rows[str(answer["subscriptionId"])] = Row("AXYB", free[0], num, expires=expires)

    @precondition(lambda self: bool(self.live("AXYB")))
    @rule(data=st.data(), b=B)
    def axyb_yb(self, data: st.DataObject, b: int) -> None:
        sub_id = data.draw(st.sampled_from(sorted(self.live("AXYB"))))
        row = self.rows[sub_id]
        num = a_number(b)
        usable = [
            y
            for y in AXYB_Y
            if not any(r.y == y and r.b == num for r in self.live("AXYB").values())
        ]
        want = "1016002" if row.y is not None else ("0" if usable else "1012008")
        body = {"origNum": num, "subscriptionId": sub_id}
        answer = self.expect_code(
            self.api["app-axyb"].post(AXYB_PATH, body, app_key="app-axyb"), want
        )
        if want == "0":
            assert answer["relationNumber"] == usable[0]
            row.b, row.y = num, usable[0]

    # time

    @rule(seconds=st.sampled_from([1, 30, 60, 119]))
    def advance(self, seconds: int) -> None:
        self.emu.clock.advance(seconds)
        self.now += seconds
        self.rows = {
            s: r for s, r in self.rows.items() if r.expires is None or r.expires > self.now
        }

    # checks

    @invariant()
    def state_matches_model(self) -> None:
        actual = {
            b["subscriptionId"] if "subscriptionId" in b else b["bindId"]: b
            for b in self.emu.bindings()
        }
        assert set(actual) == set(self.rows)
        for sub_id, row in self.rows.items():
            view = actual[sub_id]
            fields = {
                "AX": ("privateNum", "origNum"),
                "AXB": ("relationNum", "callerNum", "calleeNum"),
                "AXE": ("virtualNum", "bindNum", "extendNum"),
                "AXYB": ("numX", "numA", "numB", "numY"),
            }[row.mode]
            expected = {
                "AX": (row.x, row.a),
                "AXB": (row.x, row.a, row.b),
                "AXE": (row.x, row.a, row.ext),
                "AXYB": (row.x, row.a, row.b, row.y),
            }[row.mode]
            assert tuple(view.get(f) for f in fields) == expected

    @invariant()
    def queries_agree(self) -> None:
        for x in AXB_X:
            page = self.api["app-axb"].get(AXB_PATH, relationNum=x).json()
            want = sorted(s for s, r in self.live("AXB").items() if r.x == x)
            assert sorted(e["subscriptionId"] for e in page["relationNumList"]) == want
            assert page["totalCount"] == len(want)
        for x in AXE_X:
            listed = self.api["app-axe"].get(AXE_V2_PATH, virtualNum=x, limit=2).json()
            oldest_first = [s for s, r in self.live("AXE").items() if r.x == x]
            assert [b["subscriptionId"] for b in listed["bindList"]] == oldest_first[:2]
            assert ("nextCursor" in listed) == (len(oldest_first) > 2)
        by_a = Counter(r.a for r in self.live("AX").values())
        for a, count in by_a.items():
            answer = self.ax_api().get(AX_PATH, origNum=a).json()
            assert len(answer["privateNumList"]) == count

    @invariant()
    def platform_rules_hold(self) -> None:
        rows = list(self.rows.values())
        assert all(n <= 5 for n in Counter(r.a for r in rows if r.mode == "AX").values())
        assert all(n == 1 for n in Counter(r.x for r in rows if r.mode in ("AX", "AXYB")).values())
        for x in AXB_X:
            on_x = [r for r in rows if r.mode == "AXB" and r.x == x]
            numbers = [n for r in on_x for n in (r.a, r.b)]
            assert len(numbers) == len(set(numbers)) and len(on_x) <= PAIRS_PER_X
        axe = [(r.x, r.ext) for r in rows if r.mode == "AXE"]
        assert len(axe) == len(set(axe))


EmulatorMachine.TestCase.settings = settings(
    max_examples=30,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestEmulatorMachine = EmulatorMachine.TestCase
