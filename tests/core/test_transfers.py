"""Spec §4: transfer a call, blind or attended, to a user, a queue, a Smart Routing,
a directory contact or a number; the status banner; failures, recall and faults."""

from __future__ import annotations

import pytest

from switchboard.config.model import InboundNumber, NotificationType
from switchboard.core import commands as cmd
from switchboard.core import effects as fx
from switchboard.core.errors import Reason
from switchboard.core.records import EndCause, InteractionRecord
from switchboard.core.transfer import DestinationKind, FailureReason, TransferMode
from switchboard.core.views import PopupColour, popup

from .scenario import Scenario, agent, overflow, queue, tenant

SALES = "+33100000100"
ANN_LINE = "+33100000200"
CUSTOMER = "+33699999999"
LEGAL = "+33140000000"
OUTSIDE = "+33611223344"

BLIND = TransferMode.BLIND
ATTENDED = TransferMode.ATTENDED
USER = DestinationKind.USER
QUEUE = DestinationKind.QUEUE
FLOW = DestinationKind.FLOW
DIRECTORY = DestinationKind.DIRECTORY
NUMBER = DestinationKind.NUMBER


def center() -> Scenario:
    """Ann and Cat answer Sales, Dan answers Support, Bob is in no queue."""
    return Scenario(
        tenant(
            queue("sales", offer_timeout=15),
            queue("support"),
            queue("billing"),
            agents=[
                agent("ann", "sales", extension="201"),
                agent("bob", extension="202"),
                agent("cat", "sales", extension="203"),
                agent("dan", "support", extension="204"),
            ],
            numbers=[
                InboundNumber(number=SALES, queue="sales"),
                InboundNumber(number=ANN_LINE, agent="ann"),
            ],
        )
    )


def ann_on_a_sales_call(*others: str) -> tuple[Scenario, str]:
    """Ann answered a Sales call 2 s after it arrived and talked for 30 s."""
    s = center()
    s.login("ann", *others)
    call_id = s.call_in(SALES)
    assert s.offered_to(call_id) == ["ann"]
    s.after(2)
    s.accept("ann")
    s.after(30)
    return s, call_id


def ann_on_a_direct_call(*others: str) -> tuple[Scenario, str]:
    """A customer dialled Ann's own line; she answered and talked for 30 s."""
    s = center()
    s.login("ann", *others)
    call_id = s.call_in(ANN_LINE)
    s.accept("ann")
    s.after(30)
    return s, call_id


def transfer(
    s: Scenario,
    call_id: str,
    mode: TransferMode,
    kind: DestinationKind,
    destination: str,
    by: str = "ann",
) -> str:
    out = s.do(cmd.StartTransfer(by, call_id, mode, kind, destination))
    changes = s.of_type(fx.TransferChanged, out)
    assert changes, "starting a transfer shows its status banner"
    assert changes[0].status == "starting"
    return changes[0].transfer_id


def statuses(s: Scenario, transfer_id: str) -> list[str]:
    return [e.status for e in s.of_type(fx.TransferChanged) if e.transfer_id == transfer_id]


def final_reason(s: Scenario, transfer_id: str) -> str | None:
    changes = [e for e in s.of_type(fx.TransferChanged) if e.transfer_id == transfer_id]
    return changes[-1].failure_reason


def consultation(s: Scenario, transfer_id: str) -> str:
    consult_id = s.cc.transfers[transfer_id].consult_call_id
    assert consult_id is not None
    return consult_id


def dialled(s: Scenario, out: list[fx.Effect]) -> fx.DialNumber:
    (dial,) = s.of_type(fx.DialNumber, out)
    return dial


def record(s: Scenario, call_id: str) -> InteractionRecord:
    assert s.call_state(call_id) == "ended"
    return s.records[call_id]


def transfer_requested(s: Scenario, agent_id: str) -> list[fx.Notify]:
    return [
        n
        for n in s.of_type(fx.Notify)
        if n.agent_id == agent_id and n.kind is NotificationType.TRANSFER_REQUESTED
    ]


# -- blind transfer, to each kind of destination ---------------------------------------


def test_blind_transfer_to_a_user_rings_them_with_the_transfer_on_the_popup() -> None:
    # Given Ann on a Sales call, Bob free
    s, call_id = ann_on_a_sales_call("bob")
    # When Ann transfers the call blind to Bob
    out = s.do(cmd.StartTransfer("ann", call_id, BLIND, USER, "bob"))
    tid = s.of_type(fx.TransferChanged, out)[0].transfer_id
    # Then Ann leaves at once and enters post-interaction; the caller hears hold music
    assert fx.DisconnectAgent(call_id, "ann") in out
    assert s.state("ann") == "post_interaction"
    assert fx.HoldCall(call_id, "jazz") in out
    assert "ann" not in s.cc.calls[call_id].agents
    # And Bob's popup says who transfers it and how
    assert s.offered_to(call_id) == ["bob"]
    view = popup(s.cc, s.offer_of("bob"), s.clock.now())
    assert view is not None
    assert view.caller == CUSTOMER
    assert view.transfer_from == "ann"
    assert view.transfer_mode == "blind"
    assert view.colour is PopupColour.RASPBERRY_RED
    (notice,) = transfer_requested(s, "bob")
    assert notice.call_id == call_id
    assert notice.detail == {"from_agent": "ann", "mode": "blind"}
    assert statuses(s, tid) == ["starting", "ringing"]
    # When Bob accepts 5 s later
    s.after(5)
    out = s.do(cmd.Accept("bob", s.offer_of("bob")))
    # Then the caller is back in conversation, with Bob
    assert statuses(s, tid) == ["starting", "ringing", "answered", "completed"]
    assert fx.ConnectAgent(call_id, "bob") in out
    assert fx.ResumeCall(call_id) in out
    assert s.state("bob") == "on_call"
    assert s.call_state(call_id) == "connected"
    assert s.cc.calls[call_id].transfer_id is None
    # And when Bob hangs up after a minute, the record keeps both parts and the transfer
    s.after(60)
    s.do(cmd.Hangup("bob", call_id))
    rec = record(s, call_id)
    assert rec.end_cause is EndCause.COMPLETED
    assert [(p.agent_id, p.talk_seconds) for p in rec.participations] == [
        ("ann", 30.0),
        ("bob", 60.0),
    ]
    (t,) = rec.transfers
    assert (t.mode, t.destination_kind, t.destination, t.from_agent) == (
        "blind",
        "user",
        "bob",
        "ann",
    )
    assert (t.status, t.failure_reason, t.started_at, t.ended_at) == (
        "completed",
        None,
        1032.0,
        1037.0,
    )


