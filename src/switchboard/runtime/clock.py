"""The real clock, for the runtime only (the pure layers get `now` passed in)."""

from __future__ import annotations

import time


class SystemClock:
    """Seconds since the epoch, as every persisted time is."""

    def now(self) -> float:
        return time.time()
