"""Mailboxes at run time: greeting, tone, the message, then its life in the background.

Theory of operation
-------------------
The core sends a call to a mailbox with `StartVoicemail`. A `_Session` then walks:

    GREETING ──prompt ends──▶ TONE ──prompt ends──▶ RECORDING ──▶ over
                                                     │ `#`, the mailbox's max
                                                     │ seconds, or the caller
                                                     ▼ hanging up
                                               the WAV is kept

A message with no voice in it (the caller hung up at the tone, or said nothing)
is not a message: it is deleted and nobody is bothered. A real one is stored at
once with its transcription `pending`, so it can be listed and played before the
transcription exists. Then, off the call's path, a background task transcribes it
(faster-whisper, in the transcriber's own thread), stores the text, and emails the
mailbox's recipients with the text and the WAV attached. A failed transcription or
email is recorded on the message (`failed`, `emailed_at` unset), never lost.
`on_saved` hears of the message when it is stored and again when its transcription
is in (or failed): the agents' stream announces both to the mailbox's readers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import Enum
from pathlib import Path
from typing import Any

import numpy as np

from switchboard.config.model import Tenant
from switchboard.core import commands as cmd
from switchboard.core import effects as fx
from switchboard.core.call import CallState
from switchboard.core.center import ContactCenter
from switchboard.core.records import VoicemailRecord
from switchboard.flows.model import PromptSpec
from switchboard.media.engine import MediaEngine, MediaError
from switchboard.media.tones import Tone
from switchboard.media.wav import WavError, read_wav, write_wav
from switchboard.runtime.mailer import Mailer
from switchboard.runtime.smart_routing import Later, SmartRouting
from switchboard.runtime.telephony import Telephony
from switchboard.speech.stt import Transcriber
from switchboard.store.store import Store

log = logging.getLogger(__name__)

TONE = Tone((1000.0,), ((0.4, 0.1),), level_dbfs=-10.0)
SPEECH_DBFS = -40.0
"""Loudest 20 ms frame below this level: nobody spoke (line noise is near -60)."""


class Phase(Enum):
    GREETING = "greeting"
    TONE = "tone"
    RECORDING = "recording"


@dataclass(slots=True)
class _Session:
    call_id: str
    mailbox: str
    phase: Phase
    started_at: float = 0.0
    path: Path | None = None
    timer: asyncio.TimerHandle | None = None


class Voicemail:
    def __init__(
        self,
        tenant: Tenant,
        telephony: Telephony,
        media: MediaEngine,
        store: Store,
        routing: SmartRouting,
        transcriber: Transcriber,
        mailer: Mailer | None,
        *,
        directory: Path,
        clock: Callable[[], float],
        post: Callable[[Later], None],
    ) -> None:
        self.tenant = tenant
        self.telephony = telephony
        self.media = media
        self.store = store
        self.routing = routing
        self.transcriber = transcriber
        self.mailer = mailer
        self.directory = directory
        self.clock = clock
        self.post = post
        self.center: ContactCenter | None = None
        self.on_saved: Callable[[VoicemailRecord, str], None] | None = None
        """Told of a message stored (`"saved"`) and of its transcription (`"transcribed"`)."""
        self.sessions: dict[str, _Session] = {}
        self.background: set[asyncio.Task[None]] = set()
        self._tone: Path | None = None

    def tone(self) -> Path:
        if self._tone is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._tone = self.directory / "tone.wav"
            write_wav(self._tone, TONE.period())
        return self._tone

    # -- the call ------------------------------------------------------------------------

    async def start(self, effect: fx.StartVoicemail) -> list[cmd.Command]:
        box = self.tenant.mailbox(effect.mailbox)
        session = _Session(effect.call_id, effect.mailbox, Phase.GREETING)
        self.sessions[effect.call_id] = session
        override = self.routing.greetings.pop(effect.call_id, None)
        if override is not None:
            greeting = await self.routing.audio(override)
        elif box.greeting_file is not None:
            greeting = self.routing.config_dir / box.greeting_file
        else:
            greeting = await self.routing.audio(PromptSpec(text=box.greeting))
        if greeting is None or self.telephony.say(effect.call_id, greeting) is None:
            return self._after_prompt(session)
        return []

    def prompt_ended(self, call_id: str) -> list[cmd.Command]:
        session = self.sessions.get(call_id)
        if session is None or session.phase is Phase.RECORDING:
            return []
        return self._after_prompt(session)

    def _after_prompt(self, session: _Session) -> list[cmd.Command]:
        if session.phase is Phase.GREETING:
            session.phase = Phase.TONE
            if self.telephony.say(session.call_id, self.tone()) is not None:
                return []
        return self._record(session)

    def _record(self, session: _Session) -> list[cmd.Command]:
        endpoint = self.telephony.remote_endpoint(session.call_id)
        if endpoint is None:
            return self._finish(session.call_id)
        session.phase = Phase.RECORDING
        self.directory.mkdir(parents=True, exist_ok=True)
        session.path = self.directory / f"{session.call_id}-{secrets.token_hex(4)}.wav"
        session.started_at = self.clock()
        try:
            self.media.start_recording(_recording_id(session.call_id), (endpoint,), session.path)
        except MediaError as error:
            log.error("voicemail for %s not recorded: %s", session.call_id, error)
            return self._finish(session.call_id)
        seconds = self.tenant.mailbox(session.mailbox).max_seconds
        call_id = session.call_id

        async def full() -> list[cmd.Command]:
            return self._finish(call_id)

        session.timer = asyncio.get_running_loop().call_later(seconds, self.post, full)
        return []

    def digit(self, call_id: str, key: str) -> list[cmd.Command]:
        session = self.sessions.get(call_id)
        if session is None:
            return []
        if key == "#" and session.phase is Phase.RECORDING:
            return self._finish(call_id)
        if session.phase is not Phase.RECORDING:
            # A key during the greeting skips it, as mailboxes usually allow.
            self.telephony.hush(call_id)
            return self._after_prompt(session)
        return []

    def call_ended(self, call_id: str) -> None:
        """The call ended (the caller hung up): keep what was recorded."""
        if call_id in self.sessions:
            self._finish(call_id)

    def _finish(self, call_id: str) -> list[cmd.Command]:
        session = self.sessions.pop(call_id, None)
        if session is None:
            return []
        if session.timer is not None:
            session.timer.cancel()
        if session.phase is Phase.RECORDING and session.path is not None:
            with contextlib.suppress(MediaError):
                self.media.stop_recording(_recording_id(call_id))
            self._keep(session)
        call = self.center.calls.get(call_id) if self.center is not None else None
        if call is not None and call.state is CallState.VOICEMAIL:
            return [cmd.VoicemailDone(call_id)]
        return []

    # -- the message -----------------------------------------------------------------------

    def _keep(self, session: _Session) -> None:
        assert session.path is not None
        duration, spoken = _listen_to(session.path)
        if not spoken:
            log.info("no message left in %s by %s", session.mailbox, session.call_id)
            session.path.unlink(missing_ok=True)
            return
        call = self.center.calls.get(session.call_id) if self.center is not None else None
        record = VoicemailRecord(
            id=f"vm-{secrets.token_hex(6)}",
            call_id=session.call_id,
            mailbox=session.mailbox,
            caller=call.caller if call is not None else "anonymous",
            crm_contact_id=call.crm_contact_id if call is not None else None,
            created_at=session.started_at,
            duration_seconds=duration,
            audio_path=str(session.path),
            transcription=None,
            transcription_status="pending",
            emailed_at=None,
        )
        self.deliver(record)

    def deliver(self, record: VoicemailRecord) -> None:
        """Store a new message and announce it; transcribe and email it in the
        background."""
        self._save(record, "saved")
        task = asyncio.get_running_loop().create_task(self._after_call(record))
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    async def _after_call(self, record: VoicemailRecord) -> None:
        try:
            text = await self.transcriber.transcribe(Path(str(record.audio_path)))
            record = replace(record, transcription=text, transcription_status="done")
        except Exception:
            log.exception("voicemail %s not transcribed", record.id)
            record = replace(record, transcription_status="failed")
        self._save(record, "transcribed")
        box = self.tenant.mailbox(record.mailbox)
        if self.mailer is None or not box.email:
            return
        try:
            await self.mailer.send_voicemail(record, box, self.tenant)
        except Exception:
            log.exception("voicemail %s not emailed", record.id)
            return
        self._save(replace(record, emailed_at=self.clock()))

    def _save(self, record: VoicemailRecord, change: str | None = None) -> None:
        try:
            self.store.save_voicemail(record)
        except Exception:
            log.exception("voicemail %s not saved", record.id)
            return
        if change is not None and self.on_saved is not None:
            try:
                self.on_saved(record, change)
            except Exception:  # the message is stored: only its news is lost, never
                # its transcription or its email
                log.exception("voicemail %s: its readers were not told", record.id)

    async def drain(self, timeout: float) -> None:
        """Shutdown: give transcriptions and emails under way `timeout` seconds."""
        if self.background:
            await asyncio.wait(self.background, timeout=timeout)
        for session_id in list(self.sessions):
            self._finish(session_id)


def _recording_id(call_id: str) -> str:
    return f"{call_id}-voicemail"


def _listen_to(path: Path) -> tuple[float, bool]:
    """(duration in seconds, whether anyone spoke) of a recorded message."""
    try:
        sound = read_wav(path)
    except WavError:
        return 0.0, False
    samples: Any = sound.samples.astype(np.float64)
    if samples.ndim > 1:
        samples = samples.mean(axis=1)
    frames = samples[: len(samples) // 160 * 160].reshape(-1, 160)
    if len(frames) == 0:
        return sound.duration, False
    rms = np.sqrt((frames**2).mean(axis=1))
    peak_dbfs = 20 * np.log10(max(float(rms.max()), 1e-9) / 32768)
    return sound.duration, peak_dbfs > SPEECH_DBFS
