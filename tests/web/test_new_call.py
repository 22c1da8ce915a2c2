"""Calls an agent places from the Banner (spec §6), in Chromium: New call through
a Smart Routing (a profile with the smart outbound right; the flow sets a variable
and dials through the trunk with its own caller ID, sipp as the carrier and the
callee), New call to a colleague's extension (his popup is sky blue), and Call
back from an entry of the History after a customer's call (with the queue's
caller ID)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable

from playwright.async_api import Locator, expect

from switchboard.config.model import Tenant
from switchboard.core import effects as fx
from switchboard.core.agent import AgentState
from switchboard.core.call import CallState
from switchboard.core.records import Direction
from switchboard.flows.model import Flow

from .banner import Screen, banner_device, css_variable, rgb
from .conftest import BannerFactory

CUSTOMER = "+33612345678"
"""The sipp customer's number (its display name is "Customer")."""
JANE = "+12125550180"
"""Jane Customer's number, a CRM contact of the test tenant."""


def _smart_outbound(*agents: str) -> Callable[[Tenant], Tenant]:
    """These agents on the Banner; every profile may call through a Smart Routing;
    a "Renewal campaign" flow that tags the call and dials it with Sales' number."""

    def edit(tenant: Tenant) -> Tenant:
        flow = Flow.model_validate(
            {
                "id": "renewals",
                "name": "Renewal campaign",
                "start": "tag",
                "nodes": {
                    "tag": {"type": "set", "values": {"campaign": "'renewals'"}, "next": "go"},
                    "go": {"type": "number", "caller_id": "+18005550100"},
                },
            }
        )
        edited = banner_device(*agents)(tenant)
        profiles = [p.model_copy(update={"can_smart_outbound": True}) for p in edited.profiles]
        return edited.model_copy(update={"flows": [*edited.flows, flow], "profiles": profiles})

    return edit


async def _new_call(screen: Screen, kind: str) -> Locator:
    """Open the New call dialog on the kind of call."""
    await screen.page.get_by_role("button", name="New call").click()
    dialog = screen.page.get_by_role("dialog", name="New call")
    await dialog.locator("label.segment", has_text=kind).click()
    await expect(dialog.get_by_role("radio", name=kind)).to_be_checked()
    return dialog


def test_a_new_call_through_a_smart_routing(banner: BannerFactory) -> None:
    """Alice, paused, calls Jane through the Renewal campaign: the carrier sees the
    flow's caller ID; the panel names Jane (a CRM contact) and its Datas tab shows
    the flow's steps and the variable it set; the stored record has them too."""

    async def scenario() -> None:
        async with banner(edit=_smart_outbound("alice"), trunk=True) as b:
            running = b.api.running
            screen = await b.open()
            page = screen.page
            await screen.sign_in("alice")
            await screen.set_status("Pause — Admin")
            callee = running.callee(caller_id=r"\+18005550100")

            dialog = await _new_call(screen, "Through a Smart Routing")
            await dialog.get_by_label("Phone number").fill(JANE)
            await dialog.get_by_role("button", name="Call").click()
            await expect(dialog.get_by_role("alert")).to_have_text(
                "Choose the Smart Routing to call through."
            )
            await dialog.get_by_role("searchbox", name="Search Smart Routings").fill("renew")
            await expect(dialog.get_by_role("radio")).to_have_count(4)  # 3 kinds, 1 flow
            await dialog.get_by_role("radio", name="Renewal campaign").check()
            await screen.shot("new-call")
            await dialog.get_by_role("button", name="Call").click()
            await expect(dialog).to_be_hidden()

            panel = page.get_by_role("region", name="Jane Customer")
            await expect(panel.locator(".badge")).to_have_text("Connected", timeout=15_000)
            await expect(panel).to_contain_text(JANE)
            await expect(panel).to_contain_text("Outbound")
            (call_id,) = running.server.center.agents["alice"].call_ids
            call = running.server.center.calls[call_id]
            assert call.state is CallState.CONNECTED
            dialled = [(e.number, e.caller_id) for e in running.of(fx.DialNumber)]
            assert dialled == [(JANE, "+18005550100")]
            await panel.get_by_role("tab", name="Datas").click()
            datas = panel.get_by_role("tabpanel")
            steps = datas.get_by_role("listitem")
            await expect(steps).to_have_count(2)
            await expect(steps.nth(0)).to_contain_text("tag (set in renewals)")
            await expect(steps.nth(1)).to_contain_text("go (number in renewals)")
            campaign = datas.locator("dt", has_text="campaign").locator("xpath=following::dd[1]")
            await expect(campaign).to_have_text("renewals")
            await panel.get_by_role("tab", name="Call").click()
            await panel.get_by_role("button", name="Hang up").click()
            assert (await callee).successful == 1  # Jane got our BYE
            await expect(page.get_by_role("region", name="Post-call")).to_contain_text(
                "Jane Customer"
            )
            stored = await running.effect(fx.PersistInteraction, lambda e: e.record.id == call_id)
            record = stored.record
            assert record.direction is Direction.OUTBOUND
            assert (record.caller, record.callee) == ("+18005550100", JANE)
            assert record.crm_contact_id == "jane"
            assert record.variables == {"destination": JANE, "campaign": "renewals"}

    asyncio.run(scenario())


