"""Spec §6: calls an agent places: to a number, to an extension, through a Smart
Routing, and Call back from a CRM contact."""

from __future__ import annotations

import pytest

from switchboard.config.model import InboundNumber
from switchboard.core import commands as cmd
from switchboard.core import effects as fx
from switchboard.core.errors import Reason
from switchboard.core.records import CallType, Direction, EndCause, InteractionRecord
from switchboard.core.transfer import DestinationKind, FailureReason, TransferMode
from switchboard.core.views import PopupColour, popup

from .scenario import Scenario, agent, queue, tenant

SALES_ID = "+33100000100"
TENANT_ID = "+33100000000"
SENIOR_ID = "+33100000001"
ALICE = "+33612345678"
ALICE_OFFICE = "+33198765432"
STRANGER = "+33655554444"


def center() -> Scenario:
    """Sales has its own caller ID, Support has none. Sam is a senior agent."""
    return Scenario(
        tenant(
            queue("sales", caller_id=SALES_ID, wrap_up=45, qualification_form="sales-form"),
            queue("support"),
            queue("billing", caller_id="+33100000300"),
            agents=[
                agent("ann", "sales", "support", extension="201"),
                agent("bob", "support", extension="202"),
                agent("sam", "sales", profile="senior", extension="203"),
                agent("hal", profile="headset", extension="204"),
            ],
            numbers=[InboundNumber(number="+33100000100", queue="sales")],
        )
    )


def dial(s: Scenario, command: cmd.Command) -> fx.DialNumber:
    """Place the call; return the DialNumber effect asking the trunk to dial."""
    (effect,) = s.of_type(fx.DialNumber, s.do(command))
    return effect


def record(s: Scenario, call_id: str) -> InteractionRecord:
    assert s.call_state(call_id) == "ended"
    return s.records[call_id]


# -- dial a number -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "queue_id", "caller_id"),
    [
        ("ann", "sales", SALES_ID),  # the queue's caller ID
        ("ann", "support", TENANT_ID),  # the queue has none, nor the profile: the tenant's
        ("ann", None, TENANT_ID),
        ("sam", None, SENIOR_ID),  # the profile's
        ("sam", "sales", SALES_ID),  # the queue's wins over the profile's
    ],
)
def test_the_caller_id_comes_from_the_queue_else_the_profile_else_the_tenant(
    who: str, queue_id: str | None, caller_id: str
) -> None:
    s = center()
    s.login(who)
    effect = dial(s, cmd.DialNumber(who, "+33 6 55 55 44 44", queue_id=queue_id))
    assert effect.number == STRANGER
    assert effect.caller_id == caller_id


def test_dialling_a_number_connects_the_agent_and_waits_for_the_far_end() -> None:
    s = center()
    s.login("ann")
    out = s.do(cmd.DialNumber("ann", STRANGER, queue_id="sales"))
    (effect,) = s.of_type(fx.DialNumber, out)
    call_id = effect.call_id
    assert fx.ConnectAgent(call_id, "ann") in out
    assert s.state("ann") == "on_call"
    assert s.call_state(call_id) == "dialing"
    s.do(cmd.RemoteRinging(call_id))
    s.after(7)
    s.do(cmd.RemoteAnswered(call_id))
    assert s.call_state(call_id) == "connected"
    s.after(90)
    s.do(cmd.RemoteHungUp(call_id))
    # An answered call leads to post-interaction, with the queue's wrap-up and form
    assert s.state("ann") == "post_interaction"
    post = s.cc.agents["ann"].post_interaction
    assert post is not None
    assert post.total == 45.0
    assert post.form_id == "sales-form"
    rec = record(s, call_id)
    assert rec.direction is Direction.OUTBOUND
    assert rec.call_type is CallType.DIRECT_EXTERNAL
    assert rec.callee == STRANGER
    assert rec.queue_id == "sales"
    assert rec.end_cause is EndCause.COMPLETED
    assert rec.created_at == 1000.0
    assert rec.answered_at == 1007.0
    assert rec.talk_seconds == 90.0


def test_dialling_a_known_customer_links_the_crm_contact() -> None:
    s = center()
    s.login("ann")
    call_id = dial(s, cmd.DialNumber("ann", "0612345678")).call_id
    s.do(cmd.RemoteAnswered(call_id))
    s.do(cmd.Hangup("ann", call_id))
    assert record(s, call_id).crm_contact_id == "alice-martin"
    post = s.cc.agents["ann"].post_interaction
    assert post is not None
    assert post.crm_links == [("alice-martin", None)]


