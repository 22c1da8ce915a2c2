"""The Banner's whole scenario, in one run: a customer known to the CRM calls Sales
with `switchboard dial` (our own SIP stack, a real UDP caller that counts the RTP it
receives and the tones it hears); Alice's Banner rings in raspberry red with the
customer's CRM name, number, queue and ticking wait; she accepts on her softphone and
the two hear each other (the browser's inbound-rtp statistics, the media engine's
counters); she mutes, holds, sends keys from the keypad (the customer hears them),
records; she transfers the customer to Bruno's Banner after talking to him
(attended); Bruno now hears the customer; both qualify their part in post-call; the
stored record holds both participations, the transfer and the recording."""

from __future__ import annotations

import asyncio
import re
import wave
from pathlib import Path

import numpy as np
from playwright.async_api import Page, expect

from switchboard.core import effects as fx
from switchboard.core.agent import AgentState
from switchboard.core.call import CallState
from switchboard.core.records import InteractionRecord
from switchboard.runtime.dialer import DialResult, EndReason, dial
from tests.e2e.harness import NUMBER
from tests.interop.sipp import ulaw_tone
from tests.media.farend import band_share

from .banner import Screen, banner_device, css_variable, rgb
from .conftest import BannerFactory
from .test_calls import _fact, _ticks
from .test_softphone import KEEP_PEER_CONNECTIONS

JANE = "+12125550180"
"""The e2e tenant's CRM contact "Jane Customer": the caller."""
JANE_HZ = 1000.0
"""The tone Jane's phone sends, to find her voice in the recording."""

RECEIVED = """
async () => {
  const pc = window.__peerConnections.at(-1);
  if (!pc) return { packets: 0, level: 0 };
  const stats = [...(await pc.getStats()).values()];
  const inbound = stats.find((s) => s.type === "inbound-rtp" && s.kind === "audio");
  return { packets: inbound?.packetsReceived ?? 0, level: inbound?.audioLevel ?? 0 };
}
"""
"""The softphone's received audio: RTP packets so far and the current sound level."""


async def _hears(page: Page, *, more_than: int) -> int:
    """Wait until the page's softphone has received 50 packets more than `more_than`
    with sound in them (a level above silence); the count then."""
    await page.wait_for_function(
        f"""async () => {{
          const got = await ({RECEIVED})();
          return got.packets > {more_than + 50} && got.level > 0.01;
        }}""",
        polling=100,
        timeout=10_000,
    )
    received: dict[str, float] = await page.evaluate(RECEIVED)
    return int(received["packets"])


async def _ready(screen: Screen, agent: str) -> None:
    """Signed in, with the softphone connected."""
    await screen.sign_in(agent)
    await expect(
        screen.page.get_by_role("status", name="Softphone: Softphone ready")
    ).to_be_visible()


async def _qualify(screen: Screen, outcome: str) -> None:
    post = screen.page.get_by_role("region", name="Post-call")
    await expect(post).to_contain_text("Jane Customer")
    await post.get_by_label("Outcome (required)").select_option(outcome)
    await post.get_by_role("button", name="End the post-interaction").click()
    await expect(screen.page.get_by_role("heading", name="Waiting for calls")).to_be_visible()


