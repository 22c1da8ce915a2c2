"""Voicemails marked heard: the first hearing is kept, later saves of the runtime keep
it, listings can leave heard messages out, and each mailbox counts its unheard ones."""

from __future__ import annotations

from dataclasses import replace

from switchboard.store import Store

from .builders import T0, voicemail


def test_the_first_hearing_is_kept(store: Store) -> None:
    # given a message in the sales mailbox that nobody heard
    store.save_voicemail(voicemail("vm1"))
    assert store.get_voicemail("vm1") == voicemail("vm1")

    # when alice marks it heard at t=60 s, then bruno at t=90 s
    heard = store.mark_voicemail_heard("vm1", "alice", T0 + 60)
    again = store.mark_voicemail_heard("vm1", "bruno", T0 + 90)

    # then alice's hearing is the one shown, to both, and stays so
    expected = replace(voicemail("vm1"), heard_at=T0 + 60, heard_by="alice")
    assert heard == expected
    assert again == expected
    assert store.get_voicemail("vm1") == expected


def test_marking_an_unknown_voicemail_changes_nothing(store: Store) -> None:
    store.save_voicemail(voicemail("vm1"))

    assert store.mark_voicemail_heard("vm9", "alice", T0) is None
    assert store.get_voicemail("vm9") is None
    assert store.get_voicemail("vm1") == voicemail("vm1")


def test_the_transcription_arriving_later_does_not_unmark_a_heard_message(
    store: Store,
) -> None:
    # given alice played a message while its transcription was still pending
    pending = voicemail("vm1")
    store.save_voicemail(pending)
    store.mark_voicemail_heard("vm1", "alice", T0 + 30)

    # when the runtime saves the record it holds, now transcribed (heard_at unset there)
    done = replace(pending, transcription="Call me back.", transcription_status="done")
    store.save_voicemail(done)

    # then the message has its text and is still heard by alice
    assert store.get_voicemail("vm1") == replace(done, heard_at=T0 + 30, heard_by="alice")


def test_unheard_only_leaves_heard_messages_out(store: Store) -> None:
    # given three messages in sales, the middle one heard
    for number in (1, 2, 3):
        store.save_voicemail(voicemail(f"v{number}", created_at=T0 + number))
    store.mark_voicemail_heard("v2", "bruno", T0 + 10)

    # then the full list has all three, the unheard list the two others
    assert [v.id for v in store.voicemails(["sales"])] == ["v3", "v2", "v1"]
    assert [v.id for v in store.voicemails(["sales"], unheard_only=True)] == ["v3", "v1"]
    assert [v.id for v in store.voicemails(["sales"], unheard_only=True, limit=1)] == ["v3"]
    assert [v.id for v in store.voicemails(["sales"], unheard_only=True, before=T0 + 3)] == ["v1"]


def test_unheard_messages_are_counted_per_mailbox(store: Store) -> None:
    # given two messages in sales (one heard), one in alice's mailbox, one in support
    store.save_voicemail(voicemail("v1", mailbox="sales", created_at=T0 + 1))
    store.save_voicemail(voicemail("v2", mailbox="sales", created_at=T0 + 2))
    store.save_voicemail(voicemail("v3", mailbox="alice", created_at=T0 + 3))
    store.save_voicemail(voicemail("v4", mailbox="support", created_at=T0 + 4))
    store.mark_voicemail_heard("v1", "bruno", T0 + 10)

    # then each mailbox asked about has its count, an empty one 0
    assert store.unheard_voicemails(["sales", "alice", "night"]) == {
        "sales": 1,
        "alice": 1,
        "night": 0,
    }
    assert store.unheard_voicemails([]) == {}
