"""Per-source limits on bad traffic, so one broken or hostile peer cannot starve the rest.

Each source address has a budget of malformed messages (unparsable, refused by
validation, oversized) that refills over time, a token bucket. A source that spends
it is ignored for `ban_seconds`: its datagrams are dropped unread and its TCP
connections closed. Good messages never spend the budget, so a busy trunk that sends
thousands of valid requests is never throttled. Pure: `now` is passed in.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float
    banned_until: float = 0.0


class MalformedLimiter:
    def __init__(
        self,
        *,
        burst: int = 20,
        per_second: float = 2.0,
        ban_seconds: float = 60.0,
        max_sources: int = 100_000,
    ) -> None:
        self.burst = burst
        self.per_second = per_second
        self.ban_seconds = ban_seconds
        self.max_sources = max_sources
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def banned(self, source: str, now: float) -> bool:
        bucket = self._buckets.get(source)
        return bucket is not None and bucket.banned_until > now

    def malformed(self, source: str, now: float) -> bool:
        """Count one bad message from `source`; True when it is now banned."""
        bucket = self._buckets.get(source)
        if bucket is None:
            bucket = _Bucket(tokens=float(self.burst), updated=now)
            self._buckets[source] = bucket
            while len(self._buckets) > self.max_sources:
                self._buckets.popitem(last=False)
        self._buckets.move_to_end(source)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.per_second)
        bucket.updated = now
        bucket.tokens -= 1
        if bucket.tokens < 0:
            bucket.banned_until = now + self.ban_seconds
            bucket.tokens = float(self.burst)
            return True
        return bucket.banned_until > now
