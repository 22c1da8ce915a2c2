"""A customer's call on the Banner, from the popup to the stored record: a sipp caller
rings a Banner agent of Sales; the popup shows its colour, the caller, the queue,
a ticking wait and the countdown; the agent accepts, mutes and unmutes, holds and
resumes, sends keys from the keypad, records, hangs up, and cannot end the
post-call before the required field is filled; the record is stored with it.
A declined call becomes a missed call; a caller's display name made of markup
shows as text; a Smart Routing call shows its path and variables in Datas; a
call to an agent's own number is ocean blue."""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import replace

from playwright.async_api import Locator, Route, expect

from switchboard.config.model import Tenant
from switchboard.core import effects as fx
from switchboard.core.agent import AgentState
from switchboard.core.call import CallState
from switchboard.core.records import CallType, Direction, InteractionRecord
from tests.e2e.test_smart_routing import KEY
from tests.store.builders import simple_interaction

from .banner import banner_device, css_variable, rgb
from .conftest import BannerFactory

CUSTOMER = "+33612345678"
"""The number the sipp caller calls from (its display name is "Customer")."""


def _fact(region: Locator, term: str) -> Locator:
    """The value beside `term` in a list of facts (Queue, Wait time…)."""
    return region.locator("dt", has_text=term).locator("xpath=following-sibling::dd[1]")


async def _ticks(clock: Locator) -> None:
    """The time shown changes: it runs (without waiting a set time)."""
    shown = await clock.inner_text()
    await expect(clock).not_to_have_text(shown)


