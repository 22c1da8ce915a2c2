"""Agent status: log in, pause with a reason, ready, queues joined, log out."""

from __future__ import annotations

from switchboard.config.model import Device, InboundNumber, SipCredentials
from switchboard.core import commands as cmd
from switchboard.core import effects as fx
from switchboard.core.errors import Reason

from .scenario import Scenario, agent, queue, tenant

SALES, SUPPORT = "+33100000100", "+33100000200"


def center() -> Scenario:
    return Scenario(
        tenant(
            queue("sales"),
            queue("support"),
            agents=[agent("ann", "sales", "support"), agent("bob", "support")],
            numbers=[
                InboundNumber(number=SALES, queue="sales"),
                InboundNumber(number=SUPPORT, queue="support"),
            ],
        )
    )


def test_login_joins_every_queue_of_the_agent_and_makes_it_available() -> None:
    s = center()
    s.login("ann")
    assert s.state("ann") == "available"
    assert s.cc.agents["ann"].joined == {"sales", "support"}
    s.rejects(cmd.Login("ann"), Reason.ALREADY_LOGGED_IN)
    s.rejects(cmd.Login("zed"), Reason.UNKNOWN_AGENT)


def test_a_paused_agent_is_offered_nothing_until_ready() -> None:
    s = center()
    s.login("ann")
    s.do(cmd.Pause("ann", "training"))
    assert s.state("ann") == "paused"
    call_id = s.call_in(SALES)
    assert s.call_state(call_id) == "queued"
    s.do(cmd.Ready("ann"))
    assert s.offered_to(call_id) == ["ann"]


def test_leaving_a_queue_stops_its_calls_and_joining_again_brings_them() -> None:
    s = center()
    s.login("ann")
    s.do(cmd.LeaveQueue("ann", "sales"))
    call_id = s.call_in(SALES)
    assert s.call_state(call_id) == "queued"
    s.do(cmd.JoinQueue("ann", "sales"))
    assert s.offered_to(call_id) == ["ann"]
    s.rejects(cmd.JoinQueue("bob", "sales"), Reason.NOT_LOGGED_IN)
    s.login("bob")
    s.rejects(cmd.JoinQueue("bob", "sales"), Reason.NOT_A_MEMBER)
    s.rejects(cmd.JoinQueue("bob", "nope"), Reason.UNKNOWN_QUEUE)


def test_logging_out_while_presented_returns_the_call_without_a_missed_call() -> None:
    s = center()
    s.login("ann", "bob")
    call_id = s.call_in(SUPPORT)
    (first,) = s.offered_to(call_id)
    s.do(cmd.Logout(first))
    assert s.state(first) == "logged_out"
    assert s.offered_to(call_id) == [a for a in ("ann", "bob") if a != first]
    assert s.missed == []


def test_logging_out_on_a_call_is_refused() -> None:
    s = center()
    s.login("ann")
    s.call_in(SALES)
    s.accept("ann")
    s.rejects(cmd.Logout("ann"), Reason.AGENT_BUSY)


def test_an_agent_switches_between_the_banner_and_its_sip_phone_between_calls() -> None:
    s = center()
    ann = s.cc.agents["ann"]
    assert ann.device is Device.BANNER  # as configured
    s.rejects(cmd.SetDevice("ann", Device.SIP_PHONE), Reason.NO_SIP_ACCOUNT)
    ann.config = ann.config.model_copy(
        update={"sip": SipCredentials(ha1_md5="0" * 32, ha1_sha256="0" * 64)}
    )
    s.login("ann")
    out = s.do(cmd.SetDevice("ann", Device.SIP_PHONE))
    assert s.cc.agents["ann"].device.value == "sip_phone"
    assert [e.agent_id for e in out if isinstance(e, fx.AgentChanged)] == ["ann"]
    s.call_in(SALES)
    s.rejects(cmd.SetDevice("ann", Device.BANNER), Reason.AGENT_BUSY)  # while presented
    s.accept("ann")
    s.rejects(cmd.SetDevice("ann", Device.BANNER), Reason.AGENT_BUSY)  # on the call