def test_blind_transfer_to_a_queue_goes_back_through_the_acd() -> None:
    s, call_id = ann_on_a_sales_call("dan")
    s.after(10)
    tid = transfer(s, call_id, BLIND, QUEUE, "support")
    # The transfer is complete as soon as the queue has the call
    assert statuses(s, tid) == ["starting", "completed"]
    assert s.state("ann") == "post_interaction"
    # Dan, free in Support, is offered it; his popup shows the queue and the transfer
    assert s.offered_to(call_id) == ["dan"]
    view = popup(s.cc, s.offer_of("dan"), s.clock.now())
    assert view is not None
    assert view.queue_name == "Support"
    assert view.transfer_from == "ann"
    assert view.transfer_mode == "blind"
    assert [n.detail for n in transfer_requested(s, "dan")] == [
        {"from_agent": "ann", "mode": "blind"}
    ]
    s.accept("dan")
    assert s.call_state(call_id) == "connected"
    s.after(20)
    s.do(cmd.Hangup("dan", call_id))
    rec = record(s, call_id)
    assert rec.queue_id == "support"
    assert [p.agent_id for p in rec.participations] == ["ann", "dan"]
    assert [(t.destination_kind, t.status) for t in rec.transfers] == [("queue", "completed")]


def test_blind_transfer_to_a_busy_queue_waits_there_for_an_agent() -> None:
    s, call_id = ann_on_a_sales_call()
    transfer(s, call_id, BLIND, QUEUE, "support")
    # Nobody free in Support: no hold music, the queue's waiting music
    assert s.call_state(call_id) == "queued"
    assert s.of_type(fx.PlayWaitingMusic)[-1].queue_id == "support"
    s.after(45)
    s.login("dan")
    assert s.offered_to(call_id) == ["dan"]
    view = popup(s.cc, s.offer_of("dan"), s.clock.now())
    assert view is not None
    assert view.queue_name == "Support"


def test_blind_transfer_to_a_smart_routing_requalifies_the_call() -> None:
    s, call_id = ann_on_a_sales_call("dan")
    out = s.do(cmd.StartTransfer("ann", call_id, BLIND, FLOW, "main-ivr"))
    tid = s.of_type(fx.TransferChanged, out)[0].transfer_id
    assert statuses(s, tid) == ["starting", "completed"]
    assert [(r.call_id, r.flow_id) for r in s.of_type(fx.RunFlow, out)] == [(call_id, "main-ivr")]
    assert s.call_state(call_id) == "routing"
    assert s.state("ann") == "post_interaction"
    # The flow routes it to Support: Dan sees who transferred it
    s.do(cmd.RouteToQueue(call_id, "support", variables={"reason": "billing"}))
    view = popup(s.cc, s.offer_of("dan"), s.clock.now())
    assert view is not None
    assert view.transfer_from == "ann"
    assert view.transfer_mode == "blind"
    s.accept("dan")
    s.do(cmd.RemoteHungUp(call_id))
    rec = record(s, call_id)
    assert rec.variables == {"reason": "billing"}
    assert [(t.destination_kind, t.destination, t.status) for t in rec.transfers] == [
        ("flow", "main-ivr", "completed")
    ]


def test_an_attended_transfer_to_a_smart_routing_is_refused() -> None:
    s, call_id = ann_on_a_sales_call()
    s.rejects(
        cmd.StartTransfer("ann", call_id, ATTENDED, FLOW, "main-ivr"),
        Reason.ATTENDED_NOT_POSSIBLE,
    )
    assert s.state("ann") == "on_call"
    assert s.call_state(call_id) == "connected"


def test_blind_transfer_to_a_directory_contact_dials_its_number_then_bridges() -> None:
    s, call_id = ann_on_a_sales_call()
    out = s.do(cmd.StartTransfer("ann", call_id, BLIND, DIRECTORY, "legal"))
    tid = s.of_type(fx.TransferChanged, out)[0].transfer_id
    dial = dialled(s, out)
    assert dial.number == LEGAL
    assert dial.call_id != call_id
    assert s.state("ann") == "post_interaction"
    assert fx.HoldCall(call_id, "jazz") in out
    assert s.call_state(call_id) == "transferring"
    # The far end rings, then answers
    s.do(cmd.RemoteRinging(dial.call_id))
    assert statuses(s, tid) == ["starting", "ringing"]
    s.after(8)
    out = s.do(cmd.RemoteAnswered(dial.call_id))
    assert statuses(s, tid) == ["starting", "ringing", "answered", "completed"]
    assert fx.BridgeRemotes(call_id, dial.call_id) in out
    # The contact center steps out; neither party is hung up
    assert s.of_type(fx.HangupRemote, out) == []
    rec = record(s, call_id)
    assert rec.end_cause is EndCause.TRANSFERRED
    assert [(t.destination_kind, t.destination, t.status) for t in rec.transfers] == [
        ("directory", "legal", "completed")
    ]
    assert record(s, dial.call_id).callee == LEGAL


def test_blind_transfer_to_a_number_dials_it_then_bridges_the_caller() -> None:
    s, call_id = ann_on_a_sales_call()
    out = s.do(cmd.StartTransfer("ann", call_id, BLIND, NUMBER, "+33 6 11 22 33 44"))
    tid = s.of_type(fx.TransferChanged, out)[0].transfer_id
    dial = dialled(s, out)
    assert dial.number == OUTSIDE
    s.do(cmd.RemoteRinging(dial.call_id))
    s.do(cmd.RemoteAnswered(dial.call_id))
    assert statuses(s, tid) == ["starting", "ringing", "answered", "completed"]
    assert s.of_type(fx.BridgeRemotes)[-1] == fx.BridgeRemotes(call_id, dial.call_id)
    rec = record(s, call_id)
    assert rec.end_cause is EndCause.TRANSFERRED
    (t,) = rec.transfers
    assert (t.destination_kind, t.destination, t.status) == ("number", OUTSIDE, "completed")
    assert s.state("ann") == "post_interaction"


def test_an_invalid_number_is_refused_up_front() -> None:
    s, call_id = ann_on_a_sales_call()
    for bad in ("12ab34", "", "+", "call me"):
        for mode in (BLIND, ATTENDED):
            s.rejects(cmd.StartTransfer("ann", call_id, mode, NUMBER, bad), Reason.INVALID_NUMBER)
    assert s.state("ann") == "on_call"
    assert s.cc.transfers == {}


def test_unknown_destinations_are_refused() -> None:
    s, call_id = ann_on_a_sales_call()
    s.rejects(cmd.StartTransfer("ann", call_id, BLIND, USER, "zoe"), Reason.UNKNOWN_AGENT)
    s.rejects(cmd.StartTransfer("ann", call_id, BLIND, QUEUE, "nope"), Reason.UNKNOWN_QUEUE)
    s.rejects(cmd.StartTransfer("ann", call_id, BLIND, FLOW, "nope"), Reason.UNKNOWN_FLOW)
    s.rejects(cmd.StartTransfer("ann", call_id, BLIND, DIRECTORY, "nope"), Reason.UNKNOWN_CONTACT)


# -- blind transfer failures -------------------------------------------------------------


