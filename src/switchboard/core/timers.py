"""Deadlines of the core, one per key, in a heap with lazy cancellation.

Offer countdowns, post-interaction ends, max-wait limits and retry rounds are all
deadlines. Each has a key (`("offer", "o12")`); arming a key again replaces its
deadline, cancelling forgets it. The heap keeps stale entries and skips them when
they surface, so arm and cancel stay O(log n) and `next_deadline()` is amortised
O(1): the runtime sleeps until that time and then calls `handle_timer(now)`.
"""

from __future__ import annotations

import heapq

TimerKey = tuple[str, str]


class Timers:
    def __init__(self) -> None:
        self._heap: list[tuple[float, int, TimerKey]] = []
        self._live: dict[TimerKey, tuple[float, int]] = {}
        self._seq = 0

    def arm(self, key: TimerKey, at: float) -> None:
        self._seq += 1
        self._live[key] = (at, self._seq)
        heapq.heappush(self._heap, (at, self._seq, key))

    def cancel(self, key: TimerKey) -> None:
        self._live.pop(key, None)

    def deadline(self, key: TimerKey) -> float | None:
        entry = self._live.get(key)
        return entry[0] if entry else None

    def _drop_stale(self) -> None:
        heap = self._heap
        while heap:
            at, seq, key = heap[0]
            if self._live.get(key) == (at, seq):
                return
            heapq.heappop(heap)

    def next_deadline(self) -> float | None:
        self._drop_stale()
        return self._heap[0][0] if self._heap else None

    def pop_due(self, now: float) -> TimerKey | None:
        """The earliest key whose deadline is at or before `now`, now disarmed."""
        self._drop_stale()
        if not self._heap or self._heap[0][0] > now:
            return None
        _, _, key = heapq.heappop(self._heap)
        del self._live[key]
        return key

    def __len__(self) -> int:
        return len(self._live)