def test_a_call_from_the_popup_to_the_stored_record(banner: BannerFactory) -> None:
    async def scenario() -> tuple[InteractionRecord, int]:
        async with banner(edit=banner_device("alice")) as b:
            running = b.api.running
            center = running.server.center
            screen = await b.open()
            page = screen.page
            await screen.available("alice")
            caller = running.customer("caller_waits", to="sales")

            # The popup: a queue call is raspberry red, with the caller and the queue.
            popup = page.get_by_role("alertdialog", name="Incoming call")
            await expect(popup).to_be_visible(timeout=15_000)
            background = await popup.evaluate("e => getComputedStyle(e).backgroundColor")
            assert background == rgb(css_variable("--raspberry-red"))
            await expect(popup).to_contain_text("Smart routing call")
            await expect(popup.locator(".popup-name")).to_have_text("Customer")
            await expect(popup.locator(".popup-number")).to_have_text(CUSTOMER)
            await expect(_fact(popup, "Queue")).to_have_text("Sales")
            await expect(popup).to_contain_text("Answer within")
            wait = _fact(popup, "Wait time")
            await expect(wait).to_have_text(re.compile(r"^0:0\d$"))
            await _ticks(wait)
            await screen.shot("popup")
            await popup.get_by_role("button", name="Accept").click()

            # The active call panel, with its ticking timer.
            panel = page.get_by_role("region", name="Customer")
            await expect(panel).to_be_visible()
            await expect(popup).to_be_hidden()
            (call_id,) = center.agents["alice"].call_ids
            call = center.calls[call_id]
            timer = panel.get_by_role("timer", name="Call duration")
            await _ticks(timer)

            mute = panel.get_by_role("button", name="Mute my mic")
            await mute.click()
            reactivate = panel.get_by_role("button", name="Reactivate my mic")
            await expect(reactivate).to_have_attribute("aria-pressed", "true")
            await page.mouse.move(0, 0)  # its colour at rest, not under the pointer
            red = await reactivate.evaluate("e => getComputedStyle(e).backgroundColor")
            assert red == rgb("#b42318")  # --danger: red while muted
            assert call.agents["alice"].muted
            await reactivate.click()
            await expect(mute).to_be_visible()
            assert not call.agents["alice"].muted

            await panel.get_by_role("button", name="Place on hold").click()
            await expect(panel.get_by_role("button", name="Exit the hold")).to_be_visible()
            await expect(panel.locator(".badge")).to_have_text("On hold")
            assert call.state is CallState.HELD
            await panel.get_by_role("button", name="Exit the hold").click()
            await expect(panel.get_by_role("button", name="Place on hold")).to_be_visible()
            assert call.state is CallState.CONNECTED

            await panel.get_by_role("button", name="Phone keypad").click()
            keypad = panel.get_by_role("group", name="Phone keypad")
            await keypad.get_by_role("button", name="Key 5").click()
            await keypad.get_by_role("button", name="Key #").click()
            await expect(keypad.get_by_role("status", name="Tones sent")).to_have_text("5#")
            sent = [(e.call_id, e.digits) for e in running.of(fx.SendDtmf)]
            assert sent == [(call_id, "5"), (call_id, "#")]

            await panel.get_by_role("button", name="Start the recording").click()
            stop = panel.get_by_role("button", name="Stop the recording")
            await expect(stop).to_have_attribute("aria-pressed", "true")
            blinking = await stop.locator(".rec-dot").evaluate(
                "e => getComputedStyle(e).animationName"
            )
            assert blinking == "blink"
            assert call.active_recording is not None
            await screen.shot("active-call")
            await stop.click()
            await expect(panel.get_by_role("button", name="Start the recording")).to_be_visible()
            assert call.active_recording is None

            # Datas: this call came straight to the queue.
            await panel.get_by_role("tab", name="Datas").click()
            await expect(panel.get_by_role("tabpanel")).to_contain_text(
                "did not go through a Smart Routing"
            )
            await panel.get_by_role("tab", name="Call").click()

            await panel.get_by_role("button", name="Hang up").click()
            ended = await asyncio.wait_for(running.persisted.get(), 10)  # stored at once
            assert ended.participations[0].qualification == {}

            # Post-call: End is refused until the required Outcome is chosen.
            post = page.get_by_role("region", name="Post-call")
            await expect(post).to_be_visible()
            await expect(post).to_contain_text("Customer")
            left = post.get_by_role("timer", name="Post-call time")
            await expect(left).to_contain_text("left of 0:30")
            await _ticks(left.locator(".post-left"))
            end = post.get_by_role("button", name="End the post-interaction")
            await end.click()
            await expect(post.get_by_role("alert")).to_have_text(
                "Fill in the required field first: Outcome."
            )
            outcome = post.get_by_label("Outcome (required)")
            await expect(outcome).to_be_focused()
            await expect(outcome).to_have_attribute("aria-invalid", "true")
            assert center.agents["alice"].state is AgentState.POST_INTERACTION
            await post.get_by_role("button", name="VIP").click()
            await expect(post.get_by_role("button", name="VIP")).to_have_attribute(
                "aria-pressed", "true"
            )
            await outcome.select_option("Sale closed")
            await post.get_by_role("button", name="Extend by 30 s").click()
            await expect(left).to_contain_text("left of 1:00")
            await screen.shot("post-call")
            await end.click()
            record = await asyncio.wait_for(running.persisted.get(), 10)  # and again, qualified
            await expect(page.get_by_role("heading", name="Waiting for calls")).to_be_visible()
            assert center.agents["alice"].state is AgentState.AVAILABLE
            await page.get_by_role("button", name="History").click()
            entry = page.get_by_role("region", name="History").get_by_role("listitem")
            await expect(entry).to_contain_text(CUSTOMER)
            await expect(entry).to_contain_text("Sale closed")
            # Named by the display name the caller's phone sent, kept with the record.
            await expect(entry.get_by_role("button", name="Call back Customer")).to_be_visible()
            await screen.shot("history")
            result = await caller
            return record, result.successful

    record, successful = asyncio.run(scenario())
    assert successful == 1  # the customer got our BYE
    (mine,) = record.participations
    assert mine.agent_id == "alice"
    assert mine.qualification == {"outcome": "Sale closed"}
    assert mine.tags == ("vip",)
    assert len(record.recordings) == 1


# Test instrumentation, before the page's scripts: count the tones the page plays
# and keep the desktop notifications it shows.
WATCH_NOTIFICATIONS = """
(() => {
  window.__tones = 0;
  const create = AudioContext.prototype.createOscillator;
  AudioContext.prototype.createOscillator = function () {
    window.__tones += 1;
    return create.call(this);
  };
  window.__notifications = [];
  const Native = window.Notification;
  window.Notification = class extends Native {
    constructor(title, options) {
      super(title, options);
      window.__notifications.push({ title, body: options?.body ?? "" });
    }
  };
})();
"""


