"""The emulator's own clock: binding expiry, ``subscribeTime`` and the auth window follow it.

A clock is either *live* (the system time plus an offset, so it keeps moving) or *frozen*
at one instant (it moves only when set or advanced). ``set`` keeps the current kind;
``freeze``/``resume`` switch between them.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("the emulator clock needs a timezone-aware datetime (e.g. UTC)")
    return value.astimezone(UTC)


class Clock:
    """Thread-safe settable clock. ``now()`` is always a UTC-aware datetime."""

    def __init__(self, start: datetime | None = None) -> None:
        self._lock = threading.Lock()
        self._offset = 0.0
        self._frozen_at: float | None = None
        if start is not None:
            self._frozen_at = _aware(start).timestamp()

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    def timestamp(self) -> float:
        """Seconds since the epoch on this clock."""
        with self._lock:
            if self._frozen_at is not None:
                return self._frozen_at
            return time.time() + self._offset

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp(), UTC)

    def set(self, value: datetime) -> None:
        """Jump to ``value``; a live clock keeps running from there."""
        target = _aware(value).timestamp()
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at = target
            else:
                self._offset = target - time.time()

    def advance(self, seconds: float) -> None:
        """Move forward by ``seconds`` (negative moves back)."""
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at += seconds
            else:
                self._offset += seconds

    def freeze(self, at: datetime | None = None) -> None:
        """Stop the clock at ``at`` (default: now)."""
        target = _aware(at).timestamp() if at is not None else self.timestamp()
        with self._lock:
            self._frozen_at = target

    def resume(self) -> None:
        """Let a frozen clock run again from where it stands."""
        with self._lock:
            if self._frozen_at is not None:
                self._offset = self._frozen_at - time.time()
                self._frozen_at = None
