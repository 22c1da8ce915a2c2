"""Spec §8 and DESIGN §2: queue limits, overflow, nobody logged in, and the voicemail
decision."""

from __future__ import annotations

from switchboard.config.model import InboundNumber
from switchboard.core import commands as cmd
from switchboard.core import effects as fx
from switchboard.core.transfer import DestinationKind, TransferMode

from .scenario import Scenario, agent, overflow, queue, tenant

SALES = "+33100000100"


def test_a_call_waiting_past_max_wait_overflows_to_voicemail() -> None:
    s = Scenario(
        tenant(
            queue("sales", max_wait=120, overflow=overflow("voicemail")),
            agents=[agent("ann", "sales")],
            numbers=[InboundNumber(number=SALES, queue="sales")],
        )
    )
    s.login("ann")
    s.call_in(SALES)
    s.accept("ann")
    waiting = s.call_in(SALES)
    s.after(119)
    assert s.call_state(waiting) == "queued"
    s.after(1)
    assert s.call_state(waiting) == "voicemail"
    assert s.of_type(fx.StartVoicemail)[-1] == fx.StartVoicemail(waiting, "sales")
    s.do(cmd.RemoteHungUp(waiting))
    record = s.records[waiting]
    assert record.end_cause is not None and record.end_cause.value == "voicemail"
    assert record.wait_seconds == 120.0


def test_max_wait_during_an_offer_overflows_when_the_offer_comes_back() -> None:
    s = Scenario(
        tenant(
            queue("sales", max_wait=30, offer_timeout=20, overflow=overflow("voicemail", "vm-x")),
            agents=[agent("ann", "sales")],
            numbers=[InboundNumber(number=SALES, queue="sales")],
        )
    )
    s.login("ann")
    s.after(15)
    call_id = s.call_in(SALES)
    s.do(cmd.Decline("ann", s.offer_of("ann")))
    s.after(20)  # new round: offered to Ann again at +20
    assert s.offered_to(call_id) == ["ann"]
    s.after(10)  # max wait passes while offered: the offer is left to run
    assert s.offered_to(call_id) == ["ann"]
    s.do(cmd.Decline("ann", s.offer_of("ann")))
    assert s.call_state(call_id) == "voicemail"
    assert s.cc.calls[call_id].mailbox == "vm-x"


def test_a_full_queue_sends_new_calls_to_its_overflow_queue() -> None:
    s = Scenario(
        tenant(
            queue("sales", max_size=2, overflow=overflow("queue", "support")),
            queue("support"),
            agents=[agent("ann", "sales"), agent("bob", "support")],
            numbers=[InboundNumber(number=SALES, queue="sales")],
        )
    )
    s.login("bob")
    s.do(cmd.Pause("bob", "meeting"))
    s.login("ann")
    s.do(cmd.Pause("ann", "meeting"))
    first, second = s.call_in(SALES), s.call_in(SALES)
    third = s.call_in(SALES)
    assert s.cc.calls[first].queue_id == "sales" and s.cc.calls[second].queue_id == "sales"
    assert s.cc.calls[third].queue_id == "support"
    s.do(cmd.Ready("bob"))
    assert s.offered_to(third) == ["bob"]


def test_nobody_logged_in_applies_the_no_agent_rule_at_arrival() -> None:
    s = Scenario(
        tenant(
            queue("sales", no_agent=overflow("hangup", message="We are closed.")),
            agents=[agent("ann", "sales")],
            numbers=[InboundNumber(number=SALES, queue="sales")],
        )
    )
    call_id = s.call_in(SALES)
    assert s.call_state(call_id) == "ended"
    (bye,) = s.of_type(fx.HangupRemote)
    assert bye.message == "We are closed."
    record = s.records[call_id]
    assert record.end_cause is not None and record.end_cause.value == "rejected"


def test_when_the_last_agent_logs_out_waiting_calls_follow_the_no_agent_rule() -> None:
    s = Scenario(
        tenant(
            queue("sales", no_agent=overflow("flow", "after-hours")),
            agents=[agent("ann", "sales")],
            numbers=[InboundNumber(number=SALES, queue="sales")],
            flows=["after-hours"],
        )
    )
    s.login("ann")
    s.do(cmd.Pause("ann", "break"))
    call_id = s.call_in(SALES)
    assert s.call_state(call_id) == "queued"
    s.do(cmd.Logout("ann"))
    assert s.call_state(call_id) == "routing"
    assert s.of_type(fx.RunFlow)[-1].flow_id == "after-hours"


