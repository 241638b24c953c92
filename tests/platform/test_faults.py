"""Faults injected by the emulator (latency, error rates, flow control, commit-then-drop,
auth failure) and by small transports (connection errors, timeouts, odd answers)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable

import httpx
import pytest

from reconciler.emulator import DropRule, Emulator, ErrorRule, Faults
from reconciler.model import Mode
from reconciler.modes import AXBBinding, AXBinding, AXYBBinding
from reconciler.platform import (
    AppClient,
    AuthenticationError,
    FlowControl,
    InvalidRequest,
    NotFound,
    RetryPolicy,
    ServerError,
    TransportError,
    UnexpectedResponse,
    UnknownOutcome,
    UnknownResultCode,
)
from tests.platform.conftest import (
    KEYS,
    SECRET,
    START,
    ClientFactory,
    CountingTransport,
    real,
    x_number,
)

pytestmark = pytest.mark.anyio


def pair(i: int, x: str | None = None) -> AXBBinding:
    return AXBBinding(a=real(2 * i), b=real(2 * i + 1), x=x or x_number(Mode.AXB, 1))


class Scripted(httpx.AsyncBaseTransport):
    """Answers the first requests from a script (a response or an exception), then passes
    requests on to ``inner``; counts every request."""

    def __init__(
        self,
        script: list[Callable[[httpx.Request], httpx.Response]],
        inner: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.script = list(script)
        self.inner = inner
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.script:
            return self.script.pop(0)(request)
        assert self.inner is not None
        return await self.inner.handle_async_request(request)


def answer(status: int, body: object) -> Callable[[httpx.Request], httpx.Response]:
    def respond(request: httpx.Request) -> httpx.Response:
        content = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        return httpx.Response(status, content=content, request=request)

    return respond


def fail(exc_type: type[httpx.TransportError]) -> Callable[[httpx.Request], httpx.Response]:
    def raise_it(request: httpx.Request) -> httpx.Response:
        raise exc_type("injected", request=request)

    return raise_it


async def test_latency_keeps_requests_within_the_concurrency(
    client_for: ClientFactory, emu: Emulator
) -> None:
    client = client_for(Mode.AXB, concurrency=2)
    await asyncio.gather(*(client.bind(pair(i), now=START, user_data=None) for i in range(3)))
    emu.faults.latency = 0.01
    lists = await client.list_many([x_number(Mode.AXB, i) for i in (1, 2, 3)] * 2)
    assert [len(found) for found in lists.values()] == [3, 0, 0]
    assert client.limiter.max_in_flight == 2


async def test_injected_internal_errors_are_retried_until_success(
    client_for: ClientFactory, emu: Emulator
) -> None:
    emu.faults = Faults(errors={"axb.bind": ErrorRule(rate=0.5, code="1010001")}, seed=3)
    client = client_for(Mode.AXB)
    for i in range(8):
        await client.bind(pair(i), now=START, user_data=None)
    assert len(emu.bindings(KEYS[Mode.AXB])) == 8
    assert client.requests_sent > 8


async def test_server_errors_surface_after_the_last_try(
    client_for: ClientFactory, emu: Emulator
) -> None:
    emu.faults = Faults(errors={"axb.query": ErrorRule(rate=1.0, code="1020002")})
    client = client_for(Mode.AXB, retry=RetryPolicy(attempts=3, rng=lambda: 0.0))
    with pytest.raises(ServerError) as caught:
        await client.list_x(x_number(Mode.AXB, 1))
    assert client.requests_sent == 3
    assert str(caught.value) == (
        "pc-axb: axb.query failed, platform error: the platform answered 1020002 "
        "'Internal error.' (HTTP 500); an internal error of the platform; try again later"
    )


async def test_flow_control_slows_the_client_down_and_succeeds(
    client_for: ClientFactory, emu: Emulator
) -> None:
    emu.faults.flow_control_qps = 3
    client = client_for(Mode.AXB, qps=50, concurrency=4)
    await asyncio.gather(*(client.bind(pair(i), now=START, user_data=None) for i in range(10)))
    assert len(emu.bindings(KEYS[Mode.AXB])) == 10
    assert client.requests_sent > 10
    assert client.limiter.rate < 50


async def test_flow_control_and_wrong_digest_share_a_code_but_not_a_class(
    client_for: ClientFactory, emu: Emulator
) -> None:
    emu.faults = Faults(errors={"axb.query": ErrorRule(rate=1.0, code="1010010")})
    client = client_for(Mode.AXB, retry=RetryPolicy(flow_control_attempts=2, rng=lambda: 0.0))
    with pytest.raises(FlowControl) as flow:
        await client.list_x(x_number(Mode.AXB, 1))
    assert (flow.value.code, flow.value.status) == ("1010010", 403)
    emu.faults = Faults()
    counting = CountingTransport(emu.async_transport())
    wrong = client_for(Mode.AXB, transport=counting)
    wrong._signer._secret = "not-the-secret"
    with pytest.raises(AuthenticationError) as auth:
        await wrong.list_x(x_number(Mode.AXB, 1))
    assert (auth.value.code, auth.value.status) == ("1010010", 401)


async def test_auth_failure_sends_exactly_one_request(
    client_for: ClientFactory, emu: Emulator
) -> None:
    counting = CountingTransport(emu.async_transport())
    client = AppClient(
        Mode.AXB,
        "https://rtcpns.example.invalid",
        KEYS[Mode.AXB],
        "wrong-secret",
        transport=counting,
        clock=emu.clock.now,
    )
    async with client:
        with pytest.raises(AuthenticationError) as caught:
            await client.bind(pair(1), now=START, user_data=None)
    assert len(counting.requests) == 1
    assert str(caught.value) == (
        "pc-axb: axb.bind failed, authentication: the platform answered 1010010 "
        "'Invalid digest.' (HTTP 401); the digest is wrong: check the app secret (and the app "
        "key it belongs to)"
    )
    assert emu.bindings() == []


async def test_commit_then_drop_is_an_unknown_outcome(
    client_for: ClientFactory, emu: Emulator
) -> None:
    emu.faults = Faults(drop={"axb.bind": DropRule(next=1)})
    client = client_for(Mode.AXB)
    binding = pair(1)
    with pytest.raises(UnknownOutcome) as caught:
        await client.bind(binding, now=START, user_data=None)
    outcome = caught.value
    assert client.requests_sent == 1
    assert (outcome.operation, outcome.app) == ("axb.bind", "pc-axb")
    assert outcome.lookup == {"a": binding.a, "b": binding.b, "x": binding.x}
    assert str(outcome) == (
        "pc-axb: axb.bind was sent but no answer came (RemoteProtocolError): it may or may "
        "not have taken effect, and privcall does not repeat it blindly; list "
        "+86755****0001 (list_x) for the pair +86139****0002 / +86139****0003"
    )
    # It was committed: the query the outcome names resolves it.
    found = await client.list_x(binding.x or "")
    assert [(live.a, live.b) for live in found] == [(binding.a, binding.b)]


async def test_dropped_modify_and_unbind_name_the_subscription_to_query(
    client_for: ClientFactory, emu: Emulator
) -> None:
    client = client_for(Mode.AXB)
    result = await client.bind(pair(1), now=START, user_data=None)
    emu.faults = Faults(drop={"axb.modify": DropRule(next=1), "axb.unbind": DropRule(next=1)})
    with pytest.raises(UnknownOutcome) as modify:
        await client.modify(result.subscription_id, {"user_data": "u2"}, now=START)
    assert modify.value.lookup == {"subscription_id": result.subscription_id}
    with pytest.raises(UnknownOutcome) as unbind:
        await client.unbind(result.subscription_id)
    assert unbind.value.lookup == {"subscription_id": result.subscription_id}
    assert await client.query_one(result.subscription_id) is None


async def test_a_dropped_query_is_retried(client_for: ClientFactory, emu: Emulator) -> None:
    client = client_for(Mode.AXB)
    await client.bind(pair(1), now=START, user_data=None)
    emu.faults = Faults(drop={"axb.query": DropRule(next=2)})
    assert len(await client.list_x(x_number(Mode.AXB, 1))) == 1
    assert client.requests_sent == 4


async def test_connection_errors_before_sending_are_retried_for_binds_too(
    client_for: ClientFactory, emu: Emulator
) -> None:
    script = Scripted([fail(httpx.ConnectError), fail(httpx.ConnectTimeout)], emu.async_transport())
    client = client_for(Mode.AXB, transport=script)
    await client.bind(pair(1), now=START, user_data=None)
    assert len(script.requests) == 3
    assert len(emu.bindings()) == 1


async def test_a_read_timeout_retries_a_query_but_not_a_bind(
    client_for: ClientFactory, emu: Emulator
) -> None:
    script = Scripted([fail(httpx.ReadTimeout)], emu.async_transport())
    client = client_for(Mode.AXB, transport=script)
    assert await client.list_x(x_number(Mode.AXB, 1)) == []
    assert len(script.requests) == 2
    script.script = [fail(httpx.ReadTimeout)]
    with pytest.raises(UnknownOutcome):
        await client.bind(pair(1), now=START, user_data=None)
    assert len(script.requests) == 3


async def test_connection_refused_to_the_end_is_a_transport_error(
    client_for: ClientFactory,
) -> None:
    script = Scripted([fail(httpx.ConnectError)] * 4)
    client = client_for(Mode.AX, transport=script)
    with pytest.raises(TransportError) as caught:
        await client.query_one("sub-1")
    assert len(script.requests) == 4
    assert str(caught.value) == (
        "pc-ax: ax.query: cannot reach the platform at https://rtcpns.example.invalid "
        "(ConnectError: injected)"
    )


async def test_an_unknown_result_code_is_still_a_clear_error(client_for: ClientFactory) -> None:
    script = Scripted([answer(403, {"resultcode": "1099999", "resultdesc": "Something new."})])
    client = client_for(Mode.AXE, transport=script)
    with pytest.raises(UnknownResultCode) as caught:
        await client.unbind("sub-1")
    assert len(script.requests) == 1
    assert str(caught.value) == (
        "pc-axe: axe.unbind failed, unknown result code: the platform answered 1099999 "
        "'Something new.' (HTTP 403); privcall does not know this result code; look it up in "
        "the platform's result-code table (the description above is the platform's own)"
    )


async def test_an_answer_that_is_not_the_platforms_names_the_endpoint(
    client_for: ClientFactory,
) -> None:
    script = Scripted([answer(404, "<html>Not Found</html>")])
    client = client_for(Mode.AXB, transport=script)
    with pytest.raises(UnexpectedResponse) as caught:
        await client.query_one("sub-1")
    assert "HTTP 404 from https://rtcpns.example.invalid is not the platform's answer" in str(
        caught.value
    )
    script.script = [answer(502, "<html>Bad Gateway</html>")] * 4
    with pytest.raises(ServerError):
        await client.query_one("sub-1")


async def test_invalid_request_names_the_parameter_and_masks_numbers(
    client_for: ClientFactory,
) -> None:
    desc = "Invalid request.calleeNum 8613900000005 must differ from callerNum."
    script = Scripted([answer(403, {"resultcode": "1010002", "resultdesc": desc})])
    client = client_for(Mode.AXB, transport=script)
    with pytest.raises(InvalidRequest) as caught:
        await client.bind(pair(1), now=START, user_data=None)
    assert caught.value.parameter == "calleeNum"
    assert caught.value.description == (
        "Invalid request.calleeNum 86139****0005 must differ from callerNum."
    )
    assert "8613900000005" not in str(caught.value)
    assert len(script.requests) == 1


async def test_not_found_on_unbind(client_for: ClientFactory) -> None:
    client = client_for(Mode.AXB)
    with pytest.raises(NotFound) as caught:
        await client.unbind("no-such-binding")
    assert caught.value.code == "1016001"


async def test_axyb_yb_step_failure_undoes_the_ax_step(
    client_for: ClientFactory, emu: Emulator
) -> None:
    class FailYb(httpx.AsyncBaseTransport):
        def __init__(self) -> None:
            self.inner = emu.async_transport()

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            if request.method == "POST" and b"subscriptionId" in request.content:
                body = {"resultcode": "1012008", "resultdesc": "Insufficient number of resources"}
                return httpx.Response(403, json=body, request=request)
            return await self.inner.handle_async_request(request)

    client = client_for(Mode.AXYB, transport=FailYb())
    with pytest.raises(Exception) as caught:
        await client.bind(
            AXYBBinding(a=real(1), b=real(2), area_code="0755"), now=START, user_data=None
        )
    assert caught.value.code == "1012008"  # type: ignore[attr-defined]
    assert "axyb.bind (YB step; the AX step was unbound again)" in str(caught.value)
    assert emu.bindings() == []


async def test_axyb_yb_step_dropped_names_the_subscription(
    client_for: ClientFactory, emu: Emulator
) -> None:
    calls = {"posts": 0}

    class DropYb(httpx.AsyncBaseTransport):
        def __init__(self) -> None:
            self.inner = emu.async_transport()

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            response = await self.inner.handle_async_request(request)
            if request.method == "POST":
                calls["posts"] += 1
                if calls["posts"] == 2:
                    raise httpx.RemoteProtocolError("dropped", request=request)
            return response

    client = client_for(Mode.AXYB, transport=DropYb())
    with pytest.raises(UnknownOutcome) as caught:
        await client.bind(
            AXYBBinding(a=real(1), b=real(2), area_code="0755"), now=START, user_data=None
        )
    sub_id = caught.value.lookup["subscription_id"]
    live = await client.query_one(sub_id)
    assert live is not None
    assert live.y is not None


async def test_logs_carry_no_secret_no_digest_and_no_real_number(
    client_for: ClientFactory, emu: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="privcall.platform")
    emu.faults = Faults(
        errors={"ax.query": ErrorRule(rate=0.5)}, drop={"ax.unbind": DropRule(next=1)}
    )
    client = client_for(Mode.AX)
    result = await client.bind(AXBinding(a=real(1), area_code="0755"), now=START, user_data="u")
    for _ in range(4):
        await client.query_one(result.subscription_id)
    with pytest.raises(UnknownOutcome):
        await client.unbind(result.subscription_id)
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "retry" in text and "no answer came" in text
    assert SECRET not in text
    assert "PasswordDigest" not in text
    assert real(1) not in text
