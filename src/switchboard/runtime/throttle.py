"""Throttling guessers: repeated failed logins or SIP registrations from one source.

Per source address: after `limit` failures within `window` seconds the source is
banned for `ban` seconds; every attempt during the ban is refused without being
checked (no password hashing, no digest), so guessing costs the guesser time and
costs us nothing. A success clears the source's count. Time is passed in, so the
rule is tested with a manual clock; the table is bounded so a spray of spoofed
sources cannot grow it without limit.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field


@dataclass(slots=True)
class _Record:
    failures: list[float] = field(default_factory=list)
    banned_until: float = 0.0


class FailureThrottle:
    def __init__(
        self,
        *,
        limit: int = 5,
        window: float = 60.0,
        ban: float = 300.0,
        max_sources: int = 100_000,
    ) -> None:
        self.limit = limit
        self.window = window
        self.ban = ban
        self.max_sources = max_sources
        self._sources: OrderedDict[str, _Record] = OrderedDict()

    def banned(self, source: str, now: float) -> bool:
        record = self._sources.get(source)
        return record is not None and record.banned_until > now

    def retry_after(self, source: str, now: float) -> float:
        record = self._sources.get(source)
        return 0.0 if record is None else max(0.0, record.banned_until - now)

    def failed(self, source: str, now: float) -> bool:
        """Count a failure; True when the source is now banned."""
        record = self._sources.pop(source, None) or _Record()
        self._sources[source] = record  # most recent last
        record.failures = [t for t in record.failures if t > now - self.window]
        record.failures.append(now)
        if len(record.failures) >= self.limit:
            record.banned_until = now + self.ban
            record.failures.clear()
        while len(self._sources) > self.max_sources:
            self._sources.popitem(last=False)
        return record.banned_until > now

    def succeeded(self, source: str) -> None:
        record = self._sources.get(source)
        if record is not None and record.banned_until == 0.0:
            del self._sources[source]
        elif record is not None:
            record.failures.clear()
