"""Sequences the stateful test found, kept as plain scenarios."""

from __future__ import annotations

from switchboard.config.model import InboundNumber
from switchboard.core import commands as cmd
from switchboard.core.transfer import FailureReason

from .scenario import Scenario, agent, queue, tenant

SALES = "+33100000100"


def test_customer_hangs_up_while_held_during_a_second_call_then_the_second_fails() -> None:
    # Given Ann holds a customer and dials out
    s = Scenario(
        tenant(
            queue("sales"),
            agents=[agent("ann", "sales")],
            numbers=[InboundNumber(number=SALES, queue="sales")],
        )
    )
    s.login("ann")
    customer = s.call_in(SALES)
    s.accept("ann")
    s.do(cmd.Hold("ann", customer))
    s.do(cmd.DialNumber("ann", "+33611223344"))
    (second,) = [c for c in s.cc.agents["ann"].call_ids if c != customer]
    # When the held customer hangs up, then the dialled number fails
    s.do(cmd.RemoteHungUp(customer))
    assert s.state("ann") == "on_call"
    s.do(cmd.RemoteFailed(second, FailureReason.BUSY))
    # Then Ann qualifies the customer call she handled
    assert s.state("ann") == "post_interaction"
    post = s.cc.agents["ann"].post_interaction
    assert post is not None
    assert post.call_ids == [customer]
