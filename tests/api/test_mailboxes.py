"""Who may read which mailbox: its readers, its own agent, the members and the
supervisors of its queue; and the names a person sees for mailboxes and callers."""

from __future__ import annotations

import pytest

from switchboard.api.mailboxes import (
    caller_name,
    mailbox_name,
    may_read_mailbox,
    readable_mailboxes,
    readers,
)
from switchboard.config.model import (
    Agent,
    CrmContact,
    Mailbox,
    Membership,
    Profile,
    Queue,
    Tenant,
)
from switchboard.core.directory import Directory
from switchboard.core.records import VoicemailRecord

HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"


def _agent(
    agent_id: str, extension: str, *, queues: tuple[str, ...] = (), supervises: tuple[str, ...] = ()
) -> Agent:
    return Agent(
        id=agent_id,
        name=agent_id.capitalize(),
        password_hash=HASH,
        extension=extension,
        profile="standard",
        queues=[Membership(queue=q) for q in queues],
        supervises=list(supervises),
    )


TENANT = Tenant(
    profiles=[Profile(id="standard", name="Standard")],
    queues=[
        # Sales keeps its messages under its own id; Support in the `helpdesk` mailbox.
        Queue(id="sales", name="Sales"),
        Queue(id="support", name="Support", mailbox="helpdesk"),
    ],
    agents=[
        _agent("alice", "1001", queues=("sales",)),
        _agent("bruno", "1002", supervises=("support",)),
        _agent("carla", "1003", queues=("support",)),
        _agent("dora", "1004"),
    ],
    mailboxes=[
        Mailbox(id="night", name="Night messages", readers=["dora"]),
        Mailbox(id="helpdesk", readers=["alice"]),
    ],
    crm_contacts=[CrmContact(id="jane", name="Jane Customer", numbers=["+12125550180"])],
)
EVERY_MAILBOX = ("sales", "support", "helpdesk", "night", "alice", "bruno", "carla", "dora")


@pytest.mark.parametrize(
    ("agent_id", "readable"),
    [
        # a member of Sales reads Sales' mailbox, her own, and helpdesk as a reader
        ("alice", {"alice", "sales", "helpdesk"}),
        # a supervisor of Support reads both the queue's id and the mailbox it names
        ("bruno", {"bruno", "support", "helpdesk"}),
        # so does a member of Support
        ("carla", {"carla", "support", "helpdesk"}),
        # an agent in no queue reads her own and the mailboxes listing her
        ("dora", {"dora", "night"}),
        # someone the configuration does not know reads nothing
        ("zed", set()),
    ],
)
def test_who_reads_which_mailbox(agent_id: str, readable: set[str]) -> None:
    assert readable_mailboxes(TENANT, agent_id) == readable
    for mailbox in (*EVERY_MAILBOX, "zed"):
        assert may_read_mailbox(TENANT, agent_id, mailbox) is (mailbox in readable), mailbox


def test_another_agents_mailbox_stays_closed() -> None:
    # bruno supervises Support, carla is in it: still, neither reads the other's messages
    assert not may_read_mailbox(TENANT, "bruno", "carla")
    assert not may_read_mailbox(TENANT, "carla", "bruno")


def test_mailboxes_are_named_as_a_person_knows_them() -> None:
    assert mailbox_name(TENANT, "night") == "Night messages"  # its configured name
    assert mailbox_name(TENANT, "helpdesk") == "Support"  # configured without a name
    assert mailbox_name(TENANT, "sales") == "Sales"
    assert mailbox_name(TENANT, "carla") == "Carla"
    assert mailbox_name(TENANT, "main-ivr") == "main-ivr"  # a flow's: nothing better


def _message(caller: str, crm_contact_id: str | None) -> VoicemailRecord:
    return VoicemailRecord(
        id="vm-1",
        call_id="call-1",
        mailbox="sales",
        caller=caller,
        crm_contact_id=crm_contact_id,
        created_at=1_764_000_000.0,
        duration_seconds=12.0,
        audio_path=None,
        transcription=None,
        transcription_status="pending",
        emailed_at=None,
    )


def test_the_caller_is_named_when_the_configuration_knows_it() -> None:
    directory = Directory(TENANT)
    assert caller_name(directory, _message("+12125550180", "jane")) == "Jane Customer"
    assert caller_name(directory, _message("1003", None)) == "Carla"  # a colleague's extension
    assert caller_name(directory, _message("+33612345678", None)) is None


def test_a_mailboxs_news_goes_to_everyone_who_may_read_it() -> None:
    # Support's mailbox: its listed reader, Support's supervisor and its member.
    assert readers(TENANT, "helpdesk") == ["alice", "bruno", "carla"]
    assert readers(TENANT, "night") == ["dora"]
    assert readers(TENANT, "sales") == ["alice"]
    assert readers(TENANT, "dora") == ["dora"]
    assert readers(TENANT, "nobody's") == []
