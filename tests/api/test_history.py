"""A history entry names its parties: the caller's display name as its phone sent it
(else the colleague whose extension called), the CRM contact, and whom the call was
made to (a colleague by extension or by login, a queue, a directory contact)."""

from __future__ import annotations

from dataclasses import replace

from switchboard.api.history import party_name, record_json
from switchboard.config.model import DirectoryContact, Queue
from switchboard.core.directory import Directory
from switchboard.core.records import Direction
from tests.store.builders import T0, simple_interaction

from .test_mailboxes import TENANT

CONFIG = Directory(
    TENANT.model_copy(
        update={
            "directory": [DirectoryContact(id="legal", name="Legal desk", number="+33140000000")],
            "queues": [*TENANT.queues, Queue(id="experts", name="Experts")],
        }
    )
)


def test_a_customer_call_carries_the_display_name_and_the_crm_contact() -> None:
    record = replace(
        simple_interaction("c1", created_at=T0),
        caller="+12125550180",
        caller_name="J. Customer",
        crm_contact_id="jane",
    )
    entry = record_json(CONFIG, record)
    assert entry["caller"] == "+12125550180"
    assert entry["caller_name"] == "J. Customer"
    assert entry["crm_contact_name"] == "Jane Customer"
    assert entry["callee_name"] is None  # the number the customer dialled


def test_a_consultation_names_the_colleague_its_callee_is_the_login_of() -> None:
    consultation = replace(
        simple_interaction("c2", created_at=T0),
        direction=Direction.INTERNAL,
        caller="1001",
        callee="bruno",
    )
    entry = record_json(CONFIG, consultation)
    assert (entry["caller_name"], entry["callee_name"]) == ("Alice", "Bruno")


def test_queues_and_directory_contacts_are_named_too() -> None:
    assert party_name(CONFIG, "experts") == "Experts"
    assert party_name(CONFIG, "+33 1 40 00 00 00") == "Legal desk"
    # Matched as the popup and the call match numbers: on the last 9 digits.
    assert party_name(CONFIG, "0140000000") == "Legal desk"
    assert party_name(CONFIG, "+33699999999") is None


def test_an_unknown_crm_contact_has_no_name() -> None:
    record = replace(simple_interaction("c3", created_at=T0), crm_contact_id="gone")
    assert record_json(CONFIG, record)["crm_contact_name"] is None
