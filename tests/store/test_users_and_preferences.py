"""Users synced from the configuration at start-up, and notification preferences."""

from __future__ import annotations

from dataclasses import replace

import pytest

from switchboard.store import Store, StoredUser, StoreError, UserSpec, UserSyncResult

ALICE = UserSpec("alice", "Alice Martin", "1001", "$argon2id$v=19$alice", "agents")
BOB = UserSpec("bob", "Bob Durand", "1002", "$argon2id$v=19$bob", "agents")
CAROL = UserSpec("carol", "Carol Petit", None, None, "supervisors")

PROFILE_DEFAULTS = {
    "incoming_call": "both",
    "missed_call": "desktop",
    "transfer_requested": "sound",
    "call_ended": "disabled",
}


def test_first_sync_adds_every_configured_user(store: Store) -> None:
    # when the runtime starts with three users configured
    result = store.sync_users([ALICE, BOB, CAROL], now=100.0)

    # then all three are stored, active, stamped with the start time
    assert result == UserSyncResult(added=("alice", "bob", "carol"), updated=(), deactivated=())
    assert store.get_user("carol") == StoredUser(
        agent_id="carol",
        name="Carol Petit",
        extension=None,
        password_hash=None,
        profile_id="supervisors",
        active=True,
        created_at=100.0,
        updated_at=100.0,
    )
    assert [u.agent_id for u in store.users()] == ["alice", "bob", "carol"]
    assert store.get_user("dave") is None


def test_a_later_sync_updates_changed_users_and_deactivates_removed_ones(store: Store) -> None:
    # given the first start stored alice, bob and carol
    store.sync_users([ALICE, BOB, CAROL], now=100.0)

    # when the configuration changes alice's extension, drops bob and adds dave
    dave = UserSpec("dave", "Dave Roux", "1004", "$argon2id$v=19$dave", "agents")
    moved_alice = replace(ALICE, extension="2001")
    result = store.sync_users([moved_alice, CAROL, dave], now=200.0)

    # then alice is updated, carol untouched, bob kept but inactive, dave added
    assert result == UserSyncResult(added=("dave",), updated=("alice",), deactivated=("bob",))
    alice = store.get_user("alice")
    assert alice is not None
    assert (alice.extension, alice.created_at, alice.updated_at) == ("2001", 100.0, 200.0)
    carol = store.get_user("carol")
    assert carol is not None
    assert carol.updated_at == 100.0
    bob = store.get_user("bob")
    assert bob is not None
    assert (bob.active, bob.updated_at, bob.name) == (False, 200.0, "Bob Durand")
    assert [u.agent_id for u in store.users(active_only=True)] == ["alice", "carol", "dave"]
    assert [u.agent_id for u in store.users()] == ["alice", "bob", "carol", "dave"]


def test_a_removed_user_who_comes_back_is_reactivated(store: Store) -> None:
    # given bob was removed from the configuration at the second start
    store.sync_users([ALICE, BOB], now=100.0)
    store.sync_users([ALICE], now=200.0)

    # when he is configured again, unchanged
    result = store.sync_users([ALICE, BOB], now=300.0)

    # then he is active again; alice, unchanged, is not touched
    assert result == UserSyncResult(added=(), updated=("bob",), deactivated=())
    bob = store.get_user("bob")
    assert bob is not None
    assert (bob.active, bob.created_at, bob.updated_at) == (True, 100.0, 300.0)


def test_a_user_listed_twice_is_refused_and_nothing_changes(store: Store) -> None:
    store.sync_users([ALICE], now=100.0)
    with pytest.raises(ValueError, match="'bob' is listed twice"):
        store.sync_users([BOB, BOB], now=200.0)
    assert [u.agent_id for u in store.users()] == ["alice"]


def test_saved_preferences_override_the_profile_defaults(store: Store) -> None:
    # given alice, whose profile rings and shows every incoming call
    store.sync_users([ALICE, BOB], now=100.0)
    assert store.get_notification_preferences("alice", PROFILE_DEFAULTS) == PROFILE_DEFAULTS

    # when she silences incoming calls, then changes her mind to sound only,
    # and turns on call-ended notifications
    store.set_notification_preference("alice", "incoming_call", "disabled")
    store.set_notification_preference("alice", "incoming_call", "sound")
    store.set_notification_preference("alice", "call_ended", "desktop")

    # then her choices win over the profile; the rest is the profile's
    assert store.get_notification_preferences("alice", PROFILE_DEFAULTS) == {
        **PROFILE_DEFAULTS,
        "incoming_call": "sound",
        "call_ended": "desktop",
    }
    assert store.get_notification_preferences("alice") == {
        "incoming_call": "sound",
        "call_ended": "desktop",
    }
    # and bob still has his profile's
    assert store.get_notification_preferences("bob", PROFILE_DEFAULTS) == PROFILE_DEFAULTS

    # when she resets one to the profile's default
    store.clear_notification_preference("alice", "incoming_call")
    assert store.get_notification_preferences("alice") == {"call_ended": "desktop"}


def test_a_preference_must_name_a_known_type_mode_and_agent(store: Store) -> None:
    store.sync_users([ALICE], now=100.0)
    with pytest.raises(ValueError, match="unknown notification type 'ringing'"):
        store.set_notification_preference("alice", "ringing", "sound")
    with pytest.raises(ValueError, match="unknown notification mode 'loud': expected one of"):
        store.set_notification_preference("alice", "missed_call", "loud")
    with pytest.raises(StoreError, match="unknown agent 'zoe'"):
        store.set_notification_preference("zoe", "missed_call", "sound")
    assert store.get_notification_preferences("alice") == {}
