"""A queued callback on the Banner: the popup of a customer who asked to be called
back is lilac, a preview call (spec §2.2): it says whom the agent is about to call,
and accepting launches the call through the trunk. Once the customer answers, the
panel is the queue call it always was (raspberry red)."""

from __future__ import annotations

import asyncio
import re

from playwright.async_api import expect

from switchboard.core import effects as fx
from tests.e2e.test_waiting import CUSTOMER, KEY

from .banner import banner_device, css_variable, rgb
from .conftest import BannerFactory
from .test_calls import _fact


def test_a_callback_is_a_lilac_preview_call_launched_by_accepting(
    banner: BannerFactory,
) -> None:
    async def scenario() -> None:
        async with banner(edit=banner_device("bruno"), trunk=True) as b:
            running = b.api.running
            screen = await b.open()
            page = screen.page
            await screen.sign_in("bruno")
            await screen.set_status("Pause — Lunch")
            # Alone in line at Accounts, the customer presses 2 and hangs up.
            caller = running.customer("ivr_caller", to="accounts", key=KEY["2"], wait="1500")
            assert (await caller).successful == 1
            callee = running.callee(caller_id=r"\+18005550106")

            await screen.set_status("Available")
            popup = page.get_by_role("alertdialog", name="Incoming call")
            await expect(popup).to_be_visible(timeout=15_000)
            background = await popup.evaluate("e => getComputedStyle(e).backgroundColor")
            assert background == rgb(css_variable("--lilac"))
            await expect(popup).to_contain_text("Preview call")
            await expect(_fact(popup, "Call back")).to_have_text(CUSTOMER)
            await screen.shot("popup-preview")
            await popup.get_by_role("button", name="Accept").click()

            dialled = await running.effect(fx.DialNumber)  # the accept launched the call
            (call_id,) = running.server.center.agents["bruno"].call_ids
            assert dialled.call_id == call_id
            assert (dialled.number, dialled.caller_id) == (CUSTOMER, "+18005550106")
            panel = page.get_by_role("region", name="Customer")  # its display name
            hang_up = panel.get_by_role("button", name="Hang up")
            await expect(hang_up).to_be_visible()
            chip = panel.locator(".chip")
            # The customer answers: a queue call again, in raspberry red.
            await expect(chip).to_have_text("Smart routing call", timeout=10_000)
            await expect(panel).to_have_class(re.compile(r"\bcall--raspberry_red\b"))
            await hang_up.click()
            await expect(page.get_by_role("region", name="Post-call")).to_be_visible()
            assert (await callee).successful == 1

    asyncio.run(scenario())
