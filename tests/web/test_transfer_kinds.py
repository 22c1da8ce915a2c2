"""The Transfer dialog to each kind of destination, in Chromium (spec §4): Alice (a
Banner agent of Sales) talks with a customer (sipp) and transfers it blind to
Bruno on his SIP phone, to the Support queue where Carla's Banner rings, to the
directory's Billing back office and to a typed number (both through the trunk,
sipp as the carrier and the callee); she cancels an attended transfer to Bruno
while he is rung and once he answered; a colleague who declines and a busy number
make the status banner say why the transfer failed."""

from __future__ import annotations

import asyncio

from playwright.async_api import Locator, Page, expect

from switchboard.core import effects as fx
from switchboard.core.agent import AgentState
from switchboard.core.call import CallState
from switchboard.core.records import Direction, EndCause

from .banner import Banner, Screen, banner_device
from .conftest import BannerFactory
from .test_calls import _fact

CUSTOMER = "+33612345678"
"""The sipp customer's number (its display name is "Customer")."""


async def _transfer_dialog(page: Page, kind: str) -> Locator:
    """Open the Transfer dialog of the customer's call on the kind of destination."""
    await page.get_by_role("region", name="Customer").get_by_role("button", name="Transfer").click()
    dialog = page.get_by_role("dialog", name="Transfer the call")
    await dialog.locator("label.segment", has_text=kind).click()
    await expect(dialog.get_by_role("radio", name=kind, exact=True)).to_be_checked()
    return dialog


async def _customer_for_alice(b: Banner, alice: Screen) -> str:
    """Alice accepts the customer ringing her; the call's id."""
    await alice.accept("Customer")
    (call_id,) = b.api.running.server.center.agents["alice"].call_ids
    return call_id


def _statuses(b: Banner) -> list[tuple[str, str | None]]:
    return [(e.status, e.failure_reason) for e in b.api.running.of(fx.TransferChanged)]


def test_blind_transfers_to_a_colleagues_phone_and_to_a_queue(banner: BannerFactory) -> None:
    """To User Bruno (his SIP phone rings, he picks up: Alice's screen says the
    transfer completed), then, with a second customer, to the Support queue, where
    Carla's popup says who transferred it; each time Alice goes to post-call at once."""

    async def scenario() -> None:
        async with banner(edit=banner_device("alice", "carla")) as b:
            running = b.api.running
            center = running.server.center
            alice = await b.open()
            page = alice.page
            await alice.available("alice")
            caller = running.customer("caller_waits", to="sales")
            call_id = await _customer_for_alice(b, alice)
            # Bruno (in Sales too) available on his phone once Alice has the customer.
            token, bruno = await b.api.ready("bruno")

            dialog = await _transfer_dialog(page, "User")
            await dialog.get_by_role("searchbox", name="Search users").fill("cost")
            await expect(dialog.get_by_role("radio", name="Bruno Costa")).to_be_visible()
            await expect(dialog.get_by_role("radio", name="Carla Rossi")).to_have_count(0)
            await dialog.get_by_role("radio", name="Bruno Costa").check()
            await dialog.get_by_role("button", name="Transfer and hang up").click()
            await expect(dialog).to_be_hidden()
            post = page.get_by_role("region", name="Post-call")
            await expect(post).to_contain_text("Call with Customer")
            rung = await bruno.wait_for("CALL_INCOMING")
            assert rung["peeruri"].startswith(f"sip:{CUSTOMER}@")  # the customer calls him
            await bruno.command("accept")
            done = page.get_by_role("status").filter(has_text="Transfer completed.")
            await expect(done).to_be_visible()
            await done.get_by_role("button", name="Dismiss").click()  # before the next one
            assert center.agents["bruno"].call_ids == [call_id]
            assert center.calls[call_id].state is CallState.CONNECTED
            assert _statuses(b) == [
                ("starting", None),
                ("ringing", None),
                ("answered", None),
                ("completed", None),
            ]
            await b.api.call(token, "POST", f"/calls/{call_id}/hangup")
            assert (await caller).successful == 1
            await post.get_by_label("Outcome (required)").select_option("Quote sent")
            await post.get_by_role("button", name="End the post-interaction").click()
            await expect(page.get_by_role("heading", name="Waiting for calls")).to_be_visible()

            # A second customer, to Support: Carla (Banner) gets the popup.
            carla = await b.open()
            await carla.available("carla")
            assert center.agents["bruno"].state is AgentState.POST_INTERACTION  # not free
            second = running.customer("caller_waits", to="sales")
            second_id = await _customer_for_alice(b, alice)
            dialog = await _transfer_dialog(page, "Queue")
            await dialog.get_by_role("searchbox", name="Search queues").fill("sup")
            await expect(dialog.get_by_role("radio", name="Sales")).to_have_count(0)
            await dialog.get_by_role("radio", name="Support").check()
            await dialog.get_by_role("button", name="Transfer and hang up").click()
            await expect(post).to_contain_text("Call with Customer")
            await expect(done).to_be_visible()  # at once: the queue has the call
            assert _statuses(b)[4:] == [("starting", None), ("completed", None)]
            popup = carla.page.get_by_role("alertdialog", name="Incoming call")
            await expect(_fact(popup, "Queue")).to_have_text("Support")
            await expect(popup).to_contain_text("From Alice Martin (blind transfer)")
            await popup.get_by_role("button", name="Accept").click()
            on_carla = carla.page.get_by_role("region", name="Customer")
            await expect(on_carla.locator(".badge")).to_have_text("Connected")
            await expect(
                on_carla.get_by_role("status").filter(has_text="Recorded automatically")
            ).to_be_visible()
            call = center.calls[second_id]
            assert call.queue_id == "support" and list(call.agents) == ["carla"]
            await on_carla.get_by_role("button", name="Hang up").click()
            await expect(carla.page.get_by_role("region", name="Post-call")).to_be_visible()
            assert (await second).successful == 1
            record = await running.effect(fx.PersistInteraction, lambda e: e.record.id == second_id)
            assert [p.agent_id for p in record.record.participations] == ["alice", "carla"]
            assert len(record.record.recordings) == 1

    asyncio.run(scenario())


