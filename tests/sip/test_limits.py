"""The per-source limit on malformed traffic."""

from __future__ import annotations

from switchboard.sip.limits import MalformedLimiter


def test_a_source_is_banned_after_its_burst_and_others_are_not() -> None:
    limiter = MalformedLimiter(burst=5, per_second=1.0, ban_seconds=60)
    verdicts = [limiter.malformed("10.0.0.1", 100.0) for _ in range(6)]
    assert verdicts == [False] * 5 + [True]
    assert limiter.banned("10.0.0.1", 159.9)
    assert not limiter.banned("10.0.0.1", 160.1)
    assert not limiter.banned("10.0.0.2", 100.0)


def test_the_budget_refills_with_time() -> None:
    limiter = MalformedLimiter(burst=3, per_second=1.0)
    for second in range(100):
        # One bad message a second, as fast as the budget refills: never banned.
        assert not limiter.malformed("10.0.0.1", float(second))


def test_memory_is_bounded() -> None:
    limiter = MalformedLimiter(max_sources=10)
    for n in range(50):
        limiter.malformed(f"10.0.0.{n}", 0.0)
    assert len(limiter._buckets) == 10
