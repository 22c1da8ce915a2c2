"""Auto-answer on the Banner, in Chromium (spec §2.4): with a profile that answers by
itself, a customer's call is connected and its panel shown with no click on Accept."""

from __future__ import annotations

import asyncio

from playwright.async_api import expect

from switchboard.config.model import Tenant
from switchboard.core import effects as fx
from switchboard.core.agent import AgentState
from switchboard.core.call import CallState

from .banner import banner_device
from .conftest import BannerFactory


def _auto_answer(tenant: Tenant) -> Tenant:
    edited = banner_device("alice")(tenant)
    profiles = [p.model_copy(update={"auto_answer": True}) for p in edited.profiles]
    return edited.model_copy(update={"profiles": profiles})


def test_auto_answer_takes_the_call_without_a_click(banner: BannerFactory) -> None:
    """The profile answers by itself: the customer is connected and the active call
    panel shows with no click on Accept; the agent is on a call. (The Banner's
    softphone is the server's own: the offer is accepted in the step that makes it,
    so no popup is ever drawn, unlike a SIP phone's, which shows until it answers.)"""

    async def scenario() -> None:
        async with banner(edit=_auto_answer) as b:
            running = b.api.running
            center = running.server.center
            screen = await b.open()
            page = screen.page
            await screen.available("alice")
            caller = running.customer("caller_waits", to="sales")
            panel = page.get_by_role("region", name="Customer")
            await expect(panel.locator(".badge")).to_have_text("Connected", timeout=15_000)
            await expect(panel.get_by_role("timer", name="Call duration")).to_be_visible()
            await expect(page.get_by_role("alertdialog", name="Incoming call")).to_have_count(0)
            (call_id,) = center.agents["alice"].call_ids
            assert center.calls[call_id].state is CallState.CONNECTED
            assert center.agents["alice"].state is AgentState.ON_CALL
            (offered,) = running.of(fx.PresentOffer)
            assert offered.auto_answer
            withdrawn = [(e.agent_id, e.reason) for e in running.of(fx.WithdrawOffer)]
            assert withdrawn == [("alice", "accepted")]
            await panel.get_by_role("button", name="Hang up").click()
            await expect(page.get_by_role("region", name="Post-call")).to_be_visible()
            assert (await caller).successful == 1

    asyncio.run(scenario())