def test_a_declined_call_is_a_missed_call(banner: BannerFactory) -> None:
    """Declining: the call goes back to its queue and the agent has a missed call, in
    the page, in the list, and as a desktop notification (the profile's default
    for missed calls); the ringtone played while the popup was shown."""

    async def scenario() -> None:
        async with banner(edit=banner_device("alice")) as b:
            running = b.api.running
            screen = await b.open()
            page = screen.page
            await screen.context.grant_permissions(["notifications"])
            await page.add_init_script(WATCH_NOTIFICATIONS)
            await page.reload()
            await screen.available("alice")
            caller = running.customer("caller_waits", to="sales")
            popup = page.get_by_role("alertdialog", name="Incoming call")
            await expect(popup).to_be_visible(timeout=15_000)
            await page.wait_for_function("() => window.__tones >= 2")  # it rings
            await popup.get_by_role("button", name="Decline").click()
            await expect(popup).to_be_hidden()
            await expect(page.get_by_role("status").filter(has_text="Missed call")).to_be_visible()
            shown = await page.evaluate("() => window.__notifications")
            assert shown == [
                {"title": "Incoming call", "body": f"Customer ({CUSTOMER})"},
                {"title": "Missed call", "body": f"Customer ({CUSTOMER})"},
            ]
            nav = page.get_by_role("navigation", name="Banner modules")
            missed = nav.get_by_role("button", name="Missed calls")
            await expect(missed).to_contain_text("1")
            await missed.click()
            entry = page.get_by_role("region", name="Missed calls").get_by_role("listitem")
            await expect(entry).to_have_count(1)
            await expect(entry).to_contain_text(CUSTOMER)
            await expect(entry).to_contain_text("Declined")
            await expect(entry).to_contain_text("Sales")
            await screen.shot("missed-calls")
            await expect(missed).to_have_text("Missed calls")  # seen: no badge
            assert running.server.center.agents["alice"].state is AgentState.AVAILABLE
            # The call went back to Sales, where nobody else is: the caller still waits.
            (waiting,) = running.server.center.calls.values()
            assert waiting.state is CallState.QUEUED
        await caller  # the server's shutdown ended it

    asyncio.run(scenario())


NASTY = "<img src=x onerror=alert(1)>"


def _no_recording_right(tenant: Tenant) -> Tenant:
    edited = banner_device("alice")(tenant)
    profiles = [p.model_copy(update={"can_record": False}) for p in edited.profiles]
    return edited.model_copy(update={"profiles": profiles})


def test_a_callers_markup_shows_as_text(banner: BannerFactory) -> None:
    """The display name is the caller's to choose: it is shown, never run. (The
    agent's profile has no recording right here: no recording button either.)"""

    async def scenario() -> None:
        async with banner(edit=_no_recording_right) as b:
            running = b.api.running
            screen = await b.open()
            page = screen.page
            await screen.available("alice")
            caller = running.customer("caller_named", to="sales", display=NASTY)
            popup = page.get_by_role("alertdialog", name="Incoming call")
            await expect(popup.locator(".popup-name")).to_have_text(NASTY, timeout=15_000)
            assert await page.locator("img").count() == 0
            await popup.get_by_role("button", name="Accept").click()
            panel = page.get_by_role("region", name=NASTY)
            await expect(panel.get_by_role("heading", name=NASTY)).to_be_visible()
            assert await page.locator("img").count() == 0
            await expect(panel.get_by_role("button", name="Hang up")).to_be_visible()
            await expect(panel.get_by_role("button", name="Start the recording")).to_have_count(0)
            await panel.get_by_role("button", name="Hang up").click()
            await expect(page.get_by_role("region", name="Post-call")).to_contain_text(NASTY)
            result = await caller
            assert result.successful == 1
            assert screen.dialogs == []  # no alert() ever ran

    asyncio.run(scenario())


def _banner_carla(tenant: Tenant) -> Tenant:
    return banner_device("carla")(tenant)


