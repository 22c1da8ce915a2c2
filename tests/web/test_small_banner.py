"""The small Banner (spec §1.1): for queues that allow it, the agent may shrink the
Banner to its status, the popup and the calls; an agent of no such queue is not
offered it."""

from __future__ import annotations

import asyncio

from playwright.async_api import expect

from switchboard.config.model import Tenant

from .banner import banner_device
from .conftest import BannerFactory


def _small_sales(tenant: Tenant) -> Tenant:
    edited = banner_device("alice", "carla")(tenant)
    queues = [
        q.model_copy(update={"small_banner": True}) if q.id == "sales" else q for q in edited.queues
    ]
    return edited.model_copy(update={"queues": queues})


def test_the_small_banner_takes_calls_of_queues_that_allow_it(banner: BannerFactory) -> None:
    async def scenario() -> None:
        async with banner(edit=_small_sales) as b:
            running = b.api.running
            alice, carla = await b.open(), await b.open()
            await carla.sign_in("carla")  # Support only: no small Banner for her
            await expect(carla.page.get_by_role("button", name="Small Banner")).to_have_count(0)

            page = alice.page
            await alice.sign_in("alice")
            small = page.get_by_role("button", name="Small Banner")
            await small.click()
            await expect(small).to_have_attribute("aria-pressed", "true")
            await expect(page.get_by_role("navigation", name="Banner modules")).to_be_hidden()
            await alice.set_status("Available")
            await expect(page.get_by_role("heading", name="Waiting for calls")).to_be_visible()
            caller = running.customer("caller_waits", to="sales")
            popup = page.get_by_role("alertdialog", name="Incoming call")
            await expect(popup.get_by_role("button", name="Accept")).to_be_visible(timeout=15_000)
            await page.set_viewport_size({"width": 560, "height": 640})
            await alice.shot("small-banner")
            await popup.get_by_role("button", name="Accept").click()
            panel = page.get_by_role("region", name="Customer")
            await expect(panel.get_by_role("button", name="Hang up")).to_be_visible()
            # The mode is the browser's: it stays after a reload.
            await page.reload()
            await expect(page.get_by_role("button", name="Small Banner")).to_have_attribute(
                "aria-pressed", "true"
            )
            await expect(page.get_by_role("navigation", name="Banner modules")).to_be_hidden()
            await panel.get_by_role("button", name="Hang up").click()
            await expect(page.get_by_role("region", name="Post-call")).to_be_visible()
            assert (await caller).successful == 1

    asyncio.run(scenario())
