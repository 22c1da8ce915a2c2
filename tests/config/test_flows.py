"""`check-config` on Smart Routing flows: each mistake an administrator can make in a
flow gets its line, its path and what to do: an unknown queue, a node nobody
reaches, an exit to a node that does not exist, a missing prompt file, a bad
expression, a menu key that is not on a keypad."""

from __future__ import annotations

from pathlib import Path

from switchboard.config import load_tenant
from switchboard.flows import model as m

from .conftest import Problems, WriteTenant

HEAD = """
profiles: [{id: standard, name: Standard}]
queues: [{id: sales, name: Sales}]
inbound_numbers: [{number: "+18005550104", flow: main}]
flows:
  - id: main
    name: Main line
    start: welcome
    nodes:
"""


def test_a_valid_flow_loads_with_its_nodes(write_tenant: WriteTenant) -> None:
    path = write_tenant(
        HEAD
        + """
      welcome: {type: play, prompt: "Welcome.", next: menu}
      menu:
        type: menu
        prompt: "Press 1 for sales."
        options: {1: {next: sales}}
      sales: {type: queue, queue: sales}
"""
    )
    tenant = load_tenant(path)
    assert list(tenant.flow("main").nodes) == ["welcome", "menu", "sales"]


def test_references_unreachable_nodes_and_dangling_exits(
    write_tenant: WriteTenant, problems: Problems
) -> None:
    path = write_tenant(
        HEAD
        + """
      welcome: {type: play, prompt: "Welcome.", next: menu}
      menu:
        type: menu
        prompt: "Press 1 for sales."
        options: {1: {next: sales}, 2: {next: billing}}
      sales: {type: queue, queue: salse}
      orphan: {type: hangup}
      agent: {type: agent, agent: nobody}
"""
    )
    assert problems(path) == [
        "14: flows[0].nodes.menu.options[\"2\"].next: there is no node 'billing' "
        "(known: 'agent', 'menu', 'orphan', 'sales', 'welcome')",
        "15: flows[0].nodes.sales.queue: there is no queue 'salse' (known: 'sales')",
        "16: flows[0].nodes.orphan: no path from start ('welcome') leads to this node; "
        "link it from another node or remove it",
        "17: flows[0].nodes.agent: no path from start ('welcome') leads to this node; "
        "link it from another node or remove it",
        "17: flows[0].nodes.agent.agent: there is no agent 'nobody' (known: none is defined)",
    ]


def test_a_bad_expression_and_a_key_not_on_the_keypad(
    write_tenant: WriteTenant, problems: Problems
) -> None:
    path = write_tenant(
        HEAD
        + """
      welcome:
        type: condition
        branches: [{when: "caller startswith '+33' and", next: menu}]
        otherwise: menu
      menu:
        type: menu
        prompt: "Press A."
        options: {A: {next: menu}}
"""
    )
    found = problems(path)
    assert len(found) == 2
    assert found[0] == (
        "12: flows[0].nodes.welcome.branches[0].when: bad expression "
        "\"caller startswith '+33' and\": expected a value after 'and' (at column 28)"
    )
    assert found[1].startswith("17: flows[0].nodes.menu.options: ")
    assert "'A' is not a key of the keypad" in found[1]


def test_a_missing_prompt_file_names_the_path_looked_up(
    write_tenant: WriteTenant, problems: Problems, tmp_path: Path
) -> None:
    path = write_tenant(
        HEAD
        + """
      welcome: {type: play, prompt: {file: prompts/welcome.wav}, next: sales}
      sales: {type: queue, queue: sales}
"""
    )
    assert problems(path) == [
        "10: flows[0].nodes.welcome.prompt.file: file not found: "
        f"{tmp_path / 'prompts' / 'welcome.wav'}"
    ]


def test_an_expression_yaml_reads_as_a_number_or_a_boolean_is_kept_as_text(
    write_tenant: WriteTenant,
) -> None:
    # Given a `set` node whose values YAML reads as 0 and true (once a crash)
    path = write_tenant(
        HEAD
        + """
      welcome: {type: set, values: {attempts: 0, vip: true}, next: sales}
      sales: {type: queue, queue: sales}
"""
    )

    # Then they are expressions, written as text
    node = load_tenant(path).flow("main").nodes["welcome"]
    assert isinstance(node, m.SetVariables)
    assert node.values == {"attempts": "0", "vip": "True"}


def test_a_field_named_like_its_node_type_is_reported_at_its_own_line(
    write_tenant: WriteTenant, problems: Problems
) -> None:
    # Given a queue node (whose `queue` field has the name of its type) with two mistakes
    path = write_tenant(
        HEAD
        + """
      welcome:
        type: queue
        queue: Sales
        priority: 500
"""
    )

    # Then each is at its line, and the path has no `type` in it
    assert problems(path) == [
        "12: flows[0].nodes.welcome.queue: must be an id: lower-case letters, digits, '_', "
        "'.' or '-', starting with a letter or digit, at most 63 characters (got 'Sales')",
        "13: flows[0].nodes.welcome.priority: must be at most 100",
    ]