def test_a_declined_blind_transfer_fails_and_recalls_the_call_to_its_queue() -> None:
    s, call_id = ann_on_a_sales_call("bob", "cat")
    # Cat was busy on another call; she frees up later
    s.do(cmd.Pause("cat"))
    tid = transfer(s, call_id, BLIND, USER, "bob")
    s.after(3)
    s.do(cmd.Decline("bob", s.offer_of("bob")))
    assert statuses(s, tid) == ["starting", "ringing", "failed"]
    assert final_reason(s, tid) == "declined"
    # The call is back in Sales, waiting, never dropped
    assert s.call_state(call_id) == "queued"
    assert s.cc.queues["sales"].is_waiting(call_id)
    assert s.state("bob") == "available"
    assert [(m.agent_id, m.reason) for m in s.missed] == [("bob", "declined")]
    s.do(cmd.Ready("cat"))
    view = popup(s.cc, s.offer_of("cat"), s.clock.now())
    assert view is not None
    assert view.call_id == call_id
    assert view.transfer_from == "ann"
    assert view.transfer_mode == "recall"


def test_a_recalled_call_goes_back_to_the_head_of_its_queue() -> None:
    # Given Ann on a call that waited from 1000, and a second caller waiting since 1010
    s = center()
    s.login("ann", "bob", "cat")
    s.do(cmd.Pause("cat"))
    first = s.call_in(SALES)
    s.after(2)
    s.accept("ann")
    s.after(8)
    second = s.call_in(SALES)
    assert s.call_state(second) == "queued"
    # When Ann's blind transfer to Bob fails
    s.after(10)
    transfer(s, first, BLIND, USER, "bob")
    s.do(cmd.Decline("bob", s.offer_of("bob")))
    # Then the first call is served before the second one: it kept its place
    assert list(s.cc.queues["sales"].waiting_ids()) == [first, second]
    s.do(cmd.Ready("cat"))
    assert s.offered_to(first) == ["cat"]
    assert s.call_state(second) == "queued"


def test_an_unanswered_blind_transfer_fails_with_no_answer_and_a_missed_call() -> None:
    s, call_id = ann_on_a_sales_call("bob")
    tid = transfer(s, call_id, BLIND, USER, "bob")
    s.after(19.9)
    assert statuses(s, tid) == ["starting", "ringing"]
    s.after(0.1)
    assert statuses(s, tid) == ["starting", "ringing", "failed"]
    assert final_reason(s, tid) == "no_answer"
    assert [(m.agent_id, m.reason) for m in s.missed] == [("bob", "expired")]
    # Nobody else is free in Sales: the call waits there
    assert s.call_state(call_id) == "queued"


def test_a_busy_phone_fails_the_transfer_with_busy() -> None:
    s, call_id = ann_on_a_sales_call("bob")
    tid = transfer(s, call_id, BLIND, USER, "bob")
    s.do(cmd.Decline("bob", s.offer_of("bob"), busy=True))
    assert final_reason(s, tid) == "busy"
    assert s.call_state(call_id) == "queued"


@pytest.mark.parametrize(
    ("failure", "reason"),
    [
        (FailureReason.BUSY, "busy"),
        (FailureReason.NO_ANSWER, "no_answer"),
        (FailureReason.UNREACHABLE, "unreachable"),
    ],
)
def test_a_failed_blind_transfer_to_a_number_is_recalled(
    failure: FailureReason, reason: str
) -> None:
    s, call_id = ann_on_a_sales_call("cat")
    s.do(cmd.Pause("cat"))
    out = s.do(cmd.StartTransfer("ann", call_id, BLIND, NUMBER, OUTSIDE))
    tid = s.of_type(fx.TransferChanged, out)[0].transfer_id
    dial = dialled(s, out)
    s.do(cmd.RemoteRinging(dial.call_id))
    s.after(12)
    out = s.do(cmd.RemoteFailed(dial.call_id, failure))
    assert s.of_type(fx.HangupRemote, out) == []
    assert statuses(s, tid) == ["starting", "ringing", "failed"]
    assert final_reason(s, tid) == reason
    # The dialled leg is over, with its record; the caller is back in Sales
    assert record(s, dial.call_id).end_cause is EndCause.FAILED
    assert s.call_state(call_id) == "queued"
    s.do(cmd.Ready("cat"))
    s.accept("cat")
    s.do(cmd.Hangup("cat", call_id))
    rec = record(s, call_id)
    assert [(t.status, t.failure_reason) for t in rec.transfers] == [("failed", reason)]
    assert [p.agent_id for p in rec.participations] == ["ann", "cat"]


@pytest.mark.parametrize("bob_is", ["paused", "logged_out", "on_call"])
def test_a_blind_transfer_to_a_user_who_cannot_take_it_fails_at_once(bob_is: str) -> None:
    s, call_id = ann_on_a_sales_call("bob")
    if bob_is == "paused":
        s.do(cmd.Pause("bob", "lunch"))
    elif bob_is == "logged_out":
        s.do(cmd.Logout("bob"))
    else:
        s.do(cmd.DialNumber("bob", OUTSIDE))
    tid = transfer(s, call_id, BLIND, USER, "bob")
    assert statuses(s, tid) == ["starting", "failed"]
    # On another call he is busy; paused or logged out he is unavailable
    assert final_reason(s, tid) == ("busy" if bob_is == "on_call" else "agent_unavailable")
    assert s.cc.agents["bob"].offer_id is None
    assert s.call_state(call_id) == "queued"
    assert s.state("ann") == "post_interaction"


def test_a_failed_blind_transfer_of_a_direct_call_rings_the_agent_back_in_post_interaction() -> (
    None
):
    # Given a customer who dialled Ann's line; Ann transfers blind to Bob
    s, call_id = ann_on_a_direct_call("bob")
    tid = transfer(s, call_id, BLIND, USER, "bob")
    assert s.state("ann") == "post_interaction"
    s.after(5)
    # When Bob declines
    s.do(cmd.Decline("bob", s.offer_of("bob")))
    assert final_reason(s, tid) == "declined"
    # Then the call rings Ann again, although she is wrapping up, as a recall
    assert s.offered_to(call_id) == ["ann"]
    view = popup(s.cc, s.offer_of("ann"), s.clock.now())
    assert view is not None
    assert view.transfer_from == "ann"
    assert view.transfer_mode == "recall"
    assert s.of_type(fx.PresentOffer)[-1].kind == "recall"
    # When she takes it back, the caller stops hearing the hold music
    out = s.do(cmd.Accept("ann", s.offer_of("ann")))
    assert fx.ConnectAgent(call_id, "ann") in out
    assert fx.ResumeCall(call_id) in out
    assert s.state("ann") == "on_call"
    assert s.call_state(call_id) == "connected"
    # And after the call, one post-interaction covers it
    s.after(10)
    s.do(cmd.Hangup("ann", call_id))
    assert s.state("ann") == "post_interaction"
    post = s.cc.agents["ann"].post_interaction
    assert post is not None
    assert post.call_ids == [call_id]
    rec = record(s, call_id)
    assert [p.agent_id for p in rec.participations] == ["ann", "ann"]
    assert [(t.status, t.failure_reason) for t in rec.transfers] == [("failed", "declined")]


