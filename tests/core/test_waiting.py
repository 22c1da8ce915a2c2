"""Spec §1.1 and issue 5: what a caller waiting in a queue hears (its place, the
estimated wait, the keys it may press) and may do: leave a message, or be called
back without losing its place."""

from __future__ import annotations

from switchboard.config.model import InboundNumber
from switchboard.core import commands as cmd
from switchboard.core import effects as fx
from switchboard.core import views
from switchboard.core.errors import Reason
from switchboard.core.transfer import DestinationKind, FailureReason, TransferMode

from .scenario import Scenario, agent, overflow, queue, tenant

SALES = "+33100000100"
CUSTOMER = "+33611223344"


def waiting_room(**queue_options: object) -> Scenario:
    options: dict[str, object] = {"caller_id": "+33100000199", "offer_timeout": 20}
    options.update(queue_options)
    return Scenario(
        tenant(
            queue("sales", **options),
            agents=[agent("ann", "sales"), agent("bob", "sales")],
            numbers=[InboundNumber(number=SALES, queue="sales")],
        )
    )


def busy(s: Scenario, *agents: str) -> None:
    """The agents are logged in and each talks with a customer."""
    for agent_id in agents:
        s.login(agent_id)
        s.call_in(SALES, caller="+33600000000")
        s.accept(agent_id)


def test_a_waiting_caller_hears_its_place_then_again_every_period() -> None:
    s = waiting_room(announce_every=60, voicemail_key="1", callback_key="2")
    busy(s, "ann")
    first = s.call_in(SALES)
    second = s.call_in(SALES)
    out = s.after(0)
    said = s.of_type(fx.AnnounceWait, out)
    assert [(a.call_id, a.position) for a in said] == [(first, 1), (second, 2)]
    assert said[0].voicemail_key == "1" and said[0].callback_key == "2"
    assert said[0].estimated_wait is None  # no call handled yet: no figure to give
    assert s.of_type(fx.AnnounceWait, s.after(59)) == []
    again = s.of_type(fx.AnnounceWait, s.after(1))
    assert [(a.call_id, a.position) for a in again] == [(first, 1), (second, 2)]


def test_the_estimated_wait_follows_handle_times_and_agents_logged_in() -> None:
    s = waiting_room(announce_every=60)
    busy(s, "ann", "bob")
    s.after(240)
    ann_call = s.cc.agents["ann"].call_ids[0]
    s.do(cmd.Hangup("ann", ann_call))  # 240 s: the first handle time known
    s.do(cmd.EndPostInteraction("ann"))
    s.do(cmd.Pause("ann", "meeting"))
    waiting = [s.call_in(SALES) for _ in range(3)]
    said = s.of_type(fx.AnnounceWait, s.after(0))
    # Two agents logged in, one call every 240 s each: the third waits 3 * 240 / 2.
    assert [(a.position, a.estimated_wait) for a in said] == [
        (1, 120.0),
        (2, 240.0),
        (3, 360.0),
    ]
    record = s.cc.calls[waiting[2]].timeline[-1]
    assert (record.kind, record.detail["position"]) == ("announced", 3)
    s.do(cmd.Logout("ann"))
    s.after(60)
    latest = s.of_type(fx.AnnounceWait)[-1]
    assert (latest.position, latest.estimated_wait) == (3, 720.0)


def calling_back() -> tuple[Scenario, str]:
    """Ann, back from a pause, accepted a queued callback: the customer's number rings."""
    s = waiting_room(callback_key="2")
    s.login("ann")
    s.do(cmd.Pause("ann", "meeting"))
    call_id = s.call_in(SALES, caller=CUSTOMER)
    s.do(cmd.RequestCallback(call_id))
    s.do(cmd.Ready("ann"))
    s.accept("ann")
    return s, call_id


def test_the_place_moves_up_as_calls_ahead_are_answered() -> None:
    s = waiting_room(announce_every=30)
    busy(s, "ann")
    first, second = s.call_in(SALES), s.call_in(SALES)
    s.after(10)
    s.do(cmd.Hangup("ann", s.cc.agents["ann"].call_ids[0]))
    s.do(cmd.EndPostInteraction("ann"))
    assert s.offered_to(first) == ["ann"]
    said = s.of_type(fx.AnnounceWait, s.after(20))
    assert [(a.call_id, a.position) for a in said] == [(second, 1)]