def test_without_a_no_agent_rule_calls_wait_for_someone_to_log_in() -> None:
    s = Scenario(
        tenant(
            queue("sales"),
            agents=[agent("ann", "sales")],
            numbers=[InboundNumber(number=SALES, queue="sales")],
        )
    )
    call_id = s.call_in(SALES)
    s.after(300)
    assert s.call_state(call_id) == "queued"
    s.login("ann")
    assert s.offered_to(call_id) == ["ann"]


def test_an_overflow_loop_between_queues_ends_instead_of_spinning() -> None:
    s = Scenario(
        tenant(
            queue("a", no_agent=overflow("queue", "b")),
            queue("b", no_agent=overflow("queue", "a")),
            agents=[agent("ann", "a", "b")],
            numbers=[InboundNumber(number=SALES, queue="a")],
        )
    )
    call_id = s.call_in(SALES)
    assert s.call_state(call_id) == "ended"


def test_an_unknown_number_is_rejected() -> None:
    s = Scenario(tenant(queue("sales"), agents=[agent("ann", "sales")]))
    call_id = s.call_in("+33100000999")
    assert s.call_state(call_id) == "ended"
    record = s.records[call_id]
    assert record.end_cause is not None and record.end_cause.value == "rejected"


def test_a_flow_routes_the_call_to_a_queue_with_its_variables() -> None:
    s = Scenario(
        tenant(
            queue("sales"),
            agents=[agent("ann", "sales")],
            numbers=[InboundNumber(number=SALES, flow="main-ivr")],
        )
    )
    s.login("ann")
    call_id = s.call_in(SALES)
    assert s.of_type(fx.RunFlow)[-1].call_id == call_id
    s.do(cmd.RouteToQueue(call_id, "sales", variables={"menu": "1"}))
    s.accept("ann")
    s.do(cmd.Hangup("ann", call_id))
    assert s.records[call_id].variables == {"menu": "1"}


def test_a_max_wait_passed_during_an_answered_offer_does_not_overflow_a_recall() -> None:
    # Given Sales overflows to voicemail after 10 s; Ann's popup is still ringing then
    s = Scenario(
        tenant(
            queue("sales", max_wait=10, overflow=overflow("voicemail")),
            agents=[agent("ann", "sales"), agent("bob"), agent("cat", "sales")],
            numbers=[InboundNumber(number=SALES, queue="sales")],
        )
    )
    s.login("ann")
    s.after(1)
    s.login("bob", "cat")
    call_id = s.call_in(SALES)
    assert s.offered_to(call_id) == ["ann"]
    s.after(12)
    s.accept("ann")
    s.after(30)
    # When Ann transfers the call blind to Bob, who declines
    s.do(cmd.StartTransfer("ann", call_id, TransferMode.BLIND, DestinationKind.USER, "bob"))
    s.do(cmd.Decline("bob", s.offer_of("bob")))
    # Then the call comes back to the head of Sales and rings Cat, not the voicemail
    assert s.of_type(fx.StartVoicemail) == []
    assert s.offered_to(call_id) == ["cat"]


def test_the_wait_of_a_call_sent_to_voicemail_ends_when_the_message_starts() -> None:
    s = Scenario(
        tenant(
            queue("sales", max_wait=120, overflow=overflow("voicemail")),
            agents=[agent("ann", "sales")],
            numbers=[InboundNumber(number=SALES, queue="sales")],
        )
    )
    s.login("ann")
    s.do(cmd.Pause("ann"))
    call_id = s.call_in(SALES)
    s.after(120)
    assert s.call_state(call_id) == "voicemail"
    s.after(45)  # the caller leaves a 45 s message
    s.do(cmd.VoicemailDone(call_id))
    assert s.records[call_id].wait_seconds == 120.0


def test_a_call_recalled_to_its_queue_after_a_failed_transfer_keeps_a_max_wait() -> None:
    # Given Sales overflows to voicemail after 60 s, and Ann answered a Sales call
    s = Scenario(
        tenant(
            queue("sales", max_wait=60, overflow=overflow("voicemail")),
            agents=[agent("ann", "sales"), agent("bob")],
            numbers=[InboundNumber(number=SALES, queue="sales")],
        )
    )
    s.login("ann", "bob")
    call_id = s.call_in(SALES)
    s.accept("ann")
    s.after(30)
    # When she transfers it blind to Bob, who declines, and nobody in Sales is free
    s.do(cmd.StartTransfer("ann", call_id, TransferMode.BLIND, DestinationKind.USER, "bob"))
    s.do(cmd.Pause("ann", "meeting"))
    s.do(cmd.Decline("bob", s.offer_of("bob")))
    assert s.call_state(call_id) == "queued"
    # Then the call waits in Sales at most its max wait again, then overflows
    s.after(59)
    assert s.call_state(call_id) == "queued"
    s.after(1)
    assert s.call_state(call_id) == "voicemail"