def test_dialling_for_a_queue_one_does_not_belong_to_is_refused() -> None:
    s = center()
    s.login("ann")
    s.rejects(cmd.DialNumber("ann", STRANGER, queue_id="billing"), Reason.NOT_A_MEMBER)
    s.rejects(cmd.DialNumber("ann", STRANGER, queue_id="nope"), Reason.UNKNOWN_QUEUE)
    assert s.state("ann") == "available"


@pytest.mark.parametrize("number", ["", "abc", "+", "1", "06 12 34 AB", "+33 6 12 34 56 78 x"])
def test_an_invalid_number_is_refused(number: str) -> None:
    s = center()
    s.login("ann")
    s.rejects(cmd.DialNumber("ann", number), Reason.INVALID_NUMBER)


def test_an_agent_must_be_logged_in_to_dial() -> None:
    s = center()
    s.rejects(cmd.DialNumber("ann", STRANGER), Reason.NOT_LOGGED_IN)


@pytest.mark.parametrize(
    "failure", [FailureReason.NO_ANSWER, FailureReason.BUSY, FailureReason.UNREACHABLE]
)
def test_an_unanswered_call_ends_as_failed_with_no_post_interaction(
    failure: FailureReason,
) -> None:
    s = center()
    s.login("ann")
    call_id = dial(s, cmd.DialNumber("ann", STRANGER)).call_id
    s.do(cmd.RemoteRinging(call_id))
    s.after(30)
    out = s.do(cmd.RemoteFailed(call_id, failure))
    assert s.of_type(fx.HangupRemote, out) == []
    assert s.state("ann") == "available"
    assert s.cc.agents["ann"].post_interaction is None
    rec = record(s, call_id)
    assert rec.end_cause is EndCause.FAILED
    assert rec.answered_at is None
    assert rec.talk_seconds == 0.0


def test_hanging_up_before_the_far_end_answers_stops_the_dial_and_fails_the_call() -> None:
    s = center()
    s.login("ann")
    call_id = dial(s, cmd.DialNumber("ann", STRANGER)).call_id
    s.do(cmd.RemoteRinging(call_id))
    s.after(12)
    out = s.do(cmd.Hangup("ann", call_id))
    # The far end must stop ringing
    assert [h.call_id for h in s.of_type(fx.HangupRemote, out)] == [call_id]
    assert s.state("ann") == "available"
    assert record(s, call_id).end_cause is EndCause.FAILED


def test_the_far_end_answer_is_refused_once_the_call_is_over() -> None:
    s = center()
    s.login("ann")
    call_id = dial(s, cmd.DialNumber("ann", STRANGER)).call_id
    s.do(cmd.RemoteAnswered(call_id))
    s.rejects(cmd.RemoteAnswered(call_id), Reason.INVALID_STATE)
    s.do(cmd.Hangup("ann", call_id))
    s.rejects(cmd.RemoteAnswered(call_id), Reason.UNKNOWN_CALL)


# -- paused agents, second calls ---------------------------------------------------------


def test_a_paused_agent_may_call_and_returns_to_its_pause_afterwards() -> None:
    s = center()
    s.login("ann")
    s.do(cmd.Pause("ann", "training"))
    call_id = dial(s, cmd.DialNumber("ann", STRANGER)).call_id
    assert s.state("ann") == "on_call"
    s.do(cmd.RemoteAnswered(call_id))
    s.after(20)
    s.do(cmd.Hangup("ann", call_id))
    assert s.state("ann") == "post_interaction"
    s.after(30)
    assert s.state("ann") == "paused"
    assert s.cc.agents["ann"].pause_reason == "training"
    # And no queue call is offered to her meanwhile
    s.call_in("+33100000100")
    assert s.cc.agents["ann"].offer_id is None


def test_a_paused_agent_whose_call_is_not_answered_is_paused_again_at_once() -> None:
    s = center()
    s.login("ann")
    s.do(cmd.Pause("ann", "training"))
    call_id = dial(s, cmd.DialNumber("ann", STRANGER)).call_id
    s.do(cmd.RemoteFailed(call_id, FailureReason.BUSY))
    assert s.state("ann") == "paused"
    assert s.cc.agents["ann"].pause_reason == "training"


