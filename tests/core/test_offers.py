"""Spec §1 and §2: a call arrives, the popup shows it, the agent accepts or declines,
the countdown redistributes it, auto-answer accepts it."""

from __future__ import annotations

from switchboard.config.model import Device, InboundNumber
from switchboard.core import commands as cmd
from switchboard.core import effects as fx
from switchboard.core.errors import Reason
from switchboard.core.records import EndCause
from switchboard.core.views import PopupColour, popup

from .scenario import Scenario, agent, queue, tenant

SALES = "+33100000100"


def sales_center(*agents: str, timeout: float = 20.0, profile: str = "standard") -> Scenario:
    return Scenario(
        tenant(
            queue("sales", offer_timeout=timeout),
            agents=[agent(a, "sales", profile=profile) for a in agents]
            + [agent("boss", profile="standard", supervises=["sales"])],
            numbers=[
                InboundNumber(number=SALES, queue="sales"),
                InboundNumber(number="+33100000200", agent="bob"),
            ],
        )
    )


def test_a_call_to_a_queue_number_rings_the_free_agent_with_a_raspberry_popup() -> None:
    # Given Ann logged in to Sales
    s = sales_center("ann")
    s.login("ann")
    # When a known CRM contact calls the Sales number and waits 0 s
    call_id = s.call_in(SALES, caller="+33612345678")
    # Then Ann's popup shows the caller's name, the queue and the wait time, in raspberry red
    offer_id = s.offer_of("ann")
    s.after(4)
    view = popup(s.cc, offer_id, s.clock.now())
    assert view is not None
    assert view.call_id == call_id
    assert view.contact_name == "Alice Martin"
    assert view.queue_name == "Sales"
    assert view.colour is PopupColour.RASPBERRY_RED
    assert view.wait_seconds == 4.0
    assert view.remaining_seconds == 16.0
    assert s.state("ann") == "presented"
    assert s.call_state(call_id) == "offered"
    assert [e.agent_id for e in s.of_type(fx.PresentOffer)] == ["ann"]


def test_accept_connects_the_agent_and_the_call() -> None:
    s = sales_center("ann")
    s.login("ann")
    call_id = s.call_in(SALES)
    s.after(3)
    s.accept("ann")
    assert s.state("ann") == "on_call"
    assert s.call_state(call_id) == "connected"
    assert s.of_type(fx.ConnectAgent)[-1] == fx.ConnectAgent(call_id, "ann")
    assert s.cc.calls[call_id].wait_seconds == 3.0


def test_decline_offers_the_call_to_another_agent_and_never_again_to_the_decliner() -> None:
    # Given Ann idle longer than Bob
    s = sales_center("ann", "bob")
    s.login("ann")
    s.after(1)
    s.login("bob")
    call_id = s.call_in(SALES)
    assert s.offered_to(call_id) == ["ann"]
    # When Ann declines
    s.do(cmd.Decline("ann", s.offer_of("ann")))
    # Then Bob is offered the call, and Ann gets a missed call notice (declined)
    assert s.offered_to(call_id) == ["bob"]
    assert s.state("ann") == "available"
    assert [(m.agent_id, m.reason) for m in s.missed] == [("ann", "declined")]
    # And when Bob declines too, the call waits; Ann is not offered it again at once
    s.do(cmd.Decline("bob", s.offer_of("bob")))
    assert s.call_state(call_id) == "queued"
    assert s.cc.agents["ann"].offer_id is None


def test_when_everyone_refused_a_new_round_starts_after_the_offer_timeout() -> None:
    s = sales_center("ann")
    s.login("ann")
    call_id = s.call_in(SALES)
    s.do(cmd.Decline("ann", s.offer_of("ann")))
    assert s.call_state(call_id) == "queued"
    s.after(19)
    assert s.call_state(call_id) == "queued"
    s.after(1)
    assert s.offered_to(call_id) == ["ann"]


def test_countdown_expiry_redistributes_and_raises_a_missed_call() -> None:
    s = sales_center("ann", "bob", timeout=15)
    s.login("ann", "bob")
    call_id = s.call_in(SALES)
    assert s.offered_to(call_id) == ["ann"]
    s.after(14.9)
    assert s.offered_to(call_id) == ["ann"]
    s.after(0.1)
    assert s.offered_to(call_id) == ["bob"]
    assert [(m.agent_id, m.reason, m.at) for m in s.missed] == [("ann", "expired", 1015.0)]
    withdrawn = s.of_type(fx.WithdrawOffer)
    assert withdrawn[-1].agent_id == "ann" and withdrawn[-1].reason == "expired"
    notices = [n for n in s.of_type(fx.Notify) if n.kind.value == "missed_call"]
    assert [n.agent_id for n in notices] == ["ann"]


def test_a_declined_call_keeps_its_wait_and_returns_to_the_head_of_the_queue() -> None:
    s = sales_center("ann", "bob")
    s.login("ann")
    first = s.call_in(SALES)
    s.after(5)
    second = s.call_in(SALES)
    assert s.call_state(second) == "queued"
    s.do(cmd.Decline("ann", s.offer_of("ann")))
    # Ann is free but excluded from `first`: she gets `second`, while `first` waits at the head
    assert s.offered_to(second) == ["ann"]
    s.login("bob")
    assert s.offered_to(first) == ["bob"]
    s.after(2)
    s.accept("bob")
    assert s.cc.calls[first].wait_seconds == 7.0


