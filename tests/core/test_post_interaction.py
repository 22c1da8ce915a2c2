"""Spec §7: after the call, qualify, tag, link to the CRM, extend, end early; the
record is persisted before the agent is released."""

from __future__ import annotations

import pytest

from switchboard.config.model import InboundNumber
from switchboard.core import commands as cmd
from switchboard.core import effects as fx
from switchboard.core.errors import Reason
from switchboard.core.records import CrmLink
from switchboard.core.transfer import DestinationKind, TransferMode

from .scenario import Scenario, agent, queue, tenant

NUMBER = "+33100000100"


def ended_call(
    wrap_up: float | None = 45.0, form: str | None = "sales-form"
) -> tuple[Scenario, str]:
    s = Scenario(
        tenant(
            queue("sales", wrap_up=wrap_up, qualification_form=form),
            agents=[agent("ann", "sales"), agent("bob", "sales")],
            numbers=[InboundNumber(number=NUMBER, queue="sales")],
        )
    )
    s.login("ann")
    call_id = s.call_in(NUMBER, caller="+33612345678")
    s.accept("ann")
    s.after(60)
    s.do(cmd.Hangup("ann", call_id))
    return s, call_id


def test_post_interaction_lasts_the_queues_wrap_up_then_frees_the_agent() -> None:
    s, _ = ended_call(wrap_up=45)
    post = s.cc.agents["ann"].post_interaction
    assert post is not None and post.total == 45.0
    s.after(44)
    assert s.state("ann") == "post_interaction"
    s.after(1)
    assert s.state("ann") == "available"


def test_without_a_queue_wrap_up_the_profile_duration_applies() -> None:
    s, _ = ended_call(wrap_up=None)
    post = s.cc.agents["ann"].post_interaction
    assert post is not None and post.total == 30.0


def test_no_call_is_offered_during_post_interaction() -> None:
    s, _ = ended_call()
    waiting = s.call_in(NUMBER)
    assert s.call_state(waiting) == "queued"
    s.do(cmd.SetQualification("ann", {"outcome": "sale"}))
    s.do(cmd.EndPostInteraction("ann"))
    assert s.offered_to(waiting) == ["ann"]


def test_qualification_tags_and_crm_links_are_persisted_with_the_call() -> None:
    s, call_id = ended_call()
    s.do(cmd.SetQualification("ann", {"outcome": "sale", "amount": 120.5, "newsletter": True}))
    s.do(cmd.SetQualification("ann", {"comment": "wants a <b>discount</b>"}))
    s.do(cmd.SetTags("ann", ("vip",)))
    s.do(cmd.LinkCrm("ann", "alice-martin", "case-1"))
    s.after(10)
    out = s.do(cmd.EndPostInteraction("ann"))
    kinds = [type(e).__name__ for e in out]
    assert kinds.index("PersistInteraction") < kinds.index("AgentChanged")
    (part,) = s.records[call_id].participations
    assert part.qualification == {
        "outcome": "sale",
        "amount": 120.5,
        "newsletter": True,
        "comment": "wants a <b>discount</b>",
    }
    assert part.tags == ("vip",)
    # The caller's CRM contact is linked from the start; the case was added
    assert part.crm_links == (CrmLink("alice-martin"), CrmLink("alice-martin", "case-1"))
    assert s.records[call_id].post_interaction_seconds == 10.0


def test_required_fields_must_be_filled_to_end_early() -> None:
    s, _ = ended_call()
    error = s.rejects(cmd.EndPostInteraction("ann"), Reason.REQUIRED_FIELD_MISSING)
    assert "Outcome" in error.message


def test_qualification_values_are_checked_against_the_form() -> None:
    s, _ = ended_call()
    s.rejects(cmd.SetQualification("ann", {"outcome": "maybe"}), Reason.INVALID_FIELD_VALUE)
    s.rejects(cmd.SetQualification("ann", {"amount": "12"}), Reason.INVALID_FIELD_VALUE)
    s.rejects(cmd.SetQualification("ann", {"newsletter": "yes"}), Reason.INVALID_FIELD_VALUE)
    s.rejects(cmd.SetQualification("ann", {"colour": "red"}), Reason.UNKNOWN_FIELD)
    # One bad value refuses the whole update
    s.rejects(
        cmd.SetQualification("ann", {"outcome": "sale", "amount": "x"}),
        Reason.INVALID_FIELD_VALUE,
    )
    s.rejects(cmd.SetTags("ann", ("vip", "nope")), Reason.UNKNOWN_TAG)
    s.rejects(cmd.LinkCrm("ann", "nobody"), Reason.UNKNOWN_CONTACT)
    s.rejects(cmd.LinkCrm("ann", "alice-martin", "case-9"), Reason.UNKNOWN_CASE)


def test_a_queue_without_form_has_nothing_to_qualify() -> None:
    s, _ = ended_call(form=None)
    s.rejects(cmd.SetQualification("ann", {"outcome": "sale"}), Reason.NO_QUALIFICATION_FORM)
    s.do(cmd.EndPostInteraction("ann"))
    assert s.state("ann") == "available"


