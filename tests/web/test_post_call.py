"""The post-call on the Banner, in Chromium (spec §7): a call from a CRM contact's
number comes linked to the contact; the agent links one of its cases (a redraw
meanwhile keeps the choice), unlinks the bare contact, opens the card, and the
stored record keeps the link. A note being typed survives the view changing under
it (a supervisor's pool when a customer starts waiting)."""

from __future__ import annotations

import asyncio

from playwright.async_api import expect

from switchboard.config.model import CrmCase, FormField, Tenant
from switchboard.core import effects as fx
from switchboard.core.call import CallState
from switchboard.core.records import CrmLink

from .banner import banner_device
from .conftest import BannerFactory

JANE = "+12125550180"
"""Jane Customer's number, a CRM contact of the test tenant."""


def _jane_has_cases(tenant: Tenant) -> Tenant:
    """Alice on the Banner; Jane Customer with an open and a closed case."""
    edited = banner_device("alice")(tenant)
    cases = [
        CrmCase(id="refund", title="Refund request"),
        CrmCase(id="renewal", title="Contract renewal", status="closed"),
    ]
    contacts = [
        c.model_copy(update={"cases": cases}) if c.id == "jane" else c for c in edited.crm_contacts
    ]
    return edited.model_copy(update={"crm_contacts": contacts})


def test_the_post_call_links_the_crm_contact_and_a_case(banner: BannerFactory) -> None:
    async def scenario() -> None:
        async with banner(edit=_jane_has_cases) as b:
            running = b.api.running
            center = running.server.center
            screen = await b.open()
            page = screen.page
            await screen.available("alice")
            caller = running.customer("caller_from", to="sales", number=JANE, display="J. C.")

            # Her number is Jane's: the popup and the panel name the contact (not the
            # display name she sends).
            popup = page.get_by_role("alertdialog", name="Incoming call")
            await expect(popup.locator(".popup-name")).to_have_text("Jane Customer", timeout=15_000)
            await expect(popup.locator(".popup-number")).to_have_text(JANE)
            await popup.get_by_role("button", name="Accept").click()
            panel = page.get_by_role("region", name="Jane Customer")
            await expect(panel).to_be_visible()  # the server has connected her
            (call_id,) = center.agents["alice"].call_ids
            assert center.calls[call_id].crm_contact_id == "jane"
            await panel.get_by_role("button", name="Hang up").click()
            assert (await caller).successful == 1

            # The post-call comes with Jane linked; Alice links her refund case.
            post = page.get_by_role("region", name="Post-call")
            crm = post.get_by_role("group", name="CRM contact and case")
            links = crm.get_by_role("listitem")
            await expect(links).to_have_count(1)
            await expect(links).to_have_text("Jane Customer" + "Unlink")
            contact, case = crm.get_by_label("Contact"), crm.get_by_label("Case")
            await contact.select_option(label="Jane Customer")
            await expect(case.locator("option")).to_have_text(
                ["No case", "Refund request (open)", "Contract renewal (closed)"]
            )
            await case.select_option(label="Refund request (open)")
            # Tagging meanwhile redraws the post-call: the choice not linked yet stays.
            await post.get_by_role("button", name="VIP").click()
            await expect(post.get_by_role("button", name="VIP")).to_have_attribute(
                "aria-pressed", "true"
            )
            await expect(contact).to_have_value("jane")
            await expect(case).to_have_value("refund")
            await crm.get_by_role("button", name="Link", exact=True).click()
            await expect(links).to_have_count(2)
            await expect(links.nth(1)).to_contain_text("Jane Customer · case Refund request (open)")
            await expect(contact).to_have_value("")  # ready for another link
            await crm.get_by_role("button", name="Unlink Jane Customer", exact=True).click()
            await expect(links).to_have_count(1)
            await expect(links).to_contain_text("case Refund request (open)")
            await screen.shot("post-call-crm")
            post_state = center.agents["alice"].post_interaction
            assert post_state is not None and post_state.crm_links == [("jane", "refund")]

            # The contact's name opens her card; the post-call waits on the Desk.
            await links.get_by_role("button", name="Jane Customer", exact=True).click()
            card = page.get_by_role("article", name="Jane Customer")
            await expect(card).to_be_focused()
            await expect(card).to_contain_text("Refund request (open)")
            await screen.shot("contacts")
            await page.get_by_role("button", name="Desk").click()
            await expect(links).to_contain_text("case Refund request (open)")

            await post.get_by_label("Outcome (required)").select_option("Sale closed")
            await post.get_by_role("button", name="End the post-interaction").click()
            await expect(page.get_by_role("heading", name="Waiting for calls")).to_be_visible()
            stored = [e.record for e in running.of(fx.PersistInteraction) if e.record.id == call_id]
            record = stored[-1]
            assert record.crm_contact_id == "jane"
            (mine,) = record.participations
            assert mine.crm_links == (CrmLink("jane", "refund"),)
            assert mine.qualification == {"outcome": "Sale closed"}
            assert mine.tags == ("vip",)

            await page.get_by_role("button", name="History").click()
            entry = page.get_by_role("region", name="History").get_by_role("listitem")
            await expect(entry).to_contain_text("Jane Customer")
            await expect(entry).to_contain_text(JANE)
            await expect(
                entry.get_by_role("button", name="Call back Jane Customer")
            ).to_be_visible()

    asyncio.run(scenario())


