"""Spec §5: merge two calls (one active, one held) into a 3-way conversation."""

from __future__ import annotations

from switchboard.config.model import InboundNumber
from switchboard.core import commands as cmd
from switchboard.core import effects as fx
from switchboard.core.errors import Reason
from switchboard.core.records import EndCause, InteractionRecord
from switchboard.core.transfer import DestinationKind, TransferMode

from .scenario import Scenario, agent, queue, tenant

SALES = "+33100000100"
EXPERT = "+33611223344"


def center() -> Scenario:
    return Scenario(
        tenant(
            queue("sales"),
            agents=[
                agent("ann", "sales", extension="201"),
                agent("bob", extension="202"),
                agent("cat", extension="203"),
            ],
            numbers=[InboundNumber(number=SALES, queue="sales")],
        )
    )


def ann_on_a_sales_call(*others: str) -> tuple[Scenario, str]:
    s = center()
    s.login("ann", *others)
    call_id = s.call_in(SALES)
    s.accept("ann")
    s.after(20)
    return s, call_id


def ann_calls_an_expert(s: Scenario, customer: str) -> str:
    """Ann holds her caller and dials an outside expert, who answers 5 s later."""
    s.do(cmd.Hold("ann", customer))
    out = s.do(cmd.DialNumber("ann", EXPERT))
    (dial,) = s.of_type(fx.DialNumber, out)
    s.after(5)
    s.do(cmd.RemoteAnswered(dial.call_id))
    s.after(10)
    return dial.call_id


def ann_calls_bob(s: Scenario, customer: str) -> str:
    """Ann holds her caller and dials Bob's extension; Bob accepts 5 s later."""
    s.do(cmd.Hold("ann", customer))
    s.do(cmd.DialExtension("ann", "202"))
    (internal,) = [c for c in s.cc.agents["ann"].call_ids if c != customer]
    s.after(5)
    s.accept("bob")
    s.after(10)
    return internal


def record(s: Scenario, call_id: str) -> InteractionRecord:
    assert s.call_state(call_id) == "ended"
    return s.records[call_id]


def test_merge_with_a_single_call_is_not_available() -> None:
    s, customer = ann_on_a_sales_call()
    s.rejects(cmd.Merge("ann"), Reason.MERGE_NEEDS_TWO_CALLS)
    s.do(cmd.Hold("ann", customer))
    s.rejects(cmd.Merge("ann"), Reason.MERGE_NEEDS_TWO_CALLS)


def test_merge_with_no_call_is_not_available() -> None:
    s = center()
    s.login("ann")
    s.rejects(cmd.Merge("ann"), Reason.MERGE_NEEDS_TWO_CALLS)


def test_merge_joins_the_caller_and_a_dialled_number_in_a_conference() -> None:
    s, customer = ann_on_a_sales_call()
    expert = ann_calls_an_expert(s, customer)
    assert s.call_state(customer) == "held"
    assert s.call_state(expert) == "connected"
    # When Ann merges
    out = s.do(cmd.Merge("ann"))
    # Then the held caller is taken off hold and everybody hears everybody
    (join,) = s.of_type(fx.JoinConference, out)
    assert set(join.call_ids) == {customer, expert}
    assert fx.ResumeCall(customer) in out
    assert s.call_state(customer) == "conference"
    assert s.call_state(expert) == "conference"
    assert s.state("ann") == "on_call"
    assert s.cc.conferences == {join.conference_id: {customer, expert}}
    # And merging again is refused
    s.rejects(cmd.Merge("ann"), Reason.ALREADY_IN_CONFERENCE)


def test_merge_works_the_other_way_round_too() -> None:
    # The dialled call is the held one, the caller the active one
    s, customer = ann_on_a_sales_call()
    expert = ann_calls_an_expert(s, customer)
    s.do(cmd.Resume("ann", customer))
    assert s.call_state(expert) == "held"
    out = s.do(cmd.Merge("ann"))
    assert fx.ResumeCall(expert) in out
    assert s.call_state(customer) == "conference"
    assert s.call_state(expert) == "conference"


