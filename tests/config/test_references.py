"""References between the parts of a tenant: each rule, with its line and path."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from switchboard.config import load_tenant
from switchboard.config.model import Tenant
from switchboard.config.references import check_references
from switchboard.schema import Finding

from .conftest import Problems, WriteTenant
from .demo import EXAMPLES

HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2g"

# Lines 1 to 8; each test appends its own sections after them, from line 9.
BASE = """
profiles:
  - id: standard
    name: Standard
queues:
  - id: sales
    name: Sales
  - id: support
    name: Support
"""


def agent(login: str, extension: str, profile: str = "standard", more: str = "") -> str:
    """An agent list item, 5 lines plus `more`."""
    return (
        f'  - id: {login}\n    name: {login.title()}\n    password_hash: "{HASH}"\n'
        f'    extension: "{extension}"\n    profile: {profile}\n{more}'
    )


def test_check_references_is_a_pure_function_of_the_tenant() -> None:
    tenant = Tenant.model_validate(
        {
            "profiles": [{"id": "standard", "name": "Standard"}],
            "queues": [{"id": "sales", "name": "Sales", "hold_music": "jazz"}],
        }
    )

    assert check_references(tenant) == [
        Finding(("queues", 0, "hold_music"), "unknown hold music 'jazz'; no hold music is defined")
    ]


@pytest.mark.parametrize(
    ("section", "item"),
    [
        ("profiles", "{id: standard, name: Other}"),
        ("queues", "{id: sales, name: Other}"),
        ("directory", '{id: billing, name: Billing, number: "+12125550170"}'),
        ("crm_contacts", '{id: c1, name: Ann, numbers: ["+16175550123"]}'),
        ("qualification_forms", "{id: f, name: Form, fields: [{id: notes, label: Notes}]}"),
        ("tags", "{id: vip, label: VIP}"),
        ("hold_music", "{id: jazz, file: media/hold-music.wav}"),
    ],
)
def test_ids_are_unique_in_each_list(
    tmp_path: Path, write_tenant: WriteTenant, problems: Problems, section: str, item: str
) -> None:
    # Given a section listing the same id twice
    shutil.copytree(EXAMPLES / "media", tmp_path / "media")
    lists = {"profiles": ["{id: base, name: Base}"]}
    lists.setdefault(section, []).extend([item, item])
    lines = [
        line for name, items in lists.items() for line in [f"{name}:"] + [f"  - {i}" for i in items]
    ]
    path = write_tenant("\n".join(lines) + "\n")
    second = len(lists[section]) - 1
    item_id = item.split(",")[0].removeprefix("{id: ")

    # Then the second one is refused, naming the first
    assert problems(path) == [
        f"{len(lines)}: {section}[{second}].id: duplicate id {item_id!r}: "
        f"{section}[{second - 1}].id has it already"
    ]


def test_agent_ids_flow_ids_and_form_field_ids_are_unique(
    write_tenant: WriteTenant, problems: Problems
) -> None:
    path = write_tenant(
        BASE
        + "agents:\n"
        + agent("alice", "1001")
        + agent("alice", "1002")
        + "flows:\n"
        + "".join(f"  - {flow_document(f)}\n" for f in ("welcome", "after-hours", "welcome"))
        + "qualification_forms:\n"
        + "  - id: f\n    name: F\n    fields:\n"
        + "      - {id: notes, label: Notes}\n      - {id: notes, label: More notes}\n"
    )

    assert problems(path) == [
        "15: agents[1].id: duplicate id 'alice': agents[0].id has it already",
        "23: flows[2].id: duplicate id 'welcome': flows[0].id has it already",
        "29: qualification_forms[0].fields[1].id: duplicate id 'notes': "
        "qualification_forms[0].fields[0].id has it already",
    ]


def flow_document(flow_id: str) -> str:
    """The smallest flow: it hangs up (on one line, for inline YAML)."""
    return f"{{id: {flow_id}, name: F, start: bye, nodes: {{bye: {{type: hangup}}}}}}"


def test_extensions_and_inbound_numbers_are_unique(
    write_tenant: WriteTenant, problems: Problems
) -> None:
    path = write_tenant(
        BASE
        + "agents:\n"
        + agent("alice", "1001")
        + agent("bruno", "1001")
        + "inbound_numbers:\n"
        + '  - {number: "+18005550100", queue: sales}\n'
        + '  - {number: "+18005550100", queue: support}\n'
    )

    assert problems(path) == [
        "18: agents[1].extension: duplicate extension 1001: agents[0].extension has it already",
        "22: inbound_numbers[1].number: duplicate number +18005550100: "
        "inbound_numbers[0].number routes it already",
    ]


def test_an_agent_names_a_profile_and_queues_that_exist(
    write_tenant: WriteTenant, problems: Problems
) -> None:
    path = write_tenant(
        BASE
        + "agents:\n"
        + agent(
            "alice",
            "1001",
            profile="trainee",
            more="    queues:\n      - queue: billing\n      - queue: sales\n"
            "      - {queue: sales, priority: 2}\n"
            "    supervises: [sales, billing, sales]\n",
        )
    )

    assert problems(path) == [
        "14: agents[0].profile: unknown profile 'trainee'; known: standard",
        "16: agents[0].queues[0].queue: unknown queue 'billing'; known: sales, support",
        "18: agents[0].queues[2].queue: already a member of queue 'sales' at "
        "agents[0].queues[1].queue",
        "19: agents[0].supervises[1]: unknown queue 'billing'; known: sales, support",
        "19: agents[0].supervises[2]: queue 'sales' is already listed at agents[0].supervises[0]",
    ]


def test_overflow_targets_exist(write_tenant: WriteTenant, problems: Problems) -> None:
    path = write_tenant(
        """
        profiles: [{id: standard, name: Standard}]
        flows: [{id: after-hours, name: F, start: bye, nodes: {bye: {type: hangup}}}]
        queues:
          - id: sales
            name: Sales
            max_size: 5
            overflow: {action: queue, target: billing}
            no_agent: {action: flow, target: night}
          - id: support
            name: Support
            max_wait: 60
            overflow: {action: flow, target: after-hours}
            no_agent: {action: voicemail}
        """
    )

    assert problems(path) == [
        "7: queues[0].overflow.target: unknown queue 'billing'; known: sales, support",
        "8: queues[0].no_agent.target: unknown flow 'night'; known: after-hours",
    ]


def test_a_queue_offering_callbacks_needs_a_trunk_to_place_them(
    write_tenant: WriteTenant, problems: Problems
) -> None:
    path = write_tenant(
        """
        profiles: [{id: standard, name: Standard}]
        queues:
          - {id: sales, name: Sales, voicemail_key: "1"}
          - {id: support, name: Support, callback_key: "2", announce_every: 30}
        """
    )

    assert problems(path) == [
        "4: queues[1].callback_key: callbacks are placed through the trunk: "
        "configure `trunk`, or remove the key"
    ]


def test_queue_and_flow_actions_need_a_target_and_hangup_takes_none(
    write_tenant: WriteTenant, problems: Problems
) -> None:
    path = write_tenant(
        """
        profiles: [{id: standard, name: Standard}]
        queues:
          - id: sales
            name: Sales
            max_wait: 60
            overflow:
              action: queue
            no_agent:
              action: flow
          - id: support
            name: Support
            no_agent: {action: hangup, target: sales, message: We are closed}
        """
    )

    assert problems(path) == [
        "6: queues[0].overflow.target: required when action is queue: the id of the queue",
        "8: queues[0].no_agent.target: required when action is flow: the id of the flow",
        "12: queues[1].no_agent.target: a hangup has no target; remove it",
    ]


def test_a_queue_cannot_overflow_to_itself_or_in_a_circle(
    write_tenant: WriteTenant, problems: Problems
) -> None:
    path = write_tenant(
        """
        profiles: [{id: standard, name: Standard}]
        queues:
          - id: sales
            name: Sales
            max_wait: 60
            overflow: {action: queue, target: sales}
            no_agent: {action: queue, target: support}
          - id: support
            name: Support
            no_agent: {action: queue, target: billing}
          - id: billing
            name: Billing
            no_agent: {action: queue, target: support}
        """
    )

    assert problems(path) == [
        "6: queues[0].overflow.target: queue 'sales' cannot overflow to itself",
        "10: queues[1].no_agent.target: no_agent loop: support → billing → support; a call "
        "would go round these queues forever",
    ]


def test_overflow_and_its_limits_come_together(
    write_tenant: WriteTenant, problems: Problems
) -> None:
    path = write_tenant(
        """
        profiles: [{id: standard, name: Standard}]
        queues:
          - id: sales
            name: Sales
            overflow: {action: voicemail}
          - id: support
            name: Support
            max_wait: 120
            max_size: 20
        """
    )

    assert problems(path) == [
        "5: queues[0].overflow: overflow is set but neither max_wait nor max_size: say when "
        "calls overflow",
        "8: queues[1].max_wait: max_wait is set but overflow is not: add an overflow saying "
        "where these calls go",
        "9: queues[1].max_size: max_size is set but overflow is not: add an overflow saying "
        "where these calls go",
    ]


def test_a_queue_names_a_form_and_hold_music_that_exist(
    write_tenant: WriteTenant, problems: Problems
) -> None:
    path = write_tenant(
        """
        profiles: [{id: standard, name: Standard}]
        qualification_forms:
          - id: sales-call
            name: Sales call
            fields: [{id: notes, label: Notes}]
        queues:
          - id: sales
            name: Sales
            qualification_form: support-call
            hold_music: jazz
        """
    )

    assert problems(path) == [
        "9: queues[0].qualification_form: unknown qualification form 'support-call'; "
        "known: sales-call",
        "10: queues[0].hold_music: unknown hold music 'jazz'; no hold music is defined",
    ]


def test_an_inbound_number_goes_to_exactly_one_place_that_exists(
    write_tenant: WriteTenant, problems: Problems
) -> None:
    path = write_tenant(
        BASE
        + "agents:\n"
        + agent("alice", "1001")
        + "inbound_numbers:\n"
        + '  - number: "+18005550100"\n'
        + '  - {number: "+18005550101", queue: sales, agent: alice}\n'
        + '  - {number: "+18005550102", queue: billing}\n'
        + '  - {number: "+18005550103", agent: zoe}\n'
        + '  - {number: "+18005550104", flow: welcome}\n'
    )

    assert problems(path) == [
        "16: inbound_numbers[0]: say where calls to this number go: set one of queue, agent "
        "or flow",
        "17: inbound_numbers[1]: set only one of queue, agent or flow, not queue and agent",
        "18: inbound_numbers[2].queue: unknown queue 'billing'; known: sales, support",
        "19: inbound_numbers[3].agent: unknown agent 'zoe'; known: alice",
        "20: inbound_numbers[4].flow: unknown flow 'welcome'; no flow is defined",
    ]


def test_only_choice_fields_have_options_and_they_need_one(
    write_tenant: WriteTenant, problems: Problems
) -> None:
    path = write_tenant(
        """
        profiles: [{id: standard, name: Standard}]
        qualification_forms:
          - id: call
            name: Call
            fields:
              - id: outcome
                label: Outcome
                kind: choice
              - id: notes
                label: Notes
                options: [short, long]
        """
    )

    assert problems(path) == [
        "6: qualification_forms[0].fields[0].options: a choice field needs at least one option",
        "11: qualification_forms[0].fields[1].options: only a choice field has options; this "
        "one is text",
    ]


def test_hold_music_files_are_found_next_to_the_configuration(
    tmp_path: Path, write_tenant: WriteTenant, problems: Problems
) -> None:
    # Given one file that exists, one missing, a directory, a file that is not audio
    # and names no file system accepts
    shutil.copytree(EXAMPLES / "media", tmp_path / "media")
    (tmp_path / "notes.wav").write_text("not audio")
    path = write_tenant(
        """
        profiles: [{id: standard, name: Standard}]
        hold_music:
          - {id: acme, file: media/hold-music.wav}
          - {id: jazz, file: media/jazz.wav}
          - {id: folder, file: media}
          - {id: notes, file: notes.wav}
          - {id: nul, file: "a\\0b.wav"}
          - {id: long, file: "LONG.wav"}
        """.replace("LONG", "x" * 5000)
    )

    # Then each bad one names the path it resolved to
    assert problems(path) == [
        f"4: hold_music[1].file: file not found: {tmp_path / 'media' / 'jazz.wav'}",
        f"5: hold_music[2].file: not a file: {tmp_path / 'media'}",
        "6: hold_music[3].file: not a WAV file this server can play (file does not start "
        f"with RIFF id): {tmp_path / 'notes.wav'}",
        f"7: hold_music[4].file: not a valid file name: {tmp_path / 'a'}\\x00b.wav",
        f"8: hold_music[5].file: cannot read the file (File name too long): "
        f"{tmp_path / ('x' * 5000)}.wav",
    ]


def test_a_relative_path_is_resolved_from_the_configuration_not_the_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a configuration in a sub-directory, loaded from its parent
    config = tmp_path / "site"
    shutil.copytree(EXAMPLES / "media", config / "media")
    (config / "tenant.yaml").write_text(
        "profiles: [{id: standard, name: Standard}]\n"
        "hold_music: [{id: acme, file: media/hold-music.wav}]\n"
    )
    monkeypatch.chdir(tmp_path)

    assert load_tenant("site/tenant.yaml").hold_music[0].id == "acme"


def test_all_reference_problems_come_at_once_in_file_order(
    write_tenant: WriteTenant, problems: Problems
) -> None:
    path = write_tenant(
        BASE
        + "agents:\n"
        + agent("alice", "1001", profile="trainee")
        + agent("bruno", "1001", more="    supervises: [billing]\n")
        + "inbound_numbers:\n"
        + '  - {number: "+18005550100", queue: marketing}\n'
    )

    assert [line.split(":")[0] for line in problems(path)] == ["14", "18", "20", "22"]
