"""RTP port numbers: even ports from a range, handed out round-robin.

RTP takes even ports (RFC 3550 §11; RTCP, when not multiplexed, the odd one above).
The allocator walks the range from where it last stopped rather than from its start,
so a port just released is the last to be reused: packets still in flight for a call
that ended do not land in the next one. A port that is free here may still be taken
by another program: the engine tries to bind each candidate and moves on when the
bind fails.
"""

from __future__ import annotations

from collections.abc import Iterator


class PortAllocator:
    def __init__(self, low: int, high: int) -> None:
        low += low & 1  # the first even port
        if not 0 < low <= high <= 65535:
            raise ValueError(f"no even port in {low}..{high}")
        self.low = low
        self.high = high
        self.size = (high - low) // 2 + 1
        self._next = 0
        self._used: set[int] = set()

    @property
    def in_use(self) -> int:
        return len(self._used)

    def candidates(self) -> Iterator[int]:
        """Each free even port once, from where the last allocation stopped."""
        start = self._next
        for step in range(self.size):
            index = (start + step) % self.size
            port = self.low + 2 * index
            if port not in self._used:
                self._next = (index + 1) % self.size
                yield port

    def take(self, port: int) -> None:
        self._used.add(port)

    def release(self, port: int) -> None:
        self._used.discard(port)