def test_blind_transfers_through_the_trunk(banner: BannerFactory) -> None:
    """To the directory's Billing back office, then to a typed number: the carrier
    sees the customer's number as the caller, the two far ends talk through the
    server until the callee hangs up, and the customer gets the BYE."""

    async def scenario() -> None:
        async with banner(edit=banner_device("alice"), trunk=True) as b:
            running = b.api.running
            telephony = running.server.telephony
            center = running.server.center
            alice = await b.open()
            page = alice.page
            await alice.available("alice")
            for kind, number in (("Directory", "+12125550170"), ("Number", "+12125550123")):
                caller = running.customer("caller_waits", to="sales")
                call_id = await _customer_for_alice(b, alice)
                callee = running.callee(
                    "trunk_callee_hangs_up", caller_id=r"\+33612345678", talk="1500"
                )
                dialog = await _transfer_dialog(page, kind)
                if kind == "Directory":
                    search = dialog.get_by_role("searchbox", name="Search the directory")
                    await search.fill("billing")
                    option = dialog.get_by_role("radio", name="Billing back office")
                    await expect(dialog.locator("label.picker-option")).to_contain_text(number)
                    await option.check()
                else:
                    # A typo first: the server's refusal is shown in the dialog, which
                    # stays open with the customer still on the line.
                    b.allow_console_error(r"status of 422")
                    typed = dialog.get_by_label("Phone number")
                    await typed.fill("+1 212 555 O123")
                    await dialog.get_by_role("button", name="Transfer and hang up").click()
                    await expect(dialog.get_by_role("alert")).to_contain_text(
                        "is not a phone number"
                    )
                    assert center.calls[call_id].state is CallState.CONNECTED
                    await typed.fill("+1 212 555 0123")
                await dialog.get_by_role("button", name="Transfer and hang up").click()
                post = page.get_by_role("region", name="Post-call")
                await expect(post).to_contain_text("Call with Customer")
                done = page.get_by_role("status").filter(has_text="Transfer completed.")
                await expect(done).to_be_visible(timeout=10_000)
                await done.get_by_role("button", name="Dismiss").click()  # before the next one
                dialled = [e for e in running.of(fx.DialNumber) if e.number == number]
                assert [e.caller_id for e in dialled] == [CUSTOMER]
                # One junction, found from either leg: the customer's and the callee's.
                assert len(telephony.junctions) == 2
                assert (await callee).successful == 1
                assert (await caller).successful == 1  # we relayed the callee's BYE
                await running.until(lambda: not telephony.junctions)
                stored = {
                    e.record.direction: e.record
                    for e in running.of(fx.PersistInteraction)
                    if e.record.id == call_id or e.record.callee == number
                }
                assert stored[Direction.INBOUND].end_cause is EndCause.TRANSFERRED
                assert stored[Direction.OUTBOUND].end_cause is EndCause.TRANSFERRED
                await post.get_by_label("Outcome (required)").select_option("Quote sent")
                await post.get_by_role("button", name="End the post-interaction").click()
                await expect(page.get_by_role("heading", name="Waiting for calls")).to_be_visible()
            statuses = _statuses(b)
            assert statuses == 2 * [
                ("starting", None),
                ("ringing", None),
                ("answered", None),
                ("completed", None),
            ]

    asyncio.run(scenario())