def test_no_announcement_while_the_call_rings_an_agent() -> None:
    s = waiting_room(announce_every=30, offer_timeout=45)
    s.login("ann")
    call_id = s.call_in(SALES)
    assert s.offered_to(call_id) == ["ann"]
    assert s.of_type(fx.AnnounceWait, s.after(40)) == []
    s.after(5)  # the offer expires: back in line, and the next announcement is due
    assert s.call_state(call_id) == "queued"
    assert s.of_type(fx.AnnounceWait, s.after(30))[-1].call_id == call_id


def test_a_queue_without_announcements_or_keys_says_nothing() -> None:
    s = waiting_room()
    busy(s, "ann")
    s.call_in(SALES)
    assert s.of_type(fx.AnnounceWait, s.after(600)) == []


def test_the_voicemail_key_sends_the_caller_to_the_queue_mailbox() -> None:
    s = waiting_room(voicemail_key="1", mailbox="sales-box", announce_every=30)
    busy(s, "ann")
    call_id = s.call_in(SALES)
    s.after(45)
    s.do(cmd.LeaveForVoicemail(call_id))
    assert s.of_type(fx.StartVoicemail)[-1] == fx.StartVoicemail(call_id, "sales-box")
    assert s.of_type(fx.AnnounceWait, s.after(120)) == []
    s.do(cmd.VoicemailDone(call_id))
    record = s.records[call_id]
    assert record.end_cause is not None and record.end_cause.value == "voicemail"
    assert record.wait_seconds == 45.0


def test_a_callback_keeps_its_place_and_dials_the_customer_when_an_agent_accepts() -> None:
    s = waiting_room(callback_key="2", max_wait=120, overflow=overflow("voicemail"))
    busy(s, "ann")
    call_id = s.call_in(SALES, caller=CUSTOMER)
    s.after(30)
    out = s.do(cmd.RequestCallback(call_id))
    (release,) = s.of_type(fx.ReleaseRemote, out)
    assert release.call_id == call_id and "ending in 3 3 4 4" in release.message
    later = s.call_in(SALES)
    s.after(600)  # far past max wait: a promised callback does not overflow
    assert s.call_state(call_id) == "queued"
    assert s.call_state(later) == "voicemail"
    s.login("bob")
    assert s.offered_to(call_id) == ["bob"]
    out = s.do(cmd.Accept("bob", s.offer_of("bob")))
    (dial,) = s.of_type(fx.DialNumber, out)
    assert dial == fx.DialNumber(call_id, CUSTOMER, "+33100000199")
    assert s.call_state(call_id) == "dialing" and s.state("bob") == "on_call"
    s.after(8)
    s.do(cmd.RemoteAnswered(call_id))
    assert s.call_state(call_id) == "connected"
    s.after(60)
    s.do(cmd.Hangup("bob", call_id))
    record = s.records[call_id]
    assert record.end_cause is not None and record.end_cause.value == "completed"
    assert record.wait_seconds == 630.0  # until Bob took it, not until Jane answered
    kinds = [e.kind for e in record.timeline]
    assert kinds.index("callback_requested") < kinds.index("calling_back")
    assert kinds.index("calling_back") < kinds.index("answered")
    assert s.state("bob") == "post_interaction"


def test_a_callback_is_offered_as_a_preview_call_until_the_customer_answers() -> None:
    """Spec §2.2: lilac for a preview call, which the agent reviews before launching
    it. Accepting a callback launches the call to the customer; an ordinary waiting
    caller next to it stays raspberry red."""
    s = waiting_room(callback_key="2")
    busy(s, "ann")
    callback = s.call_in(SALES, caller=CUSTOMER)
    s.do(cmd.RequestCallback(callback))
    caller = s.call_in(SALES)
    s.login("bob")
    offered = views.popup(s.cc, s.offer_of("bob"), s.clock.now())
    assert offered is not None and offered.call_id == callback
    assert offered.colour is views.PopupColour.LILAC
    pool = {e.call_id: e.colour for e in views.calls_in_pool(s.cc, "bob", s.clock.now())}
    assert pool[callback] is views.PopupColour.LILAC
    s.do(cmd.Accept("bob", s.offer_of("bob")))
    assert views.colour(s.cc.calls[callback]) is views.PopupColour.LILAC  # being dialled
    s.do(cmd.RemoteAnswered(callback))
    assert views.colour(s.cc.calls[callback]) is views.PopupColour.RASPBERRY_RED
    assert views.colour(s.cc.calls[caller]) is views.PopupColour.RASPBERRY_RED
    s.do(cmd.RemoteHungUp(callback))  # the customer hangs up: Bob wraps up a queue call
    assert views.colour(s.cc.calls[callback]) is views.PopupColour.RASPBERRY_RED


