"""Between the core's records and the table rows, both ways, with no database access.

Everything here is a pure function of its arguments so that the round trip
(record → rows → record) is the only thing the store's tests have to establish, and
so that the `Store` only deals with sessions and transactions.

What changes shape on the way: tuples become JSON lists and come back as tuples,
`CrmLink`s become `{"contact_id", "case_id"}` objects, the children of an
interaction get a `position` that restores their order, and enumeration values
are stored as their string values. JSON keeps `str`, `int`, `float`, `bool`, `None`,
lists and string-keyed objects; a tuple inside a qualification answer or a timeline
detail comes back as a list.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import fields
from typing import Any, TypeVar

from switchboard.core.records import (
    CallbackRecord,
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
from switchboard.store.tables import (
    InteractionRow,
    MissedCallRow,
    ParticipationRow,
    PendingCallbackRow,
    RecordingRow,
    TimelineEventRow,
    TransferRow,
    UserRow,
    VoicemailRow,
)
from switchboard.store.types import RecordingFile, StoredUser, StoreError

_J = TypeVar("_J")


def checked_json(value: _J, what: str) -> _J:
    """`value` if JSON can hold it, else a `StoreError` naming the field.

    SQLite's driver serialises JSON through SQLAlchemy and PostgreSQL's inside
    psycopg, which fail differently (and psycopg with a bare `TypeError`); checking
    here gives the same clear error on both, before anything is written. NaN and
    infinities are refused too: PostgreSQL's JSON does not accept them.
    """
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise StoreError(f"cannot store {what} as JSON: {exc}") from exc
    return value


# --- interactions: record -> rows -------------------------------------------------


def fill_interaction(row: InteractionRow, record: InteractionRecord) -> None:
    """Copy the interaction's own fields (not its children) onto `row`."""
    row.id = record.id
    row.direction = record.direction.value
    row.call_type = record.call_type.value
    row.caller = record.caller
    row.caller_name = record.caller_name
    row.callee = record.callee
    row.crm_contact_id = record.crm_contact_id
    row.queue_id = record.queue_id
    row.created_at = record.created_at
    row.answered_at = record.answered_at
    row.ended_at = record.ended_at
    row.end_cause = None if record.end_cause is None else record.end_cause.value
    row.wait_seconds = record.wait_seconds
    row.talk_seconds = record.talk_seconds
    row.hold_seconds = record.hold_seconds
    row.post_interaction_seconds = record.post_interaction_seconds
    row.variables = checked_json(dict(record.variables), f"the variables of {record.id!r}")


def participation_rows(record: InteractionRecord) -> list[ParticipationRow]:
    return [
        ParticipationRow(
            interaction_id=record.id,
            position=position,
            agent_id=p.agent_id,
            offered_at=p.offered_at,
            connected_at=p.connected_at,
            left_at=p.left_at,
            talk_seconds=p.talk_seconds,
            hold_seconds=p.hold_seconds,
            post_interaction_started_at=p.post_interaction_started_at,
            post_interaction_ended_at=p.post_interaction_ended_at,
            qualification=checked_json(
                dict(p.qualification), f"the qualification of {p.agent_id!r} in {record.id!r}"
            ),
            tags=checked_json(list(p.tags), f"the tags of {p.agent_id!r} in {record.id!r}"),
            crm_links=[{"contact_id": c.contact_id, "case_id": c.case_id} for c in p.crm_links],
        )
        for position, p in enumerate(record.participations)
    ]


def transfer_rows(record: InteractionRecord) -> list[TransferRow]:
    return [
        TransferRow(
            interaction_id=record.id,
            position=position,
            id=t.id,
            mode=t.mode,
            destination_kind=t.destination_kind,
            destination=t.destination,
            from_agent=t.from_agent,
            status=t.status,
            failure_reason=t.failure_reason,
            started_at=t.started_at,
            ended_at=t.ended_at,
        )
        for position, t in enumerate(record.transfers)
    ]


def timeline_rows(record: InteractionRecord) -> list[TimelineEventRow]:
    return [
        TimelineEventRow(
            interaction_id=record.id,
            position=position,
            at=e.at,
            kind=e.kind,
            agent_id=e.agent_id,
            detail=checked_json(dict(e.detail), f"the {e.kind!r} event of {record.id!r}"),
        )
        for position, e in enumerate(record.timeline)
    ]


def recording_rows(
    record: InteractionRecord, existing: Iterable[RecordingRow]
) -> list[RecordingRow]:
    """The recording rows for `record`, reusing the rows already stored.

    A stored row keeps its file columns (path, size, duration), which the record
    does not carry; a recording no longer in the record is left out, so the ORM
    deletes it.
    """
    by_id = {row.id: row for row in existing}
    rows: list[RecordingRow] = []
    for position, ref in enumerate(record.recordings):
        row = by_id.get(ref.id) or RecordingRow(id=ref.id, interaction_id=record.id)
        row.position = position
        row.started_at = ref.started_at
        row.stopped_at = ref.stopped_at
        row.automatic = ref.automatic
        row.started_by = ref.started_by
        rows.append(row)
    return rows


