"""The published JSON Schema of a flow document (`switchboard flow-schema`).

The repository's copy, `schemas/flow.schema.json`, is what editors point to; it must
be exactly what the command prints, and it must accept the short forms the loader
accepts (a prompt written as text, an expression YAML reads as a number).
"""

from __future__ import annotations

import json
import typing
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from switchboard.flows import model as m
from switchboard.flows.json_schema import DIALECT, SCHEMA_ID, flow_schema, flow_schema_text

REPO = Path(__file__).resolve().parents[2]
COMMITTED = REPO / "schemas" / "flow.schema.json"
REGENERATE = "switchboard flow-schema > schemas/flow.schema.json"


def test_the_committed_schema_is_the_one_the_model_gives() -> None:
    committed = COMMITTED.read_text(encoding="utf-8") if COMMITTED.exists() else ""

    assert committed == flow_schema_text(), (
        f"{COMMITTED.relative_to(REPO)} is out of date with src/switchboard/flows/model.py; "
        f"regenerate it from the repository root with `{REGENERATE}` and commit it"
    )


def test_the_schema_says_what_it_is() -> None:
    schema = flow_schema()

    assert list(schema)[:4] == ["$schema", "$id", "title", "description"]
    assert (schema["$schema"], schema["$id"]) == (DIALECT, SCHEMA_ID)
    assert schema["title"] == "Switchboard Smart Routing flow"
    assert "flows: [{file: flows/main.yaml}]" in schema["description"]
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    assert sorted(schema["required"]) == ["id", "name", "nodes", "start"]


def test_every_node_type_is_in_the_schema() -> None:
    (node,) = flow_schema()["properties"]["nodes"]["patternProperties"].values()
    written = set(node["discriminator"]["mapping"])

    node_classes = typing.get_args(typing.get_args(m.Node)[0])
    assert written == {typing.get_args(c.model_fields["type"].annotation)[0] for c in node_classes}
    assert "queue" in written


def test_a_prompt_may_be_written_as_text_as_in_the_demo() -> None:
    play = _definition("Play")

    assert {"type": "string", "minLength": 1, "maxLength": 1000} in play["properties"]["prompt"][
        "anyOf"
    ]
    assert {"$ref": "#/$defs/PromptSpec"} in play["properties"]["prompt"]["anyOf"]


def test_an_expression_may_be_a_number_or_a_boolean() -> None:
    when = _definition("Branch")["properties"]["when"]

    assert {"type": "number"} in when["anyOf"]
    assert {"type": "boolean"} in when["anyOf"]


def test_menu_keys_and_field_descriptions_help_the_editor() -> None:
    menu = _definition("Menu")

    assert menu["properties"]["options"]["propertyNames"] == {"pattern": "^[0-9*#]$"}
    assert "every attempt failed" in menu["properties"]["failure"]["description"]
    assert "tenant configuration file" in _definition("PromptSpec")["description"]


def test_the_text_is_ascii_json_ending_with_one_newline() -> None:
    text = flow_schema_text()

    assert text.isascii()
    assert text.endswith("}\n")
    assert json.loads(text) == flow_schema()


def _definition(name: str) -> dict[str, Any]:
    definition: dict[str, Any] = flow_schema()["$defs"][name]
    return definition


def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(COMMITTED.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_real_flow_documents_are_valid_against_the_published_schema() -> None:
    """What an editor checking against the schema says of the flows we ship."""
    validator = _validator()
    documents = [yaml.safe_load((REPO / "examples" / "flows" / "main.yaml").read_text())]
    documents += yaml.safe_load((REPO / "tests" / "e2e" / "tenant.yaml").read_text())["flows"]
    assert len(documents) >= 4
    for document in documents:
        errors = [e.message for e in validator.iter_errors(document)]
        assert errors == [], (document["id"], errors)


@pytest.mark.parametrize(
    ("node", "complaint"),
    [
        ({"type": "teleport", "next": "a"}, "teleport"),
        ({"type": "menu", "prompt": "Pick", "options": {"A": {"next": "a"}}}, "'A'"),
        ({"type": "queue"}, "{'type': 'queue'} is not valid"),  # no queue named
    ],
)
def test_the_schema_rejects_what_the_loader_rejects(node: dict[str, Any], complaint: str) -> None:
    document = {"id": "f", "name": "F", "start": "a", "nodes": {"a": node}}
    messages = " | ".join(e.message for e in _validator().iter_errors(document))
    assert complaint in messages
    with pytest.raises(ValueError, match="validation error"):
        m.Flow.model_validate(document)
