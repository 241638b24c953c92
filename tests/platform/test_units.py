"""The pieces on their own: lifetimes, error classification, backoff, the rate limiter."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from reconciler.model import Mode
from reconciler.modes import AXEBinding, AXYBBinding
from reconciler.platform import (
    AccountFrozen,
    AuthenticationError,
    CapacityError,
    Conflict,
    FlowControl,
    InvalidRequest,
    LifetimeError,
    NotFound,
    NumberNotOwned,
    RateLimiter,
    RetryPolicy,
    ServerError,
    UnknownResultCode,
)
from reconciler.platform.errors import error_for
from reconciler.platform.mapping import axe, axyb
from reconciler.platform.mapping.common import lifetime_minutes, lifetime_seconds

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_lifetime_rounds_up_to_whole_seconds_and_minutes() -> None:
    expires = NOW + timedelta(minutes=2, seconds=0.1)
    assert lifetime_seconds(expires, NOW, Mode.AXB) == 121
    assert lifetime_minutes(expires, NOW, Mode.AXE) == 3


def test_a_past_expires_is_an_error_not_never() -> None:
    with pytest.raises(LifetimeError) as caught:
        lifetime_seconds(NOW, NOW, Mode.AXB)
    assert str(caught.value) == (
        "expires 2026-01-01T00:00:00+00:00 has already passed (now 2026-01-01T00:00:00+00:00): "
        "a AXB binding cannot be bound or modified to expire in the past"
    )


def test_an_expires_beyond_the_cap_is_an_error() -> None:
    assert lifetime_seconds(NOW + timedelta(days=90), NOW, Mode.AXB) == 7_776_000
    with pytest.raises(LifetimeError) as caught:
        lifetime_seconds(NOW + timedelta(days=90, seconds=1), NOW, Mode.AXB)
    assert str(caught.value) == (
        "expires is 7,776,001 seconds away, beyond the 7,776,000 seconds a AXB binding may live "
        "from when it is bound or modified"
    )
    with pytest.raises(LifetimeError):
        axe.bind_request(
            AXEBinding(a="+8613900000001", area_code="0755", expires=NOW + timedelta(days=91)),
            None,
            NOW,
        )


def test_axyb_needs_at_least_a_minute() -> None:
    binding = AXYBBinding(
        a="+8613900000001",
        b="+8613900000002",
        area_code="0755",
        expires=NOW + timedelta(seconds=30),
    )
    with pytest.raises(LifetimeError):
        axyb.ax_step(binding, None, NOW)


@pytest.mark.parametrize(
    ("status", "code", "family"),
    [
        (400, "1023006", AuthenticationError),
        (400, "1023038", AuthenticationError),
        (401, "1010010", AuthenticationError),
        (401, "1010013", AuthenticationError),
        (403, "1010010", FlowControl),
        (403, "1011006", FlowControl),
        (403, "1020176", AuthenticationError),
        (403, "1010040", AuthenticationError),
        (403, "1010002", InvalidRequest),
        (403, "1012012", InvalidRequest),
        (403, "1016001", NotFound),
        (403, "1012007", NotFound),
        (403, "1012001", NumberNotOwned),
        (403, "1011004", NumberNotOwned),
        (403, "1012010", Conflict),
        (403, "1013102", Conflict),
        (403, "1016002", Conflict),
        (403, "1011005", Conflict),
        (403, "1011002", CapacityError),
        (403, "1011003", CapacityError),
        (403, "1012008", CapacityError),
        (403, "1012009", CapacityError),
        (403, "1020167", CapacityError),
        (403, "1010029", AccountFrozen),
        (500, "1010001", ServerError),
        (500, "1020001", ServerError),
        (500, "1020002", ServerError),
        (500, "1023001", ServerError),
        (500, "1023002", ServerError),
        (503, "1099999", ServerError),
        (403, "1099999", UnknownResultCode),
    ],
)
def test_result_codes_map_to_their_family(status: int, code: str, family: type) -> None:
    error = error_for(status, code, "text", operation="axb.bind", app="orders")
    assert type(error) is family
    assert (error.code, error.status, error.description) == (code, status, "text")
    assert error.hint
    assert error.retryable == (family in (FlowControl, ServerError))


def test_backoff_is_exponential_with_jitter_and_capped() -> None:
    low = RetryPolicy(base=0.5, cap=4.0, rng=lambda: 0.0)
    high = RetryPolicy(base=0.5, cap=4.0, rng=lambda: 0.999999)
    assert [low.delay(n) for n in range(5)] == [0.25, 0.5, 1.0, 2.0, 2.0]
    assert [round(high.delay(n), 3) for n in range(5)] == [0.5, 1.0, 2.0, 4.0, 4.0]
    assert low.delay(0, flow_control=True) == 0.5
    assert RetryPolicy(attempts=2).allows(1) and not RetryPolicy(attempts=2).allows(2)


def test_rate_limiter_spaces_requests_at_qps_after_the_burst() -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(round(seconds, 6))

    async def run() -> None:
        limiter = RateLimiter(10, 2, sleep=sleep, monotonic=lambda: 100.0)
        for _ in range(5):
            async with limiter.slot():
                pass

    asyncio.run(run())
    # A burst of 2 (the concurrency) goes at once, then one every 1/10 s.
    assert slept == [0.1, 0.2, 0.3]


def test_rate_limiter_throttles_on_flow_control_and_recovers() -> None:
    limiter = RateLimiter(20, 4)
    limiter.throttle()
    limiter.throttle()
    assert limiter.rate == 5
    for _ in range(20):
        limiter.recover()
    assert limiter.rate == 20
    for _ in range(10):
        limiter.throttle()
    assert limiter.rate == 20 / 16