def test_a_smart_routing_call_shows_its_path_and_variables(banner: BannerFactory) -> None:
    """Through the IVR (key 2: Support): Datas lists the flow's steps and the
    variable it collected; Support records every call, so the panel says so and
    offers no recording button."""

    async def scenario() -> None:
        async with banner(edit=_banner_carla) as b:
            running = b.api.running
            screen = await b.open()
            page = screen.page
            await screen.available("carla")
            caller = running.customer("ivr_caller", to="ivr", key=KEY["2"], wait="2500")
            popup = page.get_by_role("alertdialog", name="Incoming call")
            await expect(_fact(popup, "Queue")).to_have_text("Support", timeout=30_000)
            await popup.get_by_role("button", name="Accept").click()
            panel = page.get_by_role("region", name="Customer")
            await expect(
                panel.get_by_role("status").filter(has_text="Recorded automatically")
            ).to_be_visible()
            await expect(panel.get_by_role("button", name="Start the recording")).to_have_count(0)
            await panel.get_by_role("tab", name="Datas").click()
            datas = panel.get_by_role("tabpanel")
            steps = datas.get_by_role("listitem")
            await expect(steps).to_have_count(3)
            await expect(steps.nth(1)).to_contain_text("Main menu")
            await expect(steps.nth(1)).to_contain_text("2 (pressed)")
            await expect(_fact(datas, "choice")).to_have_text("2")
            await screen.shot("datas")
            # The tabs with the keyboard: arrows move between them.
            await panel.get_by_role("tab", name="Datas").press("ArrowLeft")
            await expect(panel.get_by_role("tab", name="Call")).to_be_focused()
            await expect(panel.get_by_role("tab", name="Call")).to_have_attribute(
                "aria-selected", "true"
            )
            await panel.get_by_role("button", name="Hang up").click()
            await expect(page.get_by_role("region", name="Post-call")).to_be_visible()
            assert (await caller).successful == 1

    asyncio.run(scenario())


def test_a_direct_call_is_ocean_blue(banner: BannerFactory) -> None:
    """A customer dialling Carla's own line: a direct external call, with no queue."""

    async def scenario() -> None:
        async with banner(edit=_banner_carla) as b:
            screen = await b.open()
            page = screen.page
            await screen.available("carla")
            caller = b.api.running.customer("caller_waits", to="carla")
            popup = page.get_by_role("alertdialog", name="Incoming call")
            await expect(popup).to_be_visible(timeout=15_000)
            background = await popup.evaluate("e => getComputedStyle(e).backgroundColor")
            assert background == rgb(css_variable("--ocean-blue"))
            await expect(popup).to_contain_text("Direct call")
            await expect(popup.locator("dt", has_text="Queue")).to_have_count(0)
            await popup.get_by_role("button", name="Accept").click()
            panel = page.get_by_role("region", name="Customer")
            await panel.get_by_role("button", name="Hang up").click()
            await expect(page.get_by_role("region", name="Post-call")).to_be_visible()
            assert (await caller).successful == 1

    asyncio.run(scenario())


def _short_extensions(tenant: Tenant) -> Tenant:
    """Alice's calls ring the Banner; her profile lets her add 45 s to a post-call."""
    edited = banner_device("alice")(tenant)
    profiles = [
        p.model_copy(update={"max_post_interaction_extension": 45.0}) for p in edited.profiles
    ]
    return edited.model_copy(update={"profiles": profiles})


def test_the_post_call_after_a_reload_and_its_extension_allowance(banner: BannerFactory) -> None:
    """A reload during the post-call still names the customer and the queue (the view
    carries them, not only the page's memory). Extend adds what the profile still
    allows, 30 s then the 15 s left, then is disabled and says why: the Banner never
    asks for a refused extension (which the browser would log)."""

    async def scenario() -> None:
        async with banner(edit=_short_extensions) as b:
            running = b.api.running
            screen = await b.open()
            page = screen.page
            await screen.available("alice")
            caller = running.customer("caller_waits", to="sales")
            popup = page.get_by_role("alertdialog", name="Incoming call")
            await popup.get_by_role("button", name="Accept").click(timeout=15_000)
            panel = page.get_by_role("region", name="Customer")
            await panel.get_by_role("button", name="Hang up").click()
            post = page.get_by_role("region", name="Post-call")
            await expect(post.locator(".post-calls")).to_contain_text("Customer")

            await page.reload()
            await expect(post.locator(".post-calls")).to_contain_text("Customer")
            await expect(post.locator(".post-calls")).to_contain_text(CUSTOMER)
            await expect(post.locator(".post-calls")).to_contain_text("Sales")

            left = post.get_by_role("timer", name="Post-call time")
            await expect(left).to_contain_text("left of 0:30")
            await post.get_by_role("button", name="Extend by 30 s").click()
            await expect(left).to_contain_text("left of 1:00")
            await post.get_by_role("button", name="Extend by 15 s").click()
            await expect(left).to_contain_text("left of 1:15")
            extend = post.get_by_role("button", name="Extend", exact=True)
            await expect(extend).to_be_disabled()
            await expect(extend).to_have_accessible_description(
                "You have added all the extra time your profile allows (0:45)."
            )
            alice = running.server.center.agents["alice"]
            post_interaction = alice.post_interaction
            assert post_interaction is not None and post_interaction.extended_by == 45
            await post.get_by_label("Outcome (required)").select_option("Sale closed")
            await post.get_by_role("button", name="End the post-interaction").click()
            await expect(page.get_by_role("heading", name="Waiting for calls")).to_be_visible()
            assert (await caller).successful == 1

    asyncio.run(scenario())


