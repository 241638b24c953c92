"""Every operation of every mode through privcall's client against the emulator
(in-process), checked both in the client's results and in the emulator's state."""

from __future__ import annotations

from datetime import timedelta

import pytest

from reconciler.emulator import Emulator
from reconciler.model import AreaMatch, CallDirection, CalleeDisplay, Mode
from reconciler.modes import AXBBinding, AXBinding, AXEBinding, AXYBBinding
from reconciler.platform import InvalidRequest, LocalRefusal, NotModifiable
from tests.platform.conftest import KEYS, START, ClientFactory, CountingTransport, real, x_number

pytestmark = pytest.mark.anyio


async def test_ax_every_operation(client_for: ClientFactory, emu: Emulator) -> None:
    client = client_for(Mode.AX)
    binding = AXBinding(
        a=real(1),
        area_code="0755",
        area_match=AreaMatch.strict,
        record=True,
        record_hint_tone="rec.wav",
        max_duration_minutes=30,
        last_minute_tone="last.wav",
        call_direction=CallDirection.a_only,
        sms=False,
        active=False,
        pre_tone_a_calls="pre-a.wav",
        pre_tone_others_call="pre-o.wav",
    )
    result = await client.bind(binding, now=START, user_data="u1")
    assert result.x == x_number(Mode.AX, 1)

    live = await client.query_one(result.subscription_id)
    assert live is not None
    assert (live.subscription_id, live.x, live.a, live.user_data) == (
        result.subscription_id,
        result.x,
        real(1),
        "u1",
    )
    assert live.fields == {
        "a": real(1),
        "x": result.x,
        "record": True,
        "record_hint_tone": "rec.wav",
        "max_duration_minutes": 30,
        "last_minute_tone": "last.wav",
        "call_direction": CallDirection.a_only,
        "sms": False,
        "active": False,
        "pre_tone_a_calls": "pre-a.wav",
        "pre_tone_others_call": "pre-o.wav",
    }
    assert live.unreported == {"area_code", "area_match", "callee_display"}
    assert (live.bound_at, live.expires, live.expiry_known) == (START, None, True)
    assert await client.list_x(result.x) == [live]
    assert await client.list_a(real(1)) == [live]

    await client.modify(
        result.subscription_id,
        {
            "a": real(2),
            "max_duration_minutes": 0,
            "last_minute_tone": None,
            "call_direction": CallDirection.both,
            "sms": True,
            "user_data": "u2",
        },
        now=START,
    )
    changed = await client.query_one(result.subscription_id)
    assert changed is not None
    assert (changed.a, changed.user_data) == (real(2), "u2")
    assert changed.fields["max_duration_minutes"] == 0
    assert changed.fields["last_minute_tone"] is None
    assert changed.fields["call_direction"] is CallDirection.both
    assert changed.fields["sms"] is True

    await client.set_temp_callee(
        result.subscription_id, real(9), duration=timedelta(minutes=5), user_data="call-1"
    )
    callee = emu.bindings(KEYS[Mode.AX])[0]["tempCallee"]
    assert callee == {
        "calleeNum": real(9),
        "expiresAt": "2026-01-01T00:05:00Z",
        "userData": "call-1",
    }

    await client.unbind(result.subscription_id)
    assert await client.query_one(result.subscription_id) is None
    assert await client.list_x(result.x) == []
    assert emu.bindings(KEYS[Mode.AX]) == []


async def test_ax_modify_refuses_what_the_modify_api_cannot_change(
    client_for: ClientFactory, emu: Emulator
) -> None:
    counting = CountingTransport(emu.async_transport())
    client = client_for(Mode.AX, transport=counting)
    with pytest.raises(NotModifiable) as caught:
        await client.modify("sub-1", {"active": False, "x": x_number(Mode.AX, 2)}, now=START)
    assert str(caught.value) == (
        "the AX modify API cannot change active, x; it can change a, call_direction, "
        "last_minute_tone, max_duration_minutes, record, record_hint_tone, sms, user_data. "
        "Replace the binding (unbind and bind) instead"
    )
    assert counting.requests == []