def test_a_callback_goes_before_callers_who_arrived_after_it() -> None:
    s = waiting_room(callback_key="2")
    busy(s, "ann")
    early = s.call_in(SALES, caller=CUSTOMER)
    s.do(cmd.RequestCallback(early))
    s.after(5)
    late = s.call_in(SALES)
    s.login("bob")
    assert s.offered_to(early) == ["bob"] and s.call_state(late) == "queued"


def test_a_declined_callback_returns_to_the_head_of_the_line_silently() -> None:
    s = waiting_room(callback_key="2", announce_every=30)
    busy(s, "ann")
    call_id = s.call_in(SALES, caller=CUSTOMER)
    s.do(cmd.RequestCallback(call_id))
    s.login("bob")
    before = len(s.of_type(fx.PlayWaitingMusic))
    s.do(cmd.Decline("bob", s.offer_of("bob")))
    assert s.call_state(call_id) == "queued"
    assert len(s.of_type(fx.PlayWaitingMusic)) == before  # nobody on the line to hear it
    assert s.of_type(fx.AnnounceWait, s.after(120)) == []


def test_a_callback_nobody_answers_fails_and_frees_the_agent() -> None:
    s, call_id = calling_back()
    s.do(cmd.RemoteFailed(call_id, FailureReason.NO_ANSWER))
    cause = s.records[call_id].end_cause
    assert cause is not None and cause.value == "failed"
    assert s.state("ann") == "available"


def test_the_agent_can_give_up_a_callback_still_ringing() -> None:
    s, call_id = calling_back()
    out = s.do(cmd.Hangup("ann", call_id))
    assert s.of_type(fx.HangupRemote, out) == [fx.HangupRemote(call_id, "failed")]
    assert fx.DropCallback(call_id, reached=False) in out
    assert s.state("ann") == "available"


def test_a_promised_callback_waits_even_when_every_agent_logs_out() -> None:
    s = waiting_room(callback_key="2", no_agent=overflow("hangup", message="Closed."))
    s.login("ann")
    s.do(cmd.Pause("ann", "meeting"))
    promised = s.call_in(SALES, caller=CUSTOMER)
    s.do(cmd.RequestCallback(promised))
    on_line = s.call_in(SALES)
    s.do(cmd.Logout("ann"))
    assert s.call_state(on_line) == "ended"
    assert s.call_state(promised) == "queued"
    s.login("ann")
    assert s.offered_to(promised) == ["ann"]


def test_a_hidden_number_cannot_be_called_back_and_keeps_waiting() -> None:
    s = waiting_room(callback_key="2")
    busy(s, "ann")
    call_id = s.call_in(SALES, caller="anonymous")
    out = s.do(cmd.RequestCallback(call_id))
    (told,) = s.of_type(fx.TellCaller, out)
    assert "hidden" in told.message
    assert s.of_type(fx.ReleaseRemote, out) == []
    assert s.call_state(call_id) == "queued" and s.cc.calls[call_id].remote_up


def test_keys_a_queue_does_not_offer_are_refused() -> None:
    s = waiting_room()
    busy(s, "ann")
    call_id = s.call_in(SALES, caller=CUSTOMER)
    s.rejects(cmd.RequestCallback(call_id), Reason.INVALID_STATE)
    s.rejects(cmd.LeaveForVoicemail("nope"), Reason.UNKNOWN_CALL)


