"""The Banner in a real browser: the e2e server (`tests/e2e/harness.py`) serving the
Banner, and Debian's Chromium driven by Playwright, with fake media devices.

Every page's console errors and uncaught exceptions are collected; a scenario that
ends with one it did not expect fails. Screenshots of the main screens go to
`docs/screenshots/`, for the README.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.async_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Error,
    Page,
    async_playwright,
    expect,
)

from switchboard.config.model import Device, Tenant
from tests.e2e.harness import REPO, Api, running_api

CHROMIUM = "/usr/bin/chromium"
"""Debian's Chromium: Playwright never downloads a browser here."""
FLAGS = [
    # Fake microphone and camera, and no permission prompt: the softphone works headless.
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",
    "--disable-features=WebRtcHideLocalIpsWithMdns",
    # Nothing but the server under test on the network.
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SCREENSHOTS = REPO / "docs" / "screenshots"
VIEWPORT = {"width": 1280, "height": 800}
PASSWORD = "{agent}-pw"
"""The e2e tenant's Banner passwords: the login followed by "-pw"."""


def banner_device(*agents: str) -> Callable[[Tenant], Tenant]:
    """A tenant edit: these agents' calls ring the Banner (its softphone) instead of
    a SIP phone."""

    def edit(tenant: Tenant) -> Tenant:
        changed = [
            a.model_copy(update={"device": Device.BANNER}) if a.id in agents else a
            for a in tenant.agents
        ]
        return tenant.model_copy(update={"agents": changed})

    return edit


def rgb(hex_colour: str) -> str:
    """A CSS hex colour as the browser computes it: "rgb(176, 36, 76)"."""
    value = hex_colour.lstrip("#")
    red, green, blue = (int(value[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgb({red}, {green}, {blue})"


def css_variable(name: str) -> str:
    """The value of a colour variable of banner.css (`--raspberry-red` → "#b0244c")."""
    css = (REPO / "src" / "switchboard" / "web" / "banner.css").read_text()
    found = re.search(rf"{re.escape(name)}:\s*(#[0-9a-fA-F]{{6}})", css)
    assert found, f"{name} is not defined in banner.css"
    return found.group(1)


@dataclass
class Screen:
    """One agent's Banner: a browser context (its own cookies) and its page."""

    page: Page
    context: BrowserContext
    errors: list[str]
    dialogs: list[str]
    tmp: Path
    """The test's own folder (the server's files, and screenshots unless published)."""

    async def sign_in(self, agent: str, password: str | None = None) -> None:
        """Sign in (with the e2e tenant's password for `agent` unless given one)."""
        page = self.page
        await page.get_by_label("Login").fill(agent)
        await page.get_by_label("Password").fill(password or PASSWORD.format(agent=agent))
        await page.get_by_role("button", name="Sign in").click()
        await expect(page.get_by_label("My status")).to_be_visible()
        await expect(page.get_by_role("status", name="Server: Connected")).to_be_visible()

    async def available(self, agent: str) -> None:
        """Signed in and Available, the desk waiting for calls."""
        await self.sign_in(agent)
        await self.go_available()

    async def go_available(self) -> None:
        """Available (signed in already): the desk waits for calls."""
        await self.set_status("Available")
        await expect(self.page.get_by_role("heading", name="Waiting for calls")).to_be_visible()

    async def accept(self, caller: str) -> None:
        """Accept the popup of `caller` (its name on the popup) once it rings; its call
        panel opens."""
        popup = self.page.get_by_role("alertdialog", name="Incoming call")
        await expect(popup.locator(".popup-name")).to_have_text(caller, timeout=15_000)
        await popup.get_by_role("button", name="Accept").click()
        await expect(self.page.get_by_role("region", name=caller)).to_be_visible()

    async def set_status(self, label: str) -> None:
        """Pick a status from the status bar: "Available", "Pause — Lunch", "Logged out"."""
        await self.page.get_by_label("My status").select_option(label=label)

    async def shot(self, name: str) -> None:
        """A screenshot of this screen: into the README's folder with
        SB_SCREENSHOTS=1 (how docs/screenshots/ is refreshed), else beside the test's
        other files, so that a test run leaves the working tree as it was."""
        folder = SCREENSHOTS if os.environ.get("SB_SCREENSHOTS") else self.tmp / "screenshots"
        folder.mkdir(parents=True, exist_ok=True)
        await self.page.screenshot(path=str(folder / f"{name}.png"), animations="disabled")


@dataclass
class Banner:
    """The server with its API, and a browser to open agents' screens in."""

    api: Api
    browser: Browser
    screens: list[Screen] = field(default_factory=list)
    allowed: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"{self.api.base}/"

    async def open(self, init_script: str | None = None) -> Screen:
        """A new browser context (no shared cookies) at the Banner's address;
        `init_script` runs in the page before any of its own."""
        screen = await open_screen(self.browser, self.url, self.api.running.tmp, init_script)
        self.screens.append(screen)
        return screen

    def allow_console_error(self, pattern: str) -> None:
        """A console error the scenario causes on purpose (a refused login is a 401,
        which Chromium reports as a failed resource)."""
        self.allowed.append(pattern)

    def unexpected_errors(self) -> list[str]:
        return [
            error
            for screen in self.screens
            for error in screen.errors
            if not any(re.search(p, error) for p in self.allowed)
        ]


async def open_screen(
    browser: Browser, url: str, tmp: Path, init_script: str | None = None
) -> Screen:
    """A new browser context at `url`, its console errors, uncaught exceptions and
    JavaScript dialogs kept on the screen."""
    context = await browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
    page = await context.new_page()
    screen = Screen(page, context, [], [], tmp)

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            screen.errors.append(message.text)

    def page_error(error: Error) -> None:
        screen.errors.append(f"uncaught: {error}")

    page.on("console", console)
    page.on("pageerror", page_error)

    async def dialog(d: Any) -> None:  # an alert() would be a script that ran
        screen.dialogs.append(d.message)
        await d.dismiss()

    page.on("dialog", dialog)
    if init_script is not None:
        await page.add_init_script(init_script)
    await page.goto(url)
    return screen


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """Debian's Chromium, headless, with fake media devices."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield browser
        finally:
            await browser.close()


@asynccontextmanager
async def open_banner(tmp: Path, **kw: Any) -> AsyncIterator[Banner]:
    """The e2e server (`running_api`'s keywords: `edit`, `trunk`…) and a headless
    Chromium. On a normal exit, fails if a page logged an error it did not expect or
    showed a JavaScript dialog."""
    async with running_api(tmp, **kw) as api, chromium() as browser:
        banner = Banner(api, browser)
        yield banner
        # Let each page settle: a last error would be logged before this returns.
        for screen in banner.screens:
            await screen.page.evaluate("() => new Promise(requestAnimationFrame)")
        assert banner.unexpected_errors() == [], "errors in the browser console"
        assert [d for s in banner.screens for d in s.dialogs] == []
