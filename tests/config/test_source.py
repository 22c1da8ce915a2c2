"""Files that are not a YAML mapping, and YAML that a plain load would get wrong."""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import pytest

from switchboard.config import ConfigError, ConfigProblem, load_tenant, source
from switchboard.config.source import MAX_VALUES

from .conftest import Problems, WriteTenant


def refusal(path: Path) -> list[ConfigProblem]:
    with pytest.raises(ConfigError) as refused:
        load_tenant(path)
    return refused.value.problems


def test_a_missing_file_is_one_problem_without_a_line(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.yaml"

    assert [str(p) for p in refusal(path)] == [f"{path}: file not found"]


def test_a_directory_is_not_a_configuration(tmp_path: Path) -> None:
    assert [str(p) for p in refusal(tmp_path)] == [
        f"{tmp_path}: is a directory, not a configuration file"
    ]


def test_an_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "secret.yaml"
    path.write_text("profiles: []\n")
    path.chmod(0)
    if os.geteuid() == 0:
        # Root reads any file (CI runs as root): make the read itself fail the way
        # it does for everybody else.
        def denied(*args: object, **kwargs: object) -> NoReturn:
            raise PermissionError(13, "Permission denied", str(path))

        monkeypatch.setattr(source, "open", denied, raising=False)

    assert [str(p) for p in refusal(path)] == [f"{path}: permission denied: cannot read this file"]


@pytest.mark.parametrize("content", ["", "\n\n", "# nothing but a comment\n", "---\n"], ids=repr)
def test_an_empty_file(tmp_path: Path, content: str) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text(content)

    assert [str(p) for p in refusal(path)] == [
        f"{path}: the file is empty; expected a mapping of settings, profiles, queues, "
        "agents, inbound_numbers…"
    ]


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        ("- sales\n- support\n", "a list"),
        ("just some words\n", "a single value"),
        ("~\n", "a single value"),
    ],
)
def test_the_top_level_must_be_a_mapping(tmp_path: Path, content: str, kind: str) -> None:
    path = tmp_path / "tenant.yaml"
    path.write_text(content)

    assert [str(p) for p in refusal(path)] == [
        f"{path}:1: the top level must be a mapping of settings, profiles, queues, agents, "
        f"inbound_numbers…, not {kind}"
    ]


def test_binary_garbage_is_not_utf8(tmp_path: Path) -> None:
    # Given a recording saved under a .yaml name by mistake
    path = tmp_path / "tenant.yaml"
    path.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\n\xff\xfe\x00")

    [problem] = refusal(path)

    assert (problem.line, problem.path) == (2, "")
    assert problem.message.startswith("not UTF-8 text (byte 0xff); is this a binary file?")


def test_a_control_character_is_refused_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "tenant.yaml"
    path.write_bytes(b"settings:\n  company: Acme\x00\n")

    assert [str(p) for p in refusal(path)] == [
        f"{path}:2: contains a control character YAML does not allow (U+0000); "
        "is this a binary file?"
    ]


def test_a_yaml_syntax_error_gives_its_line(write_tenant: WriteTenant) -> None:
    path = write_tenant(
        """
        profiles:
          - id: standard
            name: Standard
           auto_answer: true
        """
    )

    [problem] = refusal(path)

    assert problem.line == 4
    assert problem.message.startswith("YAML syntax error: ")


def test_an_unclosed_bracket_names_where_it_opened(write_tenant: WriteTenant) -> None:
    path = write_tenant(
        """
        profiles:
          - id: standard
            name: Standard
        flows: [welcome, after-hours
        tags: []
        """
    )

    [problem] = refusal(path)

    assert problem.message.startswith("YAML syntax error: ")
    assert "at line 4" in problem.message


def test_two_documents_in_one_file(write_tenant: WriteTenant) -> None:
    path = write_tenant("profiles: []\n---\nqueues: []\n")

    [problem] = refusal(path)

    assert problem.line == 2
    assert "expected a single document" in problem.message


def test_a_key_written_twice_is_an_error_at_the_second(
    write_tenant: WriteTenant, problems: Problems
) -> None:
    path = write_tenant(
        """
        profiles:
          - id: standard
            name: Standard
            auto_answer: true
            can_record: true
            auto_answer: false
        queues: []
        queues: []
        """
    )

    assert problems(path) == [
        "6: profiles[0].auto_answer: duplicate key: 'auto_answer' is already set at line 4 "
        "of this mapping",
        "8: queues: duplicate key: 'queues' is already set at line 7 of this mapping",
    ]