def test_a_callback_is_kept_in_the_store_until_the_customer_answers() -> None:
    s = waiting_room(callback_key="2", announce_every=30)
    busy(s, "ann")
    call_id = s.call_in(SALES, caller=CUSTOMER)
    s.after(40)
    out = s.do(cmd.RequestCallback(call_id))
    (kept,) = s.of_type(fx.KeepCallback, out)
    record = kept.record
    assert (record.call_id, record.queue_id, record.number) == (call_id, "sales", CUSTOMER)
    assert record.wait_since == Scenario.START and record.requested_at == Scenario.START + 40
    assert [e.kind for e in record.timeline][-1] == "callback_requested"
    s.login("bob")
    s.accept("bob")
    assert s.of_type(fx.DropCallback) == []  # dialling is not reaching the customer
    out = s.do(cmd.RemoteAnswered(call_id))
    assert s.of_type(fx.DropCallback, out) == [fx.DropCallback(call_id)]


def test_a_callback_that_fails_is_dropped_from_the_store_with_its_call() -> None:
    s, call_id = calling_back()
    out = s.do(cmd.RemoteFailed(call_id, FailureReason.BUSY))
    assert fx.DropCallback(call_id, reached=False) in out


def test_a_restored_callback_waits_again_in_its_place_with_its_history() -> None:
    before = waiting_room(callback_key="2")
    busy(before, "ann")
    call_id = before.call_in(SALES, caller=CUSTOMER)
    before.after(50)
    (kept,) = before.of_type(fx.KeepCallback, before.do(cmd.RequestCallback(call_id)))

    after = waiting_room(callback_key="2")  # the server restarted
    after.clock.set(Scenario.START + 600)
    newer = after.call_in(SALES)
    out = after.do(cmd.RestoreCallback(kept.record))
    assert after.of_type(fx.PlayWaitingMusic, out) == []  # nobody is on the line
    call = after.cc.calls[call_id]
    assert call.state.value == "queued" and call.callback_number == CUSTOMER
    assert [e.kind for e in call.timeline][-2:] == ["callback_requested", "callback_restored"]
    after.login("bob")
    assert after.offered_to(call_id) == ["bob"]  # ahead of the caller who came after it
    assert after.call_state(newer) == "queued"
    after.rejects(cmd.RestoreCallback(kept.record), Reason.INVALID_STATE)


def test_a_callback_whose_queue_is_gone_ends_in_the_history_not_in_silence() -> None:
    before = waiting_room(callback_key="2")
    busy(before, "ann")
    call_id = before.call_in(SALES, caller=CUSTOMER)
    (kept,) = before.of_type(fx.KeepCallback, before.do(cmd.RequestCallback(call_id)))
    moved = Scenario(tenant(queue("support"), agents=[agent("ann", "support")]))
    out = moved.do(cmd.RestoreCallback(kept.record))
    assert moved.of_type(fx.DropCallback, out) == [fx.DropCallback(call_id, reached=False)]
    record = moved.records[call_id]
    assert record.caller == CUSTOMER and record.end_cause is not None
    assert record.end_cause.value == "failed"
    assert record.timeline[-2].kind == "callback_not_restored"
    assert record.timeline[-2].detail == {"queue": "sales"}


def test_an_answered_callback_transferred_back_to_a_queue_waits_like_any_caller() -> None:
    s, call_id = calling_back()
    s.do(cmd.RemoteAnswered(call_id))
    s.do(cmd.StartTransfer("ann", call_id, TransferMode.BLIND, DestinationKind.QUEUE, "sales"))
    assert s.call_state(call_id) == "queued"
    said = s.of_type(fx.AnnounceWait, s.after(0))
    assert [a.call_id for a in said] == [call_id]  # on the line again: it is told its place
    out = s.do(cmd.RequestCallback(call_id))  # and may ask to be called back again
    assert len(s.of_type(fx.ReleaseRemote, out)) == 1


def test_a_call_overflowing_to_another_queue_hears_that_queues_keys() -> None:
    s = Scenario(
        tenant(
            queue("sales", announce_every=60, max_wait=30, overflow=overflow("queue", "help")),
            queue("help", voicemail_key="1"),
            agents=[agent("ann", "sales", "help")],
            numbers=[InboundNumber(number=SALES, queue="sales")],
        )
    )
    busy(s, "ann")
    call_id = s.call_in(SALES)
    first = s.of_type(fx.AnnounceWait, s.after(0))
    assert [(a.queue_id, a.voicemail_key) for a in first] == [("sales", None)]
    moved = s.of_type(fx.AnnounceWait, s.after(30))
    assert [(a.call_id, a.queue_id, a.voicemail_key) for a in moved] == [(call_id, "help", "1")]
