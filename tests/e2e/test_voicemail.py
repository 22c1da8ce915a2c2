"""Out of hours, a caller reaches the mailbox: the flow says it is closed, the
mailbox greets and beeps, the caller speaks (an espeak-ng recording streamed as
RTP by sipp) and presses #. The message is stored, transcribed offline by Whisper,
and emailed to the mailbox's recipients through a real SMTP server (aiosmtpd) with
the transcription and the WAV; an agent allowed to read the mailbox lists it."""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from switchboard.config.model import Smtp, Tenant
from switchboard.media.wav import read_wav
from switchboard.speech.tts import PromptCache
from tests.interop.baresip import free_port as free_tcp_port
from tests.interop.sipp import ulaw_wav

from .harness import running_api

SPOKEN = "Hello, this is Jane. Please call me back about my electricity contract."


class Inbox:
    """What the SMTP server received."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.arrived = threading.Event()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802 (aiosmtpd's hook name)
        assert isinstance(envelope.content, bytes)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), message))
        self.arrived.set()
        return "250 Message accepted for delivery"


def test_an_after_hours_message_is_transcribed_and_emailed(tmp_path: Path) -> None:
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_tcp_port())
    smtp.start()

    def with_smtp(tenant: Tenant) -> Tenant:
        return tenant.model_copy(
            update={"smtp": Smtp(host="127.0.0.1", port=smtp.port, sender="pbx@acme.test")}
        )

    async def scenario() -> dict[str, Any]:
        out: dict[str, Any] = {}
        said = await PromptCache(tmp_path / "voice").render(SPOKEN)
        speech = ulaw_wav(tmp_path / "speech.wav", read_wav(said).samples)
        async with running_api(tmp_path, edit=with_smtp) as api:
            caller = api.running.customer(
                "voicemail_caller",
                to="night",
                speech=str(speech),
                key=KEY_POUND,
                wait="6000",
                talk=str(int(read_wav(said).duration * 1000) + 800),
            )
            out["caller"] = await caller
            out["record"] = await asyncio.wait_for(api.running.persisted.get(), 10)
            # The SMTP server runs in its own thread: wait for its first message there.
            assert await asyncio.to_thread(inbox.arrived.wait, 60), "no email arrived"
            stored = api.running.store.voicemails(["night"])
            out["stored"] = stored
        return out

    try:
        out = asyncio.run(scenario())
    finally:
        smtp.stop()
    result = out["caller"]
    assert (result.returncode, result.successful, result.failed) == (0, 1, 0), result.log
    assert out["record"].end_cause.value == "voicemail"
    [message] = out["stored"]
    assert message.transcription_status == "done"
    words = message.transcription.lower()
    # espeak-ng through G.711 is hard to hear: the words checked are the clear ones.
    assert "jane" in words and "electricity contract" in words, words
    assert message.duration_seconds is not None and message.duration_seconds > 3
    [(recipients, mail)] = inbox.messages
    assert recipients == ["support-team@acme.test"]
    assert mail["Subject"] == "New voicemail from +33612345678 in Night messages"
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None and message.transcription in body.get_content()
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_content_type() == "audio/wav"
    assert attachment.get_content().startswith(b"RIFF")


KEY_POUND = "/usr/share/sip-tester/dtmf_2833_pound.pcap"
