"""Signing in to the Banner and the status bar: a wrong password is refused in the
server's words, the desk shows who is signed in, the agent goes available, pauses
for lunch, leaves and joins its queue and logs out, and the softphone of a Banner
device connects. All of it with the keyboard where an agent would use it."""

from __future__ import annotations

import asyncio

from playwright.async_api import Route, expect

from switchboard.config.model import Device
from switchboard.core.agent import AgentState

from .banner import banner_device
from .conftest import BannerFactory


def test_an_agent_signs_in_and_sets_its_status(banner: BannerFactory) -> None:
    async def scenario() -> None:
        async with banner(edit=banner_device("alice")) as b:
            alice = b.api.running.server.center.agents["alice"]

            def state() -> AgentState:  # read afresh: the server changes it
                return alice.state

            screen = await b.open()
            page = screen.page
            await expect(page.get_by_role("heading", name="Sign in to the Banner")).to_be_visible()
            await expect(page.get_by_label("Login")).to_be_focused()
            await screen.shot("login")

            # A wrong password, typed and sent with the keyboard: the server's refusal
            # (a 401, which Chromium logs as a failed resource) is shown on the form.
            b.allow_console_error(r"status of 401")
            await page.keyboard.type("alice")
            await page.keyboard.press("Tab")
            await page.keyboard.type("not-her-password")
            await page.keyboard.press("Enter")
            await expect(page.get_by_role("alert")).to_have_text("wrong login or password")
            await expect(page.get_by_label("Password")).to_be_focused()

            await screen.sign_in("alice")
            top = page.get_by_role("banner")
            await expect(top).to_contain_text("Alice Martin")
            await expect(top).to_contain_text("Ext. 1001")
            status = page.get_by_label("My status")
            await expect(status).to_have_value("logged_out")
            await expect(page.get_by_role("heading", name="You are logged out")).to_be_visible()

            await screen.set_status("Available")
            await expect(page.get_by_role("heading", name="Waiting for calls")).to_be_visible()
            assert state() is AgentState.AVAILABLE

            queues = page.get_by_role("complementary", name="Queues and new call")
            sales = queues.get_by_role("listitem").filter(has_text="Sales")
            await expect(sales.locator(".queue-state")).to_have_text("Joined")
            await sales.get_by_role("button", name="Leave Sales").click()
            await expect(sales.locator(".queue-state")).to_have_text("Not joined")
            assert "sales" not in alice.joined
            await expect(page.get_by_text("You are in no queue: only direct calls")).to_be_visible()
            await sales.get_by_role("button", name="Join Sales").press("Enter")
            await expect(sales.locator(".queue-state")).to_have_text("Joined")
            assert "sales" in alice.joined

            await screen.set_status("Pause — Lunch")
            await expect(page.get_by_role("heading", name="Paused — Lunch")).to_be_visible()
            assert (state(), alice.pause_reason) == (AgentState.PAUSED, "lunch")
            await page.get_by_role("button", name="Go available").click()
            await expect(status).to_have_value("available")
            assert state() is AgentState.AVAILABLE

            # The server offers a softphone: a Banner device's page connects to it.
            softphone = (
                "/api/v1/softphone"
                in (await b.api.client.get(b.url + "openapi.json")).json()["paths"]
            )
            expected = "Softphone ready" if softphone else "Softphone unavailable"
            await expect(page.get_by_role("status", name=f"Softphone: {expected}")).to_be_visible()
            await screen.shot("desk")

            await screen.set_status("Logged out")
            await expect(page.get_by_role("heading", name="You are logged out")).to_be_visible()
            assert state() is AgentState.LOGGED_OUT

            # Signing out closes the session: a reload asks for the password again.
            await page.get_by_role("button", name="Sign out").click()
            await expect(page.get_by_role("heading", name="Sign in to the Banner")).to_be_visible()
            await page.reload()
            await expect(page.get_by_role("heading", name="Sign in to the Banner")).to_be_visible()

    asyncio.run(scenario())


def test_a_server_without_a_softphone_leaves_the_banner_quiet(banner: BannerFactory) -> None:
    """The softphone asks the server's OpenAPI whether it has the route first: an
    older server (no /api/v1/softphone) means "unavailable", and no error at all."""

    async def scenario() -> None:
        async with banner(edit=banner_device("alice")) as b:
            screen = await b.open()

            async def without_softphone(route: Route) -> None:
                response = await route.fetch()
                document = await response.json()
                document["paths"].pop("/api/v1/softphone", None)
                await route.fulfill(response=response, json=document)

            await screen.page.route("**/openapi.json", without_softphone)
            await screen.sign_in("alice")
            await expect(
                screen.page.get_by_role("status", name="Softphone: Softphone unavailable")
            ).to_be_visible()
            assert "alice" not in b.api.running.server.telephony.softphones

    asyncio.run(scenario())


def test_an_agent_chooses_where_its_calls_ring(banner: BannerFactory) -> None:
    """Alice's calls ring her SIP phone; in the settings she takes them in the Banner
    instead (its softphone connects), then goes back to the phone."""

    async def scenario() -> None:
        async with banner() as b:
            server = b.api.running.server

            def device() -> Device:  # read afresh: the server changes it
                return server.center.agents["alice"].device

            screen = await b.open()
            page = screen.page
            await screen.sign_in("alice")
            await expect(page.get_by_role("status", name="Softphone: SIP phone")).to_be_visible()
            await page.get_by_role("button", name="Settings").click()
            choice = page.get_by_role("radiogroup", name="Take my calls")
            await expect(choice.get_by_label("On my SIP phone (ext. 1001)")).to_be_checked()
            await choice.get_by_text("In the Banner (softphone)").click()
            await expect(
                page.get_by_role("status", name="Softphone: Softphone ready")
            ).to_be_visible()
            assert device() is Device.BANNER
            assert "alice" in server.telephony.softphones
            await choice.get_by_text("On my SIP phone (ext. 1001)").click()
            await expect(page.get_by_role("status", name="Softphone: SIP phone")).to_be_visible()
            assert device() is Device.SIP_PHONE

    asyncio.run(scenario())