def _sales_form_with_a_note(tenant: Tenant) -> Tenant:
    """Bruno (who supervises Sales) on the Banner; the Sales call form has a Note."""
    edited = banner_device("bruno")(tenant)
    forms = [
        f.model_copy(update={"fields": [*f.fields, FormField(id="note", label="Note")]})
        for f in edited.qualification_forms
    ]
    return edited.model_copy(update={"qualification_forms": forms})


def test_a_note_being_typed_survives_a_change_of_the_view(banner: BannerFactory) -> None:
    """Bruno types a note in his post-call when a customer starts waiting in Sales,
    which he supervises: his Calls in pool count goes up (the desk is redrawn) and
    the note keeps what he typed, with the focus; the record stores it."""

    async def scenario() -> None:
        async with banner(edit=_sales_form_with_a_note) as b:
            running = b.api.running
            center = running.server.center
            screen = await b.open()
            page = screen.page
            await screen.available("bruno")
            first = running.customer("caller_waits", to="sales")
            popup = page.get_by_role("alertdialog", name="Incoming call")
            await popup.get_by_role("button", name="Accept").click(timeout=15_000)
            (call_id,) = center.agents["bruno"].call_ids
            panel = page.get_by_role("region", name="Customer")
            await panel.get_by_role("button", name="Hang up").click()
            assert (await first).successful == 1

            post = page.get_by_role("region", name="Post-call")
            note = post.get_by_label("Note")
            await note.click()
            await page.keyboard.type("Wants a quote")
            second = running.customer("caller_waits", to="sales")
            pool = page.get_by_role("navigation", name="Banner modules").get_by_role(
                "button", name="Calls in pool"
            )
            await expect(pool).to_contain_text("1", timeout=15_000)
            assert [c.state for c in center.calls.values() if c.id != call_id] == [CallState.QUEUED]
            await expect(note).to_have_value("Wants a quote")
            await expect(note).to_be_focused()
            await page.keyboard.type(" by Monday")
            await post.get_by_label("Outcome (required)").select_option("Quote sent")
            await post.get_by_role("button", name="End the post-interaction").click()

            # Free again: the waiting customer rings him; the first call is stored.
            await popup.get_by_role("button", name="Accept").click()
            stored = [e.record for e in running.of(fx.PersistInteraction) if e.record.id == call_id]
            (mine,) = stored[-1].participations
            assert mine.qualification == {
                "outcome": "Quote sent",
                "note": "Wants a quote by Monday",
            }
            await panel.get_by_role("button", name="Hang up").click()
            await expect(post).to_be_visible()
            assert (await second).successful == 1

    asyncio.run(scenario())
