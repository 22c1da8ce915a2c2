"""Voicemail emails over SMTP (aiosmtplib): the transcription in the text, the WAV
attached, to the mailbox's recipients.

Caller-supplied strings (the number, a display name) only ever go into the body
and a subject line that the `email` package encodes: a CR/LF in them cannot add a
header.
"""

from __future__ import annotations

import os
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import aiosmtplib

from switchboard.config.model import Mailbox, Smtp, Tenant
from switchboard.core.records import VoicemailRecord


class Mailer:
    def __init__(self, smtp: Smtp) -> None:
        self.smtp = smtp

    def compose(self, record: VoicemailRecord, box: Mailbox, tenant: Tenant) -> EmailMessage:
        when = datetime.fromtimestamp(record.created_at, ZoneInfo(tenant.settings.timezone))
        caller = _one_line(record.caller)
        name = box.name or box.id
        message = EmailMessage()
        message["From"] = self.smtp.sender
        message["To"] = ", ".join(box.email)
        message["Subject"] = f"New voicemail from {caller} in {_one_line(name)}"
        if record.transcription_status == "done":
            text = record.transcription or "(no words recognised)"
        else:
            text = "(the transcription failed; listen to the attached recording)"
        duration = f"{record.duration_seconds:.0f} s" if record.duration_seconds else "unknown"
        message.set_content(
            f"{tenant.settings.company}: a caller left a message.\n\n"
            f"From: {caller}\n"
            f"Mailbox: {name}\n"
            f"Received: {when:%Y-%m-%d %H:%M} ({tenant.settings.timezone})\n"
            f"Length: {duration}\n\n"
            f"Transcription:\n{text}\n"
        )
        if record.audio_path is not None:
            audio = Path(record.audio_path)
            message.add_attachment(
                audio.read_bytes(),
                maintype="audio",
                subtype="wav",
                filename=f"voicemail-{record.id}.wav",
            )
        return message

    async def send_voicemail(self, record: VoicemailRecord, box: Mailbox, tenant: Tenant) -> None:
        message = self.compose(record, box, tenant)
        password = os.environ.get(self.smtp.password_env) if self.smtp.password_env else None
        await aiosmtplib.send(
            message,
            hostname=self.smtp.host,
            port=self.smtp.port,
            username=self.smtp.username,
            password=password,
            start_tls=self.smtp.starttls,
            timeout=self.smtp.timeout,
        )


def _one_line(text: str) -> str:
    return " ".join(text.split())[:100]