def test_a_second_call_is_allowed_only_while_the_first_is_on_hold() -> None:
    s = center()
    s.login("ann")
    first = dial(s, cmd.DialNumber("ann", STRANGER)).call_id
    # Still dialling: no second call
    s.rejects(cmd.DialNumber("ann", ALICE), Reason.AGENT_BUSY)
    s.do(cmd.RemoteAnswered(first))
    s.rejects(cmd.DialNumber("ann", ALICE), Reason.AGENT_BUSY)
    s.rejects(cmd.DialExtension("ann", "202"), Reason.AGENT_BUSY)
    s.rejects(cmd.CallBack("ann", "alice-martin"), Reason.AGENT_BUSY)
    s.do(cmd.Hold("ann", first))
    second = dial(s, cmd.DialNumber("ann", ALICE)).call_id
    assert s.cc.agents["ann"].call_ids == [first, second]
    # Never a third one
    s.do(cmd.RemoteAnswered(second))
    s.do(cmd.Hold("ann", second))
    s.rejects(cmd.DialNumber("ann", "+33677778888"), Reason.TOO_MANY_CALLS)
    # Ending the second call leaves Ann with the first, on hold, and no wrap-up yet
    s.do(cmd.Resume("ann", second))
    s.do(cmd.Hangup("ann", second))
    assert s.state("ann") == "on_call"
    assert s.call_state(first) == "held"
    s.do(cmd.Resume("ann", first))
    s.do(cmd.Hangup("ann", first))
    assert s.state("ann") == "post_interaction"
    post = s.cc.agents["ann"].post_interaction
    assert post is not None
    assert post.call_ids == [second, first]


def test_a_second_call_while_a_queue_call_is_held() -> None:
    s = center()
    s.login("ann")
    customer = s.call_in("+33100000100")
    s.accept("ann")
    s.rejects(cmd.DialNumber("ann", STRANGER), Reason.AGENT_BUSY)
    s.do(cmd.Hold("ann", customer))
    out = s.do(cmd.DialNumber("ann", STRANGER))
    assert s.of_type(fx.DialNumber, out)
    assert s.call_state(customer) == "held"


def test_no_call_can_be_placed_while_presented_or_in_post_interaction() -> None:
    s = center()
    s.login("ann")
    s.call_in("+33100000100")
    assert s.state("ann") == "presented"
    s.rejects(cmd.DialNumber("ann", STRANGER), Reason.AGENT_BUSY)
    s.accept("ann")
    s.do(cmd.Hangup("ann", s.cc.agents["ann"].call_ids[0]))
    assert s.state("ann") == "post_interaction"
    s.rejects(cmd.DialNumber("ann", STRANGER), Reason.AGENT_BUSY)


# -- dial an extension -------------------------------------------------------------------


def test_dialling_an_extension_rings_the_colleague_with_a_sky_blue_popup() -> None:
    s = center()
    s.login("ann", "bob")
    out = s.do(cmd.DialExtension("ann", "202"))
    assert s.of_type(fx.DialNumber, out) == []
    (call_id,) = s.cc.agents["ann"].call_ids
    assert s.state("ann") == "on_call"
    assert s.call_state(call_id) == "dialing"
    assert s.offered_to(call_id) == ["bob"]
    view = popup(s.cc, s.offer_of("bob"), s.clock.now())
    assert view is not None
    assert view.colour is PopupColour.SKY_BLUE
    assert view.caller == "201"
    assert view.queue_name is None
    s.after(3)
    out = s.do(cmd.Accept("bob", s.offer_of("bob")))
    assert fx.ConnectAgent(call_id, "bob") in out
    assert s.call_state(call_id) == "connected"
    assert s.state("bob") == "on_call"
    s.after(40)
    s.do(cmd.Hangup("bob", call_id))
    assert s.state("ann") == "post_interaction"
    assert s.state("bob") == "post_interaction"
    rec = record(s, call_id)
    assert rec.direction is Direction.INTERNAL
    assert rec.call_type is CallType.DIRECT_INTERNAL
    assert (rec.caller, rec.callee) == ("201", "202")
    assert rec.end_cause is EndCause.COMPLETED
    assert [(p.agent_id, p.talk_seconds) for p in rec.participations] == [
        ("ann", 43.0),
        ("bob", 40.0),
    ]


