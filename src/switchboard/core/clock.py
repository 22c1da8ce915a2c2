"""Time for the pure layers: passed in, never read.

`core/`, `flows/`, `sip/` and `rtp/` never read a clock themselves: every command
carries `now` and every state machine reports its `next_deadline()`. The runtime
reads the system clock (`runtime/clock.py`); tests use `ManualClock` and jump it, as
Trio's `MockClock` does, so a 20-second offer countdown takes no wall time at all.
"""

from __future__ import annotations

from typing import Protocol


class Clock(Protocol):
    """Something that tells the time in seconds (the epoch for the system clock)."""

    def now(self) -> float: ...


class ManualClock:
    """A clock that moves only when a test moves it."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start

    def now(self) -> float:
        return self._now

    def jump(self, seconds: float) -> float:
        """Move forward by `seconds` and return the new time."""
        if seconds < 0:
            raise ValueError("a clock does not go backwards")
        self._now += seconds
        return self._now

    def set(self, at: float) -> float:
        """Move forward to the absolute time `at`."""
        if at < self._now:
            raise ValueError("a clock does not go backwards")
        self._now = at
        return self._now
