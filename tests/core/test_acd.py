"""Spec §1.1 and DESIGN §2: the ACD picks the right agent for each strategy, serves
calls by priority then wait, and respects priority tiers and skill levels."""

from __future__ import annotations

import pytest

from switchboard.config.model import InboundNumber, RoutingStrategy
from switchboard.core import commands as cmd
from switchboard.core import effects as fx

from .scenario import Scenario, agent, queue, tenant

NUMBER = "+33100000100"


def center(strategy: RoutingStrategy, *agents_: object, **queue_kwargs: object) -> Scenario:
    return Scenario(
        tenant(
            queue("q", strategy=strategy, **queue_kwargs),
            agents=list(agents_),  # type: ignore[arg-type]
            numbers=[InboundNumber(number=NUMBER, queue="q")],
        )
    )


def finish_call(s: Scenario, agent_id: str, talk: float = 10.0) -> None:
    s.accept(agent_id)
    s.after(talk)
    call_id = s.cc.agents[agent_id].call_ids[0]
    s.do(cmd.Hangup(agent_id, call_id))
    s.do(cmd.EndPostInteraction(agent_id))


def test_longest_idle_agent_gets_the_call() -> None:
    s = center(RoutingStrategy.LONGEST_IDLE, agent("ann", "q"), agent("bob", "q"))
    s.login("bob")
    s.after(5)
    s.login("ann")
    call_id = s.call_in(NUMBER)
    assert s.offered_to(call_id) == ["bob"]
    finish_call(s, "bob")
    # Bob just became free again; Ann has been idle longer now
    assert s.offered_to(s.call_in(NUMBER)) == ["ann"]


def test_round_robin_takes_turns_in_the_queue() -> None:
    s = center(RoutingStrategy.ROUND_ROBIN, agent("ann", "q"), agent("bob", "q"), agent("cid", "q"))
    s.login("ann", "bob", "cid")
    served = []
    for _ in range(6):
        call_id = s.call_in(NUMBER)
        (who,) = s.offered_to(call_id)
        served.append(who)
        finish_call(s, who, talk=1)
    assert served == ["ann", "bob", "cid", "ann", "bob", "cid"]


def test_fewest_calls_prefers_the_agent_who_handled_fewer() -> None:
    s = center(RoutingStrategy.FEWEST_CALLS, agent("ann", "q"), agent("bob", "q"))
    s.login("ann")
    for _ in range(2):
        s.call_in(NUMBER)
        finish_call(s, "ann", talk=1)
    s.login("bob")
    s.after(30)  # Ann now idle longer than... no: Bob logged in later but has 0 calls
    assert s.offered_to(s.call_in(NUMBER)) == ["bob"]


def test_least_talk_time_prefers_the_agent_who_talked_least() -> None:
    s = center(RoutingStrategy.LEAST_TALK_TIME, agent("ann", "q"), agent("bob", "q"))
    s.login("ann", "bob")
    s.call_in(NUMBER)
    finish_call(s, "ann", talk=120)
    s.call_in(NUMBER)
    finish_call(s, "bob", talk=30)
    # Bob became free last (less idle), but talked less than Ann
    assert s.offered_to(s.call_in(NUMBER)) == ["bob"]


def test_ring_all_offers_everyone_and_the_first_accept_wins() -> None:
    s = center(RoutingStrategy.RING_ALL, agent("ann", "q"), agent("bob", "q"), agent("cid", "q"))
    s.login("ann", "bob", "cid")
    call_id = s.call_in(NUMBER)
    assert s.offered_to(call_id) == ["ann", "bob", "cid"]
    s.accept("bob")
    assert s.state("bob") == "on_call"
    assert s.state("ann") == "available" and s.state("cid") == "available"
    # No missed call for those who were withdrawn
    assert s.missed == []


def test_ring_all_a_second_call_rings_those_still_free() -> None:
    s = center(RoutingStrategy.RING_ALL, agent("ann", "q"), agent("bob", "q"))
    s.login("ann", "bob")
    first = s.call_in(NUMBER)
    s.accept("ann")
    second = s.call_in(NUMBER)
    assert s.offered_to(first) == []
    assert s.offered_to(second) == ["bob"]


def test_skills_offer_to_the_most_skilled_and_respect_the_required_level() -> None:
    s = center(
        RoutingStrategy.SKILLS,
        agent("ann", ("q", 1, 3)),
        agent("bob", ("q", 1, 8)),
        agent("cid", ("q", 1, 5)),
    )
    s.login("ann", "bob", "cid")
    assert s.offered_to(s.call_in(NUMBER)) == ["bob"]


@pytest.mark.parametrize("strategy", list(RoutingStrategy))
def test_priority_tier_two_only_when_tier_one_is_busy(strategy: RoutingStrategy) -> None:
    s = center(strategy, agent("ann", ("q", 2, 5)), agent("bob", ("q", 1, 5)))
    s.login("ann")
    s.after(10)
    s.login("bob")
    first = s.call_in(NUMBER)
    assert "bob" in s.offered_to(first)
    if strategy is RoutingStrategy.RING_ALL:
        return
    assert s.offered_to(first) == ["bob"]
    s.accept("bob")
    assert s.offered_to(s.call_in(NUMBER)) == ["ann"]


