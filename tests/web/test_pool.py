"""The Voice module's Calls in pool: a supervisor sees a call waiting in the queue
it supervises, with how long it has waited, and takes it with Take this call."""

from __future__ import annotations

import asyncio

from playwright.async_api import expect

from switchboard.core.call import CallState

from .conftest import BannerFactory

CUSTOMER = "+33612345678"


def test_a_supervisor_takes_a_waiting_call_from_the_pool(banner: BannerFactory) -> None:
    async def scenario() -> None:
        async with banner() as b:  # Sam supervises Sales; his device is the Banner
            running = b.api.running
            center = running.server.center
            screen = await b.open()
            page = screen.page
            await screen.sign_in("sam")
            await screen.set_status("Pause — Meeting")
            await expect(page.get_by_role("heading", name="Paused — Meeting")).to_be_visible()

            # Nobody of Sales is signed in: the customer waits in the queue.
            caller = running.customer("caller_waits", to="sales")
            pool_button = page.get_by_role("navigation", name="Banner modules").get_by_role(
                "button", name="Calls in pool"
            )
            await expect(pool_button).to_contain_text("1", timeout=15_000)
            await pool_button.click()
            pool = page.get_by_role("region", name="Calls in pool")
            row = pool.get_by_role("row").filter(has_text=CUSTOMER)
            await expect(row).to_contain_text("Waiting in queue")
            await expect(row).to_contain_text("Sales")
            waited = row.locator("[data-since]")
            shown = await waited.inner_text()
            await expect(waited).not_to_have_text(shown)  # it ticks
            await screen.shot("pool")
            (call_id,) = center.calls
            assert center.calls[call_id].state is CallState.QUEUED

            await row.get_by_role("button", name="Take this call from Customer").click()
            panel = page.get_by_role("region", name="Customer")
            await expect(panel.get_by_role("button", name="Hang up")).to_be_visible()
            assert center.agents["sam"].call_ids == [call_id]
            await pool_button.click()
            await expect(row).to_contain_text("Your calls")
            await expect(row.get_by_role("button")).to_have_count(0)
            await page.get_by_role("button", name="Desk").click()
            await panel.get_by_role("button", name="Hang up").click()
            await expect(page.get_by_role("region", name="Post-call")).to_be_visible()
            assert (await caller).successful == 1

    asyncio.run(scenario())