def test_a_recall_nobody_answers_goes_to_the_agents_voicemail_never_dropped() -> None:
    s, call_id = ann_on_a_direct_call("bob")
    transfer(s, call_id, BLIND, USER, "bob")
    s.after(20)  # Bob's popup expires
    assert s.offered_to(call_id) == ["ann"]
    s.after(20)  # Ann's recall popup expires too
    assert s.call_state(call_id) == "voicemail"
    assert s.of_type(fx.StartVoicemail)[-1] == fx.StartVoicemail(call_id, "ann")
    assert s.state("ann") == "available"
    assert [(m.agent_id, m.reason) for m in s.missed] == [("bob", "expired"), ("ann", "expired")]
    s.do(cmd.VoicemailDone(call_id))
    assert record(s, call_id).end_cause is EndCause.VOICEMAIL


def test_a_failed_blind_transfer_of_a_direct_call_to_a_number_rings_the_agent_back() -> None:
    s, call_id = ann_on_a_direct_call()
    out = s.do(cmd.StartTransfer("ann", call_id, BLIND, NUMBER, OUTSIDE))
    dial = dialled(s, out)
    s.after(15)
    s.do(cmd.RemoteFailed(dial.call_id, FailureReason.NO_ANSWER))
    assert s.offered_to(call_id) == ["ann"]
    assert s.state("ann") == "presented"


def test_a_blind_transfer_of_an_outbound_call_made_for_a_queue_is_recalled_to_the_agent() -> None:
    # Ann called a customer on behalf of Sales (its caller ID), then transfers to Bob
    s = center()
    s.login("ann", "bob", "cat")
    s.do(cmd.Pause("cat"))
    out = s.do(cmd.DialNumber("ann", OUTSIDE, queue_id="sales"))
    call_id = dialled(s, out).call_id
    s.do(cmd.RemoteAnswered(call_id))
    s.after(30)
    tid = transfer(s, call_id, BLIND, USER, "bob")
    s.do(cmd.Decline("bob", s.offer_of("bob")))
    assert final_reason(s, tid) == "declined"
    # The customer was never waiting in Sales: the call comes back to Ann
    assert s.offered_to(call_id) == ["ann"]
    s.accept("ann")
    assert s.call_state(call_id) == "connected"


def test_the_caller_hanging_up_during_a_blind_transfer_fails_it() -> None:
    s, call_id = ann_on_a_sales_call("bob")
    tid = transfer(s, call_id, BLIND, USER, "bob")
    s.after(4)
    s.do(cmd.RemoteHungUp(call_id))
    assert final_reason(s, tid) == "caller_hung_up"
    assert s.of_type(fx.WithdrawOffer)[-1].reason == "caller_hung_up"
    assert s.state("bob") == "available"
    assert s.missed == []
    rec = record(s, call_id)
    assert [(t.status, t.failure_reason) for t in rec.transfers] == [("failed", "caller_hung_up")]


def test_the_caller_hanging_up_during_a_blind_transfer_to_a_number_stops_the_dialling() -> None:
    s, call_id = ann_on_a_sales_call()
    out = s.do(cmd.StartTransfer("ann", call_id, BLIND, NUMBER, OUTSIDE))
    tid = s.of_type(fx.TransferChanged, out)[0].transfer_id
    dial = dialled(s, out)
    s.do(cmd.RemoteRinging(dial.call_id))
    out = s.do(cmd.RemoteHungUp(call_id))
    assert final_reason(s, tid) == "caller_hung_up"
    # The destination must stop ringing: its leg is hung up
    assert [h.call_id for h in s.of_type(fx.HangupRemote, out)] == [dial.call_id]
    assert s.call_state(dial.call_id) == "ended"
    assert record(s, dial.call_id).end_cause is EndCause.ABANDONED
    assert s.call_state(call_id) == "ended"


def test_cancelling_a_blind_transfer_brings_the_call_back() -> None:
    s, call_id = ann_on_a_direct_call("bob")
    tid = transfer(s, call_id, BLIND, USER, "bob")
    offer_id = s.offer_of("bob")
    s.after(3)
    out = s.do(cmd.CancelTransfer("ann", tid))
    assert statuses(s, tid) == ["starting", "ringing", "cancelled"]
    assert fx.WithdrawOffer(offer_id, call_id, "bob", "cancelled") in out
    assert s.state("bob") == "available"
    assert s.missed == []
    assert s.offered_to(call_id) == ["ann"]


# -- attended transfer -------------------------------------------------------------------


def test_attended_transfer_to_a_user_consults_then_completes() -> None:
    s, call_id = ann_on_a_sales_call("bob")
    out = s.do(cmd.StartTransfer("ann", call_id, ATTENDED, USER, "bob"))
    tid = s.of_type(fx.TransferChanged, out)[0].transfer_id
    consult = consultation(s, tid)
    # The customer is held with music; Ann is on the consultation, ringing Bob
    assert fx.HoldCall(call_id, "jazz") in out
    assert s.call_state(call_id) == "held"
    assert fx.ConnectAgent(consult, "ann") in out
    assert s.cc.agents["ann"].call_ids == [call_id, consult]
    assert s.state("ann") == "on_call"
    assert s.offered_to(consult) == ["bob"]
    view = popup(s.cc, s.offer_of("bob"), s.clock.now())
    assert view is not None
    assert view.colour is PopupColour.SKY_BLUE
    assert view.transfer_from == "ann"
    assert view.transfer_mode == "attended"
    assert [n.detail for n in transfer_requested(s, "bob")] == [
        {"from_agent": "ann", "mode": "attended"}
    ]
    # Complete before Bob answers is refused
    s.rejects(cmd.CompleteTransfer("ann", tid), Reason.TRANSFER_NOT_ANSWERED)
    s.after(4)
    s.accept("bob")
    assert statuses(s, tid) == ["starting", "ringing", "answered"]
    assert s.call_state(consult) == "connected"
    assert s.call_state(call_id) == "held"
    # Ann introduces the caller for 20 s, then completes
    s.after(20)
    out = s.do(cmd.CompleteTransfer("ann", tid))
    assert statuses(s, tid) == ["starting", "ringing", "answered", "completed"]
    assert fx.ConnectAgent(call_id, "bob") in out
    assert fx.ResumeCall(call_id) in out
    assert s.call_state(call_id) == "connected"
    assert set(s.cc.calls[call_id].agents) == {"bob"}
    assert s.state("ann") == "post_interaction"
    assert s.cc.agents["bob"].call_ids == [call_id]
    assert record(s, consult).end_cause is EndCause.COMPLETED
    # Bob talks 40 s and hangs up
    s.after(40)
    s.do(cmd.Hangup("bob", call_id))
    rec = record(s, call_id)
    assert rec.end_cause is EndCause.COMPLETED
    ann_part, bob_part = rec.participations
    assert (ann_part.agent_id, ann_part.talk_seconds, ann_part.hold_seconds) == ("ann", 30.0, 24.0)
    assert (bob_part.agent_id, bob_part.talk_seconds, bob_part.hold_seconds) == ("bob", 40.0, 0.0)
    assert rec.hold_seconds == 24.0
    assert [(t.mode, t.status) for t in rec.transfers] == [("attended", "completed")]


