"""The per-app request budget: a token bucket at ``qps`` and at most ``concurrency``
requests in flight, shared by every call of one client.

The bucket is a GCRA (a token bucket written as the "theoretical arrival time"): each
request is scheduled 1/rate after the previous one, with a burst allowance, and waits
until its slot. The wait is computed once, so an injected ``sleep`` (tests) works without
real time passing. Flow control answers from the platform halve the rate for a while
(:meth:`RateLimiter.throttle`); successes bring it back (:meth:`RateLimiter.recover`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

Sleep = Callable[[float], Awaitable[None]]
Monotonic = Callable[[], float]

MIN_RATE_SHARE = 1 / 16
"""Throttling never goes below this share of the configured ``qps``."""
RECOVERY_STEP = 0.1
"""Each success gives back this share of the configured ``qps``."""


class RateLimiter:
    def __init__(
        self,
        qps: float,
        concurrency: int,
        *,
        sleep: Sleep | None = None,
        monotonic: Monotonic | None = None,
    ) -> None:
        if qps <= 0 or concurrency < 1:
            raise ValueError("qps must be above 0 and concurrency at least 1")
        self.qps = qps
        self.concurrency = concurrency
        self.rate = qps
        self._burst = max(1.0, min(float(concurrency), qps))
        self._sleep = sleep or asyncio.sleep
        self._monotonic = monotonic or time.monotonic
        self._tat: float | None = None
        self._semaphore = asyncio.Semaphore(concurrency)
        self.in_flight = 0
        self.max_in_flight = 0

    async def _token(self) -> None:
        now = self._monotonic()
        tat = now if self._tat is None else max(self._tat, now)
        interval = 1.0 / self.rate
        wait = tat - now - (self._burst - 1) * interval
        self._tat = tat + interval
        if wait > 0:
            await self._sleep(wait)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one of the ``concurrency`` slots, after waiting for a token."""
        async with self._semaphore:
            await self._token()
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            try:
                yield
            finally:
                self.in_flight -= 1

    def throttle(self) -> None:
        """The platform said "flow control": halve the rate (not below 1/16 of qps)."""
        self.rate = max(self.qps * MIN_RATE_SHARE, self.rate / 2)
        self._burst = 1.0

    def recover(self) -> None:
        """A request succeeded: give back a tenth of the configured rate."""
        if self.rate < self.qps:
            self.rate = min(self.qps, self.rate + self.qps * RECOVERY_STEP)
            if self.rate == self.qps:
                self._burst = max(1.0, min(float(self.concurrency), self.qps))
