"""Flows written in their own files: `flows: [{file: flows/main.yaml}]`.

A flow file loads as if it were written inline. Whatever is wrong inside it (its
shape, its graph, what it points to, its YAML) is reported in that file, at its line,
with a path starting at the flow; whatever keeps the file from being used (missing,
not YAML, not one mapping, listed twice) is reported at the `file:` entry of the
tenant file.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from textwrap import dedent

import pytest

from switchboard.config import ConfigError, load_tenant

from .conftest import WriteTenant
from .demo import EXAMPLES

WriteFlow = Callable[[str, str], Path]
Located = Callable[[Path], list[str]]

TENANT = """
profiles: [{id: standard, name: Standard}]
queues: [{id: sales, name: Sales}]
inbound_numbers: [{number: "+18005550104", flow: main}]
flows:
  - file: flows/main.yaml
"""
"""A tenant whose one flow is in `flows/main.yaml`; the `file:` entry is on line 5."""

FLOW = """
id: main
name: Main line
start: welcome
nodes:
  welcome: {type: play, prompt: "Welcome.", next: menu}
  menu:
    type: menu
    prompt: "Press 1 for sales."
    options: {1: {next: sales}}
  sales: {type: queue, queue: sales}
"""


@pytest.fixture
def write_flow(tmp_path: Path) -> WriteFlow:
    """Writes a YAML text (dedented, leading newline dropped) at `name` under tmp_path."""

    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write


@pytest.fixture
def located(tmp_path: Path) -> Located:
    """Loads a tenant that must be refused; its problems as `FILE:LINE: PATH: MESSAGE`,
    the file relative to tmp_path (`tenant.yaml`, `flows/main.yaml`)."""

    def load(path: Path) -> list[str]:
        with pytest.raises(ConfigError) as refused:
            load_tenant(path)
        return [str(p).removeprefix(f"{tmp_path}/") for p in refused.value.problems]

    return load


# The happy path


def test_a_flow_file_loads_as_if_the_flow_were_written_inline(
    tmp_path: Path, write_tenant: WriteTenant, write_flow: WriteFlow
) -> None:
    # Given a tenant with one flow in its own file and one inline
    write_flow("flows/main.yaml", FLOW)
    path = write_tenant(
        TENANT + "  - {id: night, name: Night, start: bye, nodes: {bye: {type: hangup}}}\n"
    )

    # When it is loaded
    tenant = load_tenant(path)

    # Then both flows are there, in the order of the list
    assert tenant.flow_ids == ["main", "night"]
    assert list(tenant.flow("main").nodes) == ["welcome", "menu", "sales"]

    # ...and the file's flow is the one the same text gives inline
    inline = tmp_path / "inline" / "tenant.yaml"
    inline.parent.mkdir()
    nested = "".join(f"    {line}\n" for line in dedent(FLOW).strip().splitlines())
    inline.write_text(
        dedent(TENANT).replace("  - file: flows/main.yaml\n", "  -\n" + nested), encoding="utf-8"
    )
    assert load_tenant(inline).flow("main") == tenant.flow("main")


def test_the_file_is_found_from_the_tenant_file_not_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, write_flow: WriteFlow
) -> None:
    # Given a tenant in site/ naming site/flows/main.yaml, loaded from tmp_path
    write_flow("site/flows/main.yaml", FLOW)
    write_flow("site/tenant.yaml", TENANT)
    monkeypatch.chdir(tmp_path)

    assert load_tenant("site/tenant.yaml").flow_ids == ["main"]


def test_prompt_files_of_a_flow_file_are_relative_to_the_tenant_file(
    tmp_path: Path, write_tenant: WriteTenant, write_flow: WriteFlow, located: Located
) -> None:
    # Given a flow in flows/ whose prompt is media/hold-music.wav, next to the tenant
    shutil.copytree(EXAMPLES / "media", tmp_path / "media")
    flow = FLOW.replace('prompt: "Welcome."', "prompt: {file: media/hold-music.wav}")
    write_flow("flows/main.yaml", flow)
    path = write_tenant(TENANT)

    # Then it loads: the file is found from the tenant's directory
    welcome = load_tenant(path).flow("main").nodes["welcome"]
    assert next(welcome.prompts()).file == "media/hold-music.wav"

    # But a prompt written relative to the flow file (flows/media/hi.wav exists) is
    # not found, and the message says where it was looked for, and why
    (tmp_path / "flows" / "media").mkdir()
    shutil.copy(EXAMPLES / "media" / "hold-music.wav", tmp_path / "flows" / "media" / "hi.wav")
    write_flow("flows/main.yaml", flow.replace("media/hold-music.wav", "media/hi.wav"))
    assert located(path) == [
        "flows/main.yaml:5: nodes.welcome.prompt.file: file not found: "
        f"{tmp_path / 'media' / 'hi.wav'} (prompt files are relative to the tenant "
        "file's directory)"
    ]


# Problems inside a flow file: that file, its line, a path from the flow


def test_shape_errors_name_the_flow_file_and_its_lines(
    write_tenant: WriteTenant, write_flow: WriteFlow, located: Located
) -> None:
    write_flow(
        "flows/main.yaml",
        """
        id: main
        name: 1001
        start: welcome
        nodes:
          welcome:
            type: condition
            branches: [{when: "caller startswith '+33' and", next: menu}]
            otherwise: menu
          menu:
            type: menu
            prompt: "Press A."
            options: {A: {next: menu}}
            retries: lots
          sales:
            type: queue
            queue: sales
            priorty: 3
        """,
    )
    path = write_tenant(TENANT)

    assert located(path) == [
        'flows/main.yaml:2: name: must be text: write it in quotes, "1001"; without quotes '
        "YAML reads it as the number 1001",
        "flows/main.yaml:7: nodes.welcome.branches[0].when: bad expression "
        "\"caller startswith '+33' and\": expected a value after 'and' (at column 28)",
        "flows/main.yaml:12: nodes.menu.options: option 'A' is not a key of the keypad "
        "(0-9, * or #)",
        "flows/main.yaml:13: nodes.menu.retries: must be a whole number, got 'lots'",
        "flows/main.yaml:17: nodes.sales.priorty: unknown field",
    ]


def test_a_missing_field_is_reported_at_the_top_of_the_flow_file(
    write_tenant: WriteTenant, write_flow: WriteFlow, located: Located
) -> None:
    write_flow(
        "flows/main.yaml",
        "# The main line\n\n" + dedent(FLOW).lstrip("\n").replace("name: Main line\n", ""),
    )
    path = write_tenant(TENANT)

    assert located(path) == ["flows/main.yaml:3: name: field required"]


def test_graph_and_reference_checks_point_into_the_flow_file(
    write_tenant: WriteTenant, write_flow: WriteFlow, located: Located
) -> None:
    # Given a flow file with an exit to no node, an unknown queue and an orphan node
    write_flow(
        "flows/main.yaml",
        FLOW.replace("queue: sales", "queue: salse").replace(
            "{1: {next: sales}}", "{1: {next: sales}, 2: {next: billing}}"
        )
        + "  orphan: {type: hangup}\n",
    )
    path = write_tenant(TENANT)

    # Then `check-config`'s graph and reference checks name its lines
    assert located(path) == [
        "flows/main.yaml:9: nodes.menu.options[\"2\"].next: there is no node 'billing' "
        "(known: 'menu', 'orphan', 'sales', 'welcome')",
        "flows/main.yaml:10: nodes.sales.queue: there is no queue 'salse' (known: 'sales')",
        "flows/main.yaml:11: nodes.orphan: no path from start ('welcome') leads to this node; "
        "link it from another node or remove it",
    ]


def test_a_key_written_twice_in_a_flow_file_is_reported_there(
    write_tenant: WriteTenant, write_flow: WriteFlow, located: Located
) -> None:
    write_flow("flows/main.yaml", FLOW + "  sales: {type: hangup}\n")
    path = write_tenant(TENANT)

    assert located(path) == [
        "flows/main.yaml:11: nodes.sales: duplicate key: 'sales' is already set at line 10 "
        "of this mapping"
    ]


# Problems with the file itself: at the `file:` entry of the tenant file


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "flow file not found: {file}"),
        (
            "id: main\nname: [Main\n",
            "cannot use the flow file {file}, line 3: YAML syntax error: expected ',' or "
            "']', but got '<stream end>' (while parsing a flow sequence at line 2)",
        ),
        (
            "id: main\n---\nid: other\n",
            "cannot use the flow file {file}, line 2: YAML syntax error: but found another "
            "document (expected a single document in the stream at line 1)",
        ),
        (
            b"\xff\xfe binary",
            "cannot use the flow file {file}, line 1: not UTF-8 text (byte 0xff); is this "
            "a binary file? A configuration file is YAML saved as UTF-8",
        ),
        (
            "# nothing yet\n",
            "the flow file is empty; write one flow, a mapping with id, name, start and "
            "nodes: {file}",
        ),
        (
            "- id: main\n- id: other\n",
            "the flow file holds a list; it must hold one flow, a mapping with id, name, "
            "start and nodes: {file}",
        ),
        (
            "main\n",
            "the flow file holds a single value; it must hold one flow, a mapping with id, "
            "name, start and nodes: {file}",
        ),
    ],
    ids=["missing", "syntax", "two-documents", "binary", "empty", "list", "scalar"],
)
def test_a_flow_file_that_cannot_be_used_is_reported_at_its_entry(
    tmp_path: Path,
    write_tenant: WriteTenant,
    located: Located,
    content: str | bytes | None,
    message: str,
) -> None:
    flow = tmp_path / "flows" / "main.yaml"
    if content is not None:
        flow.parent.mkdir()
        if isinstance(content, bytes):
            flow.write_bytes(content)
        else:
            flow.write_text(content, encoding="utf-8")
    path = write_tenant(TENANT)

    assert located(path) == [f"tenant.yaml:5: flows[0].file: {message.format(file=flow)}"]


def test_a_directory_is_not_a_flow_file(
    tmp_path: Path, write_tenant: WriteTenant, located: Located
) -> None:
    (tmp_path / "flows" / "main.yaml").mkdir(parents=True)
    path = write_tenant(TENANT)

    assert located(path) == [
        f"tenant.yaml:5: flows[0].file: not a file: {tmp_path / 'flows' / 'main.yaml'}"
    ]


def test_mistakes_in_the_entries_themselves(
    tmp_path: Path, write_tenant: WriteTenant, write_flow: WriteFlow, located: Located
) -> None:
    # Given entries with a key beside `file`, a file that is not a path, and the same
    # file listed twice (written differently)
    write_flow("flows/main.yaml", FLOW)
    write_flow("flows/other.yaml", FLOW.replace("id: main", "id: other"))
    path = write_tenant(
        TENANT
        + """\
  - file: flows/other.yaml
    id: other
  - file: 42
  - file: ""
  - file: ./flows/../flows/main.yaml
