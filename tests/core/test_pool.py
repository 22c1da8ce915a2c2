"""Spec overview and §1: the Voice module's Calls in pool, and Take this call."""

from __future__ import annotations

from switchboard.config.model import InboundNumber
from switchboard.core import commands as cmd
from switchboard.core.errors import Reason
from switchboard.core.views import PoolCategory, calls_in_pool, can_see

from .scenario import Scenario, agent, queue, tenant

SALES, SUPPORT = "+33100000100", "+33100000200"


def center() -> Scenario:
    return Scenario(
        tenant(
            queue("sales"),
            queue("support"),
            agents=[
                agent("ann", "sales"),
                agent("bob", "support"),
                agent("sue", supervises=["sales", "support"]),
                agent("sam", supervises=["sales"]),
            ],
            numbers=[
                InboundNumber(number=SALES, queue="sales"),
                InboundNumber(number=SUPPORT, queue="support"),
            ],
        )
    )


def test_pool_lists_presented_handled_and_supervised_waiting_calls() -> None:
    s = center()
    s.login("ann", "sue")
    handled = s.call_in(SALES)
    s.accept("ann")
    presented = s.call_in(SALES)  # waits: Ann is busy
    waiting_support = s.call_in(SUPPORT)
    s.after(12)
    pool = {e.call_id: e for e in calls_in_pool(s.cc, "ann", s.clock.now())}
    assert {k: v.category for k, v in pool.items()} == {handled: PoolCategory.HANDLED}
    sue_pool = {e.call_id: e for e in calls_in_pool(s.cc, "sue", s.clock.now())}
    assert {k: v.category for k, v in sue_pool.items()} == {
        presented: PoolCategory.WAITING,
        waiting_support: PoolCategory.WAITING,
    }
    assert sue_pool[presented].wait_seconds == 12.0
    assert sue_pool[presented].can_take
    # Sam supervises only Sales: he never sees Support's call
    sam_pool = calls_in_pool(s.cc, "sam", s.clock.now())
    assert [e.call_id for e in sam_pool] == [presented]
    assert not can_see(s.cc, "sam", s.cc.calls[waiting_support])
    assert not can_see(s.cc, "bob", s.cc.calls[presented])


def test_a_presented_call_shows_in_the_agents_pool() -> None:
    s = center()
    s.login("ann")
    call_id = s.call_in(SALES)
    (entry,) = calls_in_pool(s.cc, "ann", s.clock.now())
    assert (entry.call_id, entry.category) == (call_id, PoolCategory.PRESENTED)


def test_take_this_call_connects_the_supervisor_to_the_waiting_call() -> None:
    s = center()
    s.login("sue")
    call_id = s.call_in(SUPPORT)
    s.after(30)
    s.do(cmd.Take("sue", call_id))
    assert s.state("sue") == "on_call"
    assert s.call_state(call_id) == "connected"
    assert s.cc.calls[call_id].wait_seconds == 30.0


def test_take_is_atomic_the_second_taker_gets_call_already_taken() -> None:
    s = center()
    s.login("sue", "sam")
    call_id = s.call_in(SALES)
    s.do(cmd.Take("sue", call_id))
    s.rejects(cmd.Take("sam", call_id), Reason.CALL_ALREADY_TAKEN)


def test_take_withdraws_a_ringing_offer_without_a_missed_call() -> None:
    s = center()
    s.login("ann", "sue")
    call_id = s.call_in(SALES)
    assert s.offered_to(call_id) == ["ann"]
    s.do(cmd.Take("sue", call_id))
    assert s.state("ann") == "available"
    assert s.missed == []
    s.rejects(cmd.Accept("ann", "o1"), Reason.OFFER_EXPIRED)


def test_take_outside_supervised_queues_is_refused() -> None:
    s = center()
    s.login("bob", "sam")
    call_id = s.call_in(SUPPORT)
    s.rejects(cmd.Take("sam", call_id), Reason.NOT_VISIBLE)


def test_a_busy_supervisor_cannot_take_another_call() -> None:
    s = center()
    s.login("sue")
    first = s.call_in(SALES)
    s.do(cmd.Take("sue", first))
    second = s.call_in(SALES)
    s.rejects(cmd.Take("sue", second), Reason.AGENT_BUSY)


def test_taking_a_call_from_the_own_popup_accepts_it() -> None:
    s = center()
    s.login("ann")
    call_id = s.call_in(SALES)
    s.do(cmd.Take("ann", call_id))
    assert s.call_state(call_id) == "connected"
