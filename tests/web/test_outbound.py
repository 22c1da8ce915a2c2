"""Calls the agent places from the Banner, through the SIP trunk (sipp as the
carrier and the callee, checking the caller ID): Call back from a CRM contact
card, then New call to a number with a queue's caller ID."""

from __future__ import annotations

import asyncio

from playwright.async_api import expect

from .banner import banner_device
from .conftest import BannerFactory


def test_call_back_a_contact_then_call_a_number(banner: BannerFactory) -> None:
    async def scenario() -> None:
        async with banner(edit=banner_device("alice"), trunk=True) as b:
            running = b.api.running
            screen = await b.open()
            page = screen.page
            await screen.sign_in("alice")
            await screen.set_status("Pause — Admin")

            # Call back from Jane's card: the tenant's default caller ID.
            jane = running.callee(caller_id=r"\+18005550199")
            await page.get_by_role("button", name="Contacts").click()
            card = page.get_by_role("article", name="Jane Customer")
            await card.get_by_role("button", name="Call back Jane Customer on +12125550180").click()
            panel = page.get_by_role("region", name="Jane Customer")
            await expect(panel.locator(".badge")).to_have_text("Connected", timeout=15_000)
            await expect(panel).to_contain_text("+12125550180")
            await expect(panel).to_contain_text("Outbound")
            await panel.get_by_role("button", name="Hang up").click()
            assert (await jane).successful == 1
            post = page.get_by_role("region", name="Post-call")
            await post.get_by_role("button", name="End the post-interaction").click()
            await expect(page.get_by_role("heading", name="Paused — Admin")).to_be_visible()

            # New call to a number, with Sales' caller ID.
            billing = running.callee(caller_id=r"\+18005550100")
            await page.get_by_role("button", name="New call").click()
            dialog = page.get_by_role("dialog", name="New call")
            await expect(
                dialog.get_by_role("radio", name="Make a call to a number")
            ).to_be_checked()
            await dialog.get_by_label("Phone number").fill("+12125550170")
            await dialog.get_by_label("Caller ID of queue").select_option(label="Sales")
            await dialog.get_by_role("button", name="Call").click()
            panel = page.get_by_role("region", name="+12125550170")
            await expect(panel.locator(".badge")).to_have_text("Connected", timeout=15_000)
            await panel.get_by_role("button", name="Hang up").click()
            assert (await billing).successful == 1
            await expect(page.get_by_role("region", name="Post-call")).to_be_visible()

    asyncio.run(scenario())
