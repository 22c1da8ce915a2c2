"""Two Banner agents, each in their own browser context: Alice transfers her
customer to Bruno after talking to him first (attended), and with two calls at
once (the customer on hold, Bruno on the line) she switches between them and
merges them into a 3-way call."""

from __future__ import annotations

import asyncio
import re

from playwright.async_api import expect

from switchboard.core import effects as fx
from switchboard.core.agent import AgentState
from switchboard.core.call import CallState
from tests.e2e.test_smart_routing import KEY

from .banner import banner_device, css_variable, rgb
from .conftest import BannerFactory


def test_an_attended_transfer_to_a_colleague(banner: BannerFactory) -> None:
    async def scenario() -> None:
        async with banner(edit=banner_device("alice", "bruno")) as b:
            running = b.api.running
            center = running.server.center
            alice, bruno = await b.open(), await b.open()
            await alice.available("alice")
            await bruno.sign_in("bruno")  # logged out for now: the customer rings Alice
            caller = running.customer("caller_waits", to="sales")
            await alice.accept("Customer")
            (call_id,) = center.agents["alice"].call_ids
            await bruno.go_available()

            customer = alice.page.get_by_role("region", name="Customer")
            await customer.get_by_role("button", name="Transfer").click()
            dialog = alice.page.get_by_role("dialog", name="Transfer the call")
            await expect(dialog.get_by_role("radio", name="User")).to_be_checked()
            await dialog.get_by_role("searchbox", name="Search users").fill("bru")
            await expect(dialog.get_by_role("radio")).to_have_count(6)  # 5 kinds, 1 user
            await dialog.get_by_role("radio", name="Bruno Costa").check()
            await dialog.get_by_role("button", name="Start the attended transfer").click()
            await expect(dialog).to_be_hidden()

            # Bruno's popup: a colleague's call (sky blue), saying who transfers and how.
            popup = bruno.page.get_by_role("alertdialog", name="Incoming call")
            await expect(popup).to_be_visible(timeout=10_000)
            background = await popup.evaluate("e => getComputedStyle(e).backgroundColor")
            assert background == rgb(css_variable("--sky-blue"))
            await expect(popup.locator(".popup-name")).to_have_text("Alice Martin")
            await expect(popup).to_contain_text("From Alice Martin (attended transfer)")
            status = alice.page.get_by_role("status").filter(has_text="to User Bruno Costa")
            await expect(status).to_contain_text("Ringing: Customer to User Bruno Costa (attended)")
            await bruno.shot("popup-transfer")
            await popup.get_by_role("button", name="Accept").click()

            # Alice talks to Bruno, then completes the transfer.
            await expect(status).to_contain_text("Answered")
            await expect(alice.page.get_by_role("region", name="Bruno Costa")).to_be_visible()
            assert center.calls[call_id].state is CallState.HELD
            await alice.shot("transfer")
            await status.get_by_role("button", name="Complete the transfer").click()
            await expect(alice.page.get_by_role("region", name="Post-call")).to_be_visible()
            on_bruno = bruno.page.get_by_role("region", name="Customer")
            await expect(on_bruno.get_by_role("button", name="Hang up")).to_be_visible()
            assert center.agents["bruno"].call_ids == [call_id]
            statuses = [e.status for e in running.of(fx.TransferChanged)]
            assert statuses == ["starting", "ringing", "answered", "completed"]
            await on_bruno.get_by_role("button", name="Hang up").click()
            await expect(bruno.page.get_by_role("region", name="Post-call")).to_be_visible()
            assert (await caller).successful == 1

    asyncio.run(scenario())