async def test_ax_real_caller_display_refused_by_the_app(client_for: ClientFactory) -> None:
    client = client_for(Mode.AX)
    binding = AXBinding(a=real(1), area_code="0755", callee_display=CalleeDisplay.real_caller)
    with pytest.raises(InvalidRequest) as caught:
        await client.bind(binding, now=START, user_data=None)
    assert caught.value.code == "1020178"
    assert "callee_display: x" in str(caught.value)


async def test_axb_every_operation(client_for: ClientFactory, emu: Emulator) -> None:
    client = client_for(Mode.AXB)
    expires = START + timedelta(days=10, seconds=0.4)
    binding = AXBBinding(
        a=real(1),
        b=real(2),
        x=x_number(Mode.AXB, 2),
        call_direction=CallDirection.b_only,
        expires=expires,
        record=True,
        record_hint_tone="rec.wav",
        max_duration_minutes=10,
        last_minute_tone="last.wav",
        sms=False,
        pre_tone_a_calls="pa.wav",
        pre_tone_b_calls="pb.wav",
    )
    result = await client.bind(binding, now=START, user_data="u1")
    assert result.x == x_number(Mode.AXB, 2)
    live = await client.query_one(result.subscription_id)
    assert live is not None
    assert live.fields == {
        "a": real(1),
        "b": real(2),
        "x": result.x,
        "call_direction": CallDirection.b_only,
        "expires": START + timedelta(days=10, seconds=1),  # whole seconds, rounded up
        "max_duration_minutes": 10,
        "record": True,
        "record_hint_tone": "rec.wav",
        "last_minute_tone": "last.wav",
        "sms": False,
        "pre_tone_a_calls": "pa.wav",
        "pre_tone_b_calls": "pb.wav",
    }
    assert live.unreported == {"area_code", "area_match"}
    assert live.lifetime == timedelta(days=10, seconds=1)
    assert await client.list_x(result.x) == [live]

    later = START + timedelta(hours=1)
    emu.clock.set(later)
    await client.modify(
        result.subscription_id,
        {"b": real(3), "expires": None, "pre_tone_b_calls": None, "user_data": "u2"},
        now=later,
        desired=binding,
    )
    changed = await client.query_one(result.subscription_id)
    assert changed is not None
    assert (changed.b, changed.user_data, changed.bound_at) == (real(3), "u2", later)
    assert changed.fields["expires"] is None
    assert (changed.fields["pre_tone_a_calls"], changed.fields["pre_tone_b_calls"]) == (
        "pa.wav",
        None,
    )
    await client.modify(
        result.subscription_id, {"expires": later + timedelta(minutes=5)}, now=later
    )
    assert emu.bindings(KEYS[Mode.AXB])[0]["expiresAt"] == "2026-01-01T01:05:00Z"

    await client.unbind(result.subscription_id)
    assert await client.query_one(result.subscription_id) is None
    assert await client.list_x(result.x) == []


async def test_axb_pre_tone_change_needs_the_other_tone(client_for: ClientFactory) -> None:
    client = client_for(Mode.AXB)
    with pytest.raises(LocalRefusal) as caught:
        await client.modify("sub-1", {"pre_tone_a_calls": "p.wav"}, now=START)
    assert str(caught.value) == (
        "pre_tone_b_calls is needed to change the other pre-connect tone: preVoice is one "
        "object on the wire"
    )