def test_cancelling_an_attended_transfer_ends_the_consultation_and_resumes_the_caller() -> None:
    s, call_id = ann_on_a_sales_call("bob")
    tid = transfer(s, call_id, ATTENDED, USER, "bob")
    consult = consultation(s, tid)
    s.accept("bob")
    s.after(10)
    out = s.do(cmd.CancelTransfer("ann", tid))
    assert statuses(s, tid) == ["starting", "ringing", "answered", "cancelled"]
    assert fx.ResumeCall(call_id) in out
    assert s.call_state(call_id) == "connected"
    assert s.cc.agents["ann"].call_ids == [call_id]
    assert s.state("ann") == "on_call"
    assert record(s, consult).end_cause is EndCause.COMPLETED
    assert s.state("bob") == "post_interaction"
    # The caller is Ann's again; the record keeps the cancelled transfer
    s.do(cmd.Hangup("ann", call_id))
    assert [(t.status, t.failure_reason) for t in record(s, call_id).transfers] == [
        ("cancelled", None)
    ]


def test_cancelling_before_the_user_answers_withdraws_their_popup() -> None:
    s, call_id = ann_on_a_sales_call("bob")
    tid = transfer(s, call_id, ATTENDED, USER, "bob")
    offer_id = s.offer_of("bob")
    out = s.do(cmd.CancelTransfer("ann", tid))
    assert fx.WithdrawOffer(offer_id, consultation(s, tid), "bob", "cancelled") in out
    assert fx.ResumeCall(call_id) in out
    assert s.state("bob") == "available"
    assert s.missed == []
    assert s.state("ann") == "on_call"
    assert s.call_state(call_id) == "connected"


def test_hanging_up_the_consultation_cancels_the_transfer() -> None:
    s, call_id = ann_on_a_sales_call("bob")
    tid = transfer(s, call_id, ATTENDED, USER, "bob")
    consult = consultation(s, tid)
    s.accept("bob")
    out = s.do(cmd.Hangup("ann", consult))
    assert statuses(s, tid)[-1] == "cancelled"
    assert fx.ResumeCall(call_id) in out
    assert s.call_state(call_id) == "connected"
    assert s.state("ann") == "on_call"


def test_hanging_up_the_customer_call_once_the_consultation_is_answered_completes() -> None:
    s, call_id = ann_on_a_sales_call("bob")
    tid = transfer(s, call_id, ATTENDED, USER, "bob")
    s.accept("bob")
    s.after(5)
    out = s.do(cmd.Hangup("ann", call_id))
    assert statuses(s, tid)[-1] == "completed"
    assert s.of_type(fx.HangupRemote, out) == []
    assert s.call_state(call_id) == "connected"
    assert set(s.cc.calls[call_id].agents) == {"bob"}
    assert s.state("ann") == "post_interaction"
    assert s.state("bob") == "on_call"


def test_attended_transfer_to_a_queue_consults_the_agent_it_finds() -> None:
    s, call_id = ann_on_a_sales_call("dan")
    tid = transfer(s, call_id, ATTENDED, QUEUE, "support")
    consult = consultation(s, tid)
    assert s.call_state(call_id) == "held"
    assert s.offered_to(consult) == ["dan"]
    view = popup(s.cc, s.offer_of("dan"), s.clock.now())
    assert view is not None
    assert view.transfer_from == "ann"
    assert view.transfer_mode == "attended"
    assert [n.detail for n in transfer_requested(s, "dan")] == [
        {"from_agent": "ann", "mode": "attended"}
    ]
    s.accept("dan")
    assert statuses(s, tid) == ["starting", "ringing", "answered"]
    s.after(15)
    s.do(cmd.CompleteTransfer("ann", tid))
    assert statuses(s, tid)[-1] == "completed"
    assert set(s.cc.calls[call_id].agents) == {"dan"}
    assert s.call_state(call_id) == "connected"
    assert s.state("ann") == "post_interaction"


def test_attended_transfer_to_a_queue_nobody_serves_fails_and_the_caller_stays_held() -> None:
    s, call_id = ann_on_a_sales_call()
    tid = transfer(s, call_id, ATTENDED, QUEUE, "billing")
    assert statuses(s, tid) == ["starting", "failed"]
    assert final_reason(s, tid) == "agent_unavailable"
    # Ann is back alone with her caller on hold; she picks the caller up again
    assert s.cc.agents["ann"].call_ids == [call_id]
    assert s.call_state(call_id) == "held"
    out = s.do(cmd.Resume("ann", call_id))
    assert fx.ResumeCall(call_id) in out
    assert s.call_state(call_id) == "connected"


def test_attended_transfer_to_a_number_dials_with_the_agents_caller_id() -> None:
    s, call_id = ann_on_a_sales_call()
    out = s.do(cmd.StartTransfer("ann", call_id, ATTENDED, NUMBER, OUTSIDE))
    tid = s.of_type(fx.TransferChanged, out)[0].transfer_id
    dial = dialled(s, out)
    assert (dial.number, dial.caller_id) == (OUTSIDE, "+33100000000")
    assert dial.call_id == consultation(s, tid)
    assert s.call_state(call_id) == "held"
    s.rejects(cmd.CompleteTransfer("ann", tid), Reason.TRANSFER_NOT_ANSWERED)
    s.do(cmd.RemoteRinging(dial.call_id))
    s.after(6)
    s.do(cmd.RemoteAnswered(dial.call_id))
    assert statuses(s, tid) == ["starting", "ringing", "answered"]
    # Ann talks to the far end while the caller waits on hold
    assert s.call_state(dial.call_id) == "connected"
    assert s.call_state(call_id) == "held"
    assert s.state("ann") == "on_call"
    s.after(20)
    out = s.do(cmd.CompleteTransfer("ann", tid))
    assert statuses(s, tid)[-1] == "completed"
    assert fx.BridgeRemotes(call_id, dial.call_id) in out
    assert s.of_type(fx.HangupRemote, out) == []
    assert s.state("ann") == "post_interaction"
    rec = record(s, call_id)
    assert rec.end_cause is EndCause.TRANSFERRED
    assert rec.participations[0].hold_seconds == 26.0


def test_cancelling_an_attended_transfer_to_a_number_before_it_answers_stops_the_dial() -> None:
    s, call_id = ann_on_a_sales_call()
    tid = transfer(s, call_id, ATTENDED, NUMBER, OUTSIDE)
    consult = consultation(s, tid)
    s.do(cmd.RemoteRinging(consult))
    out = s.do(cmd.CancelTransfer("ann", tid))
    assert statuses(s, tid) == ["starting", "ringing", "cancelled"]
    assert [h.call_id for h in s.of_type(fx.HangupRemote, out)] == [consult]
    assert fx.ResumeCall(call_id) in out
    assert s.call_state(consult) == "ended"
    assert s.call_state(call_id) == "connected"
    assert s.state("ann") == "on_call"


