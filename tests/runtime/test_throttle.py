"""The per-source throttle of logins and SIP registrations, on a manual clock."""

from __future__ import annotations

from switchboard.runtime.throttle import FailureThrottle


def test_failures_spread_wider_than_the_window_never_ban() -> None:
    throttle = FailureThrottle(limit=3, window=60, ban=300)
    for minute in range(10):
        assert not throttle.failed("10.0.0.1", minute * 61.0)
    assert not throttle.banned("10.0.0.1", 700.0)


def test_a_burst_bans_for_the_ban_time_then_the_source_starts_afresh() -> None:
    throttle = FailureThrottle(limit=3, window=60, ban=300)
    assert not throttle.failed("10.0.0.1", 0.0)
    assert not throttle.failed("10.0.0.1", 1.0)
    assert throttle.failed("10.0.0.1", 2.0)
    assert throttle.banned("10.0.0.1", 301.9)
    assert throttle.retry_after("10.0.0.1", 2.0) == 300.0
    assert not throttle.banned("10.0.0.2", 3.0)  # others are not affected
    assert not throttle.banned("10.0.0.1", 302.0)
    assert not throttle.failed("10.0.0.1", 303.0)  # the count started again


def test_a_success_clears_the_count_and_the_table_stays_bounded() -> None:
    throttle = FailureThrottle(limit=3, window=60, ban=300, max_sources=100)
    throttle.failed("10.0.0.1", 0.0)
    throttle.failed("10.0.0.1", 1.0)
    throttle.succeeded("10.0.0.1")
    assert not throttle.failed("10.0.0.1", 2.0)
    for n in range(1000):
        throttle.failed(f"192.0.2.{n}", 3.0)
    assert len(throttle._sources) <= 100
