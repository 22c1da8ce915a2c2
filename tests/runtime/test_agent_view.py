"""What an agent's screen is sent (`agent_view`): the post-call names its calls and
says how much Extend may still add; a merged call lists everyone on the line."""

from __future__ import annotations

from typing import Any

from switchboard.config.model import InboundNumber
from switchboard.core import commands as cmd
from switchboard.runtime.agent_view import agent_view
from tests.core.scenario import PROFILES, Scenario, agent, queue, tenant
from tests.core.test_merge import EXPERT, SALES, ann_calls_an_expert, ann_calls_bob

CUSTOMER = "+33612345678"
"""Alice Martin's number in the scenario's CRM."""


def center(max_extension: float = 300.0) -> Scenario:
    config = tenant(
        queue("sales", qualification_form="sales-form"),
        agents=[
            agent("ann", "sales", extension="201"),
            agent("bob", extension="202"),
        ],
        numbers=[InboundNumber(number=SALES, queue="sales")],
    )
    profiles = [
        p.model_copy(update={"max_post_interaction_extension": max_extension})
        if p.id == "standard"
        else p
        for p in PROFILES
    ]
    return Scenario(config.model_copy(update={"profiles": profiles}))


def ann_on_a_call(s: Scenario, *others: str) -> str:
    s.login("ann", *others)
    call_id = s.call_in(SALES, caller=CUSTOMER)
    s.accept("ann")
    s.after(20)
    return call_id


def view(s: Scenario, agent_id: str) -> dict[str, Any]:
    return agent_view(s.cc, agent_id)


def test_the_post_call_names_the_call_it_is_for() -> None:
    s = center()
    call_id = ann_on_a_call(s)
    s.do(cmd.Hangup("ann", call_id))
    post = view(s, "ann")["post_interaction"]
    assert view(s, "ann")["calls"] == []  # the call has left the calls section
    (call,) = post["calls"]
    assert call == {
        "call_id": call_id,
        "direction": "inbound",
        "type": "smart_routing",
        "colour": "raspberry_red",
        "caller": CUSTOMER,
        "callee": SALES,
        "caller_name": None,
        "crm_contact_id": "alice-martin",
        "queue_id": "sales",
        "queue_name": "Sales",
    }


def test_the_post_call_says_how_much_extend_may_still_add() -> None:
    s = center(max_extension=45)
    s.do(cmd.Hangup("ann", ann_on_a_call(s)))
    post = view(s, "ann")["post_interaction"]
    assert (post["max_extension_seconds"], post["extension_left_seconds"]) == (45, 45)
    s.do(cmd.ExtendPostInteraction("ann", 30))
    post = view(s, "ann")["post_interaction"]
    assert (post["extended_by"], post["extension_left_seconds"]) == (30, 15)
    s.do(cmd.ExtendPostInteraction("ann", 15))
    assert view(s, "ann")["post_interaction"]["extension_left_seconds"] == 0


def test_a_profile_that_allows_no_extension_says_so() -> None:
    s = center(max_extension=0)
    s.do(cmd.Hangup("ann", ann_on_a_call(s)))
    post = view(s, "ann")["post_interaction"]
    assert (post["max_extension_seconds"], post["extension_left_seconds"]) == (0, 0)


def _who(call: dict[str, Any]) -> list[tuple[str, str | None, str]]:
    return [(p["kind"], p["name"], p["number"]) for p in call["parties"]]


def test_a_plain_call_lists_its_far_end_and_its_agent() -> None:
    s = center()
    ann_on_a_call(s)
    (call,) = view(s, "ann")["calls"]
    assert _who(call) == [("customer", "Alice Martin", CUSTOMER), ("agent", "Ann", "201")]


def test_a_merged_call_lists_the_customer_each_agent_and_the_numbers_dialled() -> None:
    s = center()
    customer = ann_on_a_call(s, "bob")
    ann_calls_bob(s, customer)
    s.do(cmd.Merge("ann"))
    # Both of Ann's legs list the whole conference, in the order the calls came.
    everyone = [("customer", "Alice Martin", CUSTOMER), ("agent", "Ann", "201")]
    everyone.append(("agent", "Bob", "202"))
    assert [_who(c) for c in view(s, "ann")["calls"]] == [everyone, everyone]
    (bobs,) = view(s, "bob")["calls"]
    assert _who(bobs) == everyone

    # When Ann leaves, Bob's call (the one Ann dialled) is with the customer alone.
    s.do(cmd.Hangup("ann", customer))
    (bobs,) = view(s, "bob")["calls"]
    assert bobs["conference_id"] is not None
    assert _who(bobs) == [("customer", "Alice Martin", CUSTOMER), ("agent", "Bob", "202")]


def test_a_number_dialled_into_a_merged_call_is_an_external_party() -> None:
    s = center()
    customer = ann_on_a_call(s)
    expert = ann_calls_an_expert(s, customer)
    s.do(cmd.Merge("ann"))
    calls = {c["call_id"]: c for c in view(s, "ann")["calls"]}
    assert _who(calls[expert]) == [
        ("customer", "Alice Martin", CUSTOMER),
        ("agent", "Ann", "201"),
        ("external", None, EXPERT),
    ]
    assert [p["connected"] for p in calls[expert]["parties"]] == [True, True, True]
