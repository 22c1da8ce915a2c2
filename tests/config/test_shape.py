"""Shape errors: pydantic's findings, located and said in plain English."""

from __future__ import annotations

from pathlib import Path

import pytest

from switchboard.config import ConfigError, load_tenant
from switchboard.config.model import NotificationMode, NotificationType

from .conftest import Problems, WriteTenant
from .demo import copy_demo, index_of, line_of

HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2g"


def test_a_broken_demo_reports_each_mistake_at_its_line(tmp_path: Path) -> None:
    # Given a copy of the demo where the second queue's offer_timeout is 0, the first
    # queue has a field the model does not know, and bruno's profile does not exist
    path = copy_demo(tmp_path)
    lines = path.read_text(encoding="utf-8").splitlines()
    timeout = index_of(lines, "offer_timeout:", start=index_of(lines, "- id: support"))
    lines[timeout] = "    offer_timeout: 0"
    profile = index_of(lines, "profile: headset", start=index_of(lines, "- id: bruno"))
    lines[profile] = "    profile: trainee"
    lines.insert(index_of(lines, "- id: sales") + 1, "    colour: blue")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    # When it is loaded
    with pytest.raises(ConfigError) as refused:
        load_tenant(path)

    # Then the two shape errors come first, each with its file, line and path...
    assert [str(p) for p in refused.value.problems] == [
        f"{path}:{line_of(path, 'colour: blue')}: queues[0].colour: unknown field",
        f"{path}:{line_of(path, 'offer_timeout: 0')}: queues[1].offer_timeout: "
        "must be greater than 0",
    ]
    first = refused.value.problems[0]
    assert (first.file, first.path) == (str(path), "queues[0].colour")

    # ...and once they are fixed, the reference to the unknown profile
    fixed = [line for line in lines if "colour: blue" not in line]
    fixed[index_of(fixed, "offer_timeout: 0")] = "    offer_timeout: 25"
    path.write_text("\n".join(fixed) + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_tenant(path)
    assert [str(p) for p in refused.value.problems] == [
        f"{path}:{line_of(path, 'profile: trainee')}: agents[1].profile: unknown profile "
        "'trainee'; known: headset, senior, standard, supervisor"
    ]


def test_a_missing_field_is_reported_at_its_enclosing_mapping(
    write_tenant: WriteTenant, problems: Problems
) -> None:
    path = write_tenant(
        f"""
        profiles:
          - id: standard
            name: Standard
        agents:
          - id: alice
            name: Alice
            password_hash: "{HASH}"
            extension: "1001"
        """
    )

    assert problems(path) == ["5: agents[0].profile: field required"]


def test_values_out_of_range_or_of_the_wrong_kind(
    write_tenant: WriteTenant, problems: Problems
) -> None:
    path = write_tenant(
        """
        profiles:
          - id: standard
            name: ""
            post_interaction: -5
            auto_answer: maybe
            auto_pause_after_misses: 2.5
        queues:
          - id: sales
            name: Sales
            strategy: fifo
            priority: 101
            overflow:
              target: support
        tags: none
        settings: []
        """
    )

    assert problems(path) == [
        "3: profiles[0].name: must not be empty",
        "4: profiles[0].post_interaction: must be greater than 0",
        "5: profiles[0].auto_answer: must be true or false, got 'maybe'",
        "6: profiles[0].auto_pause_after_misses: must be a whole number, got the number 2.5",
        "10: queues[0].strategy: must be one of longest_idle, round_robin, fewest_calls, "
        "least_talk_time, ring_all, skills (got 'fifo')",
        "11: queues[0].priority: must be at most 100",
        "12: queues[0].overflow.action: field required",
        "14: tags: must be a list, got 'none'",
        "15: settings: must be a mapping (key: value), got a list",
    ]


def test_ids_numbers_and_hashes_are_explained_in_words(
    write_tenant: WriteTenant, problems: Problems
) -> None:
    path = write_tenant(
        """
        profiles:
          - id: Standard Agents
            name: Standard
            outbound_caller_id: "+1 800 555"
        agents:
          - id: alice
            name: Alice
            password_hash: alice-demo
            extension: "1"
            profile: standard
        tags:
          - id: vip
            label: VIP
            color: gold
        """
    )

    assert problems(path) == [
        "2: profiles[0].id: must be an id: lower-case letters, digits, '_', '.' or '-', "
        "starting with a letter or digit, at most 63 characters (got 'Standard Agents')",
        "4: profiles[0].outbound_caller_id: must be a phone number: an optional '+' then "
        "2 to 20 digits, no spaces (got '+1 800 555')",
        "8: agents[0].password_hash: must be an argon2 hash; make one with "
        "`switchboard hash-password` (got 'alice-demo')",
        "9: agents[0].extension: must be an extension: 2 to 8 digits (got '1')",
        "14: tags[0].color: must be a colour written #rrggbb, e.g. #1d4ed8 (got 'gold')",
    ]


def test_an_unquoted_number_gets_the_hint_to_quote_it(
    write_tenant: WriteTenant, problems: Problems
) -> None:
    # Given numbers written without quotes, which YAML reads as integers
    path = write_tenant(
        f"""
        profiles:
          - id: standard
            name: Standard
        agents:
          - id: alice
            name: Alice
            password_hash: "{HASH}"
            extension: 1001
            profile: standard
        inbound_numbers:
          - number: +18005550100
            agent: alice
        """
    )

    # Then the message shows the text to write, with its sign kept
    assert problems(path) == [
        '8: agents[0].extension: must be text: write it in quotes, "1001"; without quotes '
        "YAML reads it as the number 1001",
        '11: inbound_numbers[0].number: must be text: write it in quotes, "+18005550100"; '
        "without quotes YAML reads it as the number 18005550100",
    ]


def test_a_misspelt_field_gets_a_suggestion(write_tenant: WriteTenant, problems: Problems) -> None:
    path = write_tenant(
        """
        profiles:
          - id: standard
            name: Standard
            auto_anwser: true
        queues:
          - id: sales
            name: Sales
            maxwait: 60
            overflow: {action: voicemail, mesage: Sorry}
        colour: blue
        """
    )

    assert problems(path) == [
        "4: profiles[0].auto_anwser: unknown field (did you mean 'auto_answer'?)",
        "8: queues[0].maxwait: unknown field (did you mean 'max_wait'?)",
        "9: queues[0].overflow.mesage: unknown field (did you mean 'message'?)",
        "10: colour: unknown field",
    ]


def test_unknown_notification_keys_and_modes(write_tenant: WriteTenant, problems: Problems) -> None:
    path = write_tenant(
        """
        profiles:
          - id: standard
            name: Standard
            notifications:
              missed_call: loud
              coffee_break: sound
        """
    )

    assert problems(path) == [
        "5: profiles[0].notifications.missed_call: must be one of disabled, sound, desktop, "
        "both (got 'loud')",
        "6: profiles[0].notifications.coffee_break: unknown key; must be one of incoming_call, "
        "missed_call, transfer_requested, call_ended (got 'coffee_break')",
    ]


def test_a_profile_changing_one_notification_keeps_the_other_defaults(
    write_tenant: WriteTenant,
) -> None:
    path = write_tenant(
        """
        profiles:
          - id: standard
            name: Standard
            notifications:
              call_ended: sound
        """
    )

    notifications = load_tenant(path).profile("standard").notifications

    assert notifications == {
        NotificationType.INCOMING_CALL: NotificationMode.BOTH,
        NotificationType.MISSED_CALL: NotificationMode.DESKTOP,
        NotificationType.TRANSFER_REQUESTED: NotificationMode.BOTH,
        NotificationType.CALL_ENDED: NotificationMode.SOUND,
    }


def test_profiles_are_required_at_the_top(write_tenant: WriteTenant, problems: Problems) -> None:
    path = write_tenant(
        """
        settings:
          company: Acme
        profiles: []
        """
    )

    assert problems(path) == ["3: profiles: must have at least 1 entry"]


def test_an_unknown_time_zone_is_named(write_tenant: WriteTenant, problems: Problems) -> None:
    path = write_tenant(
        """
        settings:
          company: Acme
          timezone: Europe/Pariss
        profiles:
          - id: standard
            name: Standard
        """
    )

    assert problems(path) == [
        "3: settings.timezone: unknown time zone 'Europe/Pariss'; "
        "use an IANA name such as Europe/Paris"
    ]