def test_when_the_agent_leaves_the_other_two_stay_connected() -> None:
    s, customer = ann_on_a_sales_call()
    expert = ann_calls_an_expert(s, customer)
    s.do(cmd.Merge("ann"))
    s.after(30)
    out = s.do(cmd.Hangup("ann", customer))
    # Nobody is hung up: the caller and the expert keep talking
    assert s.of_type(fx.HangupRemote, out) == []
    assert {(d.call_id, d.agent_id) for d in s.of_type(fx.DisconnectAgent, out)} == {
        (customer, "ann"),
        (expert, "ann"),
    }
    assert s.call_state(customer) == "conference"
    assert s.call_state(expert) == "conference"
    # Ann is wrapping up both calls
    assert s.state("ann") == "post_interaction"
    post = s.cc.agents["ann"].post_interaction
    assert post is not None
    assert set(post.call_ids) == {customer, expert}
    # When the expert hangs up 2 minutes later, the caller, alone, is hung up
    s.after(120)
    out = s.do(cmd.RemoteHungUp(expert))
    assert [h.call_id for h in s.of_type(fx.HangupRemote, out)] == [customer]
    assert record(s, expert).end_cause is EndCause.COMPLETED
    assert record(s, customer).end_cause is EndCause.COMPLETED
    assert s.cc.conferences == {}
    # The caller's record counts the whole conversation, Ann's part only her own
    rec = record(s, customer)
    assert rec.talk_seconds == 185.0
    (ann_part,) = rec.participations
    assert ann_part.hold_seconds == 15.0
    assert ann_part.talk_seconds == 50.0


def test_when_the_caller_hangs_up_after_the_agent_left_the_expert_is_hung_up() -> None:
    s, customer = ann_on_a_sales_call()
    expert = ann_calls_an_expert(s, customer)
    s.do(cmd.Merge("ann"))
    s.do(cmd.Hangup("ann", expert))
    out = s.do(cmd.RemoteHungUp(customer))
    assert [h.call_id for h in s.of_type(fx.HangupRemote, out)] == [expert]
    assert s.call_state(expert) == "ended"
    assert s.call_state(customer) == "ended"
    # Ann's wrap-up is not disturbed
    assert s.state("ann") == "post_interaction"
    s.after(30)
    assert s.state("ann") == "available"


def test_merge_with_a_colleague_reached_by_extension() -> None:
    s, customer = ann_on_a_sales_call("bob")
    internal = ann_calls_bob(s, customer)
    out = s.do(cmd.Merge("ann"))
    (join,) = s.of_type(fx.JoinConference, out)
    assert set(join.call_ids) == {customer, internal}
    assert fx.ResumeCall(customer) in out
    # Ann leaves: Bob and the caller stay together
    out = s.do(cmd.Hangup("ann", customer))
    assert s.of_type(fx.HangupRemote, out) == []
    assert s.state("ann") == "post_interaction"
    assert s.state("bob") == "on_call"
    assert s.call_state(customer) == "conference"
    # Bob hangs up: the caller is the last one left, and is hung up
    s.after(60)
    out = s.do(cmd.Hangup("bob", internal))
    assert [h.call_id for h in s.of_type(fx.HangupRemote, out)] == [customer]
    assert s.state("bob") == "post_interaction"
    assert record(s, customer).end_cause is EndCause.COMPLETED
    assert record(s, internal).end_cause is EndCause.COMPLETED


def test_the_caller_hanging_up_after_the_agent_left_ends_the_colleagues_call() -> None:
    s, customer = ann_on_a_sales_call("bob")
    internal = ann_calls_bob(s, customer)
    s.do(cmd.Merge("ann"))
    s.do(cmd.Hangup("ann", internal))
    s.do(cmd.RemoteHungUp(customer))
    assert s.call_state(internal) == "ended"
    assert s.state("bob") == "post_interaction"
    assert s.cc.agents["bob"].call_ids == []


def test_a_remote_leaving_while_the_agent_stays_dissolves_the_conference() -> None:
    s, customer = ann_on_a_sales_call()
    expert = ann_calls_an_expert(s, customer)
    s.do(cmd.Merge("ann"))
    s.after(20)
    out = s.do(cmd.RemoteHungUp(expert))
    # Ann and the caller are back to a plain call
    assert s.of_type(fx.HangupRemote, out) == []
    assert record(s, expert).end_cause is EndCause.COMPLETED
    assert s.call_state(customer) == "connected"
    assert s.cc.calls[customer].conference_id is None
    assert s.cc.conferences == {}
    assert s.cc.agents["ann"].call_ids == [customer]
    assert s.state("ann") == "on_call"
    # Every control works again
    s.do(cmd.Hold("ann", customer))
    s.do(cmd.Resume("ann", customer))
    s.do(cmd.Hangup("ann", customer))
    assert record(s, customer).end_cause is EndCause.COMPLETED
    assert s.state("ann") == "post_interaction"


