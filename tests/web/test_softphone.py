"""The Banner's softphone in Chromium: the page of a Banner-device agent connects
its WebRTC session as it opens; once the agent accepts a sipp customer's call,
audio flows both ways: the browser receives the call's audio (its inbound-rtp
statistics, with a sound level) and the server relays the browser's microphone
(Chromium's fake device) to the customer's leg."""

from __future__ import annotations

import asyncio

from playwright.async_api import expect

from .banner import banner_device
from .conftest import BannerFactory

# Test instrumentation, before any script of the page: keep each RTCPeerConnection
# the page makes, to read its statistics.
KEEP_PEER_CONNECTIONS = """
(() => {
  const Native = window.RTCPeerConnection;
  window.__peerConnections = [];
  window.RTCPeerConnection = class extends Native {
    constructor(...args) { super(...args); window.__peerConnections.push(this); }
  };
})();
"""

HEARS_THE_CALL = """
async () => {
  const pc = window.__peerConnections.at(-1);
  if (!pc) return false;
  const stats = [...(await pc.getStats()).values()];
  const inbound = stats.find((s) => s.type === "inbound-rtp" && s.kind === "audio");
  return Boolean(inbound && inbound.packetsReceived > 50 && inbound.audioLevel > 0);
}
"""


def test_the_softphone_carries_the_call_both_ways(banner: BannerFactory) -> None:
    async def scenario() -> None:
        async with banner(edit=banner_device("alice")) as b:
            running = b.api.running
            telephony = running.server.telephony
            screen = await b.open(KEEP_PEER_CONNECTIONS)
            page = screen.page
            await screen.sign_in("alice")
            await expect(
                page.get_by_role("status", name="Softphone: Softphone ready")
            ).to_be_visible()
            assert "alice" in telephony.softphones
            await screen.set_status("Available")
            caller = running.customer("caller_waits", to="sales")
            popup = page.get_by_role("alertdialog", name="Incoming call")
            await popup.get_by_role("button", name="Accept").click(timeout=15_000)
            panel = page.get_by_role("region", name="Customer")
            await expect(panel.get_by_role("button", name="Hang up")).to_be_visible()

            await page.wait_for_function(HEARS_THE_CALL, polling=100, timeout=10_000)
            (call_id,) = running.server.center.agents["alice"].call_ids
            remote = telephony.calls[call_id].remote
            assert remote is not None
            line = telephony.softphones["alice"].endpoint
            # Half a second of audio each way on the customer's leg and the softphone's.
            await running.audio_flows([remote.endpoint, line])

            await panel.get_by_role("button", name="Hang up").click()
            await expect(page.get_by_role("region", name="Post-call")).to_be_visible()
            assert (await caller).successful == 1

    asyncio.run(scenario())
