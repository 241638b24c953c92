"""Calls are answered per the declared table: caller, set, any, close, default."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.xmode.errors import TableError
from reconciler.xmode.table import Close, Connect, Index, Route, Table, from_wire, to_wire
from tests.xmode.conftest import X1, X2, X3, Running, callin, make_repo, start


def test_each_kind_of_route_over_a_socket(running: Running) -> None:
    answers = {
        caller_called: running.push(callin(*caller_called)).json()
        for caller_called in [
            ("+8613800000001", X1),
            ("+8613800000003", X1),
            ("+8613800000099", X1),
            ("+8613800000001", X2),
            ("+8613800000001", X3),
        ]
    }
    assert answers == {
        ("+8613800000001", X1): {
            "operation": "connect",
            "connectInfo": {
                "calleeNum": "+8613900000001",
                "displayCalleeNum": X1,
                "maxDuration": 30,
                "waitVoice": "wait.wav",
                "lastMinVoice": "lastmin.wav",
            },
        },
        ("+8613800000003", X1): {
            "operation": "connect",
            "connectInfo": {
                "calleeNum": "+8613900000002",
                "displayCalleeNum": X2,
                "recordFlag": "true",
                "recordHintTone": "rec.wav",
                "userData": "drivers-line",
            },
        },
        ("+8613800000099", X1): {
            "operation": "connect",
            "connectInfo": {"calleeNum": "+8613900000003", "displayCalleeNum": X1},
        },
        ("+8613800000001", X2): {
            "operation": "close",
            "closeInfo": {"closeHintTone": "closed.wav"},
        },
        ("+8613800000001", X3): {"operation": "close", "closeInfo": {"closeHintTone": "sorry.wav"}},
    }


def test_the_answer_is_json_with_the_platforms_content_type(running: Running) -> None:
    response = running.push(callin("+8613800000001", X2))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json;charset=UTF-8"


def test_a_caller_without_plus_and_an_unknown_called_number_still_get_answers(
    running: Running,
) -> None:
    assert running.push(callin("8613800000001", X1)).json()["connectInfo"]["calleeNum"] == (
        "+8613900000001"
    )
    for called in ["+8675599999999", "", None, 12345]:
        event = callin("+8613800000001", X1)
        event["statusInfo"]["called"] = called
        assert running.push(event).json() == {
            "operation": "close",
            "closeInfo": {"closeHintTone": "sorry.wav"},
        }


def test_a_callin_without_status_info_gets_the_default(running: Running) -> None:
    assert running.push({"eventType": "callin"}).json()["operation"] == "close"


def test_without_a_default_an_undeclared_call_is_closed(tmp_path: Path) -> None:
    routes = f'app: hotline\nroutes:\n  - {{x: "{X1}", from: "+8613800000001", close: true}}\n'
    for live in start(make_repo(tmp_path, routes)):
        assert live.push(callin("+8613800000002", X1)).json() == {
            "operation": "close",
            "closeInfo": {},
        }


def test_a_default_that_connects_shows_the_called_x(tmp_path: Path) -> None:
    routes = 'app: hotline\ndefault: {to: "+8613900000009"}\nroutes: []\n'
    for live in start(make_repo(tmp_path, routes)):
        assert live.push(callin("+8613800000002", X3)).json() == {
            "operation": "connect",
            "connectInfo": {"calleeNum": "+8613900000009", "displayCalleeNum": X3},
        }


@pytest.mark.parametrize("mode", ["Notify"])
def test_notify_pushes_get_an_empty_200(running: Running, mode: str) -> None:
    for event in [
        callin("+8613800000001", X1, mode=mode),
        {"eventType": "answer", "statusInfo": {"caller": "+8613800000001", "called": X1}},
        {"eventType": "disconnect", "statusInfo": {"stateCode": 0, "notifyMode": "Notify"}},
        {"eventType": "fee", "feeLst": [{"bindNum": X1}]},
    ]:
        response = running.push(event)
        assert (response.status_code, response.content) == (200, b"")


# -- the wire forms -----------------------------------------------------------------------


def test_the_demo_array_form_reads_like_the_object_form() -> None:
    info = {
        "calleeNum": "+8613900000001",
        "maxDuration": "30",
        "recordFlag": True,
        "recordHintTone": "rec.wav",
    }
    assert (
        from_wire({"operation": "connect", "connectInfo": [info]})
        == from_wire({"operation": "connect", "connectInfo": info})
        == Connect("+8613900000001", None, 30, None, True, "rec.wav")
    )
    assert from_wire({"operation": "close", "closeInfo": [{"closeHintTone": "c.wav"}]}) == Close(
        "c.wav"
    )


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ({"operation": "dial"}, 'operation: operation must be "connect" or "close"'),
        ({"operation": "connect"}, "connectInfo: missing: a connect answer needs connectInfo"),
        (
            {"operation": "connect", "connectInfo": [{}, {}]},
            "connectInfo: connectInfo as an array must hold exactly one object",
        ),
        (
            {
                "operation": "connect",
                "connectInfo": {"calleeNum": "+8613900000001", "maxDuration": 7200},
            },
            "connectInfo.maxDuration: must be 0 to 1440 minutes",
        ),
        (
            {"operation": "connect", "connectInfo": {"calleeNum": "12"}},
            "connectInfo.calleeNum: not a valid phone number: it is too short",
        ),
        (
            {"operation": "close", "closeInfo": {"closeHintTone": "a{b}"}},
            "closeInfo.closeHintTone: must be an audio file name, 1 to 128 characters",
        ),
        (
            {"operation": "close", "closeInfo": {}, "connectInfo": {}},
            "a close answer carries closeInfo, not connectInfo",
        ),
        (
            {"operation": "connect", "connectInfo": {"calleeNum": "+8613900000001", "x": 1}},
            "connectInfo: unknown field 'x' (known: calleeNum, displayCalleeNum, maxDuration, "
            "waitVoice, recordFlag, recordHintTone, lastMinVoice, userData)",
        ),
    ],
)
def test_bad_answers_are_refused_with_their_path(answer: object, message: str) -> None:
    with pytest.raises(TableError) as bad:
        from_wire(answer)
    assert str(bad.value) == message


# -- the index against a reference, on random tables ----------------------------------------

XS = [X1, X2, X3]
CALLERS = [f"+86138000000{i:02d}" for i in range(12)]
answers = st.one_of(
    st.builds(Close, st.sampled_from([None, "closed.wav"])),
    st.builds(
        Connect,
        st.sampled_from(["+8613900000001", "+8613900000002"]),
        st.sampled_from([None, X2]),
        st.integers(0, 1440),
        record=st.booleans(),
    ),
)


@st.composite
def tables(draw: st.DrawFn) -> Table:
    routes = []
    for i, x in enumerate(XS):
        free = list(CALLERS)
        for j in range(draw(st.integers(0, 4))):
            if not free:
                break
            chosen = draw(st.lists(st.sampled_from(free), min_size=1, max_size=3, unique=True))
            free = [c for c in free if c not in chosen]
            routes.append(Route(f"r{i}-{j}", x, frozenset(chosen), draw(answers)))
        if draw(st.booleans()):
            routes.append(Route(f"any{i}", x, None, draw(answers)))
    return Table("hotline", tuple(routes), draw(st.one_of(st.none(), answers)))


def _reference(table: Table, called: str, caller: str) -> dict[str, object]:
    for route in table.routes:
        if route.x == called and route.callers is not None and caller in route.callers:
            return to_wire(route.answer, route.x)
    for route in table.routes:
        if route.x == called and route.callers is None:
            return to_wire(route.answer, route.x)
    return to_wire(table.default or Close(), called)


@settings(max_examples=60, deadline=None)
@given(tables(), st.sampled_from([*XS, "+8675500029999"]), st.sampled_from(CALLERS))
def test_the_index_answers_like_a_linear_scan(table: Table, called: str, caller: str) -> None:
    index = Index(table, 1)
    assert json.loads(index.answer(called, caller).body) == _reference(table, called, caller)
    assert Table.from_json(json.loads(json.dumps(table.to_json()))) == table