@pytest.mark.parametrize("bob_is", ["paused", "logged_out", "on_call"])
def test_calling_an_unavailable_colleague_fails_at_once(bob_is: str) -> None:
    s = center()
    s.login("ann", "bob")
    if bob_is == "paused":
        s.do(cmd.Pause("bob"))
    elif bob_is == "logged_out":
        s.do(cmd.Logout("bob"))
    else:
        s.do(cmd.DialNumber("bob", STRANGER))
    s.do(cmd.DialExtension("ann", "202"))
    assert s.state("ann") == "available"
    assert s.cc.agents["ann"].post_interaction is None
    assert s.cc.agents["bob"].offer_id is None
    (rec,) = [r for r in s.records.values() if r.direction is Direction.INTERNAL]
    assert rec.end_cause is EndCause.FAILED


def test_a_colleague_declining_or_not_answering_fails_the_call() -> None:
    s = center()
    s.login("ann", "bob")
    s.do(cmd.DialExtension("ann", "202"))
    (first,) = s.cc.agents["ann"].call_ids
    s.do(cmd.Decline("bob", s.offer_of("bob")))
    assert record(s, first).end_cause is EndCause.FAILED
    assert s.state("ann") == "available"
    s.do(cmd.DialExtension("ann", "202"))
    (second,) = s.cc.agents["ann"].call_ids
    s.after(20)
    assert record(s, second).end_cause is EndCause.FAILED
    assert s.state("ann") == "available"
    assert [(m.agent_id, m.reason) for m in s.missed] == [("bob", "declined"), ("bob", "expired")]


def test_hanging_up_while_the_colleague_rings_withdraws_the_popup() -> None:
    s = center()
    s.login("ann", "bob")
    s.do(cmd.DialExtension("ann", "202"))
    (call_id,) = s.cc.agents["ann"].call_ids
    offer_id = s.offer_of("bob")
    out = s.do(cmd.Hangup("ann", call_id))
    assert [w.offer_id for w in s.of_type(fx.WithdrawOffer, out)] == [offer_id]
    assert s.state("bob") == "available"
    assert s.state("ann") == "available"
    assert s.missed == []
    assert record(s, call_id).end_cause is EndCause.FAILED


def test_a_colleague_with_auto_answer_is_connected_at_once() -> None:
    s = center()
    s.login("ann", "hal")
    s.do(cmd.DialExtension("ann", "204"))
    (call_id,) = s.cc.agents["ann"].call_ids
    assert s.call_state(call_id) == "connected"
    assert s.state("hal") == "on_call"


def test_unknown_and_own_extensions_are_refused() -> None:
    s = center()
    s.login("ann")
    s.rejects(cmd.DialExtension("ann", "999"), Reason.UNKNOWN_EXTENSION)
    s.rejects(cmd.DialExtension("ann", "201"), Reason.TRANSFER_TO_SELF)


# -- smart outbound ----------------------------------------------------------------------


def test_smart_outbound_needs_the_profile_right() -> None:
    s = center()
    s.login("ann")
    s.rejects(cmd.DialNumber("ann", STRANGER, flow_id="main-ivr"), Reason.NO_SMART_OUTBOUND_RIGHT)


def test_smart_outbound_runs_the_flow_then_places_the_call() -> None:
    s = center()
    s.login("sam")
    s.rejects(cmd.DialNumber("sam", STRANGER, flow_id="nope"), Reason.UNKNOWN_FLOW)
    out = s.do(cmd.DialNumber("sam", STRANGER, flow_id="main-ivr"))
    # Nothing is dialled yet: the flow applies its rules first
    assert s.of_type(fx.DialNumber, out) == []
    (run,) = s.of_type(fx.RunFlow, out)
    assert run.flow_id == "main-ivr"
    assert run.variables == {"destination": STRANGER}
    call_id = run.call_id
    assert s.call_state(call_id) == "routing"
    assert s.state("sam") == "on_call"
    # The flow places the call
    out = s.do(cmd.RouteToNumber(call_id, STRANGER, variables={"segment": "gold"}))
    (effect,) = s.of_type(fx.DialNumber, out)
    assert (effect.call_id, effect.number, effect.caller_id) == (call_id, STRANGER, SENIOR_ID)
    assert s.call_state(call_id) == "dialing"
    s.do(cmd.RemoteAnswered(call_id))
    s.after(30)
    s.do(cmd.Hangup("sam", call_id))
    assert s.state("sam") == "post_interaction"
    rec = record(s, call_id)
    assert rec.direction is Direction.OUTBOUND
    assert rec.variables == {"destination": STRANGER, "segment": "gold"}
    assert rec.talk_seconds == 30.0