def test_an_attended_transfer_cancelled_ringing_then_answered(banner: BannerFactory) -> None:
    """Alice starts an attended transfer to Bruno and cancels it from the status
    banner while his popup rings: the popup goes, the customer is back on the line
    with her. Again, once Bruno answered: his call goes, he is in post-call."""

    async def scenario() -> None:
        async with banner(edit=banner_device("alice", "bruno")) as b:
            running = b.api.running
            center = running.server.center
            alice, bruno = await b.open(), await b.open()
            await alice.available("alice")
            await bruno.sign_in("bruno")
            caller = running.customer("caller_waits", to="sales")
            call_id = await _customer_for_alice(b, alice)
            await bruno.go_available()
            page = alice.page
            customer = page.get_by_role("region", name="Customer")
            popup = bruno.page.get_by_role("alertdialog", name="Incoming call")

            async def attended() -> Locator:
                dialog = await _transfer_dialog(page, "User")
                await dialog.get_by_role("searchbox", name="Search users").fill("Bruno")
                await dialog.get_by_role("radio", name="Bruno Costa").check()
                await dialog.get_by_role("button", name="Start the attended transfer").click()
                await expect(dialog).to_be_hidden()
                return page.get_by_role("status").filter(has_text="to User Bruno Costa")

            status = await attended()
            await expect(status).to_contain_text("Ringing: Customer to User Bruno Costa (attended)")
            await expect(popup).to_be_visible()
            assert center.calls[call_id].state is CallState.HELD
            await status.get_by_role("button", name="Cancel the transfer").click()
            await expect(popup).to_be_hidden()
            await expect(status).to_contain_text("Transfer cancelled: Customer")
            await expect(customer.locator(".badge")).to_have_text("Connected")
            await expect(customer.get_by_role("button", name="Place on hold")).to_be_enabled()
            await expect(page.get_by_role("region", name="Your calls")).to_have_count(0)
            assert center.calls[call_id].state is CallState.CONNECTED
            await running.until(lambda: center.agents["bruno"].state is AgentState.AVAILABLE)
            withdrawn = [e.reason for e in running.of(fx.WithdrawOffer) if e.agent_id == "bruno"]
            assert withdrawn == ["cancelled"]
            assert running.of(fx.PersistMissedCall) == []  # not a call Bruno missed
            await status.get_by_role("button", name="Dismiss").click()
            await expect(status).to_have_count(0)

            # Again; Bruno answers, they talk, then Alice takes the customer back.
            status = await attended()
            await popup.get_by_role("button", name="Accept").click()
            on_bruno = bruno.page.get_by_role("region", name="Alice Martin")
            await expect(on_bruno.locator(".badge")).to_have_text("Connected")
            await expect(status).to_contain_text("Answered")
            await expect(page.get_by_role("region", name="Your calls")).to_be_visible()
            await status.get_by_role("button", name="Cancel the transfer").click()
            await expect(on_bruno).to_be_hidden()
            await expect(bruno.page.get_by_role("region", name="Post-call")).to_contain_text(
                "Alice Martin"
            )
            await expect(status).to_contain_text("Transfer cancelled")
            await expect(page.get_by_role("region", name="Your calls")).to_have_count(0)
            await expect(customer.locator(".badge")).to_have_text("Connected")
            assert center.agents["alice"].call_ids == [call_id]
            assert center.calls[call_id].state is CallState.CONNECTED
            assert center.agents["bruno"].state is AgentState.POST_INTERACTION
            assert [s for s, _ in _statuses(b)] == [
                "starting",
                "ringing",
                "cancelled",
                "starting",
                "ringing",
                "answered",
                "cancelled",
            ]
            await customer.get_by_role("button", name="Hang up").click()
            await expect(page.get_by_role("region", name="Post-call")).to_be_visible()
            assert (await caller).successful == 1

    asyncio.run(scenario())