"""
    )

    # Then each is reported at its line of the tenant file, and nothing else is checked
    assert located(path) == [
        "tenant.yaml:7: flows[1].id: unknown field next to `file`: a flow in its own file "
        "has all its fields in that file",
        "tenant.yaml:8: flows[2].file: must be the path of a flow file, relative to the "
        "directory of this file (flows/main.yaml)",
        "tenant.yaml:9: flows[3].file: must be the path of a flow file, relative to the "
        "directory of this file (flows/main.yaml)",
        "tenant.yaml:10: flows[4].file: flows[0].file names this file already: "
        f"{tmp_path / 'flows' / 'main.yaml'}",
    ]


def test_every_unusable_flow_file_is_reported_in_one_run(
    tmp_path: Path, write_tenant: WriteTenant, write_flow: WriteFlow, located: Located
) -> None:
    write_flow("flows/empty.yaml", "")
    path = write_tenant(TENANT + "  - file: flows/empty.yaml\n")

    assert located(path) == [
        f"tenant.yaml:5: flows[0].file: flow file not found: {tmp_path / 'flows' / 'main.yaml'}",
        "tenant.yaml:6: flows[1].file: the flow file is empty; write one flow, a mapping "
        f"with id, name, start and nodes: {tmp_path / 'flows' / 'empty.yaml'}",
    ]


# Duplicate flow ids, across inline flows and flow files


def test_a_flow_file_repeating_an_inline_flow_id_is_refused_in_the_file(
    tmp_path: Path, write_tenant: WriteTenant, write_flow: WriteFlow, located: Located
) -> None:
    write_flow("flows/main.yaml", FLOW)
    path = write_tenant(
        TENANT.replace(
            "  - file: flows/main.yaml\n",
            "  - {id: main, name: Main, start: bye, nodes: {bye: {type: hangup}}}\n"
            "  - file: flows/main.yaml\n",
        )
    )

    assert located(path) == [
        "flows/main.yaml:1: id: duplicate id 'main': flows[0].id has it already",
    ]


def test_an_inline_flow_repeating_a_flow_file_id_names_that_file(
    tmp_path: Path, write_tenant: WriteTenant, write_flow: WriteFlow, located: Located
) -> None:
    write_flow("flows/main.yaml", FLOW)
    write_flow("flows/copy.yaml", FLOW)
    path = write_tenant(
        TENANT
        + "  - file: flows/copy.yaml\n"
        + "  - {id: main, name: Main, start: bye, nodes: {bye: {type: hangup}}}\n"
    )

    main = tmp_path / "flows" / "main.yaml"
    assert located(path) == [
        f"flows/copy.yaml:1: id: duplicate id 'main': {main} has it already",
        f"tenant.yaml:7: flows[2].id: duplicate id 'main': {main} has it already",
    ]