def test_cancelling_an_answered_consultation_with_a_number_hangs_it_up() -> None:
    s, call_id = ann_on_a_sales_call()
    tid = transfer(s, call_id, ATTENDED, NUMBER, OUTSIDE)
    consult = consultation(s, tid)
    s.do(cmd.RemoteAnswered(consult))
    out = s.do(cmd.CancelTransfer("ann", tid))
    assert [h.call_id for h in s.of_type(fx.HangupRemote, out)] == [consult]
    assert fx.ResumeCall(call_id) in out
    assert record(s, consult).end_cause is EndCause.COMPLETED


def test_hanging_up_the_customer_call_completes_an_answered_transfer_to_a_number() -> None:
    s, call_id = ann_on_a_sales_call()
    tid = transfer(s, call_id, ATTENDED, NUMBER, OUTSIDE)
    consult = consultation(s, tid)
    s.do(cmd.RemoteAnswered(consult))
    out = s.do(cmd.Hangup("ann", call_id))
    assert statuses(s, tid)[-1] == "completed"
    assert fx.BridgeRemotes(call_id, consult) in out
    assert s.of_type(fx.HangupRemote, out) == []
    assert s.state("ann") == "post_interaction"


def test_a_failed_attended_transfer_leaves_the_caller_with_the_agent() -> None:
    s, call_id = ann_on_a_sales_call()
    tid = transfer(s, call_id, ATTENDED, NUMBER, OUTSIDE)
    consult = consultation(s, tid)
    out = s.do(cmd.RemoteFailed(consult, FailureReason.BUSY))
    assert s.of_type(fx.HangupRemote, out) == []
    assert final_reason(s, tid) == "busy"
    assert record(s, consult).end_cause is EndCause.FAILED
    # Never recalled anywhere: the caller is still Ann's, on hold
    assert s.cc.agents["ann"].call_ids == [call_id]
    assert s.call_state(call_id) == "held"
    s.do(cmd.Resume("ann", call_id))
    assert s.call_state(call_id) == "connected"


def test_a_declined_consultation_fails_the_attended_transfer() -> None:
    s, call_id = ann_on_a_sales_call("bob")
    tid = transfer(s, call_id, ATTENDED, USER, "bob")
    consult = consultation(s, tid)
    s.do(cmd.Decline("bob", s.offer_of("bob")))
    assert final_reason(s, tid) == "declined"
    assert s.call_state(consult) == "ended"
    assert s.cc.agents["ann"].call_ids == [call_id]
    assert s.call_state(call_id) == "held"
    # Ann may try someone else right away
    s.login("dan")
    tid2 = transfer(s, call_id, ATTENDED, QUEUE, "support")
    assert statuses(s, tid2) == ["starting", "ringing"]


@pytest.mark.parametrize("bob_is", ["paused", "logged_out"])
def test_an_attended_transfer_to_an_unavailable_user_fails(bob_is: str) -> None:
    s, call_id = ann_on_a_sales_call("bob")
    s.do(cmd.Pause("bob") if bob_is == "paused" else cmd.Logout("bob"))
    tid = transfer(s, call_id, ATTENDED, USER, "bob")
    assert statuses(s, tid) == ["starting", "failed"]
    assert final_reason(s, tid) == "agent_unavailable"
    assert s.cc.agents["ann"].call_ids == [call_id]


def test_an_unanswered_consultation_fails_with_no_answer() -> None:
    s, call_id = ann_on_a_sales_call("bob")
    tid = transfer(s, call_id, ATTENDED, USER, "bob")
    s.after(20)
    assert final_reason(s, tid) == "no_answer"
    assert s.cc.agents["ann"].call_ids == [call_id]
    assert [(m.agent_id, m.reason) for m in s.missed] == [("bob", "expired")]


# -- faults during an attended transfer --------------------------------------------------


def test_the_caller_hanging_up_during_a_consultation_leaves_it_as_a_normal_call() -> None:
    s, call_id = ann_on_a_sales_call("bob")
    tid = transfer(s, call_id, ATTENDED, USER, "bob")
    consult = consultation(s, tid)
    s.accept("bob")
    s.after(5)
    s.do(cmd.RemoteHungUp(call_id))
    assert statuses(s, tid)[-1] == "failed"
    assert final_reason(s, tid) == "caller_hung_up"
    rec = record(s, call_id)
    assert [(t.status, t.failure_reason) for t in rec.transfers] == [("failed", "caller_hung_up")]
    # Ann and Bob are still talking
    assert s.call_state(consult) == "connected"
    assert set(s.cc.calls[consult].agents) == {"ann", "bob"}
    assert s.state("ann") == "on_call"
    assert s.state("bob") == "on_call"
    # There is nothing to complete any more
    s.rejects(cmd.CompleteTransfer("ann", tid), Reason.NO_TRANSFER)
    s.after(10)
    s.do(cmd.Hangup("ann", consult))
    assert s.state("ann") == "post_interaction"
    assert s.state("bob") == "post_interaction"
    assert record(s, consult).end_cause is EndCause.COMPLETED


def test_the_caller_hanging_up_while_the_consultation_rings_then_a_decline_ends_it() -> None:
    s, call_id = ann_on_a_sales_call("bob")
    tid = transfer(s, call_id, ATTENDED, USER, "bob")
    consult = consultation(s, tid)
    s.do(cmd.RemoteHungUp(call_id))
    assert final_reason(s, tid) == "caller_hung_up"
    # The consultation still rings Bob, as a plain internal call
    assert s.offered_to(consult) == ["bob"]
    s.do(cmd.Decline("bob", s.offer_of("bob")))
    # Ann is not left on a dead line
    assert record(s, consult).end_cause is EndCause.FAILED
    assert s.cc.agents["ann"].call_ids == []
    assert s.state("ann") == "post_interaction"
    assert s.state("bob") == "available"


def test_the_caller_hanging_up_while_a_consultation_rings_out_lets_it_go_on() -> None:
    s, call_id = ann_on_a_sales_call()
    tid = transfer(s, call_id, ATTENDED, NUMBER, OUTSIDE)
    consult = consultation(s, tid)
    s.do(cmd.RemoteHungUp(call_id))
    assert final_reason(s, tid) == "caller_hung_up"
    assert s.call_state(consult) == "dialing"
    s.do(cmd.RemoteAnswered(consult))
    assert s.call_state(consult) == "connected"
    assert statuses(s, tid)[-1] == "failed"
    s.do(cmd.RemoteHungUp(consult))
    assert s.state("ann") == "post_interaction"


def test_the_destination_hanging_up_during_the_consultation_fails_the_transfer() -> None:
    s, call_id = ann_on_a_sales_call("bob")
    tid = transfer(s, call_id, ATTENDED, USER, "bob")
    consult = consultation(s, tid)
    s.accept("bob")
    s.after(8)
    s.do(cmd.Hangup("bob", consult))
    assert final_reason(s, tid) == "destination_hung_up"
    assert record(s, consult).end_cause is EndCause.COMPLETED
    assert s.state("bob") == "post_interaction"
    # Ann still has her caller, on hold, and can resume
    assert s.cc.agents["ann"].call_ids == [call_id]
    assert s.state("ann") == "on_call"
    s.do(cmd.Resume("ann", call_id))
    assert s.call_state(call_id) == "connected"