def test_failed_transfers_say_why(banner: BannerFactory) -> None:
    """An attended transfer Bruno declines, then one to a number the trunk answers
    busy: each time the status banner is an alert with the reason, and the customer
    waits on hold for Alice, who takes the call back."""

    async def scenario() -> None:
        async with banner(edit=banner_device("alice", "bruno"), trunk=True) as b:
            running = b.api.running
            center = running.server.center
            alice, bruno = await b.open(), await b.open()
            await alice.available("alice")
            await bruno.sign_in("bruno")
            caller = running.customer("caller_waits", to="sales")
            call_id = await _customer_for_alice(b, alice)
            await bruno.go_available()
            page = alice.page
            customer = page.get_by_role("region", name="Customer")

            dialog = await _transfer_dialog(page, "User")
            await dialog.get_by_role("radio", name="Bruno Costa").check()
            await dialog.get_by_role("button", name="Start the attended transfer").click()
            popup = bruno.page.get_by_role("alertdialog", name="Incoming call")
            await popup.get_by_role("button", name="Decline").click()
            failed = page.get_by_role("alert").filter(has_text="Transfer failed")
            await expect(failed).to_have_text(
                "Transfer failed: Customer to User Bruno Costa (attended)"
                " — the call was declined" + "Dismiss"
            )
            await expect(customer.locator(".badge")).to_have_text("On hold")
            await alice.shot("transfer-failed")
            assert _statuses(b)[-1] == ("failed", "declined")
            assert center.calls[call_id].state is CallState.HELD
            # Bruno declined a colleague's call: a missed call, named after Alice.
            await expect(
                bruno.page.get_by_role("status").filter(has_text="Missed call from")
            ).to_have_text("Missed call from Alice Martin (1001)." + "✕")
            await bruno.page.get_by_role("button", name="Missed calls").click()
            missed = bruno.page.get_by_role("region", name="Missed calls").get_by_role("listitem")
            await expect(missed).to_contain_text("Alice Martin")
            await expect(missed).to_contain_text("Declined")
            await expect(
                missed.get_by_role("button", name="Call back Alice Martin")
            ).to_be_visible()
            await failed.get_by_role("button", name="Dismiss").click()
            await expect(failed).to_have_count(0)
            await customer.get_by_role("button", name="Exit the hold").click()
            await expect(customer.locator(".badge")).to_have_text("Connected")

            busy = running.callee("callee_busy", caller_id=r"\+18005550100")
            dialog = await _transfer_dialog(page, "Number")
            await dialog.get_by_label("Phone number").fill("+12125550123")
            await dialog.get_by_role("button", name="Start the attended transfer").click()
            await expect(failed).to_contain_text(
                "Transfer failed: Customer to Number +12125550123 (attended) — the line is busy",
                timeout=10_000,
            )
            assert _statuses(b)[-1] == ("failed", "busy")
            await busy
            await expect(page.get_by_role("region", name="Your calls")).to_have_count(0)
            await customer.get_by_role("button", name="Exit the hold").click()
            await expect(customer.locator(".badge")).to_have_text("Connected")
            assert center.agents["alice"].call_ids == [call_id]
            await customer.get_by_role("button", name="Hang up").click()
            await expect(page.get_by_role("region", name="Post-call")).to_be_visible()
            assert (await caller).successful == 1

    asyncio.run(scenario())
