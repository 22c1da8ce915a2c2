"""Voicemail through the API, on a running server: each agent lists the messages of
the mailboxes it may read (its queues', its own, those listing it as a reader),
plays one, and marks it heard for its colleagues; other mailboxes stay closed.

The messages are stored as the runtime stores them (a record, and its WAV in the
server's voicemail folder) rather than left by a real call: `test_voicemail.py`
covers the call."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx

from switchboard.core.records import VoicemailRecord
from tests.interop.media import long_tone

from .harness import Api, running_api

T0 = 1_764_000_000.0


def _leave(api: Api, voicemail_id: str, mailbox: str, at: float, **fields: Any) -> Path:
    """A message as the runtime keeps it: its WAV, then its record; the WAV's path."""
    record = _message(api, voicemail_id, mailbox, at, **fields)
    api.running.store.save_voicemail(record)
    assert record.audio_path is not None
    return Path(record.audio_path)


def _message(
    api: Api, voicemail_id: str, mailbox: str, at: float, **fields: Any
) -> VoicemailRecord:
    """A message just recorded: its WAV in the server's folder, and its record."""
    folder = api.running.server.voicemail.directory
    folder.mkdir(parents=True, exist_ok=True)
    audio = long_tone(folder / f"call-{voicemail_id}-0a1b2c3d.wav", 440.0, 1.5)
    record = VoicemailRecord(
        id=voicemail_id,
        call_id=f"call-{voicemail_id}",
        mailbox=mailbox,
        caller=fields.pop("caller", "+33612345678"),
        crm_contact_id=fields.pop("crm_contact_id", None),
        created_at=at,
        duration_seconds=1.5,
        audio_path=str(audio),
        transcription=fields.pop("transcription", None),
        transcription_status=fields.pop("transcription_status", "pending"),
        emailed_at=None,
    )
    assert not fields, fields
    return record


def _ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()]