def test_higher_priority_calls_are_served_first_then_the_longest_waiting() -> None:
    s = Scenario(
        tenant(
            queue("low", priority=0),
            queue("high", priority=5),
            agents=[agent("ann", "low", "high")],
            numbers=[
                InboundNumber(number="+33100000001", queue="low"),
                InboundNumber(number="+33100000005", queue="high"),
            ],
        )
    )
    old_low = s.call_in("+33100000001")
    s.after(30)
    new_low = s.call_in("+33100000001")
    s.after(1)
    high = s.call_in("+33100000005")
    s.login("ann")
    order = []
    for _ in range(3):
        (call_id,) = [c for c in (old_low, new_low, high) if s.offered_to(c) == ["ann"]]
        order.append(call_id)
        finish_call(s, "ann", talk=1)
    assert order == [high, old_low, new_low]


def test_a_call_needing_a_skill_level_waits_for_a_skilled_enough_agent() -> None:
    s = Scenario(
        tenant(
            queue("q", strategy=RoutingStrategy.SKILLS),
            agents=[agent("ann", ("q", 1, 3)), agent("bob", ("q", 1, 8))],
            flows=["ivr"],
            numbers=[InboundNumber(number=NUMBER, flow="ivr")],
        )
    )
    s.login("ann")
    call_id = s.call_in(NUMBER)
    assert s.call_state(call_id) == "routing"
    s.do(cmd.RouteToQueue(call_id, "q", required_skill=6, variables={"lang": "fr"}))
    assert s.call_state(call_id) == "queued"
    s.login("bob")
    assert s.offered_to(call_id) == ["bob"]
    assert s.cc.calls[call_id].variables == {"lang": "fr"}


def test_ring_all_an_auto_answer_agent_takes_the_call_and_nobody_else_rings() -> None:
    # Given a ring-all queue where Bob (headset, auto-answer) is second in the ring
    s = center(
        RoutingStrategy.RING_ALL,
        agent("ann", "q"),
        agent("bob", "q", profile="headset"),
        agent("cid", "q"),
    )
    s.login("ann")
    s.after(1)
    s.login("bob")
    s.after(1)
    s.login("cid")
    # When a call arrives
    call_id = s.call_in(NUMBER)
    # Then Bob's phone answers it, Ann's popup is withdrawn and Cid is never rung
    assert set(s.cc.calls[call_id].agents) == {"bob"}
    assert s.call_state(call_id) == "connected"
    assert s.offered_to(call_id) == []
    assert [e.agent_id for e in s.of_type(fx.PresentOffer)] == ["ann", "bob"]
    assert (s.state("ann"), s.state("bob"), s.state("cid")) == ("available", "on_call", "available")


def test_a_call_every_skilled_enough_agent_refused_gets_a_new_round() -> None:
    # Given Ann (level 7) and Cid (level 3) in a skills queue, and a call needing level 5
    s = Scenario(
        tenant(
            queue("q", strategy=RoutingStrategy.SKILLS, offer_timeout=20),
            agents=[agent("ann", ("q", 1, 7)), agent("cid", ("q", 1, 3))],
            numbers=[InboundNumber(number=NUMBER, flow="main-ivr")],
        )
    )
    s.login("ann", "cid")
    call_id = s.call_in(NUMBER)
    s.do(cmd.RouteToQueue(call_id, "q", required_skill=5))
    assert s.offered_to(call_id) == ["ann"]
    # When Ann declines: Cid can never take it
    s.do(cmd.Decline("ann", s.offer_of("ann")))
    assert s.call_state(call_id) == "queued"
    # Then it is offered to Ann again after the offer timeout, not left waiting forever
    s.after(20)
    assert s.offered_to(call_id) == ["ann"]


def test_when_the_last_agent_who_had_not_refused_leaves_the_call_gets_a_new_round() -> None:
    # Given Ann and Bob in a queue; Bob is on a break
    s = center(RoutingStrategy.LONGEST_IDLE, agent("ann", "q"), agent("bob", "q"), offer_timeout=20)
    s.login("ann", "bob")
    s.do(cmd.Pause("bob", "lunch"))
    call_id = s.call_in(NUMBER)
    s.do(cmd.Decline("ann", s.offer_of("ann")))
    # When Bob logs out: Ann, who declined, is the only agent left
    s.after(5)
    s.do(cmd.Logout("bob"))
    # Then the call rings Ann again after the offer timeout
    s.after(19.9)
    assert s.call_state(call_id) == "queued"
    s.after(0.1)
    assert s.offered_to(call_id) == ["ann"]


def test_an_agent_who_refused_the_call_and_comes_back_alone_gets_a_new_round() -> None:
    # Given Ann declined a call while Bob, on a break, was logged in too
    s = center(RoutingStrategy.LONGEST_IDLE, agent("ann", "q"), agent("bob", "q"), offer_timeout=20)
    s.login("ann", "bob")
    s.do(cmd.Pause("bob"))
    call_id = s.call_in(NUMBER)
    s.do(cmd.Decline("ann", s.offer_of("ann")))
    # And both logged out
    s.do(cmd.Logout("ann"))
    s.do(cmd.Logout("bob"))
    # When Ann logs in again, alone
    s.after(5)
    s.login("ann")
    assert s.call_state(call_id) == "queued"
    # Then the call rings her after the offer timeout
    s.after(20)
    assert s.offered_to(call_id) == ["ann"]