def test_a_new_call_to_a_colleagues_extension(banner: BannerFactory) -> None:
    """Alice calls Bruno by picking him among her colleagues: his popup is a
    colleague's call (sky blue) from Alice; he accepts, both panels show the
    internal call connected; he hangs up and both go to post-call. Her profile has
    no smart outbound right: New call offers no Smart Routing."""

    async def scenario() -> None:
        async with banner(edit=banner_device("alice", "bruno")) as b:
            running = b.api.running
            center = running.server.center
            alice, bruno = await b.open(), await b.open()
            await alice.sign_in("alice")
            await alice.set_status("Pause — Admin")
            await bruno.available("bruno")

            dialog = await _new_call(alice, "Make a call to an extension")
            await expect(dialog.get_by_role("radio", name="Through a Smart Routing")).to_have_count(
                0
            )
            await dialog.get_by_role("searchbox", name="Search colleagues").fill("1002")
            await expect(dialog.get_by_role("radio")).to_have_count(3)  # 2 kinds, 1 colleague
            await dialog.get_by_role("radio", name="Bruno Costa").check()
            await dialog.get_by_role("button", name="Call").click()
            await expect(dialog).to_be_hidden()
            mine = alice.page.get_by_role("region", name="Bruno Costa")
            await expect(mine.locator(".badge")).to_have_text("Calling…")
            await expect(mine).to_contain_text("Internal")

            popup = bruno.page.get_by_role("alertdialog", name="Incoming call")
            await expect(popup).to_contain_text("Internal call")
            background = await popup.evaluate("e => getComputedStyle(e).backgroundColor")
            assert background == rgb(css_variable("--sky-blue"))
            await expect(popup.locator(".popup-number")).to_have_text("1001")
            await bruno.accept("Alice Martin")
            await expect(mine.locator(".badge")).to_have_text("Connected")
            (call_id,) = center.agents["alice"].call_ids
            call = center.calls[call_id]
            assert call.state is CallState.CONNECTED and sorted(call.agents) == ["alice", "bruno"]
            assert call.direction is Direction.INTERNAL

            theirs = bruno.page.get_by_role("region", name="Alice Martin")
            await theirs.get_by_role("button", name="Hang up").click()
            for screen, other in ((alice, "Bruno Costa"), (bruno, "Alice Martin")):
                post = screen.page.get_by_role("region", name="Post-call")
                await expect(post).to_contain_text(f"Call with {other}")
            assert center.agents["alice"].state is AgentState.POST_INTERACTION
            stored = await running.effect(fx.PersistInteraction, lambda e: e.record.id == call_id)
            assert (stored.record.caller, stored.record.callee) == ("1001", "1002")

    asyncio.run(scenario())


def test_call_back_from_the_history(banner: BannerFactory) -> None:
    """After a customer's Sales call, its History entry calls the customer back
    through the trunk, with Sales' caller ID."""

    async def scenario() -> None:
        async with banner(edit=banner_device("alice"), trunk=True) as b:
            running = b.api.running
            screen = await b.open()
            page = screen.page
            await screen.sign_in("alice")
            await screen.set_status("Available")
            caller = running.customer("caller_waits", to="sales")
            await screen.accept("Customer")
            (first,) = running.server.center.agents["alice"].call_ids
            panel = page.get_by_role("region", name="Customer")
            await panel.get_by_role("button", name="Hang up").click()
            assert (await caller).successful == 1
            post = page.get_by_role("region", name="Post-call")
            await post.get_by_label("Outcome (required)").select_option("Quote sent")
            await post.get_by_role("button", name="End the post-interaction").click()
            await expect(page.get_by_role("heading", name="Waiting for calls")).to_be_visible()
            await screen.set_status("Pause — Admin")
            await expect(page.get_by_role("heading", name="Paused — Admin")).to_be_visible()

            callee = running.callee(caller_id=r"\+18005550100")
            await page.get_by_role("button", name="History").click()
            entry = page.get_by_role("region", name="History").get_by_role("listitem")
            await expect(entry).to_have_count(1)
            await expect(entry).to_contain_text("Quote sent")
            await expect(entry).to_contain_text(CUSTOMER)
            # Named after the caller (its display name, or its CRM contact) when known.
            await entry.get_by_role("button", name=re.compile(r"^Call back ")).click()

            panel = page.get_by_role("region", name=CUSTOMER)
            await expect(panel.locator(".badge")).to_have_text("Connected", timeout=15_000)
            await expect(panel).to_contain_text("Outbound")
            await expect(panel).to_contain_text("Sales")
            dialled = [(e.number, e.caller_id) for e in running.of(fx.DialNumber)]
            assert dialled == [(CUSTOMER, "+18005550100")]
            (again,) = running.server.center.agents["alice"].call_ids
            assert again != first
            call = running.server.center.calls[again]
            assert call.queue_id == "sales" and call.state is CallState.CONNECTED
            await panel.get_by_role("button", name="Hang up").click()
            assert (await callee).successful == 1
            await expect(page.get_by_role("region", name="Post-call")).to_contain_text(CUSTOMER)

    asyncio.run(scenario())