def test_agents_list_play_and_mark_heard_the_messages_they_may_read(tmp_path: Path) -> None:
    async def scenario() -> dict[str, Any]:
        out: dict[str, Any] = {}
        async with running_api(tmp_path) as api:
            # given messages in Sales (two), Support, the Night mailbox and Carla's own
            out["audio"] = _leave(
                api,
                "vm-jane",
                "sales",
                T0 + 10,
                caller="+12125550180",
                crm_contact_id="jane",
                transcription="Please call me back about my contract.",
                transcription_status="done",
            )
            _leave(api, "vm-later", "sales", T0 + 20)
            _leave(api, "vm-support", "support", T0 + 30)
            _leave(api, "vm-night", "night", T0 + 40)
            _leave(api, "vm-for-carla", "carla", T0 + 50, caller="1001")
            tokens = {a: await api.login(a) for a in ("alice", "bruno", "carla", "sam")}

            # when each agent lists its voicemails
            out["lists"] = {
                agent: _ids(await api.call(token, "GET", "/voicemails"))
                for agent, token in tokens.items()
            }
            alice, bruno = tokens["alice"], tokens["bruno"]
            out["one"] = await api.call(alice, "GET", "/voicemails/vm-jane")
            out["night_by_alice"] = await api.call(alice, "GET", "/voicemails/vm-night")
            out["unknown"] = await api.call(alice, "GET", "/voicemails/vm-nope")
            out["carla_night"] = _ids(
                await api.call(tokens["carla"], "GET", "/voicemails?mailbox=night")
            )
            out["night_list_by_alice"] = await api.call(alice, "GET", "/voicemails?mailbox=night")
            out["bad_limit"] = await api.call(alice, "GET", "/voicemails?limit=0")
            out["page"] = _ids(
                await api.call(alice, "GET", f"/voicemails?limit=1&before={T0 + 20}")
            )

            # and alice plays Jane's message, then a message not hers
            out["play"] = await api.call(alice, "GET", "/voicemails/vm-jane/audio")
            out["play_night"] = await api.call(alice, "GET", "/voicemails/vm-night/audio")

            # and alice marks Jane's message heard, bruno a moment later
            out["before_marking"] = time.time()
            out["heard"] = await api.call(alice, "POST", "/voicemails/vm-jane/heard")
            out["after_marking"] = time.time()
            out["heard_again"] = await api.call(bruno, "POST", "/voicemails/vm-jane/heard")
            out["heard_night"] = await api.call(alice, "POST", "/voicemails/vm-night/heard")
            out["bruno_unheard"] = _ids(await api.call(bruno, "GET", "/voicemails?unheard=true"))
            out["mailboxes"] = (await api.call(alice, "GET", "/mailboxes")).json()

            # and the WAV of the later message is gone from the disk
            later = api.running.store.get_voicemail("vm-later")
            assert later is not None and later.audio_path is not None
            Path(later.audio_path).unlink()
            out["gone"] = await api.call(alice, "GET", "/voicemails/vm-later/audio")
            # (a client of its own: the harness's keeps the last login's cookie)
            async with httpx.AsyncClient() as anonymous:
                out["anonymous"] = await anonymous.get(f"{api.base}/api/v1/voicemails")
            out["openapi"] = (await api.client.get(f"{api.base}/openapi.json")).json()
        return out

    out = asyncio.run(scenario())

    # then each agent sees the mailboxes it may read, newest first, and nothing else
    assert out["lists"] == {
        # a member of Sales: Sales' messages
        "alice": ["vm-later", "vm-jane"],
        # a member and supervisor of Sales: the same
        "bruno": ["vm-later", "vm-jane"],
        # a member of Support, reader of Night, and her own direct line
        "carla": ["vm-for-carla", "vm-night", "vm-support"],
        # a supervisor of Sales who is in no queue
        "sam": ["vm-later", "vm-jane"],
    }
    assert out["carla_night"] == ["vm-night"]
    assert out["page"] == ["vm-jane"]

    # one message, as the Banner shows it
    assert out["one"].status_code == 200, out["one"].text
    assert out["one"].json() == {
        "id": "vm-jane",
        "mailbox": "sales",
        "mailbox_name": "Sales",
        "call_id": "call-vm-jane",
        "caller": "+12125550180",
        "caller_name": "Jane Customer",
        "crm_contact_id": "jane",
        "created_at": T0 + 10,
        "duration_seconds": 1.5,
        "transcription": "Please call me back about my contract.",
        "transcription_status": "done",
        "heard_at": None,
        "heard_by": None,
        "audio_url": "/api/v1/voicemails/vm-jane/audio",
    }

    # a message of a mailbox alice may not read looks like one that does not exist
    for key in ("night_by_alice", "play_night", "heard_night"):
        response = out[key]
        assert response.status_code == 404, (key, response.text)
        assert response.json() == {
            "error": "unknown_voicemail",
            "message": "there is no voicemail 'vm-night' in the mailboxes you may read",
        }
    assert out["unknown"].status_code == 404
    assert out["unknown"].json()["error"] == "unknown_voicemail"
    # asking for a whole mailbox she may not read says why, and who may
    refused = out["night_list_by_alice"]
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"] == "mailbox_not_readable"
    assert "you may not read mailbox 'night'" in refused.json()["message"]
    assert "readers" in refused.json()["message"]
    assert out["bad_limit"].status_code == 422
    assert out["bad_limit"].json()["message"] == "limit must be between 1 and 200"

    # alice hears the message as it was recorded
    play = out["play"]
    assert play.status_code == 200, play.text
    assert play.headers["content-type"] == "audio/wav"
    assert play.content == out["audio"].read_bytes()
    assert play.content.startswith(b"RIFF")

    # her hearing is the one kept: bruno, marking it after her, sees she heard it
    heard = out["heard"]
    assert heard.status_code == 200, heard.text
    assert heard.json()["heard_by"] == "alice"
    assert out["before_marking"] <= heard.json()["heard_at"] <= out["after_marking"]
    assert out["heard_again"].status_code == 200
    assert out["heard_again"].json() == heard.json()
    assert out["bruno_unheard"] == ["vm-later"]
    assert out["mailboxes"] == [
        {"id": "alice", "name": "Alice Martin", "unheard": 0},
        {"id": "sales", "name": "Sales", "unheard": 1},
    ]

    # a message whose WAV is gone says so, in JSON
    gone = out["gone"]
    assert gone.status_code == 404, gone.text
    assert gone.json() == {
        "error": "voicemail_audio_missing",
        "message": "the audio of voicemail 'vm-later' is no longer on the server",
    }
    assert out["anonymous"].status_code == 401
    paths = out["openapi"]["paths"]
    for path in ("/api/v1/voicemails", "/api/v1/voicemails/{voicemail_id}/heard"):
        assert paths[path][next(iter(paths[path]))]["tags"] == ["voicemail"]


