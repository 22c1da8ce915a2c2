"""The event stream drops and the Banner recovers: the agent is told at once that
the screen may be stale, and once the stream is back the screen is restored from
the server's snapshot, including what happened meanwhile (a call offered while the
Banner was cut off)."""

from __future__ import annotations

import asyncio

from playwright.async_api import WebSocketRoute, expect

from .banner import banner_device
from .conftest import BannerFactory


def test_the_screen_comes_back_after_the_stream_drops(banner: BannerFactory) -> None:
    async def scenario() -> None:
        async with banner(edit=banner_device("alice")) as b:
            running = b.api.running
            screen = await b.open()
            page = screen.page
            await screen.sign_in("alice")
            await screen.set_status("Available")
            await expect(page.get_by_role("heading", name="Waiting for calls")).to_be_visible()

            # From now on the page's new connections to the stream wait at this gate:
            # the network is down until the test opens it.
            back = asyncio.Event()

            async def network(ws: WebSocketRoute) -> None:
                await back.wait()
                ws.connect_to_server()

            await page.route_web_socket("**/api/v1/events", network)
            # The server drops the page's stream (as it does to a client too slow to read).
            for subscriber in list(running.server.hub.subscribers):
                if subscriber.agent_id == "alice":
                    subscriber.close()
            lost = page.get_by_role("status").filter(has_text="Connection to the server lost")
            await expect(lost).to_be_visible()
            await expect(page.get_by_role("status", name="Server: Reconnecting…")).to_be_visible()

            # Meanwhile a customer calls and the ACD offers the call to Alice.
            caller = running.customer("caller_waits", to="sales")
            token = await b.api.login("alice")
            async with b.api.events(token) as stream:
                await stream.until(lambda view: view["popup"] is not None, timeout=15)
            popup = page.get_by_role("alertdialog", name="Incoming call")
            await expect(popup).to_have_count(0)

            back.set()
            await expect(popup).to_be_visible()
            await expect(lost).to_be_hidden()
            await expect(page.get_by_role("status", name="Server: Connected")).to_be_visible()
            await popup.get_by_role("button", name="Accept").click()
            panel = page.get_by_role("region", name="Customer")
            await panel.get_by_role("button", name="Hang up").click()
            await expect(page.get_by_role("region", name="Post-call")).to_be_visible()
            assert (await caller).successful == 1

    asyncio.run(scenario())


def test_an_ended_session_takes_the_agent_back_to_sign_in(banner: BannerFactory) -> None:
    """The session ends elsewhere (signed out from another tab); when the stream
    drops, the server closes the new connection saying why (4401) and the Banner
    asks to sign in again instead of retrying for ever, with no error in the
    console: no refused handshake, no 401 asked for."""

    async def scenario() -> None:
        async with banner(edit=banner_device("alice")) as b:
            running = b.api.running
            screen = await b.open()
            page = screen.page
            await screen.sign_in("alice")
            # Settled: the softphone is connected before the session ends.
            ready = page.get_by_role("status", name="Softphone: Softphone ready")
            await expect(ready).to_be_visible()
            (cookie,) = [c for c in await screen.context.cookies() if c.get("httpOnly")]
            signed_out = await b.api.call(cookie["value"], "POST", "/logout")
            assert signed_out.status_code == 200
            for subscriber in list(running.server.hub.subscribers):
                subscriber.close()
            await expect(page.get_by_role("alert")).to_have_text(
                "Your session ended: sign in again."
            )
            await expect(page.get_by_role("heading", name="Sign in to the Banner")).to_be_visible()

    asyncio.run(scenario())