def test_the_far_end_hanging_up_during_the_consultation_fails_the_transfer() -> None:
    s, call_id = ann_on_a_sales_call()
    tid = transfer(s, call_id, ATTENDED, NUMBER, OUTSIDE)
    consult = consultation(s, tid)
    s.do(cmd.RemoteAnswered(consult))
    s.after(8)
    out = s.do(cmd.RemoteHungUp(consult))
    assert final_reason(s, tid) == "destination_hung_up"
    assert s.of_type(fx.HangupRemote, out) == []
    assert s.cc.agents["ann"].call_ids == [call_id]
    assert s.call_state(call_id) == "held"


# -- refused transfers -------------------------------------------------------------------


def test_a_second_transfer_while_one_is_in_progress_is_refused() -> None:
    s, call_id = ann_on_a_sales_call("bob", "dan")
    tid = transfer(s, call_id, ATTENDED, USER, "bob")
    for mode, kind, dest in [
        (BLIND, QUEUE, "support"),
        (ATTENDED, USER, "dan"),
        (BLIND, NUMBER, OUTSIDE),
    ]:
        s.rejects(cmd.StartTransfer("ann", call_id, mode, kind, dest), Reason.TRANSFER_IN_PROGRESS)
    # Nor can the consultation itself be transferred
    s.rejects(
        cmd.StartTransfer("ann", consultation(s, tid), BLIND, QUEUE, "support"),
        Reason.INVALID_STATE,
    )
    assert statuses(s, tid) == ["starting", "ringing"]


def test_a_transfer_to_oneself_is_refused() -> None:
    s, call_id = ann_on_a_sales_call()
    for mode in (BLIND, ATTENDED):
        s.rejects(cmd.StartTransfer("ann", call_id, mode, USER, "ann"), Reason.TRANSFER_TO_SELF)


def test_an_agent_not_on_the_call_cannot_transfer_it() -> None:
    s, call_id = ann_on_a_sales_call("bob", "cat")
    s.rejects(cmd.StartTransfer("cat", call_id, BLIND, USER, "bob"), Reason.NOT_YOUR_CALL)
    tid = transfer(s, call_id, ATTENDED, USER, "bob")
    s.accept("bob")
    # Bob, on the consultation only, can neither transfer the caller nor finish Ann's transfer
    s.rejects(cmd.StartTransfer("bob", call_id, BLIND, QUEUE, "sales"), Reason.NOT_YOUR_CALL)
    s.rejects(cmd.CompleteTransfer("bob", tid), Reason.NOT_YOUR_CALL)
    s.rejects(cmd.CancelTransfer("cat", tid), Reason.NOT_YOUR_CALL)


def test_after_a_blind_transfer_the_agent_can_no_longer_act_on_the_call() -> None:
    s, call_id = ann_on_a_sales_call("bob", "dan")
    transfer(s, call_id, BLIND, USER, "bob")
    s.rejects(cmd.StartTransfer("ann", call_id, BLIND, USER, "dan"), Reason.NOT_YOUR_CALL)
    s.rejects(cmd.Hangup("ann", call_id), Reason.NOT_YOUR_CALL)


def test_a_finished_transfer_cannot_be_completed_or_cancelled() -> None:
    s, call_id = ann_on_a_sales_call("bob")
    tid = transfer(s, call_id, ATTENDED, USER, "bob")
    s.accept("bob")
    s.do(cmd.CompleteTransfer("ann", tid))
    s.rejects(cmd.CompleteTransfer("ann", tid), Reason.NO_TRANSFER)
    s.rejects(cmd.CancelTransfer("ann", tid), Reason.NO_TRANSFER)


def test_a_blind_transfer_cannot_be_completed_by_hand() -> None:
    s, call_id = ann_on_a_sales_call("bob")
    tid = transfer(s, call_id, BLIND, USER, "bob")
    s.rejects(cmd.CompleteTransfer("ann", tid), Reason.TRANSFER_NOT_ANSWERED)


def test_an_attended_transfer_needs_the_agents_other_call_ended_first() -> None:
    s, call_id = ann_on_a_sales_call("bob")
    s.do(cmd.Hold("ann", call_id))
    s.do(cmd.DialNumber("ann", OUTSIDE))
    s.rejects(cmd.StartTransfer("ann", call_id, ATTENDED, USER, "bob"), Reason.TOO_MANY_CALLS)


# -- more attended and blind cases ------------------------------------------------------


def test_the_agent_may_swap_between_caller_and_destination_before_completing() -> None:
    s, call_id = ann_on_a_sales_call("bob")
    tid = transfer(s, call_id, ATTENDED, USER, "bob")
    consult = consultation(s, tid)
    s.accept("bob")
    s.after(5)
    # Ann goes back to the caller: Bob is held in turn
    out = s.do(cmd.Resume("ann", call_id))
    assert fx.HoldCall(consult, "jazz") in out
    assert s.call_state(consult) == "held"
    assert s.call_state(call_id) == "connected"
    s.after(5)
    out = s.do(cmd.CompleteTransfer("ann", tid))
    assert statuses(s, tid)[-1] == "completed"
    assert fx.ConnectAgent(call_id, "bob") in out
    assert set(s.cc.calls[call_id].agents) == {"bob"}
    assert s.call_state(call_id) == "connected"
    assert s.state("ann") == "post_interaction"
    assert s.cc.agents["bob"].call_ids == [call_id]


def test_a_blind_transfer_to_a_user_with_auto_answer_completes_at_once() -> None:
    s = Scenario(
        tenant(
            queue("sales"),
            agents=[agent("ann", "sales"), agent("hal", profile="headset")],
            numbers=[InboundNumber(number=SALES, queue="sales")],
        )
    )
    s.login("ann", "hal")
    call_id = s.call_in(SALES)
    s.accept("ann")
    tid = transfer(s, call_id, BLIND, USER, "hal")
    assert statuses(s, tid) == ["starting", "ringing", "answered", "completed"]
    assert s.state("hal") == "on_call"
    assert s.of_type(fx.ResumeCall)[-1] == fx.ResumeCall(call_id)
    assert s.call_state(call_id) == "connected"


def test_an_attended_transfer_to_a_user_with_auto_answer_is_answered_at_once() -> None:
    s = Scenario(
        tenant(
            queue("sales"),
            agents=[agent("ann", "sales"), agent("hal", profile="headset")],
            numbers=[InboundNumber(number=SALES, queue="sales")],
        )
    )
    s.login("ann", "hal")
    call_id = s.call_in(SALES)
    s.accept("ann")
    tid = transfer(s, call_id, ATTENDED, USER, "hal")
    assert statuses(s, tid) == ["starting", "ringing", "answered"]
    s.do(cmd.CompleteTransfer("ann", tid))
    assert set(s.cc.calls[call_id].agents) == {"hal"}


