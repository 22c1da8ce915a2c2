"""Naming the parties of a call from the configuration: a colleague by extension or
by login, a directory contact or a CRM contact by number, matched on the last 9
digits whatever the prefix; the popup, the call, the history and voicemails all
ask here, so one number gets one name."""

from __future__ import annotations

from switchboard.core.directory import Directory

from .scenario import agent, queue, tenant

DIRECTORY = Directory(tenant(queue("sales"), agents=[agent("bruno", "sales", extension="1002")]))


def test_a_colleague_is_found_by_extension_or_by_login() -> None:
    by_extension = DIRECTORY.colleague("1002")
    assert by_extension is not None and by_extension.id == "bruno"
    by_login = DIRECTORY.colleague("bruno")  # the callee of a consultation
    assert by_login is not None and by_login.extension == "1002"
    assert DIRECTORY.colleague("+33612345678") is None
    assert DIRECTORY.colleague("sales") is None  # a queue is no colleague


def test_a_directory_contact_is_found_however_its_number_is_written() -> None:
    for written in ("+33140000000", "+33 1 40 00 00 00", "0140000000", "0033140000000"):
        contact = DIRECTORY.contact_for(written)
        assert contact is not None and contact.name == "Legal desk", written
    assert DIRECTORY.contact_for("+33140000001") is None
    assert DIRECTORY.contact_for("1002") is None  # an extension is no number of it
    assert DIRECTORY.contact_for("legal") is None  # nor is an id


def test_crm_and_directory_contacts_match_numbers_alike() -> None:
    crm = DIRECTORY.crm_for("0612345678")
    assert crm is not None and crm.name == "Alice Martin"