def test_scalars_yaml_cannot_build_and_unknown_tags(
    write_tenant: WriteTenant, problems: Problems
) -> None:
    path = write_tenant(
        """
        profiles:
          - id: standard
            name: Standard
            post_interaction: !!float soon
        settings:
          company: !!python/object/apply:os.system ["touch pwned"]
          timezone: 2024-02-30
        """
    )

    assert problems(path) == [
        "4: profiles[0].post_interaction: 'soon' is not a valid number",
        "6: settings.company: unsupported YAML tag !!python/object/apply:os.system",
        "7: settings.timezone: '2024-02-30' is not a valid date",
    ]
    assert not (path.parent / "pwned").exists()


def test_anchors_and_merge_keys_work_and_own_keys_win(write_tenant: WriteTenant) -> None:
    # Given two profiles sharing defaults through a YAML anchor and merge key
    path = write_tenant(
        """
        profiles:
          - &base
            id: standard
            name: Standard
            can_record: true
            post_interaction: 40
          - <<: *base
            id: senior
            name: Senior
            post_interaction: 90
        """
    )

    tenant = load_tenant(path)

    senior = tenant.profile("senior")
    assert (senior.can_record, senior.post_interaction) == (True, 90)


def test_a_merged_value_is_located_where_it_is_written(
    write_tenant: WriteTenant, problems: Problems
) -> None:
    path = write_tenant(
        """
        profiles:
          - &base
            id: standard
            name: Standard
            post_interaction: 0
          - <<: *base
            id: senior
            name: Senior
        """
    )

    assert problems(path) == [
        "5: profiles[0].post_interaction: must be greater than 0",
        "5: profiles[1].post_interaction: must be greater than 0",
    ]


def test_an_alias_inside_itself_is_refused(write_tenant: WriteTenant, problems: Problems) -> None:
    path = write_tenant(
        """
        profiles: &all
          - id: standard
            name: Standard
            nested: *all
        """
    )

    assert problems(path) == [
        "4: profiles[0].nested: an alias here refers to a value that contains it"
    ]


def test_aliases_expanding_to_billions_of_values_are_refused(write_tenant: WriteTenant) -> None:
    # Given the "billion laughs": nine levels of nine aliases to the level below
    text = 'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
    for level, previous in zip("bcdefghi", "abcdefgh", strict=True):
        text += f"{level}: &{level} [{', '.join([f'*{previous}'] * 9)}]\n"
    path = write_tenant(text)

    assert [str(p) for p in refusal(path)] == [
        f"{path}:1: document too large: more than {MAX_VALUES} values once its aliases are expanded"
    ]


def test_nesting_deeper_than_any_configuration(write_tenant: WriteTenant) -> None:
    shallow = write_tenant("profiles: " + "[" * 60 + "]" * 60 + "\n")
    assert "nested more than 50 levels deep" in str(refusal(shallow)[0])

    deep = write_tenant("profiles: " + "[" * 5000 + "]" * 5000 + "\n")
    assert [p.message for p in refusal(deep)] == ["nested too deeply to be a configuration"]


def test_keys_are_names_even_when_yaml_would_read_numbers(
    write_tenant: WriteTenant, problems: Problems
) -> None:
    path = write_tenant(
        """
        profiles:
          - id: standard
            name: Standard
            1001: x
            yes: no
        """
    )

    assert problems(path) == [
        '4: profiles[0]["1001"]: unknown field',
        "5: profiles[0].yes: unknown field",
    ]


def test_a_list_as_a_key(write_tenant: WriteTenant, problems: Problems) -> None:
    path = write_tenant(
        """
        profiles:
          - id: standard
            [a, b]: c
        """
    )

    assert problems(path) == ["3: profiles[0]: a key must be a plain name, not a list or mapping"]


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "tenant.yaml"
    path.write_bytes(b"\xef\xbb\xbfprofiles:\n  - id: standard\n    name: Standard\n")

    assert load_tenant(path).profiles[0].id == "standard"


def test_yaml_sets_and_ordered_maps_are_not_configuration(
    write_tenant: WriteTenant, problems: Problems
) -> None:
    path = write_tenant(
        """
        profiles: !!set {standard, senior}
        flows: !!omap [{a: 1}]
        """
    )

    assert problems(path) == [
        "1: profiles: unsupported YAML tag !!set",
        "2: flows: unsupported YAML tag !!omap",
    ]
