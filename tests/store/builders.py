"""Records as the core would emit them, with the awkward values a store must keep exactly."""

from __future__ import annotations

from dataclasses import replace

from switchboard.core.records import (
    CallType,
    CrmLink,
    Direction,
    EndCause,
    InteractionRecord,
    MissedCallRecord,
    Participation,
    RecordingRef,
    TimelineEntry,
    TransferRecord,
    VoicemailRecord,
)

T0 = 1_764_000_000.123456789
"""An epoch time whose float has every bit of its mantissa in use."""


def participation(agent_id: str, start: float) -> Participation:
    return Participation(
        agent_id=agent_id,
        offered_at=start,
        connected_at=start + 2.5,
        left_at=start + 62.1,
        talk_seconds=59.6,
        hold_seconds=0.0,
        post_interaction_started_at=start + 62.1,
        post_interaction_ended_at=start + 92.1,
        qualification={},
        tags=(),
        crm_links=(),
    )


def simple_interaction(
    interaction_id: str,
    *,
    created_at: float,
    queue_id: str | None = "sales",
    agents: tuple[str, ...] = ("alice",),
) -> InteractionRecord:
    """A completed inbound call, answered by each of `agents` in turn."""
    return InteractionRecord(
        id=interaction_id,
        direction=Direction.INBOUND,
        call_type=CallType.SMART_ROUTING,
        caller="+33612345678",
        callee="+33180000000",
        crm_contact_id=None,
        queue_id=queue_id,
        created_at=created_at,
        answered_at=created_at + 4.0,
        ended_at=created_at + 70.0,
        end_cause=EndCause.COMPLETED,
        wait_seconds=4.0,
        talk_seconds=66.0,
        hold_seconds=0.0,
        post_interaction_seconds=30.0,
        participations=tuple(participation(agent, created_at + 2.0) for agent in agents),
        transfers=(),
        recordings=(),
        timeline=(TimelineEntry(at=created_at, kind="queued"),),
        variables={},
    )


def rich_interaction(interaction_id: str = "call-1") -> InteractionRecord:
    """Alice answers, records, then transfers blind to Bob; both qualify their part."""
    alice = replace(
        participation("alice", T0 + 3.0),
        hold_seconds=12.25,
        qualification={
            "reason": "billing",
            "satisfaction": 4,
            "callback": True,
            "products": ["fiber", "mobile"],
            "score": 0.1 + 0.2,
            "note": None,
        },
        tags=("vip", "complaint"),
        crm_links=(CrmLink("contact-42", "case-7"), CrmLink("contact-43")),
    )
    bob = replace(
        participation("bob", T0 + 61.0),
        offered_at=None,
        qualification={"reason": "billing", "resolved": False},
        tags=("escalated",),
        crm_links=(CrmLink("contact-42"),),
        post_interaction_ended_at=None,
    )
    return InteractionRecord(
        id=interaction_id,
        direction=Direction.INBOUND,
        call_type=CallType.SMART_ROUTING,
        caller="+33612345678",
        caller_name="Jeanne Dupré <mobile>",
        callee="+33180000000",
        crm_contact_id="contact-42",
        queue_id="support",
        created_at=T0,
        answered_at=T0 + 5.5,
        ended_at=T0 + 180.75,
        end_cause=EndCause.COMPLETED,
        wait_seconds=5.5,
        talk_seconds=163.0,
        hold_seconds=12.25,
        post_interaction_seconds=30.000001,
        participations=(alice, bob),
        transfers=(
            TransferRecord(
                id="xfer-1",
                mode="blind",
                destination_kind="user",
                destination="bob",
                from_agent="alice",
                status="completed",
                failure_reason=None,
                started_at=T0 + 60.0,
                ended_at=T0 + 61.0,
            ),
        ),
        recordings=(
            RecordingRef(
                id="rec-1",
                started_at=T0 + 10.0,
                stopped_at=T0 + 60.0,
                automatic=False,
                started_by="alice",
            ),
        ),
        timeline=(
            TimelineEntry(at=T0, kind="queued", detail={"queue": "support", "position": 1}),
            TimelineEntry(at=T0 + 3.0, kind="offered", agent_id="alice"),
            TimelineEntry(at=T0 + 5.5, kind="connected", agent_id="alice"),
            TimelineEntry(at=T0 + 10.0, kind="recording_started", agent_id="alice"),
            TimelineEntry(at=T0 + 30.0, kind="dtmf", detail={"digits": "1#"}),
            TimelineEntry(
                at=T0 + 60.0,
                kind="transfer_started",
                agent_id="alice",
                detail={"transfer": "xfer-1", "to": {"kind": "user", "id": "bob"}},
            ),
            TimelineEntry(at=T0 + 180.75, kind="ended", detail={"by": "caller"}),
        ),
        variables={"language": "fr", "account": "0042", "intent": "billing"},
    )


def missed_call(
    missed_id: str, *, agent_id: str, at: float, reason: str = "expired"
) -> MissedCallRecord:
    return MissedCallRecord(
        id=missed_id,
        agent_id=agent_id,
        call_id=f"call-of-{missed_id}",
        caller="+33612345678",
        crm_contact_id=None,
        queue_id="sales",
        at=at,
        reason=reason,
    )


def voicemail(
    voicemail_id: str, *, mailbox: str = "sales", created_at: float = T0
) -> VoicemailRecord:
    """A voicemail just left: audio written, transcription still pending."""
    return VoicemailRecord(
        id=voicemail_id,
        call_id=f"call-of-{voicemail_id}",
        mailbox=mailbox,
        caller="+33612345678",
        crm_contact_id="contact-42",
        created_at=created_at,
        duration_seconds=17.4,
        audio_path=f"var/voicemail/{voicemail_id}.wav",
        transcription=None,
        transcription_status="pending",
        emailed_at=None,
    )
