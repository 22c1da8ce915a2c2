"""What `make run` gives a new user, in a real browser: `switchboard demo` in a fresh
directory; Alice signs in to the Banner at the address the demo prints, with the
password it prints, and goes Available; `switchboard dial` calls Sales; she accepts
in the popup, hears the caller on her softphone, hangs up and wraps up."""

from __future__ import annotations

import asyncio
from pathlib import Path

from playwright.async_api import expect

from tests.e2e.test_demo import SWITCHBOARD, running_demo

from .banner import chromium, open_screen
from .test_softphone import HEARS_THE_CALL, KEEP_PEER_CONNECTIONS


def test_a_new_user_takes_a_demo_call_in_the_banner(tmp_path: Path) -> None:
    with running_demo(tmp_path) as demo:
        address = f"http://127.0.0.1:{demo.http_port}/"
        assert "http://127.0.0.1:" in demo.banner and "alice / alice-demo" in demo.banner

        async def scenario() -> str:
            async with chromium() as browser:
                screen = await open_screen(browser, address, tmp_path, KEEP_PEER_CONNECTIONS)
                page = screen.page
                await screen.sign_in("alice", "alice-demo")
                await expect(
                    page.get_by_role("status", name="Softphone: Softphone ready")
                ).to_be_visible()
                await screen.set_status("Available")
                caller = await asyncio.create_subprocess_exec(
                    str(SWITCHBOARD),
                    "dial",
                    "+18005550100",
                    "--server",
                    f"127.0.0.1:{demo.sip_port}",
                    "--duration",
                    "60",
                    stdout=asyncio.subprocess.PIPE,
                    stderr=asyncio.subprocess.STDOUT,
                )
                popup = page.get_by_role("alertdialog", name="Incoming call")
                await expect(popup).to_contain_text("+33100000000", timeout=15_000)
                await popup.get_by_role("button", name="Accept").click()
                await page.wait_for_function(HEARS_THE_CALL, polling=100, timeout=10_000)
                await page.get_by_role("button", name="Hang up").click()
                await expect(page.get_by_role("region", name="Post-call")).to_be_visible()
                said, _ = await asyncio.wait_for(caller.communicate(), 10)
                assert screen.errors == [], screen.errors
                return said.decode()

        said = asyncio.run(scenario())
        assert "Answered" in said and "The other side hung up" in said, said
        rest = demo.stop()
        assert demo.process.returncode == 0 and "Traceback" not in rest, rest