class _Transcription:
    """The test's transcriber: `text`, once the test lets it through (what Whisper
    hears is `test_voicemail.py`'s concern; here, when its answer arrives)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.done = asyncio.Event()

    async def transcribe(self, wav: Path, *, hint: str | None = None) -> str:
        await self.done.wait()
        return self.text

    def close(self) -> None:
        pass


def test_a_new_message_is_announced_to_its_mailbox_readers(tmp_path: Path) -> None:
    """A caller leaves a message in the Accounts mailbox: Bruno, its reader, hears of
    it on his stream at once, again when its transcription is in, and when he marks
    it heard; Carla, who may not read it, hears nothing of it."""

    async def scenario() -> dict[str, Any]:
        async with running_api(tmp_path) as api:
            server = api.running.server
            transcriber = _Transcription("Please call me back about my invoice.")
            server.voicemail.transcriber = transcriber
            bruno, carla = await api.login("bruno"), await api.login("carla")
            async with api.events(bruno) as news, api.events(carla) as other:
                await news.until(lambda view: True)
                await other.until(lambda view: True)
                # What the runtime does once the caller hangs up after speaking.
                server.voicemail.deliver(
                    _message(
                        api,
                        "vm-new",
                        "accounts-box",
                        time.time(),
                        caller="+12125550180",
                        crm_contact_id="jane",
                    )
                )
                saved = await news.message("voicemail")
                transcriber.done.set()
                transcribed = await news.message("voicemail")
                marked = await api.call(bruno, "POST", "/voicemails/vm-new/heard")
                assert marked.status_code == 200, marked.text
                heard = await news.message("voicemail")
                # Carla's stream: everything up to a change of her own screen.
                await api.call(carla, "POST", "/status", {"state": "available"})
                await other.until(lambda view: view["agent"]["state"] == "available")
                return {
                    "news": [saved, transcribed, heard],
                    "carla": [m for m in other.seen if m["type"] == "voicemail"],
                }

    out = asyncio.run(scenario())
    saved, transcribed, heard = out["news"]
    assert [m["change"] for m in out["news"]] == ["saved", "transcribed", "heard"]
    assert saved["voicemail"]["id"] == "vm-new"
    assert saved["voicemail"]["caller_name"] == "Jane Customer"
    assert saved["voicemail"]["transcription_status"] == "pending"
    accounts = {"id": "accounts-box", "name": "Accounts messages"}
    assert saved["mailbox"] == {**accounts, "unheard": 1}
    assert transcribed["voicemail"]["transcription"] == "Please call me back about my invoice."
    assert transcribed["voicemail"]["transcription_status"] == "done"
    assert heard["voicemail"]["heard_by"] == "bruno"
    assert heard["mailbox"] == {**accounts, "unheard": 0}
    assert out["carla"] == []


def test_a_message_heard_before_its_transcription_stays_heard(tmp_path: Path) -> None:
    """Bruno listens while Whisper is still at work: the transcription's news carries
    the message as he left it, heard, and the mailbox without unheard messages."""

    async def scenario() -> list[dict[str, Any]]:
        async with running_api(tmp_path) as api:
            server = api.running.server
            transcriber = _Transcription("Please call me back.")
            server.voicemail.transcriber = transcriber
            bruno = await api.login("bruno")
            async with api.events(bruno) as news:
                await news.until(lambda view: True)
                server.voicemail.deliver(
                    _message(api, "vm-early", "accounts-box", time.time(), caller="+12125550180")
                )
                saved = await news.message("voicemail")
                marked = await api.call(bruno, "POST", "/voicemails/vm-early/heard")
                assert marked.status_code == 200, marked.text
                heard = await news.message("voicemail")
                transcriber.done.set()
                transcribed = await news.message("voicemail")
                return [saved, heard, transcribed]

    saved, heard, transcribed = asyncio.run(scenario())
    assert [m["change"] for m in (saved, heard, transcribed)] == ["saved", "heard", "transcribed"]
    assert transcribed["voicemail"]["transcription"] == "Please call me back."
    assert transcribed["voicemail"]["heard_by"] == "bruno"
    assert transcribed["mailbox"]["unheard"] == 0