def test_extend_adds_time_up_to_the_profile_limit_and_shows_remaining_and_total() -> None:
    s, _ = ended_call(wrap_up=45)
    s.after(40)
    s.do(cmd.ExtendPostInteraction("ann", 60))
    post = s.cc.agents["ann"].post_interaction
    assert post is not None
    assert post.total == 105.0
    assert post.remaining(s.clock.now()) == 65.0
    s.do(cmd.ExtendPostInteraction("ann", 240))
    s.rejects(cmd.ExtendPostInteraction("ann", 1), Reason.EXTENSION_LIMIT)
    s.rejects(cmd.ExtendPostInteraction("ann", -5), Reason.INVALID_DURATION)
    s.after(304)  # 45 + 300 s in all, 40 already spent
    assert s.state("ann") == "post_interaction"
    s.after(1)
    assert s.state("ann") == "available"


def test_at_the_deadline_the_phase_ends_even_with_required_fields_missing() -> None:
    s, call_id = ended_call(wrap_up=45)
    out = s.after(45)
    assert s.state("ann") == "available"
    persisted = s.of_type(fx.PersistInteraction, out)
    assert persisted and persisted[-1].record.id == call_id
    ended = [e for e in s.records[call_id].timeline if e.kind == "post_interaction_ended"]
    assert ended[-1].detail == {"expired": True, "missing": ["Outcome"]}


def test_post_interaction_commands_outside_it_are_refused() -> None:
    s, _ = ended_call()
    s.do(cmd.SetQualification("ann", {"outcome": "no_sale"}))
    s.do(cmd.EndPostInteraction("ann"))
    s.rejects(cmd.EndPostInteraction("ann"), Reason.NOT_IN_POST_INTERACTION)
    s.rejects(cmd.ExtendPostInteraction("ann", 10), Reason.NOT_IN_POST_INTERACTION)


def test_a_pause_asked_during_the_call_applies_after_post_interaction() -> None:
    s = Scenario(
        tenant(
            queue("sales"),
            agents=[agent("ann", "sales")],
            numbers=[InboundNumber(number=NUMBER, queue="sales")],
        )
    )
    s.login("ann")
    call_id = s.call_in(NUMBER)
    s.accept("ann")
    s.do(cmd.Pause("ann", "lunch"))
    assert s.state("ann") == "on_call"
    s.do(cmd.Hangup("ann", call_id))
    s.do(cmd.EndPostInteraction("ann"))
    assert s.state("ann") == "paused"
    assert s.cc.agents["ann"].pause_reason == "lunch"
    waiting = s.call_in(NUMBER)
    assert s.call_state(waiting) == "queued"


def two_queues() -> Scenario:
    """Sales (with its form) and Support; Ann in Sales, Bob in both."""
    s = Scenario(
        tenant(
            queue("sales", qualification_form="sales-form"),
            queue("support"),
            agents=[agent("ann", "sales"), agent("bob", "sales", "support")],
            numbers=[InboundNumber(number=NUMBER, queue="sales")],
        )
    )
    s.login("ann")
    return s


@pytest.mark.parametrize(
    ("kind", "destination"), [(DestinationKind.USER, "bob"), (DestinationKind.QUEUE, "sales")]
)
def test_the_consultation_of_an_attended_transfer_does_not_carry_the_customers_outcome(
    kind: DestinationKind, destination: str
) -> None:
    """Ann's one wrap-up covers the customer's call and her consultation with Bob
    (called by name, or found through a queue); the form's answers go on the
    customer's call only, so a sale counts once."""
    s = two_queues()
    call_id = s.call_in(NUMBER, caller="+33612345678")
    s.accept("ann")
    s.login("bob")
    out = s.do(cmd.StartTransfer("ann", call_id, TransferMode.ATTENDED, kind, destination))
    (started, *_) = s.of_type(fx.TransferChanged, out)
    s.accept("bob")
    consultation = next(c for c in s.cc.agents["ann"].call_ids if c != call_id)
    s.do(cmd.CompleteTransfer("ann", started.transfer_id))
    s.do(cmd.SetQualification("ann", {"outcome": "sale"}))
    s.do(cmd.EndPostInteraction("ann"))
    (ann_on_the_call,) = [p for p in s.records[call_id].participations if p.agent_id == "ann"]
    assert ann_on_the_call.qualification == {"outcome": "sale"}
    assert [p.qualification for p in s.records[consultation].participations] == [{}, {}]


def test_an_outcome_survives_a_blind_transfer_to_another_queue() -> None:
    """Ann qualifies the Sales call she passed on to Support: her answers are hers,
    whichever queue the call is in when she ends her wrap-up."""
    s = two_queues()
    call_id = s.call_in(NUMBER, caller="+33612345678")
    s.accept("ann")
    s.do(cmd.StartTransfer("ann", call_id, TransferMode.BLIND, DestinationKind.QUEUE, "support"))
    s.login("bob")
    s.accept("bob")
    assert s.cc.calls[call_id].queue_id == "support"
    s.do(cmd.SetQualification("ann", {"outcome": "sale"}))
    s.do(cmd.EndPostInteraction("ann"))
    s.do(cmd.Hangup("bob", call_id))
    s.do(cmd.EndPostInteraction("bob"))
    parts = {p.agent_id: p.qualification for p in s.records[call_id].participations}
    assert parts == {"ann": {"outcome": "sale"}, "bob": {}}