def test_the_caller_leaving_while_the_agent_stays_leaves_a_call_with_the_expert() -> None:
    s, customer = ann_on_a_sales_call()
    expert = ann_calls_an_expert(s, customer)
    s.do(cmd.Merge("ann"))
    s.do(cmd.RemoteHungUp(customer))
    assert s.call_state(expert) == "connected"
    assert s.cc.agents["ann"].call_ids == [expert]
    s.do(cmd.Hangup("ann", expert))
    assert s.state("ann") == "post_interaction"


def test_a_colleague_leaving_while_the_agent_stays_dissolves_the_conference() -> None:
    s, customer = ann_on_a_sales_call("bob")
    internal = ann_calls_bob(s, customer)
    s.do(cmd.Merge("ann"))
    s.after(20)
    out = s.do(cmd.Hangup("bob", internal))
    # Bob is gone; Ann is left with her caller on a plain call, not on a dead leg
    assert s.of_type(fx.HangupRemote, out) == []
    assert s.state("bob") == "post_interaction"
    assert s.call_state(internal) == "ended"
    assert s.call_state(customer) == "connected"
    assert s.cc.agents["ann"].call_ids == [customer]
    assert s.cc.conferences == {}
    s.do(cmd.Hold("ann", customer))
    s.do(cmd.Resume("ann", customer))


def test_merge_before_the_second_call_is_answered_is_refused() -> None:
    s, customer = ann_on_a_sales_call()
    s.do(cmd.Hold("ann", customer))
    s.do(cmd.DialNumber("ann", EXPERT))
    s.rejects(cmd.Merge("ann"), Reason.CALL_NOT_CONNECTED)


def test_merge_during_a_transfer_is_refused() -> None:
    s, customer = ann_on_a_sales_call("bob")
    out = s.do(
        cmd.StartTransfer("ann", customer, TransferMode.ATTENDED, DestinationKind.USER, "bob")
    )
    tid = s.of_type(fx.TransferChanged, out)[0].transfer_id
    s.accept("bob")
    assert len(s.cc.agents["ann"].call_ids) == 2
    s.rejects(cmd.Merge("ann"), Reason.TRANSFER_IN_PROGRESS)
    # Once the transfer is cancelled Ann has one call again
    s.do(cmd.CancelTransfer("ann", tid))
    s.rejects(cmd.Merge("ann"), Reason.MERGE_NEEDS_TWO_CALLS)


def test_merged_calls_cannot_be_transferred_or_held() -> None:
    s, customer = ann_on_a_sales_call("bob")
    ann_calls_an_expert(s, customer)
    s.do(cmd.Merge("ann"))
    s.rejects(
        cmd.StartTransfer("ann", customer, TransferMode.BLIND, DestinationKind.USER, "bob"),
        Reason.INVALID_STATE,
    )
    s.rejects(cmd.Hold("ann", customer), Reason.CALL_NOT_CONNECTED)
    s.rejects(cmd.DialNumber("ann", "+33622334455"), Reason.TOO_MANY_CALLS)


def test_only_the_agent_with_the_two_calls_can_merge_them() -> None:
    s, customer = ann_on_a_sales_call("bob")
    ann_calls_bob(s, customer)
    # Bob has a single call (with Ann): nothing to merge for him
    s.rejects(cmd.Merge("bob"), Reason.MERGE_NEEDS_TWO_CALLS)
    s.rejects(cmd.Merge("cat"), Reason.NOT_LOGGED_IN)


def test_the_call_left_after_a_conference_can_be_transferred() -> None:
    s, customer = ann_on_a_sales_call("bob")
    expert = ann_calls_an_expert(s, customer)
    s.do(cmd.Merge("ann"))
    s.do(cmd.RemoteHungUp(expert))
    out = s.do(cmd.StartTransfer("ann", customer, TransferMode.BLIND, DestinationKind.USER, "bob"))
    assert s.of_type(fx.TransferChanged, out)[-1].status == "ringing"
    s.accept("bob")
    assert set(s.cc.calls[customer].agents) == {"bob"}
