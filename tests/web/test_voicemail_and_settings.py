"""The voice mailbox and the notification settings in the Banner: Bruno reads the
Accounts mailbox, with the caller's CRM name, the transcription and a player whose
audio the server serves; playing it marks it heard for everyone. A new message
shows up as it arrives. He then sets how he is told of missed calls, and the
server keeps it."""

from __future__ import annotations

import asyncio
import time

import pytest
from playwright.async_api import expect

from switchboard.config.model import NotificationMode, NotificationType
from tests.e2e.test_voicemail_api import _leave, _message, _Transcription

from .conftest import BannerFactory

LOADED_DURATION = """
audio => audio.readyState >= 1
  ? audio.duration
  : new Promise((resolve) =>
      audio.addEventListener("loadedmetadata", () => resolve(audio.duration), { once: true }))
"""


def test_voicemail_with_its_player_and_transcription(banner: BannerFactory) -> None:
    async def scenario() -> None:
        async with banner() as b:
            store = b.api.running.store
            _leave(
                b.api,
                "vm-jane",
                "accounts-box",
                time.time() - 60,
                caller="+12125550180",
                crm_contact_id="jane",
                transcription="Please call me back about my contract.",
                transcription_status="done",
            )
            screen = await b.open()
            page = screen.page
            await screen.sign_in("bruno")
            nav = page.get_by_role("navigation", name="Banner modules")
            voicemail = nav.get_by_role("button", name="Voicemail")
            await expect(voicemail).to_contain_text("1")  # one new message
            await voicemail.click()
            message = page.get_by_role("region", name="Voicemail").get_by_role("listitem")
            await expect(message).to_contain_text("Jane Customer")
            await expect(message).to_contain_text("+12125550180")
            await expect(message).to_contain_text("Accounts messages")
            await expect(message).to_contain_text("Please call me back about my contract.")
            await expect(message).to_contain_text("New")
            await screen.shot("voicemail")
            player = message.locator("audio")
            await expect(player).to_have_attribute(
                "src", f"{b.api.base}/api/v1/voicemails/vm-jane/audio"
            )
            # The page had clicks: it may play sound. Playing marks the message heard.
            await player.evaluate("audio => audio.play()")
            await expect(message).to_contain_text("Heard")
            seconds = await asyncio.wait_for(player.evaluate(LOADED_DURATION), 10)
            # Not stopped by the redraw: still playing, or played to its end.
            assert await player.evaluate("audio => !audio.paused || audio.ended")
            assert seconds == pytest.approx(1.5, abs=0.1)  # the message's WAV, played
            await expect(voicemail).to_have_text("Voicemail")
            record = store.get_voicemail("vm-jane")
            assert record is not None and record.heard_by == "bruno"

    asyncio.run(scenario())


def test_a_new_message_shows_up_without_a_refresh(banner: BannerFactory) -> None:
    """Bruno has his mailboxes open when a caller leaves a message in Accounts: the
    stream announces it, so the message, the badge and then its transcription
    appear as they happen, without Refresh."""

    async def scenario() -> None:
        async with banner() as b:
            server = b.api.running.server
            transcriber = _Transcription("Please call me back about my invoice.")
            server.voicemail.transcriber = transcriber
            screen = await b.open()
            page = screen.page
            await screen.sign_in("bruno")
            nav = page.get_by_role("navigation", name="Banner modules")
            voicemail = nav.get_by_role("button", name="Voicemail")
            await voicemail.click()
            region = page.get_by_role("region", name="Voicemail")
            await expect(region).to_contain_text("No messages.")
            await expect(voicemail).to_have_text("Voicemail")  # nothing new

            # What the runtime does once the caller hangs up after speaking.
            server.voicemail.deliver(
                _message(
                    b.api,
                    "vm-live",
                    "accounts-box",
                    time.time(),
                    caller="+12125550180",
                    crm_contact_id="jane",
                )
            )
            message = region.get_by_role("listitem")
            await expect(message).to_contain_text("Jane Customer")
            await expect(message).to_contain_text("Accounts messages")
            await expect(message).to_contain_text("Transcription in progress…")
            await expect(voicemail).to_contain_text("1")
            await expect(
                page.get_by_role("status").filter(
                    has_text="New voicemail from Jane Customer in Accounts messages."
                )
            ).to_be_visible()

            transcriber.done.set()
            await expect(message).to_contain_text("Please call me back about my invoice.")
            await expect(message).to_have_count(1)

    asyncio.run(scenario())


def test_notification_settings_are_kept_by_the_server(banner: BannerFactory) -> None:
    async def scenario() -> None:
        async with banner() as b:
            screen = await b.open()
            page = screen.page
            await screen.sign_in("carla")
            await page.get_by_role("button", name="Settings").click()
            settings = page.get_by_role("region", name="Settings")
            missed = settings.get_by_role("radiogroup", name="Missed call")
            await expect(
                missed.get_by_role("radio", name="Missed call: Desktop only")
            ).to_be_checked()
            await missed.get_by_role("radio", name="Missed call: Sound only").check()
            ringtone = settings.get_by_role("radiogroup", name="Incoming call ringtone")
            await ringtone.get_by_role("radio", name="Incoming call ringtone: Disabled").check()
            await expect(
                ringtone.get_by_role("radio", name="Incoming call ringtone: Disabled")
            ).to_be_checked()
            await screen.shot("settings")
            carla = b.api.running.server.center.agents["carla"]
            assert carla.notification_mode(NotificationType.MISSED_CALL) is NotificationMode.SOUND
            assert (
                carla.notification_mode(NotificationType.INCOMING_CALL) is NotificationMode.DISABLED
            )
            # A reload reads them back from the server.
            await page.reload()
            await page.get_by_role("button", name="Settings").click()
            await expect(page.get_by_role("radio", name="Missed call: Sound only")).to_be_checked()

    asyncio.run(scenario())
