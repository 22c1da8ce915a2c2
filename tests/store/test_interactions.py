"""Interactions: exact round trip, upsert by id, the history screens' queries."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest

from switchboard.core.records import EndCause, InteractionRecord, RecordingRef, TimelineEntry
from switchboard.store import RecordingFile, Store, StoreError

from .builders import T0, rich_interaction, simple_interaction


def ids(records: list[InteractionRecord]) -> list[str]:
    return [record.id for record in records]


def test_a_rich_interaction_comes_back_equal(store: Store) -> None:
    # given a transferred, recorded, qualified call with two participations
    record = rich_interaction()

    # when it is saved and read back
    store.save_interaction(record)
    loaded = store.get_interaction(record.id)

    # then every field is equal, floats to the bit, children in their order
    assert loaded == record
    assert loaded is not None
    assert loaded.created_at == T0
    assert loaded.participations[0].qualification["score"] == 0.1 + 0.2
    assert type(loaded.participations[0].qualification["satisfaction"]) is int
    assert loaded.participations[0].qualification["callback"] is True
    assert loaded.end_cause is EndCause.COMPLETED


def test_an_unknown_interaction_is_none(store: Store) -> None:
    assert store.get_interaction("nope") is None


def test_saving_again_replaces_the_interaction_and_its_children(store: Store) -> None:
    # given the rich call is stored
    first = rich_interaction()
    store.save_interaction(first)

    # when the core emits a later version with fewer timeline entries, one
    # participation, no transfer and a second recording
    second = replace(
        first,
        end_cause=EndCause.ABANDONED,
        participations=first.participations[:1],
        transfers=(),
        recordings=(
            *first.recordings,
            RecordingRef("rec-2", T0 + 70.0, None, automatic=True, started_by=None),
        ),
        timeline=(first.timeline[0], TimelineEntry(at=T0 + 1.0, kind="ended")),
        variables={"language": "en"},
    )
    store.save_interaction(second)

    # then the stored interaction is exactly the second version
    assert store.get_interaction(first.id) == second
    assert store.history() == [second]


def test_a_failed_save_leaves_the_stored_version_whole(store: Store) -> None:
    # given the rich call is stored
    first = rich_interaction()
    store.save_interaction(first)

    # when a later version cannot be stored (a set is not JSON)
    broken_part = replace(first.participations[0], qualification={"products": {"fiber"}})
    broken = replace(first, participations=(broken_part,), timeline=())
    with pytest.raises(StoreError, match="qualification of 'alice' in 'call-1' as JSON"):
        store.save_interaction(broken)

    # then the first version is still there, children included
    assert store.get_interaction(first.id) == first


def test_a_recording_id_belongs_to_one_interaction(store: Store) -> None:
    # given call-1 is stored with its recording rec-1
    store.save_interaction(rich_interaction("call-1"))

    # when another interaction claims the same recording id
    with pytest.raises(StoreError, match="could not save interaction 'call-2'"):
        store.save_interaction(rich_interaction("call-2"))

    # then nothing of call-2 was stored
    assert store.get_interaction("call-2") is None
    assert store.history() == [rich_interaction("call-1")]


def test_a_recording_file_survives_later_saves(store: Store) -> None:
    # given the interaction is stored and the media engine closed its recording
    record = rich_interaction()
    store.save_interaction(record)
    store.set_recording_file(
        "rec-1", path="var/recordings/rec-1.wav", size_bytes=3_000_000_000, duration_seconds=50.0
    )

    # when the core saves the interaction again (post-interaction ended)
    store.save_interaction(replace(record, post_interaction_seconds=45.0))

    # then the file is still known, for the download
    assert store.get_recording_file("rec-1") == RecordingFile(
        recording_id="rec-1",
        interaction_id=record.id,
        path="var/recordings/rec-1.wav",
        size_bytes=3_000_000_000,
        duration_seconds=50.0,
    )
    assert store.get_recording_file("rec-unknown") is None


def test_a_file_for_an_unsaved_recording_is_refused(store: Store) -> None:
    with pytest.raises(StoreError, match="unknown recording 'rec-9'"):
        store.set_recording_file("rec-9", path="x.wav", size_bytes=None, duration_seconds=None)


def test_history_is_newest_first_and_filters_by_agent_and_queue(store: Store) -> None:
    # given four calls: alice alone in sales, bob alone in support, a transfer from
    # alice to bob in sales, and a direct call (no queue) to bob
    store.save_interaction(simple_interaction("c1", created_at=T0 + 1, agents=("alice",)))
    store.save_interaction(
        simple_interaction("c2", created_at=T0 + 2, queue_id="support", agents=("bob",))
    )
    store.save_interaction(simple_interaction("c3", created_at=T0 + 3, agents=("alice", "bob")))
    store.save_interaction(
        simple_interaction("c4", created_at=T0 + 4, queue_id=None, agents=("bob",))
    )

    # then
    assert ids(store.history()) == ["c4", "c3", "c2", "c1"]
    assert ids(store.history(agent_id="alice")) == ["c3", "c1"]
    assert ids(store.history(agent_id="bob")) == ["c4", "c3", "c2"]
    assert ids(store.history(queue_ids=["sales"])) == ["c3", "c1"]
    assert ids(store.history(queue_ids={"sales", "support"})) == ["c3", "c2", "c1"]
    assert ids(store.history(agent_id="bob", queue_ids=["sales"])) == ["c3"]
    assert ids(store.history(queue_ids=[])) == []
    assert ids(store.history(agent_id="carol")) == []


def test_history_pages_with_limit_and_before_even_on_equal_times(store: Store) -> None:
    # given five calls, three of them created at the same instant
    times = {"a": T0, "b": T0 + 1, "c": T0 + 1, "d": T0 + 1, "e": T0 + 2}
    for interaction_id, created_at in times.items():
        store.save_interaction(simple_interaction(interaction_id, created_at=created_at))

    # when the agent pages through two at a time, passing the last item as cursor
    pages: list[list[str]] = []
    before: float | None = None
    before_id: str | None = None
    while True:
        page = store.history(limit=2, before=before, before_id=before_id)
        if not page:
            break
        pages.append(ids(page))
        before, before_id = page[-1].created_at, page[-1].id

    # then each call appears once, newest first (ties by id, descending)
    assert pages == [["e", "d"], ["c", "b"], ["a"]]
    # and a time alone as cursor keeps what is strictly older
    assert ids(store.history(before=T0 + 1)) == ["a"]


def test_history_refuses_a_limit_below_one_or_a_lone_tie_breaker(store: Store) -> None:
    with pytest.raises(ValueError, match="limit must be at least 1"):
        store.history(limit=0)
    with pytest.raises(ValueError, match="pass both"):
        store.history(before_id="c1")


def test_the_store_works_from_a_worker_thread(store: Store) -> None:
    # given the runtime calls the store from a worker thread, as it will
    record = rich_interaction()
    with ThreadPoolExecutor(max_workers=1) as worker:
        worker.submit(store.save_interaction, record).result()
        loaded = worker.submit(store.get_interaction, record.id).result()

    # then it behaves as from the thread that opened it
    assert loaded == record
    assert store.get_interaction(record.id) == record
