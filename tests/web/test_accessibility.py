"""The Banner's accessibility: an automated audit with axe-core of each of its main
screens (sign-in, the desk, the popup in its colours, the active call, the dialogs,
the post-call, the lists, the settings, the small Banner), and a call handled from
sign-in to the end of the post-call with the keyboard alone, each control showing
where the focus is.

axe-core comes inside the `axe-playwright-python` wheel (pinned in the dev extras);
only its `axe.min.js` is used. It is injected through Playwright's `evaluate`, which
goes through the DevTools protocol: the page's Content-Security-Policy does not
govern it, so the Banner is audited with the CSP it is served with (no
`bypass_csp`)."""

from __future__ import annotations

import asyncio
import re
import time
from importlib.resources import files
from typing import Any, TypedDict

from playwright.async_api import Locator, Page, expect

from switchboard.config.model import Tenant
from switchboard.core import effects as fx
from switchboard.core.agent import AgentState
from tests.e2e.test_voicemail_api import _leave

from .banner import PASSWORD, Screen, banner_device
from .conftest import BannerFactory

AXE = (files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")
"""axe-core's browser script, as the wheel ships it."""
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice"]
"""WCAG 2.0, 2.1 and 2.2, levels A and AA (color-contrast among them), and axe's
best practices (landmarks, headings, a page's main heading)."""
SETTLED = """() => Promise.all(document.getAnimations()
  .filter((a) => a.effect?.getTiming().iterations !== Infinity)
  .map((a) => a.finished.catch(() => null)))"""
"""Animations that end (the popup sliding in) have ended (or were cancelled): the
colours are final."""


async def audit(page: Page, screen: str) -> list[str]:
    """axe's violations on `page` as it is now, one line per element: the screen,
    the rule and its impact, the element, and what to fix."""
    await page.evaluate(SETTLED)
    if not await page.evaluate("() => 'axe' in window"):
        await page.evaluate(AXE)
    results: dict[str, Any] = await page.evaluate(
        "options => axe.run(document, options)",
        {"runOnly": {"type": "tag", "values": RULES}, "resultTypes": ["violations"]},
    )
    return [
        f"{screen}: {rule['id']} ({rule['impact']}) at {' '.join(map(str, node['target']))}"
        f" — {rule['help']} ({rule['helpUrl']})\n    "
        + str(node.get("failureSummary", "")).replace("\n", "\n    ")
        for rule in results["violations"]
        for node in rule["nodes"]
    ]


def report(found: list[str]) -> str:
    return f"{len(found)} accessibility violation(s):\n" + "\n".join(found)


def _audited(tenant: Tenant) -> Tenant:
    """Alice's and Carla's calls ring their Banner; Sales allows the small Banner;
    a popup rings 30 s instead of 6: time for audits and keystrokes on a busy
    machine."""
    edited = banner_device("alice", "carla")(tenant)
    queues = [
        q.model_copy(update={"small_banner": q.id == "sales", "offer_timeout": 30.0})
        for q in edited.queues
    ]
    settings = edited.settings.model_copy(update={"direct_offer_timeout": 30.0})
    return edited.model_copy(update={"queues": queues, "settings": settings})


async def _module(screen: Screen, name: str) -> Locator:
    await screen.page.get_by_role("navigation").get_by_role("button", name=name).click()
    region = screen.page.get_by_role("region", name=name)
    await expect(region).to_be_visible()
    return region


def test_the_screens_without_a_call_pass_axe(banner: BannerFactory) -> None:
    """Sign-in (and its refusal), the desk with the status bar, New call, Calls in
    pool, Contacts, Voicemail with a message, the settings, the small Banner."""

    async def scenario() -> list[str]:
        found: list[str] = []
        async with banner(edit=_audited) as b:
            b.allow_console_error(r"status of 401")  # the refused sign-in
            _leave(
                b.api,
                "vm-jane",
                "accounts-box",
                time.time() - 60,
                caller="+12125550180",
                crm_contact_id="jane",
                transcription="Please call me back about my contract.",
                transcription_status="done",
            )
            screen = await b.open()
            page = screen.page
            await expect(page.get_by_role("heading", name="Sign in to the Banner")).to_be_visible()
            found += await audit(page, "sign-in")
            await page.get_by_label("Login").fill("bruno")
            await page.get_by_label("Password").fill("not-his-password")
            await page.get_by_role("button", name="Sign in").click()
            await expect(page.get_by_role("alert")).to_have_text("wrong login or password")
            found += await audit(page, "refused sign-in")

            # Bruno: two queues, one he supervises (Calls in pool), a mailbox.
            await screen.available("bruno")
            found += await audit(page, "desk")
            await page.get_by_role("button", name="New call").click()
            await expect(page.get_by_role("dialog", name="New call")).to_be_visible()
            found += await audit(page, "New call dialog")
            await page.keyboard.press("Escape")
            await _module(screen, "Calls in pool")
            found += await audit(page, "Calls in pool")
            await _module(screen, "Contacts")
            found += await audit(page, "Contacts")
            voicemail = await _module(screen, "Voicemail")
            await expect(voicemail.get_by_role("listitem")).to_contain_text("Jane Customer")
            found += await audit(page, "Voicemail")
            settings = await _module(screen, "Settings")
            await expect(settings.get_by_role("radio").first).to_be_visible()
            found += await audit(page, "notification settings")

            small = page.get_by_role("button", name="Small Banner")
            await small.click()
            await expect(small).to_have_attribute("aria-pressed", "true")
            await page.set_viewport_size({"width": 560, "height": 640})
            found += await audit(page, "small Banner")
        return found

    found = asyncio.run(scenario())
    assert found == [], report(found)


def test_the_screens_of_a_call_pass_axe(banner: BannerFactory) -> None:
    """The popup in each colour, the active call with its keypad open and the
    recording on, its Datas, the Transfer dialog, the post-call with its error,
    History; a declined direct call, its notice and Missed calls."""

    async def scenario() -> list[str]:
        found: list[str] = []
        async with banner(edit=_audited) as b:
            running = b.api.running
            alice, carla = await b.open(), await b.open()
            await alice.available("alice")
            await carla.available("carla")
            page = alice.page
            caller = running.customer("caller_waits", to="sales")
            popup = page.get_by_role("alertdialog", name="Incoming call")
            await expect(popup).to_be_visible(timeout=15_000)
            found += await audit(page, "popup (raspberry red: a queue call)")
            # Sky blue (a colleague) and lilac (a callback to preview) are the same
            # popup in other colours: audited here by swapping its colour in place,
            # which keeps the test to one call (test_transfer.py shows a real one).
            for colour in ("sky_blue", "lilac"):
                await popup.evaluate(
                    "(e, colour) => { e.className = `popup popup--${colour}`; }", colour
                )
                found += await audit(page, f"popup ({colour}, swapped in place)")
            await popup.get_by_role("button", name="Accept").click()

            panel = page.get_by_role("region", name="Customer")
            await panel.get_by_role("button", name="Phone keypad").click()
            await panel.get_by_role("button", name="Key 5").click()
            await panel.get_by_role("button", name="Start the recording").click()
            await expect(panel.get_by_role("button", name="Stop the recording")).to_be_visible()
            await expect(panel.get_by_role("status", name="Tones sent")).to_have_text("5")
            found += await audit(page, "active call, keypad open, recording")
            await panel.get_by_role("tab", name="Datas").click()
            await expect(panel.get_by_role("tabpanel")).to_contain_text("Smart Routing path")
            found += await audit(page, "active call, Datas")
            await panel.get_by_role("tab", name="Call").click()
            await panel.get_by_role("button", name="Transfer").click()
            await expect(page.get_by_role("dialog", name="Transfer the call")).to_be_visible()
            found += await audit(page, "Transfer dialog")
            await page.keyboard.press("Escape")
            await panel.get_by_role("button", name="Hang up").click()

            post = page.get_by_role("region", name="Post-call")
            end = post.get_by_role("button", name="End the post-interaction")
            await end.click()
            await expect(post.get_by_role("alert")).to_contain_text("Fill in the required field")
            found += await audit(page, "post-call with its error")
            await post.get_by_label("Outcome (required)").select_option("Sale closed")
            await end.click()
            history = await _module(alice, "History")
            await expect(history.get_by_role("listitem")).to_have_count(1)
            found += await audit(page, "History")
            assert (await caller).successful == 1

            # Carla's own number: a direct call, ocean blue. She declines it with the
            # keyboard: the focus goes back where she was.
            nav = carla.page.get_by_role("navigation").get_by_role("button", name="Missed calls")
            await nav.focus()
            direct = running.customer("caller_waits", to="carla")
            popup = carla.page.get_by_role("alertdialog", name="Incoming call")
            await expect(popup).to_have_attribute("data-colour", "ocean_blue", timeout=15_000)
            found += await audit(carla.page, "popup (ocean blue: a direct call)")
            await carla.page.keyboard.press("Alt+Shift+A")
            await expect(popup.get_by_role("button", name="Accept")).to_be_focused()
            await carla.page.keyboard.press("Tab")
            await expect(popup.get_by_role("button", name="Decline")).to_be_focused()
            await carla.page.keyboard.press("Enter")
            await expect(popup).to_have_count(0)
            await expect(nav).to_be_focused()
            notice = carla.page.get_by_role("status").filter(has_text="Missed call")
            await expect(notice).to_be_visible()
            await carla.page.keyboard.press("Enter")
            missed = carla.page.get_by_role("region", name="Missed calls")
            await expect(missed.get_by_role("listitem")).to_have_count(1)
            found += await audit(carla.page, "Missed calls, with the missed call's notice")
        await direct  # still waiting in vain: the server's shutdown ended it
        return found

    found = asyncio.run(scenario())
    assert found == [], report(found)


# -- the keyboard alone ---------------------------------------------------------------------

FOCUS = """() => {
  const e = document.activeElement;
  const ring = getComputedStyle(e);
  let behind = "rgb(255, 255, 255)";
  for (let p = e.parentElement; p; p = p.parentElement) {
    const colour = getComputedStyle(p).backgroundColor;
    if (colour !== "transparent" && !/, 0\\)$/.test(colour)) { behind = colour; break; }
  }
  return {
    name: e.getAttribute("aria-label") || e.textContent.trim().slice(0, 40) || e.tagName,
    visible: e.matches(":focus-visible"),
    style: ring.outlineStyle,
    width: parseFloat(ring.outlineWidth),
    colour: ring.outlineColor,
    behind,
  };
}"""


class Ring(TypedDict):
    name: str
    visible: bool
    style: str
    width: float
    colour: str
    behind: str


def _luminance(css: str) -> float:
    red, green, blue = (int(v) / 255 for v in re.findall(r"\d+", css)[:3])

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def contrast(one: str, other: str) -> float:
    light, dark = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


async def focus_ring(page: Page) -> Ring:
    """The focused element shows it: :focus-visible applies, with an outline at
    least 2 px wide whose contrast with what surrounds it is 3:1 (WCAG 1.4.11)."""
    ring: Ring = await page.evaluate(FOCUS)
    assert ring["visible"], f"{ring['name']}: no :focus-visible"
    assert ring["style"] != "none" and ring["width"] >= 2, ring
    assert contrast(ring["colour"], ring["behind"]) >= 3, ring
    return ring


async def tab_to(page: Page, target: Locator, *, back: bool = False) -> None:
    """Tab (or Shift+Tab) until `target` has the focus, then check its ring."""
    for _ in range(30):
        if await target.evaluate("e => e === document.activeElement"):
            await focus_ring(page)
            return
        await page.keyboard.press("Shift+Tab" if back else "Tab")
    raise AssertionError(f"{target} is not reached with the keyboard")


def test_a_call_with_the_keyboard_only(banner: BannerFactory) -> None:
    """Sign in, go available, answer from the popup, send a key from the keypad,
    hang up, fill the required Outcome and end the post-call: no mouse at all.
    The popup never takes the focus (an agent typing elsewhere cannot answer by
    accident): Alt+Shift+A brings it to Accept. Escape closes a dialog (and the
    keypad) and gives the focus back to what opened it."""

    async def scenario() -> None:
        async with banner(edit=_audited) as b:
            running = b.api.running
            alice = running.server.center.agents["alice"]

            def state() -> AgentState:  # read afresh: the server changes it
                return alice.state

            screen = await b.open()
            page = screen.page
            keys = page.keyboard
            await expect(page.get_by_label("Login")).to_be_focused()
            await keys.type("alice")
            await keys.press("Tab")
            await keys.type(PASSWORD.format(agent="alice"))
            await keys.press("Enter")

            status = page.get_by_label("My status")
            await expect(status).to_be_visible()
            await tab_to(page, page.get_by_role("link", name="Skip to the calls"))
            await tab_to(page, status)

            # New call, closed with Escape: back on its button.
            new_call = page.get_by_role("button", name="New call")
            await tab_to(page, new_call)
            await keys.press("Enter")
            dialog = page.get_by_role("dialog", name="New call")
            await expect(dialog.get_by_label("Phone number")).to_be_focused()
            await keys.press("Escape")
            await expect(dialog).to_have_count(0)
            await expect(new_call).to_be_focused()
            await focus_ring(page)

            # My status with the arrows: nothing changes until Enter.
            await tab_to(page, status, back=True)
            while await status.input_value() != "available":
                await keys.press("ArrowUp")
            await expect(page.get_by_text("Press Enter to apply")).to_be_visible()
            assert state() is AgentState.LOGGED_OUT  # no pause on the way
            await keys.press("Enter")
            await expect(page.get_by_role("heading", name="Waiting for calls")).to_be_visible()
            assert state() is AgentState.AVAILABLE
            await expect(status).to_be_focused()

            # The popup rings without taking the focus: Enter where the agent is
            # does not answer; Alt+Shift+A brings the focus to Accept.
            caller = running.customer("caller_waits", to="sales")
            popup = page.get_by_role("alertdialog", name="Incoming call")
            accept = popup.get_by_role("button", name="Accept")
            await expect(popup).to_be_visible(timeout=15_000)
            await expect(status).to_be_focused()
            await keys.press("Enter")
            await expect(accept).to_have_attribute("aria-keyshortcuts", "Alt+Shift+A")
            assert state() is AgentState.PRESENTED
            await keys.press("Alt+Shift+A")
            await expect(accept).to_be_focused()
            ring = await focus_ring(page)
            assert ring["colour"] == "rgb(255, 255, 255)"  # the popup's ink, on its red
            await keys.press("Enter")

            # The call: the focus lands on its heading.
            panel = page.get_by_role("region", name="Customer")
            await expect(panel.get_by_role("heading", name="Customer")).to_be_focused()
            await focus_ring(page)
            (call_id,) = alice.call_ids
            keypad_button = panel.get_by_role("button", name="Phone keypad")
            await tab_to(page, keypad_button)
            await keys.press("Enter")
            keypad = panel.get_by_role("group", name="Phone keypad")
            await expect(keypad.get_by_role("button", name="Key 1")).to_be_focused()
            await tab_to(page, keypad.get_by_role("button", name="Key 2"))
            await keys.press("Enter")
            await expect(keypad.get_by_role("status", name="Tones sent")).to_have_text("2")
            assert [(e.call_id, e.digits) for e in running.of(fx.SendDtmf)] == [(call_id, "2")]
            await keys.press("Escape")
            await expect(keypad).to_have_count(0)
            await expect(keypad_button).to_be_focused()

            transfer = panel.get_by_role("button", name="Transfer")
            await tab_to(page, transfer)
            await keys.press("Enter")
            dialog = page.get_by_role("dialog", name="Transfer the call")
            await expect(dialog).to_be_visible()
            assert await dialog.evaluate("d => d.contains(document.activeElement)")
            await keys.press("Escape")
            await expect(dialog).to_have_count(0)
            await expect(transfer).to_be_focused()

            await tab_to(page, panel.get_by_role("button", name="Hang up"))
            await keys.press("Enter")

            # Post-call: End refused, the focus on the missing Outcome, chosen with
            # the arrows; End again.
            post = page.get_by_role("region", name="Post-call")
            await expect(post.get_by_role("heading", name="Post-call")).to_be_focused()
            await focus_ring(page)
            end = post.get_by_role("button", name="End the post-interaction")
            await tab_to(page, end)
            await keys.press("Enter")
            outcome = post.get_by_label("Outcome (required)")
            await expect(outcome).to_be_focused()
            await focus_ring(page)
            await keys.press("ArrowDown")
            await expect(outcome).not_to_have_value("")
            await expect(outcome).not_to_have_attribute("aria-invalid", "true")
            await tab_to(page, end)
            await keys.press("Enter")
            idle = page.get_by_role("heading", name="Waiting for calls")
            await expect(idle).to_be_focused()
            assert state() is AgentState.AVAILABLE
            assert (await caller).successful == 1

    asyncio.run(scenario())