class Said:
    """What `switchboard dial` says as the call goes ("Answered", "Heard DTMF 5"…)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.changed = asyncio.Event()

    def __call__(self, line: str) -> None:
        self.lines.append(line)
        self.changed.set()

    async def said(self, line: str, timeout: float = 10.0) -> None:
        async with asyncio.timeout(timeout):
            while line not in self.lines:
                self.changed.clear()
                await self.changed.wait()


def test_a_customer_from_the_popup_through_a_transfer_to_the_stored_record(
    banner: BannerFactory, tmp_path: Path
) -> None:
    heard = Said()

    async def scenario() -> tuple[DialResult, InteractionRecord, bytes]:
        async with banner(edit=banner_device("alice", "bruno")) as b:
            running = b.api.running
            center = running.server.center
            telephony = running.server.telephony
            alice = await b.open(KEEP_PEER_CONNECTIONS)
            bruno = await b.open(KEEP_PEER_CONNECTIONS)
            await _ready(alice, "alice")
            await _ready(bruno, "bruno")  # logged out for now: the customer rings Alice
            await alice.set_status("Available")
            customer = asyncio.create_task(
                dial(
                    NUMBER["sales"],
                    server=f"127.0.0.1:{running.port}",
                    caller=JANE,
                    play=ulaw_tone(tmp_path / "jane.wav", JANE_HZ, 120.0),
                    duration=120.0,
                    timeout=20.0,
                    say=heard,
                )
            )

            # The popup: a queue call is raspberry red; the CRM knows the caller.
            popup = alice.page.get_by_role("alertdialog", name="Incoming call")
            await expect(popup).to_be_visible(timeout=15_000)
            background = await popup.evaluate("e => getComputedStyle(e).backgroundColor")
            assert background == rgb(css_variable("--raspberry-red"))
            await expect(popup.locator(".popup-name")).to_have_text("Jane Customer")
            await expect(popup.locator(".popup-number")).to_have_text(JANE)
            await expect(_fact(popup, "Queue")).to_have_text("Sales")
            await _ticks(_fact(popup, "Wait time"))
            await expect(popup).to_contain_text(re.compile(r"Answer within \d+ s"))
            await popup.get_by_role("button", name="Accept").click()

            # Alice and Jane hear each other.
            panel = alice.page.get_by_role("region", name="Jane Customer")
            await expect(panel.get_by_role("button", name="Hang up")).to_be_visible()
            (call_id,) = center.agents["alice"].call_ids
            call = center.calls[call_id]
            remote = telephony.calls[call_id].remote
            assert remote is not None
            await _hears(alice.page, more_than=0)
            await running.audio_flows([remote.endpoint, telephony.softphones["alice"].endpoint])

            await panel.get_by_role("button", name="Mute my mic").click()
            await expect(panel.get_by_role("button", name="Reactivate my mic")).to_be_visible()
            assert call.agents["alice"].muted
            await panel.get_by_role("button", name="Reactivate my mic").click()
            await expect(panel.get_by_role("button", name="Mute my mic")).to_be_visible()
            assert not call.agents["alice"].muted

            await panel.get_by_role("button", name="Place on hold").click()
            await expect(panel.locator(".badge")).to_have_text("On hold")
            # Jane hears the hold music: her phone is not asked to hold (no re-INVITE).
            assert call.state is CallState.HELD
            await panel.get_by_role("button", name="Exit the hold").click()
            await expect(panel.get_by_role("button", name="Place on hold")).to_be_visible()

            await panel.get_by_role("button", name="Phone keypad").click()
            keypad = panel.get_by_role("group", name="Phone keypad")
            await keypad.get_by_role("button", name="Key 5").click()
            await keypad.get_by_role("button", name="Key #").click()
            await expect(keypad.get_by_role("status", name="Tones sent")).to_have_text("5#")
            await heard.said("Heard DTMF #")  # Jane heard both keys

            await panel.get_by_role("button", name="Start the recording").click()
            await expect(panel.get_by_role("button", name="Stop the recording")).to_have_attribute(
                "aria-pressed", "true"
            )
            assert call.active_recording is not None
            await running.audio_flows([remote.endpoint], packets=50)  # a second of it
            await panel.get_by_role("button", name="Stop the recording").click()
            await expect(panel.get_by_role("button", name="Start the recording")).to_be_visible()

            # The attended transfer to Bruno's Banner.
            await bruno.go_available()
            await panel.get_by_role("button", name="Transfer").click()
            dialog = alice.page.get_by_role("dialog", name="Transfer the call")
            await dialog.get_by_role("searchbox", name="Search users").fill("bru")
            await dialog.get_by_role("radio", name="Bruno Costa").check()
            await dialog.get_by_role("button", name="Start the attended transfer").click()
            offered = bruno.page.get_by_role("alertdialog", name="Incoming call")
            await expect(offered).to_be_visible(timeout=10_000)
            background = await offered.evaluate("e => getComputedStyle(e).backgroundColor")
            assert background == rgb(css_variable("--sky-blue"))
            await expect(offered).to_contain_text("From Alice Martin (attended transfer)")
            await offered.get_by_role("button", name="Accept").click()
            status = alice.page.get_by_role("status").filter(has_text="to User Bruno Costa")
            await expect(status).to_contain_text("Answered")
            # Alice and Bruno talk while Jane waits on hold.
            assert call.state is CallState.HELD
            bruno_line = telephony.softphones["bruno"].endpoint
            await running.audio_flows([telephony.softphones["alice"].endpoint, bruno_line])
            await status.get_by_role("button", name="Complete the transfer").click()

            # Bruno has Jane: he hears her (his softphone's packets go on, with sound).
            on_bruno = bruno.page.get_by_role("region", name="Jane Customer")
            await expect(on_bruno.get_by_role("button", name="Hang up")).to_be_visible()
            assert center.agents["bruno"].call_ids == [call_id]
            before = int((await bruno.page.evaluate(RECEIVED))["packets"])
            await _hears(bruno.page, more_than=before)
            await running.audio_flows([remote.endpoint, bruno_line])
            statuses = [e.status for e in running.of(fx.TransferChanged)]
            assert statuses == ["starting", "ringing", "answered", "completed"]

            await _qualify(alice, "Quote sent")
            await on_bruno.get_by_role("button", name="Hang up").click()
            await _qualify(bruno, "Sale closed")
            assert center.agents["bruno"].state is AgentState.AVAILABLE
            await bruno.page.get_by_role("button", name="History").click()
            history = bruno.page.get_by_role("region", name="History")
            entries = history.get_by_role("listitem")
            await expect(entries.filter(has_text="Jane Customer")).to_contain_text("Sale closed")
            # The consultation with Alice is there too, without the customer's outcome.
            consulted = entries.filter(has_text="Alice Martin")
            await expect(consulted).to_contain_text("Internal")
            await expect(consulted).not_to_contain_text("Sale closed")

            result = await asyncio.wait_for(customer, 10)
            record: InteractionRecord | None = None
            while (
                record is None
                or record.id != call_id
                or any(not p.qualification for p in record.participations)
            ):  # the customer's call, once both qualified it (not the consultation's)
                record = await asyncio.wait_for(running.persisted.get(), 10)
            token = await b.api.login("bruno")
            wav = await b.api.call(token, "GET", f"/recordings/{record.recordings[0].id}")
            assert wav.status_code == 200
            return result, record, wav.content

    result, record, recording = asyncio.run(scenario())

    # Jane: answered, heard the keys and the audio, hung up on by Bruno.
    assert result.answered and result.end_reason is EndReason.REMOTE_HANGUP, heard.lines
    assert result.digits_heard == ("5", "#")
    assert result.packets_received > 5 * 50  # over five seconds of audio reached her
    # The record: Alice's part, then Bruno's, each qualified; one recording.
    assert [(p.agent_id, p.qualification) for p in record.participations] == [
        ("alice", {"outcome": "Quote sent"}),
        ("bruno", {"outcome": "Sale closed"}),
    ]
    (transfer,) = record.transfers
    assert (transfer.mode, transfer.destination_kind, transfer.destination) == (
        "attended",
        "user",
        "bruno",
    )
    assert (transfer.from_agent, transfer.status) == ("alice", "completed")
    assert record.crm_contact_id == "jane" and record.queue_id == "sales"
    assert len(record.recordings) == 1
    (tmp_path / "call.wav").write_bytes(recording)
    with wave.open(str(tmp_path / "call.wav")) as stored:
        rate = stored.getframerate()
        samples = np.frombuffer(stored.readframes(stored.getnframes()), dtype=np.int16)
    assert len(samples) >= rate  # the second recorded
    assert band_share(samples, JANE_HZ) > 0.1  # Jane's voice is in it
