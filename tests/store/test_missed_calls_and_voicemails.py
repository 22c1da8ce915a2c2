"""Missed calls per agent, and voicemails whose transcription arrives later."""

from __future__ import annotations

from dataclasses import replace

import pytest

from switchboard.store import Store

from .builders import T0, missed_call, voicemail


def test_missed_calls_are_per_agent_newest_first(store: Store) -> None:
    # given alice let two offers expire and declined one, bob missed one
    store.save_missed_call(missed_call("m1", agent_id="alice", at=T0 + 10))
    store.save_missed_call(missed_call("m2", agent_id="bob", at=T0 + 20))
    store.save_missed_call(missed_call("m3", agent_id="alice", at=T0 + 30, reason="declined"))
    store.save_missed_call(missed_call("m4", agent_id="alice", at=T0 + 40))

    # then alice sees her own, newest first, each as it was saved
    alices = store.missed_calls("alice")
    assert [m.id for m in alices] == ["m4", "m3", "m1"]
    assert alices[1] == missed_call("m3", agent_id="alice", at=T0 + 30, reason="declined")
    assert [m.id for m in store.missed_calls("bob")] == ["m2"]
    assert store.missed_calls("carol") == []
    # and `since` / `limit` narrow the list
    assert [m.id for m in store.missed_calls("alice", since=T0 + 30)] == ["m4", "m3"]
    assert [m.id for m in store.missed_calls("alice", limit=1)] == ["m4"]


def test_saving_a_missed_call_twice_keeps_one(store: Store) -> None:
    # given the runtime retries a save after a timeout
    record = missed_call("m1", agent_id="alice", at=T0)
    store.save_missed_call(record)
    store.save_missed_call(record)

    # then the agent sees it once
    assert store.missed_calls("alice") == [record]


def test_a_voicemail_is_updated_when_its_transcription_is_done(store: Store) -> None:
    # given a voicemail was left, transcription pending
    pending = voicemail("vm1")
    store.save_voicemail(pending)
    assert store.get_voicemail("vm1") == pending

    # when the transcription finishes and the e-mail goes out
    done = replace(
        pending,
        transcription="Bonjour, je rappelle pour ma facture.",
        transcription_status="done",
        emailed_at=T0 + 42.5,
    )
    store.save_voicemail(done)

    # then the stored voicemail is the finished one, once
    assert store.get_voicemail("vm1") == done
    assert store.voicemails(["sales"]) == [done]


def test_voicemails_are_listed_per_mailbox_newest_first(store: Store) -> None:
    # given messages in the sales and support mailboxes and in alice's
    store.save_voicemail(voicemail("v1", mailbox="sales", created_at=T0 + 1))
    store.save_voicemail(voicemail("v2", mailbox="support", created_at=T0 + 2))
    store.save_voicemail(voicemail("v3", mailbox="alice", created_at=T0 + 3))
    store.save_voicemail(voicemail("v4", mailbox="sales", created_at=T0 + 4))

    # then a reader of sales and alice's mailboxes sees theirs only
    assert [v.id for v in store.voicemails(["sales", "alice"])] == ["v4", "v3", "v1"]
    assert [v.id for v in store.voicemails(["sales", "alice"], limit=2)] == ["v4", "v3"]
    assert [v.id for v in store.voicemails(["sales"], before=T0 + 4)] == ["v1"]
    assert store.voicemails([]) == []
    assert store.get_voicemail("v9") is None


def test_voicemails_refuse_a_limit_below_one(store: Store) -> None:
    with pytest.raises(ValueError, match="limit must be at least 1"):
        store.voicemails(["sales"], limit=0)