def test_accepting_as_the_offer_expires_is_news_not_an_error(banner: BannerFactory) -> None:
    """Alice clicks Accept as the countdown runs out: the server has already given
    the call back to its queue. She is told so, and the browser logs no error: the
    refusal is an expected outcome, not a failed request."""

    async def scenario() -> None:
        async with banner(edit=banner_device("alice")) as b:
            running = b.api.running
            alice = running.server.center.agents["alice"]
            screen = await b.open()
            page = screen.page
            await screen.available("alice")

            async def late(route: Route) -> None:
                # The click reaches the server just after the offer's deadline.
                await running.until(lambda: alice.offer_id is None, timeout=15)
                await route.continue_()

            await page.route("**/api/v1/offers/*/accept", late)
            caller = running.customer("caller_waits", to="sales")
            popup = page.get_by_role("alertdialog", name="Incoming call")
            await popup.get_by_role("button", name="Accept").click(timeout=15_000)
            notice = page.get_by_role("status").filter(has_text="no longer offered to you")
            await expect(notice).to_be_visible(timeout=15_000)  # Sales rings for 6 s
            await expect(notice).to_have_class(re.compile(r"\btoast--warn\b"))
            await expect(popup).to_be_hidden()
            assert alice.call_ids == []
        await caller  # the server's shutdown ended it

    asyncio.run(scenario())


def test_the_history_names_callers_and_the_colleague_consulted(banner: BannerFactory) -> None:
    """Alice's history: a customer named by the CRM (and the display name its phone
    sent), one known only by that display name, and the colleague she consulted
    during a transfer, by name and extension (the call kept his login)."""

    async def scenario() -> None:
        async with banner(edit=banner_device("alice")) as b:
            store = b.api.running.store
            now = time.time()
            inbound = simple_interaction("c-jane", created_at=now - 300)
            store.save_interaction(
                replace(inbound, caller="+12125550180", caller_name="J C", crm_contact_id="jane")
            )
            store.save_interaction(
                replace(
                    simple_interaction("c-named", created_at=now - 200),
                    caller=CUSTOMER,
                    caller_name="Customer",
                )
            )
            store.save_interaction(
                replace(
                    simple_interaction("c-consult", created_at=now - 100, queue_id=None),
                    direction=Direction.INTERNAL,
                    call_type=CallType.DIRECT_INTERNAL,
                    caller="1001",
                    callee="bruno",
                )
            )
            screen = await b.open()
            page = screen.page
            await screen.sign_in("alice")
            await page.get_by_role("button", name="History").click()
            entries = page.get_by_role("region", name="History").get_by_role("listitem")
            await expect(entries).to_have_count(3)
            consult, named, jane = (entries.nth(i) for i in range(3))
            await expect(consult.locator(".party-name")).to_have_text("Bruno Costa")
            await expect(consult.locator(".party-number")).to_have_text("1002")
            await expect(consult).to_contain_text("Internal")
            await expect(named.locator(".party-name")).to_have_text("Customer")
            await expect(named.locator(".party-number")).to_have_text(CUSTOMER)
            await expect(jane.locator(".party-name")).to_have_text("Jane Customer")
            await expect(jane.get_by_role("button", name="Call back Jane Customer")).to_be_visible()

    asyncio.run(scenario())