def test_two_calls_switched_then_merged(banner: BannerFactory) -> None:
    async def scenario() -> None:
        async with banner(edit=banner_device("alice", "bruno")) as b:
            running = b.api.running
            center = running.server.center
            alice, bruno = await b.open(), await b.open()
            await alice.available("alice")
            await bruno.sign_in("bruno")
            caller = running.customer("caller_waits", to="sales")
            await alice.accept("Customer")
            (customer_id,) = center.agents["alice"].call_ids
            await bruno.go_available()

            # A second call needs the first on hold; New call says so until it is.
            page = alice.page
            new_call = page.get_by_role("button", name="New call")
            await expect(new_call).to_be_disabled()
            await expect(
                page.get_by_text("Put your call on hold to place another.")
            ).to_be_visible()
            await (
                page.get_by_role("region", name="Customer")
                .get_by_role("button", name="Place on hold")
                .click()
            )
            await new_call.click()
            dialog = page.get_by_role("dialog", name="New call")
            await dialog.get_by_text("Make a call to an extension").click()
            await dialog.get_by_role("searchbox", name="Search colleagues").fill("Bruno")
            await dialog.get_by_role("radio", name="Bruno Costa").check()
            await dialog.get_by_role("button", name="Call").click()
            await expect(dialog).to_be_hidden()
            await bruno.accept("Alice Martin")

            calls = page.get_by_role("region", name="Your calls")
            await expect(calls.get_by_role("listitem")).to_have_count(2)
            customer = calls.get_by_role("listitem").filter(has_text="Customer")
            colleague = calls.get_by_role("listitem").filter(has_text="Bruno Costa")
            await expect(customer).to_contain_text("On hold")
            await expect(colleague).to_contain_text("Connected")
            await alice.shot("two-calls")

            # Switching: the customer back on the line, Bruno on hold.
            await customer.get_by_role("button", name="Switch to this call").click()
            await expect(colleague).to_contain_text("On hold")
            await expect(customer).to_contain_text("Connected")
            await expect(page.get_by_role("region", name="Customer")).to_be_visible()
            assert center.calls[customer_id].state is CallState.CONNECTED

            await calls.get_by_role("button", name="Merge the calls").click()
            await expect(customer).to_contain_text("3-way call")
            await expect(colleague).to_contain_text("3-way call")
            await expect(calls.get_by_role("button", name="Merge the calls")).to_have_count(0)
            assert all(center.calls[c].conference_id for c in center.agents["alice"].call_ids)
            # The panel lists everyone else on the line, whichever call it shows.
            on_the_call = page.get_by_role("list", name="On the call").get_by_role("listitem")
            await expect(on_the_call).to_have_text(
                [re.compile(r"Customer.*Customer"), re.compile(r"Bruno Costa.*1002.*Colleague")]
            )
            await alice.shot("conference")

            # Alice leaves: the customer and Bruno stay together.
            await (
                page.get_by_role("region", name="Customer")
                .get_by_role("button", name="Hang up")
                .click()
            )
            await expect(page.get_by_role("region", name="Post-call")).to_be_visible()
            assert center.agents["alice"].state is AgentState.POST_INTERACTION
            # Bruno's call (the one Alice dialled) is now with the customer alone, and
            # says so: Alice, who left, is no longer named.
            on_bruno = bruno.page.get_by_role("region", name="Customer", exact=True)
            await expect(on_bruno.locator(".badge")).to_have_text("3-way call")
            await expect(
                on_bruno.get_by_role("list", name="On the call").get_by_role("listitem")
            ).to_have_text([re.compile(r"Customer.*\+33612345678.*Customer")])
            await expect(on_bruno).not_to_contain_text("Alice Martin")
            (bruno_call,) = center.agents["bruno"].call_ids
            assert center.calls[customer_id].conference_id == center.calls[bruno_call].conference_id
            await on_bruno.get_by_role("button", name="Hang up").click()
            await expect(bruno.page.get_by_role("region", name="Post-call")).to_be_visible()
            assert (await caller).successful == 1

    asyncio.run(scenario())


def test_a_blind_transfer_to_a_smart_routing_picked_from_the_list(
    banner: BannerFactory,
) -> None:
    """Carla takes an IVR call in Support and hands it to the Escalation routing,
    chosen by name: it reads the menu's answer and queues the caller in Sales, where
    Alice's popup rings; her Datas tab shows both flows' steps and the new variable."""

    async def scenario() -> None:
        async with banner(edit=banner_device("alice", "carla")) as b:
            running = b.api.running
            carla, alice = await b.open(), await b.open()
            await carla.available("carla")
            await alice.available("alice")
            caller = running.customer("ivr_caller", to="ivr", key=KEY["2"], wait="2500")
            popup = carla.page.get_by_role("alertdialog", name="Incoming call")
            await expect(popup).to_contain_text("Support", timeout=30_000)
            await popup.get_by_role("button", name="Accept").click()
            customer = carla.page.get_by_role("region", name="Customer")
            await customer.get_by_role("button", name="Transfer").click()
            dialog = carla.page.get_by_role("dialog", name="Transfer the call")
            await dialog.locator("label.segment", has_text="Smart Routing").click()
            await expect(dialog.get_by_role("radio", name="Smart Routing")).to_be_checked()
            await expect(
                dialog.get_by_role("button", name="Start the attended transfer")
            ).to_be_disabled()
            await dialog.get_by_role("searchbox", name="Search Smart Routings").fill("esc")
            await dialog.get_by_role("radio", name="Escalation").check()
            await carla.shot("transfer-dialog")
            await dialog.get_by_role("button", name="Transfer and hang up").click()
            await expect(carla.page.get_by_role("region", name="Post-call")).to_be_visible()

            ringing = alice.page.get_by_role("alertdialog", name="Incoming call")
            await expect(ringing).to_contain_text("Sales", timeout=15_000)
            background = await ringing.evaluate("e => getComputedStyle(e).backgroundColor")
            assert background == rgb(css_variable("--raspberry-red"))
            await ringing.get_by_role("button", name="Accept").click()
            panel = alice.page.get_by_role("region", name="Customer")
            await panel.get_by_role("tab", name="Datas").click()
            datas = panel.get_by_role("tabpanel")
            await expect(datas.get_by_role("listitem")).to_have_count(6)
            await expect(datas).to_contain_text("escalated")
            await panel.get_by_role("tab", name="Call").click()
            await panel.get_by_role("button", name="Hang up").click()
            assert (await caller).successful == 1

    asyncio.run(scenario())