# --- interactions: rows -> record -------------------------------------------------


def interaction_from_row(row: InteractionRow) -> InteractionRecord:
    return InteractionRecord(
        id=row.id,
        direction=Direction(row.direction),
        call_type=CallType(row.call_type),
        caller=row.caller,
        callee=row.callee,
        crm_contact_id=row.crm_contact_id,
        queue_id=row.queue_id,
        created_at=row.created_at,
        answered_at=row.answered_at,
        ended_at=row.ended_at,
        end_cause=None if row.end_cause is None else EndCause(row.end_cause),
        wait_seconds=row.wait_seconds,
        talk_seconds=row.talk_seconds,
        hold_seconds=row.hold_seconds,
        post_interaction_seconds=row.post_interaction_seconds,
        participations=tuple(_participation(p) for p in row.participations),
        transfers=tuple(_transfer(t) for t in row.transfers),
        recordings=tuple(_recording(r) for r in row.recordings),
        timeline=tuple(_timeline_entry(e) for e in row.timeline),
        variables=dict(row.variables),
        caller_name=row.caller_name,
    )


def _participation(row: ParticipationRow) -> Participation:
    return Participation(
        agent_id=row.agent_id,
        offered_at=row.offered_at,
        connected_at=row.connected_at,
        left_at=row.left_at,
        talk_seconds=row.talk_seconds,
        hold_seconds=row.hold_seconds,
        post_interaction_started_at=row.post_interaction_started_at,
        post_interaction_ended_at=row.post_interaction_ended_at,
        qualification=dict(row.qualification),
        tags=tuple(row.tags),
        crm_links=tuple(_crm_link(link) for link in row.crm_links),
    )


def _crm_link(data: dict[str, Any]) -> CrmLink:
    return CrmLink(contact_id=data["contact_id"], case_id=data.get("case_id"))


def _transfer(row: TransferRow) -> TransferRecord:
    return TransferRecord(
        id=row.id,
        mode=row.mode,
        destination_kind=row.destination_kind,
        destination=row.destination,
        from_agent=row.from_agent,
        status=row.status,
        failure_reason=row.failure_reason,
        started_at=row.started_at,
        ended_at=row.ended_at,
    )


def _recording(row: RecordingRow) -> RecordingRef:
    return RecordingRef(
        id=row.id,
        started_at=row.started_at,
        stopped_at=row.stopped_at,
        automatic=row.automatic,
        started_by=row.started_by,
    )


def _timeline_entry(row: TimelineEventRow) -> TimelineEntry:
    return TimelineEntry(at=row.at, kind=row.kind, agent_id=row.agent_id, detail=dict(row.detail))


def recording_file_from_row(row: RecordingRow) -> RecordingFile:
    return RecordingFile(
        recording_id=row.id,
        interaction_id=row.interaction_id,
        path=row.path,
        size_bytes=row.size_bytes,
        duration_seconds=row.duration_seconds,
    )


# --- missed calls, voicemails, users ----------------------------------------------


# Missed calls and voicemails are flat: one column per record field, same names.

Flat = TypeVar("Flat", MissedCallRecord, VoicemailRecord)


def fill_flat(
    row: MissedCallRow | VoicemailRow,
    record: MissedCallRecord | VoicemailRecord,
    *,
    skip: tuple[str, ...] = (),
) -> None:
    for f in fields(record):
        if f.name not in skip:
            setattr(row, f.name, getattr(record, f.name))


def flat_from_row(kind: type[Flat], row: MissedCallRow | VoicemailRow) -> Flat:
    return kind(**{f.name: getattr(row, f.name) for f in fields(kind)})


def user_from_row(row: UserRow) -> StoredUser:
    return StoredUser(
        agent_id=row.agent_id,
        name=row.name,
        extension=row.extension,
        password_hash=row.password_hash,
        profile_id=row.profile_id,
        active=row.active,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


# --- pending callbacks ----------------------------------------------------------------


def callback_row(record: CallbackRecord) -> PendingCallbackRow:
    where = f"the callback of {record.call_id!r}"
    values = {f.name: getattr(record, f.name) for f in fields(record)}
    values["variables"] = checked_json(dict(record.variables), f"{where}: its variables")
    values["timeline"] = [
        {
            "at": e.at,
            "kind": e.kind,
            "agent_id": e.agent_id,
            "detail": checked_json(dict(e.detail), f"{where}: its {e.kind!r} event"),
        }
        for e in record.timeline
    ]
    return PendingCallbackRow(**values)


def callback_from_row(row: PendingCallbackRow) -> CallbackRecord:
    values = {f.name: getattr(row, f.name) for f in fields(CallbackRecord)}
    values["variables"] = {str(k): str(v) for k, v in row.variables.items()}
    values["timeline"] = tuple(
        TimelineEntry(at=e["at"], kind=e["kind"], agent_id=e["agent_id"], detail=dict(e["detail"]))
        for e in row.timeline
    )
    return CallbackRecord(**values)
