"""Fault injection: latency, injected error codes, flow control, commit-then-drop.

Operations are named ``"<mode>.<op>"`` in lower case (``axb.bind``, ``axe.query``, ...);
``"*"`` matches every operation that has no rule of its own. Random decisions come from one
RNG seeded by ``Faults.seed``, so a test sees the same sequence every run.
"""

from __future__ import annotations

import random
import threading
from collections import deque
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from reconciler.emulator import codes
from reconciler.emulator.codes import Result

OPERATIONS: tuple[str, ...] = (
    "ax.bind",
    "ax.modify",
    "ax.unbind",
    "ax.query",
    "ax.callee",
    "axb.bind",
    "axb.modify",
    "axb.unbind",
    "axb.query",
    "axe.bind",
    "axe.modify",
    "axe.unbind",
    "axe.query",
    "axyb.bind",
    "axyb.unbind",
    "axyb.query",
)


def _check_operations(names: list[str]) -> None:
    unknown = sorted(set(names) - {*OPERATIONS, "*"})
    if unknown:
        raise ValueError(
            f"unknown operation {', '.join(unknown)}; use one of {', '.join(OPERATIONS)} or *"
        )


class ErrorRule(BaseModel):
    """Answer ``rate`` (0..1) of an operation's requests with result ``code`` (not processed).
    The HTTP status is the platform's for that code."""

    model_config = ConfigDict(extra="forbid")

    rate: float = Field(ge=0.0, le=1.0)
    code: str = codes.INTERNAL_SYSTEM_ERROR.code

    @field_validator("code")
    @classmethod
    def _known_code(cls, value: str) -> str:
        if value not in codes.INJECTABLE:
            raise ValueError(f"{value} is not a platform result code the emulator knows")
        return value

    @property
    def result(self) -> Result:
        return codes.INJECTABLE[self.code]


class DropRule(BaseModel):
    """Commit the request, then close the connection without a response: the next ``next``
    requests of the operation, and after those a share ``rate`` (0..1) of them."""

    model_config = ConfigDict(extra="forbid")

    rate: float = Field(default=0.0, ge=0.0, le=1.0)
    next: int = Field(default=0, ge=0)


class Faults(BaseModel):
    """The fault switches; mutable at run time (``emu.faults.latency = 0.2``)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    latency: float = Field(default=0.0, ge=0.0)
    latency_max: float | None = Field(default=None, ge=0.0)
    errors: dict[str, ErrorRule] = {}
    flow_control_qps: float | None = Field(default=None, gt=0.0)
    flow_control_code: Literal["1010010", "1011006"] = "1010010"
    drop: dict[str, DropRule] = {}
    seed: int = 0

    @model_validator(mode="after")
    def _consistent(self) -> Faults:
        if self.latency_max is not None and self.latency_max < self.latency:
            raise ValueError("latency_max must not be below latency")
        _check_operations([*self.errors, *self.drop])
        return self


_T = TypeVar("_T")


def _rule(rules: dict[str, _T], operation: str) -> _T | None:
    return rules.get(operation, rules.get("*"))


class FaultEngine:
    """Makes the per-request fault decisions for the current :class:`Faults`."""

    def __init__(self, faults: Faults | None = None) -> None:
        self._lock = threading.Lock()
        self._faults = faults if faults is not None else Faults()
        self._rng = random.Random(self._faults.seed)
        self._windows: dict[str, deque[float]] = {}

    @property
    def faults(self) -> Faults:
        return self._faults

    @faults.setter
    def faults(self, value: Faults) -> None:
        with self._lock:
            self._faults = value
            self._rng = random.Random(value.seed)
            self._windows.clear()

    def latency(self) -> float:
        """Seconds to wait before handling a request."""
        faults = self._faults
        if faults.latency_max is None or faults.latency_max == faults.latency:
            return faults.latency
        with self._lock:
            return self._rng.uniform(faults.latency, faults.latency_max)

    def flow_control(self, app_key: str, now: float) -> Result | None:
        """The flow-control answer when ``app_key`` has used its requests of the last second."""
        faults = self._faults
        if faults.flow_control_qps is None:
            return None
        with self._lock:
            window = self._windows.setdefault(app_key, deque())
            while window and (window[0] <= now - 1.0 or window[0] > now):
                window.popleft()
            if len(window) >= faults.flow_control_qps:
                if faults.flow_control_code == codes.TRAFFIC_CONTROL.code:
                    return codes.TRAFFIC_CONTROL
                return codes.FLOW_CONTROL
            window.append(now)
            return None

    def injected_error(self, operation: str) -> Result | None:
        rule = _rule(self._faults.errors, operation)
        if rule is None or rule.rate <= 0.0:
            return None
        with self._lock:
            hit = self._rng.random() < rule.rate
        return rule.result if hit else None

    def drop(self, operation: str) -> bool:
        """Whether to drop this (already committed) request's response."""
        rule = _rule(self._faults.drop, operation)
        if rule is None:
            return False
        with self._lock:
            if rule.next > 0:
                rule.next -= 1
                return True
            return rule.rate > 0.0 and self._rng.random() < rule.rate


def parse_error_option(text: str) -> tuple[str, ErrorRule]:
    """``OP=RATE[:CODE]`` (``axb.bind=0.1:1010001``, ``*=0.05``) -> an error rule."""
    operation, sep, spec = text.partition("=")
    if not sep:
        raise ValueError(f"{text!r}: expected OP=RATE[:CODE], e.g. axb.bind=0.1:1010001")
    rate, _, code = spec.partition(":")
    _check_operations([operation])
    try:
        value = float(rate)
    except ValueError:
        raise ValueError(f"{text!r}: the rate {rate!r} is not a number from 0 to 1") from None
    return operation, ErrorRule(rate=value, code=code or codes.INTERNAL_SYSTEM_ERROR.code)


def parse_drop_option(text: str) -> tuple[str, DropRule]:
    """``OP=RATE`` or ``OP=next:N`` (``ax.bind=0.5``, ``axb.bind=next:2``) -> a drop rule."""
    operation, sep, spec = text.partition("=")
    if not sep:
        raise ValueError(f"{text!r}: expected OP=RATE or OP=next:N, e.g. axb.bind=next:1")
    _check_operations([operation])
    try:
        if spec.startswith("next:"):
            return operation, DropRule(next=int(spec[len("next:") :]))
        return operation, DropRule(rate=float(spec))
    except ValueError:
        raise ValueError(f"{text!r}: expected OP=RATE or OP=next:N") from None