def test_a_smart_outbound_flow_may_choose_the_number_and_caller_id() -> None:
    s = center()
    s.login("sam")
    (run,) = s.of_type(fx.RunFlow, s.do(cmd.DialNumber("sam", STRANGER, flow_id="main-ivr")))
    s.rejects(cmd.RouteToNumber(run.call_id, "not a number"), Reason.INVALID_NUMBER)
    out = s.do(cmd.RouteToNumber(run.call_id, "+33 1 99 88 77 66", caller_id=SALES_ID))
    (effect,) = s.of_type(fx.DialNumber, out)
    assert (effect.number, effect.caller_id) == ("+33199887766", SALES_ID)
    s.rejects(cmd.RouteToNumber(run.call_id, STRANGER), Reason.INVALID_STATE)


def test_a_smart_outbound_call_the_flow_refuses_ends_with_no_post_interaction() -> None:
    s = center()
    s.login("sam")
    (run,) = s.of_type(fx.RunFlow, s.do(cmd.DialNumber("sam", STRANGER, flow_id="main-ivr")))
    s.do(cmd.RouteHangup(run.call_id, "Outside calling hours"))
    assert s.state("sam") == "available"
    assert s.cc.agents["sam"].post_interaction is None
    assert record(s, run.call_id).answered_at is None


def test_route_to_number_is_only_for_a_call_in_a_flow() -> None:
    s = center()
    s.login("ann")
    customer = s.call_in("+33100000100")
    s.rejects(cmd.RouteToNumber(customer, STRANGER), Reason.INVALID_STATE)


# -- an inbound flow forwarding its caller to a number ------------------------------------

IVR = "+33100000900"


def forwarding() -> tuple[Scenario, str, str]:
    """A customer whose flow forwards it to STRANGER: (scenario, customer, dialled leg)."""
    s = Scenario(
        tenant(
            queue("sales"),
            agents=[agent("ann", "sales")],
            numbers=[InboundNumber(number=IVR, flow="main-ivr")],
        )
    )
    customer = s.call_in(IVR, caller=ALICE)
    out = s.do(cmd.RouteToNumber(customer, STRANGER, variables={"reason": "after-hours"}))
    (dial,) = s.of_type(fx.DialNumber, out)
    return s, customer, dial.call_id


def test_an_inbound_flow_forwards_its_caller_and_steps_out_once_answered() -> None:
    s, customer, leg = forwarding()
    dial = s.of_type(fx.DialNumber)[-1]
    # Our number the customer dialled is the caller ID a carrier accepts.
    assert (dial.number, dial.caller_id) == (STRANGER, IVR)
    assert s.call_state(customer) == "transferring" and s.call_state(leg) == "dialing"
    s.do(cmd.RemoteRinging(leg))
    s.after(12)
    out = s.do(cmd.RemoteAnswered(leg))
    assert s.of_type(fx.BridgeRemotes, out) == [fx.BridgeRemotes(customer, leg)]
    assert s.of_type(fx.HangupRemote, out) == []  # the two talk on through us
    first, second = record(s, customer), record(s, leg)
    assert first.end_cause is EndCause.TRANSFERRED and second.end_cause is EndCause.TRANSFERRED
    assert first.variables == {"reason": "after-hours"}
    assert [e.kind for e in first.timeline if e.kind.startswith("forward")] == [
        "forwarding",
        "forwarded",
    ]
    assert second.direction is Direction.OUTBOUND and second.callee == STRANGER


def test_a_forward_nobody_answers_takes_the_caller_to_the_flows_mailbox() -> None:
    s, customer, leg = forwarding()
    out = s.do(cmd.RemoteFailed(leg, FailureReason.NO_ANSWER))
    assert s.of_type(fx.StartVoicemail, out) == [fx.StartVoicemail(customer, "main-ivr")]
    assert record(s, leg).end_cause is EndCause.FAILED
    assert s.call_state(customer) == "voicemail"


def test_a_forward_that_rings_too_long_is_cancelled_for_the_mailbox() -> None:
    s, customer, leg = forwarding()
    s.do(cmd.RemoteRinging(leg))
    out = s.after(30)
    assert fx.HangupRemote(leg, "failed") in out  # CANCEL towards the number
    assert s.of_type(fx.StartVoicemail, out) == [fx.StartVoicemail(customer, "main-ivr")]


