"""Queued callbacks kept across a restart: saved when promised, read back in queue
order with their history, forgotten once kept."""

from __future__ import annotations

from dataclasses import replace

from switchboard.core.records import CallbackRecord, TimelineEntry
from switchboard.store import Store

from .builders import T0


def promise(call_id: str, wait_since: float) -> CallbackRecord:
    return CallbackRecord(
        call_id=call_id,
        queue_id="sales",
        number="+33612345678",
        callee="+18005550100",
        caller_name="Jane",
        crm_contact_id="jane",
        created_at=wait_since - 20,
        wait_since=wait_since,
        requested_at=wait_since + 45,
        priority=5,
        required_skill=3,
        variables={"choice": "1", "lang": "fr"},
        timeline=(
            TimelineEntry(wait_since - 20, "arrived", None, {"caller": "+33612345678"}),
            TimelineEntry(wait_since + 45, "callback_requested", None, {"n": 1.5}),
        ),
    )


def test_callbacks_come_back_in_queue_order_with_their_history(store: Store) -> None:
    late, early = promise("c-late", T0 + 100), promise("c-early", T0)
    store.save_callback(late)
    store.save_callback(early)

    assert store.pending_callbacks() == [early, late]


def test_a_kept_callback_is_forgotten_and_saving_again_replaces(store: Store) -> None:
    store.save_callback(promise("c1", T0))
    store.save_callback(replace(promise("c1", T0), number="+33699999999"))
    store.save_callback(promise("c2", T0 + 1))

    store.delete_callback("c2")
    store.delete_callback("c-unknown")  # nothing to forget: no error

    assert [(c.call_id, c.number) for c in store.pending_callbacks()] == [("c1", "+33699999999")]
