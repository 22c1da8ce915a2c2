"""The voicemail routes: mailboxes, messages, their audio, "heard", and the news of
each message on the stream of the agents who may read its mailbox.

Who may read a mailbox is decided by `api/mailboxes.py`, from the configuration.
Marking heard writes to the store only (the core keeps no voicemail state), as
saving a notification preference does.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import FileResponse, Response

from switchboard.api.caller import Me
from switchboard.api.errors import ApiError
from switchboard.api.mailboxes import (
    mailbox_name,
    may_read_mailbox,
    readable_mailboxes,
    readers,
    voicemail_json,
    voicemail_news,
)
from switchboard.core.records import VoicemailRecord
from switchboard.runtime.server import CallServer


def voicemail_routes(server: CallServer, now: Callable[[], float]) -> APIRouter:
    """The routes, and the server's voicemail service told to announce its messages."""
    router = APIRouter()

    def announce_voicemail(record: VoicemailRecord, change: str) -> None:
        """A message stored, transcribed or heard: the agents who may read its mailbox
        hear of it on their stream at once (the list and the badge follow). A failure
        here loses only the news (`VoicemailService._save` logs it)."""
        # As stored now: a reader may have heard it while Whisper was listening, and
        # the transcription's news must not bring it back as unheard.
        record = server.store.get_voicemail(record.id) or record
        unheard = server.store.unheard_voicemails([record.mailbox])[record.mailbox]
        news = voicemail_news(server.tenant, record, change, unheard)
        for agent_id in readers(server.tenant, record.mailbox):
            server.hub.send(agent_id, "voicemail", news)

    server.voicemail.on_saved = announce_voicemail

    def _readable_voicemail(voicemail_id: str, agent_id: str) -> VoicemailRecord:
        record = server.store.get_voicemail(voicemail_id)
        if record is None or not may_read_mailbox(server.tenant, agent_id, record.mailbox):
            # The same answer for "absent" and "not yours", as for recordings.
            raise ApiError(
                404,
                "unknown_voicemail",
                f"there is no voicemail {voicemail_id!r} in the mailboxes you may read",
            )
        return record

    @router.get("/api/v1/mailboxes", tags=["voicemail"])
    async def mailboxes(me: Me) -> list[dict[str, Any]]:
        """The mailboxes the agent may read, with how many messages nobody heard yet."""
        readable = sorted(readable_mailboxes(server.tenant, me.agent_id))
        unheard = server.store.unheard_voicemails(readable)
        return [
            {"id": box, "name": mailbox_name(server.tenant, box), "unheard": unheard[box]}
            for box in readable
        ]

    @router.get("/api/v1/voicemails", tags=["voicemail"])
    async def voicemails(
        me: Me,
        mailbox: str | None = None,
        unheard: bool = False,
        limit: int = 50,
        before: float | None = None,
    ) -> list[dict[str, Any]]:
        """Voicemails newest first, from one mailbox or every one the agent may read;
        `unheard` keeps those nobody marked heard, `before` (a `created_at`) pages."""
        if not 1 <= limit <= 200:
            raise ApiError(422, "invalid_request", "limit must be between 1 and 200")
        readable = readable_mailboxes(server.tenant, me.agent_id)
        if mailbox is not None and mailbox not in readable:
            raise ApiError(
                403,
                "mailbox_not_readable",
                f"you may not read mailbox {mailbox!r}: it is open to its readers, to the "
                "members and supervisors of its queue, and to its agent; an administrator "
                "can add you to its readers",
            )
        boxes = readable if mailbox is None else {mailbox}
        records = server.store.voicemails(boxes, limit=limit, before=before, unheard_only=unheard)
        return [voicemail_json(server.center.directory, r) for r in records]

    @router.get("/api/v1/voicemails/{voicemail_id}", tags=["voicemail"])
    async def voicemail(voicemail_id: str, me: Me) -> dict[str, Any]:
        return voicemail_json(
            server.center.directory, _readable_voicemail(voicemail_id, me.agent_id)
        )

    @router.get("/api/v1/voicemails/{voicemail_id}/audio", tags=["voicemail"])
    async def voicemail_audio(voicemail_id: str, me: Me) -> Response:
        record = _readable_voicemail(voicemail_id, me.agent_id)
        if record.audio_path is None or not Path(record.audio_path).is_file():
            raise ApiError(
                404,
                "voicemail_audio_missing",
                f"the audio of voicemail {voicemail_id!r} is no longer on the server",
            )
        return FileResponse(
            record.audio_path,
            media_type="audio/wav",
            filename=f"{voicemail_id}.wav",
            content_disposition_type="inline",
        )

    @router.post("/api/v1/voicemails/{voicemail_id}/heard", tags=["voicemail"])
    async def voicemail_heard(voicemail_id: str, me: Me) -> dict[str, Any]:
        """Mark the message heard by the agent; the first hearing is the one kept, and
        the mailbox's readers hear of it (their badge goes down)."""
        first = _readable_voicemail(voicemail_id, me.agent_id).heard_at is None
        record = server.store.mark_voicemail_heard(voicemail_id, me.agent_id, now())
        if record is None:  # deleted in between
            raise ApiError(404, "unknown_voicemail", f"there is no voicemail {voicemail_id!r}")
        if first:
            announce_voicemail(record, "heard")
        return voicemail_json(server.center.directory, record)

    return router