def test_a_forward_leg_that_ends_before_answering_does_not_strand_the_caller() -> None:
    s, customer, leg = forwarding()
    s.do(cmd.RemoteHungUp(leg))  # e.g. a 200 OK with no usable media, hung up at once
    assert s.call_state(customer) == "voicemail"


def test_a_customer_transferred_to_a_flow_that_routes_to_a_number_is_forwarded() -> None:
    s = center()
    s.login("ann")
    (placed,) = s.of_type(fx.DialNumber, s.do(cmd.DialNumber("ann", ALICE)))
    customer = placed.call_id
    s.do(cmd.RemoteAnswered(customer))  # an outbound call, answered: Alice is on the line
    s.do(cmd.StartTransfer("ann", customer, TransferMode.BLIND, DestinationKind.FLOW, "main-ivr"))
    out = s.do(cmd.RouteToNumber(customer, STRANGER))
    (dial,) = s.of_type(fx.DialNumber, out)
    assert dial.call_id != customer  # a new leg: the customer's own leg stays as it is
    assert s.call_state(customer) == "transferring"


def test_a_caller_who_hangs_up_while_forwarded_stops_the_dialling() -> None:
    s, customer, leg = forwarding()
    out = s.do(cmd.RemoteHungUp(customer))
    assert fx.HangupRemote(leg, "abandoned") in out  # CANCEL towards the number
    assert record(s, customer).end_cause is EndCause.ABANDONED
    assert record(s, leg).end_cause is EndCause.ABANDONED
    s.rejects(cmd.RemoteAnswered(leg), Reason.UNKNOWN_CALL)


# -- call back from a CRM contact --------------------------------------------------------


def test_call_back_dials_the_contacts_first_number() -> None:
    s = center()
    s.login("ann")
    effect = dial(s, cmd.CallBack("ann", "alice-martin"))
    assert effect.number == ALICE
    assert effect.caller_id == TENANT_ID
    s.do(cmd.RemoteAnswered(effect.call_id))
    s.do(cmd.Hangup("ann", effect.call_id))
    rec = record(s, effect.call_id)
    assert rec.crm_contact_id == "alice-martin"
    assert rec.direction is Direction.OUTBOUND


def test_call_back_may_use_another_number_of_the_contact() -> None:
    s = center()
    s.login("ann")
    effect = dial(s, cmd.CallBack("ann", "alice-martin", number="+33 1 98 76 54 32"))
    assert effect.number == ALICE_OFFICE
    assert s.cc.calls[effect.call_id].crm_contact_id == "alice-martin"


def test_call_back_for_a_queue_uses_its_caller_id() -> None:
    s = center()
    s.login("ann")
    effect = dial(s, cmd.CallBack("ann", "alice-martin", queue_id="sales"))
    assert effect.caller_id == SALES_ID


def test_call_back_refuses_a_number_that_is_not_the_contacts() -> None:
    s = center()
    s.login("ann")
    s.rejects(cmd.CallBack("ann", "alice-martin", number=STRANGER), Reason.INVALID_NUMBER)
    s.rejects(cmd.CallBack("ann", "nobody"), Reason.UNKNOWN_CONTACT)
    s.rejects(
        cmd.CallBack("ann", "alice-martin", queue_id="billing"),
        Reason.NOT_A_MEMBER,
    )
    assert s.state("ann") == "available"


def test_giving_up_on_a_smart_outbound_call_in_its_flow_fails_it() -> None:
    s = center()
    s.login("sam")
    (run,) = s.of_type(fx.RunFlow, s.do(cmd.DialNumber("sam", STRANGER, flow_id="main-ivr")))
    s.do(cmd.Hangup("sam", run.call_id))
    assert s.state("sam") == "available"
    assert record(s, run.call_id).end_cause is EndCause.FAILED


def test_an_unanswered_call_is_persisted_before_the_agent_is_free_again() -> None:
    s = center()
    s.login("ann")
    call_id = dial(s, cmd.DialNumber("ann", STRANGER)).call_id
    s.after(30)
    # When the far end never answers, the failed call's record comes before Ann is free
    out = s.do(cmd.RemoteFailed(call_id, FailureReason.NO_ANSWER))
    kinds = [
        "persisted" if isinstance(e, fx.PersistInteraction) else "released"
        for e in out
        if isinstance(e, fx.PersistInteraction)
        or (isinstance(e, fx.AgentChanged) and e.state == "available")
    ]
    assert kinds == ["persisted", "released"]