async def test_axe_every_operation(client_for: ClientFactory, emu: Emulator) -> None:
    client = client_for(Mode.AXE)
    binding = AXEBinding(
        a=real(1),
        area_code="0755",
        extension="042",
        expires=START + timedelta(hours=2, seconds=1),
        callback_tone="cb.wav",
        callback_window_minutes=90,
        record=True,
        record_hint_tone="rec.wav",
    )
    result = await client.bind(binding, now=START, user_data="u1")
    assert (result.x, result.extension) == (x_number(Mode.AXE, 1), "042")
    assert emu.bindings(KEYS[Mode.AXE])[0]["expiresAt"] == "2026-01-01T02:01:00Z"
    live = await client.query_one(result.subscription_id)
    assert live is not None
    assert live.fields == {
        "a": real(1),
        "x": result.x,
        "extension": "042",
        "callee_display": CalleeDisplay.x,
        "record": True,
        "record_hint_tone": "rec.wav",
        "callback_tone": "cb.wav",
        "callback_number": None,
    }
    assert live.unreported == {"area_code", "area_match", "expires", "callback_window_minutes"}
    assert (live.lifetime, live.bound_at, live.expiry_known) == (
        timedelta(minutes=121),
        None,
        False,
    )
    second = await client.bind(AXEBinding(a=real(2), x=result.x), now=START, user_data=None)
    assert second.extension == "001"
    assert {item.subscription_id for item in await client.list_x(result.x)} == {
        result.subscription_id,
        second.subscription_id,
    }
    # Never-expiring: bindExpiredTime 0 is sent (the platform's default is not "never").
    assert emu.bindings(KEYS[Mode.AXE])[1]["expiresAt"] is None

    later = START + timedelta(hours=1)
    emu.clock.set(later)
    await client.modify(
        result.subscription_id,
        {"expires": later + timedelta(days=1), "callback_number": real(7), "user_data": "u2"},
        now=later,
        desired=binding,
    )
    assert emu.bindings(KEYS[Mode.AXE])[0]["expiresAt"] == "2026-01-02T01:00:00Z"
    changed = await client.query_one(result.subscription_id)
    assert changed is not None
    assert (changed.fields["callback_number"], changed.fields["callback_tone"]) == (real(7), None)
    assert changed.user_data == "u2"

    await client.unbind(result.subscription_id)
    await client.unbind(second.subscription_id)
    assert await client.query_one(result.subscription_id) is None
    assert await client.list_x(result.x) == []


async def test_axe_modify_of_expires_sends_time_unit_with_both_lifetimes(
    client_for: ClientFactory, emu: Emulator
) -> None:
    counting = CountingTransport(emu.async_transport())
    client = client_for(Mode.AXE, transport=counting)
    binding = AXEBinding(a=real(1), x=x_number(Mode.AXE, 1), callback_window_minutes=60)
    result = await client.bind(binding, now=START, user_data=None)
    await client.modify(
        result.subscription_id,
        {"expires": START + timedelta(minutes=30)},
        now=START,
        desired=binding,
    )
    body = counting.requests[-1].content
    assert body == (
        b'{"subscriptionId":"' + result.subscription_id.encode() + b'","timeUnit":"1",'
        b'"bindExpiredTime":30,"callbackExpiredTime":60}'
    )


async def test_axyb_every_operation(client_for: ClientFactory, emu: Emulator) -> None:
    client = client_for(Mode.AXYB)
    binding = AXYBBinding(
        a=real(1),
        b=real(2),
        area_code="0755",
        call_direction=CallDirection.a_only,
        expires=START + timedelta(days=2),
        b_expires=START + timedelta(days=1),
        record=True,
        record_hint_tone="rec.wav",
        pre_tone_x="px.wav",
        pre_tone_y="py.wav",
    )
    result = await client.bind(binding, now=START, user_data="u1")
    assert (result.x, result.y) == (x_number(Mode.AXYB, 1), "+8675501050001")
    live = await client.query_one(result.subscription_id)
    assert live is not None
    assert (live.a, live.b, live.x, live.y, live.user_data) == (
        real(1),
        real(2),
        result.x,
        result.y,
        "u1",
    )
    assert live.fields == {
        "a": real(1),
        "b": real(2),
        "record": True,
        "record_hint_tone": "rec.wav",
        "call_direction": CallDirection.a_only,
        "pre_tone_x": "px.wav",
        "pre_tone_y": "py.wav",
        "expires": START + timedelta(days=2),
        "b_expires": START + timedelta(days=1),
    }
    assert live.unreported == {"area_code", "y_area_code", "area_match"}
    assert await client.list_x(result.x) == [live]
    with pytest.raises(NotModifiable):
        await client.modify(result.subscription_id, {"record": False}, now=START)

    await client.unbind(result.subscription_id)
    assert await client.query_one(result.subscription_id) is None
    assert await client.list_x(result.x) == []


async def test_axyb_never_expiring_sends_duration_zero(
    client_for: ClientFactory, emu: Emulator
) -> None:
    client = client_for(Mode.AXYB)
    binding = AXYBBinding(a=real(1), b=real(2), area_code="0755")
    result = await client.bind(binding, now=START, user_data=None)
    live = await client.query_one(result.subscription_id)
    assert live is not None
    assert (live.fields["expires"], live.fields["b_expires"]) == (None, None)
    assert emu.bindings(KEYS[Mode.AXYB])[0]["expiresAt"] is None
