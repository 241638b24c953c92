"""When and how long to wait before trying a request again.

Retried (transient): HTTP 5xx and the platform's internal-error codes, flow control,
connection errors before the request was sent, and timeouts or dropped connections of
*queries*. Never retried: authentication errors (repeated failures get the IP blocked),
invalid requests and every other answer, and a bind, modify or unbind whose request may
have been sent (that is an :class:`~reconciler.platform.errors.UnknownOutcome`).

Backoff is exponential with "equal jitter": the n-th retry waits between half and all of
``min(cap, base * 2**n)``. Flow control starts from a longer base (the platform says to
retry after about a minute; privcall tries sooner, slowing its own rate as well).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RetryPolicy:
    """``attempts`` is the total number of tries of one request (1 = no retry);
    ``flow_control_attempts`` the same for flow-control answers. ``rng`` returns a float in
    [0, 1) (injectable for tests)."""

    attempts: int = 4
    base: float = 0.5
    cap: float = 20.0
    flow_control_attempts: int = 8
    flow_control_base: float = 1.0
    rng: Callable[[], float] = field(default=random.random, compare=False)

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.flow_control_attempts < 1:
            raise ValueError("attempts must be at least 1")

    def allows(self, tries: int, *, flow_control: bool = False) -> bool:
        """Whether another try may follow ``tries`` tries already made."""
        limit = self.flow_control_attempts if flow_control else self.attempts
        return tries < limit

    def delay(self, retry: int, *, flow_control: bool = False) -> float:
        """Seconds to wait before retry number ``retry`` (0 = the first retry)."""
        base = self.flow_control_base if flow_control else self.base
        ceiling = min(self.cap, base * 2.0**retry)
        jitter = self.rng()
        return ceiling / 2 + jitter * ceiling / 2


NO_RETRY = RetryPolicy(attempts=1, flow_control_attempts=1)