def test_three_consecutive_misses_pause_the_agent() -> None:
    s = sales_center("ann", timeout=10)
    s.login("ann")
    s.call_in(SALES)
    s.after(10)  # miss 1, new round at +10
    s.after(10)  # offered again...
    s.after(10)  # miss 2
    assert s.state("ann") in ("available", "presented")
    s.after(20)  # miss 3
    assert s.state("ann") == "paused"
    assert s.cc.agents["ann"].pause_reason == "missed_calls"
    assert len(s.missed) == 3
    # Ready resumes her and clears the count
    s.do(cmd.Ready("ann"))
    assert s.cc.agents["ann"].consecutive_misses == 0


def test_auto_answer_accepts_as_the_popup_is_shown() -> None:
    s = sales_center("ann", profile="headset")
    s.login("ann")
    call_id = s.call_in(SALES)
    assert s.state("ann") == "on_call"
    assert s.call_state(call_id) == "connected"
    presented = s.of_type(fx.PresentOffer)
    assert presented[-1].auto_answer is True


def test_an_auto_answer_sip_phone_accepts_when_it_picks_up_and_can_still_fail() -> None:
    # Ann and Bob wear headsets on SIP phones: their phones are rung with the
    # auto-answer hint, and a phone's answer is what accepts the call.
    s = sales_center("ann", "bob", profile="headset")
    for agent_id in ("ann", "bob"):
        s.cc.agents[agent_id].device = Device.SIP_PHONE
    s.login("ann", "bob")
    call_id = s.call_in(SALES)
    first = s.offered_to(call_id)[0]
    assert s.state(first) == "presented" and s.call_state(call_id) == "offered"
    assert s.of_type(fx.PresentOffer)[-1].auto_answer is True
    # That phone is off the hook elsewhere (486): the call moves on, not lost.
    s.do(cmd.Decline(first, s.offer_of(first), busy=True))
    second = s.offered_to(call_id)[0]
    assert second != first
    s.do(cmd.Accept(second, s.offer_of(second)))  # the second phone picks up
    assert s.call_state(call_id) == "connected" and s.state(second) == "on_call"


def test_direct_routing_solicits_only_that_agent_with_an_ocean_blue_popup() -> None:
    s = sales_center("ann", "bob")
    s.login("ann", "bob")
    call_id = s.call_in("+33100000200")
    assert s.offered_to(call_id) == ["bob"]
    view = popup(s.cc, s.offer_of("bob"), s.clock.now())
    assert view is not None and view.colour is PopupColour.OCEAN_BLUE
    assert view.queue_name is None


def test_an_unanswered_direct_call_goes_to_the_agents_voicemail() -> None:
    s = sales_center("ann", "bob")
    s.login("bob")
    call_id = s.call_in("+33100000200")
    s.after(20)
    assert s.call_state(call_id) == "voicemail"
    assert s.of_type(fx.StartVoicemail)[-1] == fx.StartVoicemail(call_id, "bob")
    s.do(cmd.VoicemailDone(call_id))
    assert s.records[call_id].end_cause == EndCause.VOICEMAIL


def test_accepting_an_expired_offer_is_refused_with_409_reason() -> None:
    s = sales_center("ann", "bob")
    s.login("ann", "bob")
    s.call_in(SALES)
    offer_id = s.offer_of("ann")
    s.after(20)
    s.rejects(cmd.Accept("ann", offer_id), Reason.OFFER_EXPIRED)


def test_an_agent_cannot_accept_someone_elses_offer() -> None:
    s = sales_center("ann", "bob")
    s.login("ann", "bob")
    s.call_in(SALES)
    s.rejects(cmd.Accept("bob", s.offer_of("ann")), Reason.NOT_YOUR_CALL)


def test_caller_hanging_up_while_offered_withdraws_the_popup_and_is_abandoned() -> None:
    s = sales_center("ann")
    s.login("ann")
    call_id = s.call_in(SALES)
    s.after(6)
    s.do(cmd.RemoteHungUp(call_id))
    assert s.state("ann") == "available"
    assert s.of_type(fx.WithdrawOffer)[-1].reason == "caller_hung_up"
    record = s.records[call_id]
    assert record.end_cause is not None and record.end_cause.value == "abandoned"
    assert record.wait_seconds == 6.0
    assert s.missed == []


def test_an_abandoned_call_is_persisted_before_the_agent_it_rang_is_free_again() -> None:
    # Given Ann's popup rings for a Sales call
    s = sales_center("ann")
    s.login("ann")
    call_id = s.call_in(SALES)
    s.after(6)
    # When the caller hangs up
    out = s.do(cmd.RemoteHungUp(call_id))
    # Then the abandoned call's record is stored before Ann is offered anything else
    (persisted,) = [i for i, e in enumerate(out) if isinstance(e, fx.PersistInteraction)]
    (released,) = [
        i for i, e in enumerate(out) if isinstance(e, fx.AgentChanged) and e.agent_id == "ann"
    ]
    assert persisted < released