def test_cancelling_an_attended_transfer_while_it_waits_in_the_queue() -> None:
    s, call_id = ann_on_a_sales_call("dan")
    s.do(cmd.Pause("dan"))
    tid = transfer(s, call_id, ATTENDED, QUEUE, "support")
    consult = consultation(s, tid)
    assert s.call_state(consult) == "queued"
    assert statuses(s, tid) == ["starting"]
    s.after(30)
    out = s.do(cmd.CancelTransfer("ann", tid))
    assert statuses(s, tid) == ["starting", "cancelled"]
    assert fx.ResumeCall(call_id) in out
    assert not s.cc.queues["support"].is_waiting(consult)
    assert record(s, consult).end_cause is EndCause.ABANDONED
    # Dan coming back from his pause is not offered anything
    s.do(cmd.Ready("dan"))
    assert s.state("dan") == "available"


def test_after_an_ended_consultation_the_agent_may_transfer_again() -> None:
    s, call_id = ann_on_a_sales_call("bob", "dan")
    tid = transfer(s, call_id, ATTENDED, USER, "bob")
    s.do(cmd.CancelTransfer("ann", tid))
    tid2 = transfer(s, call_id, BLIND, QUEUE, "support")
    assert statuses(s, tid2) == ["starting", "completed"]
    assert s.offered_to(call_id) == ["dan"]
    s.accept("dan")
    s.do(cmd.Hangup("dan", call_id))
    rec = record(s, call_id)
    assert [(t.mode, t.destination, t.status) for t in rec.transfers] == [
        ("attended", "bob", "cancelled"),
        ("blind", "support", "completed"),
    ]


def test_a_transferred_call_can_be_transferred_again_by_its_new_agent() -> None:
    s, call_id = ann_on_a_sales_call("bob", "dan")
    transfer(s, call_id, BLIND, USER, "bob")
    s.accept("bob")
    tid = transfer(s, call_id, BLIND, QUEUE, "support", by="bob")
    assert statuses(s, tid) == ["starting", "completed"]
    view = popup(s.cc, s.offer_of("dan"), s.clock.now())
    assert view is not None
    assert view.transfer_from == "bob"
    assert s.state("bob") == "post_interaction"
    assert s.state("ann") == "post_interaction"


def test_an_agent_can_transfer_a_held_call() -> None:
    s, call_id = ann_on_a_sales_call("bob")
    s.do(cmd.Hold("ann", call_id))
    s.after(10)
    tid = transfer(s, call_id, BLIND, USER, "bob")
    s.accept("bob")
    assert statuses(s, tid)[-1] == "completed"
    assert s.call_state(call_id) == "connected"
    s.do(cmd.Hangup("bob", call_id))
    (ann_part, _) = record(s, call_id).participations
    assert ann_part.hold_seconds == 10.0


def test_a_declined_recall_of_an_outbound_call_made_for_a_queue_goes_to_voicemail() -> None:
    # Given Ann called a customer on behalf of Sales and transferred it blind to Bob
    s = center()
    s.login("ann", "bob")
    out = s.do(cmd.DialNumber("ann", OUTSIDE, queue_id="sales"))
    call_id = dialled(s, out).call_id
    s.do(cmd.RemoteAnswered(call_id))
    s.after(30)
    transfer(s, call_id, BLIND, USER, "bob")
    # When Bob declines, and then Ann declines the recall too
    s.do(cmd.Decline("bob", s.offer_of("bob")))
    assert s.offered_to(call_id) == ["ann"]
    s.do(cmd.Decline("ann", s.offer_of("ann")))
    # Then the customer, who never waited in Sales, reaches Ann's voicemail
    assert s.call_state(call_id) == "voicemail"
    assert s.of_type(fx.StartVoicemail)[-1] == fx.StartVoicemail(call_id, "ann")
    assert s.state("ann") == "post_interaction"


def test_a_consulted_queue_left_by_its_last_agent_fails_the_attended_transfer() -> None:
    # Given Support sends its calls to voicemail when nobody is logged in, and Dan, its
    # only agent, is on a break while Ann consults Support about her caller
    s = Scenario(
        tenant(
            queue("sales"),
            queue("support", no_agent=overflow("voicemail")),
            agents=[agent("ann", "sales"), agent("dan", "support")],
            numbers=[InboundNumber(number=SALES, queue="sales")],
        )
    )
    s.login("ann", "dan")
    s.do(cmd.Pause("dan"))
    call_id = s.call_in(SALES)
    s.accept("ann")
    tid = transfer(s, call_id, ATTENDED, QUEUE, "support")
    consult = consultation(s, tid)
    assert s.call_state(consult) == "queued"
    # When Dan logs out
    s.do(cmd.Logout("dan"))
    # Then the consultation does not go to Support's voicemail: the transfer fails and
    # Ann is alone with her caller on hold
    assert s.of_type(fx.StartVoicemail) == []
    assert statuses(s, tid)[-1] == "failed"
    assert final_reason(s, tid) == "agent_unavailable"
    assert s.call_state(consult) == "ended"
    assert s.cc.agents["ann"].call_ids == [call_id]
    assert s.call_state(call_id) == "held"


def test_missing_a_recall_during_post_interaction_pauses_the_agent_only_after_it() -> None:
    # Given Ann missed two Sales calls in a row (auto-pause after three)
    s = center()
    s.login("ann", "bob")
    s.do(cmd.Pause("bob"))
    missed = s.call_in(SALES)
    s.after(15)  # miss 1; a new round 15 s later
    s.after(15)
    s.after(15)  # miss 2
    s.do(cmd.RemoteHungUp(missed))
    assert s.cc.agents["ann"].consecutive_misses == 2
    # And she called a customer and transferred the call blind to Bob, who declines
    s.do(cmd.Ready("bob"))
    call_id = dialled(s, s.do(cmd.DialNumber("ann", OUTSIDE))).call_id
    s.do(cmd.RemoteAnswered(call_id))
    transfer(s, call_id, BLIND, USER, "bob")
    s.do(cmd.Decline("bob", s.offer_of("bob")))
    assert s.offered_to(call_id) == ["ann"]
    # When Ann lets the recall ring out during her post-interaction (miss 3)
    s.after(20)
    # Then she goes back to her post-interaction; she cannot log out before it ends
    assert s.call_state(call_id) == "voicemail"
    assert s.state("ann") == "post_interaction"
    s.rejects(cmd.Logout("ann"), Reason.AGENT_BUSY)
    # And when it ends she is paused for her missed calls
    s.after(10)
    assert s.state("ann") == "paused"
    assert s.cc.agents["ann"].pause_reason == "missed_calls"


def test_a_transfer_is_forgotten_with_its_call_once_every_wrap_up_is_over() -> None:
    s, call_id = ann_on_a_sales_call("bob")
    transfer(s, call_id, BLIND, USER, "bob")
    s.accept("bob")
    s.after(20)
    s.do(cmd.Hangup("bob", call_id))
    assert [t.status for t in record(s, call_id).transfers] == ["completed"]
    s.after(30)  # both post-interactions are over
    assert call_id not in s.cc.calls
    assert s.cc.transfers == {}
