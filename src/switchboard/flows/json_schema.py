"""The JSON Schema of a flow document, published for editors and other tools.

`switchboard flow-schema` prints it and `schemas/flow.schema.json` is its committed
copy (a test fails when the two differ). An editor that reads JSON Schema completes
and checks a flow file while it is typed; with the YAML extension of VS Code, the
file's first line says where the schema is:

    # yaml-language-server: $schema=../../schemas/flow.schema.json

It is generated from the model (`Flow.model_json_schema()`), so it cannot drift from
what the loader accepts. It says what one flow document may hold: fields, types,
ranges, the node `type`s. What needs the whole document or the tenant is checked by
`switchboard check-config` only: an exit naming a node that exists, a node reached
from `start`, a queue that exists, an expression that parses, a menu that listens to
speech having words.
"""

from __future__ import annotations

import json
from typing import Any

from switchboard.flows.model import Flow

DIALECT = "https://json-schema.org/draft/2020-12/schema"
"""The JSON Schema version pydantic writes."""

SCHEMA_ID = "urn:switchboard:schema:flow"
"""The schema's identity. Switchboard has no web site to serve it from, so it is a
name (a URN), not an address; editors find the schema by its path or URL anyway."""

TITLE = "Switchboard Smart Routing flow"
DESCRIPTION = (
    "A Smart Routing flow of Switchboard: a graph of named nodes entered at `start`. "
    "Written in the tenant configuration under `flows:`, or alone in a YAML file that "
    "the tenant names with `flows: [{file: flows/main.yaml}]`. "
    "`switchboard check-config` checks what this schema cannot: that exits name nodes "
    "of the flow, that every node is reached, and that queues, agents, flows, "
    "mailboxes and prompt files exist."
)


def flow_schema() -> dict[str, Any]:
    """The JSON Schema of one flow document, identified and described."""
    generated = Flow.model_json_schema()
    generated.pop("title", None)
    generated.pop("description", None)
    return {
        "$schema": DIALECT,
        "$id": SCHEMA_ID,
        "title": TITLE,
        "description": DESCRIPTION,
        **generated,
    }


def flow_schema_text() -> str:
    """`flow_schema()` as the text of `schemas/flow.schema.json`: indented, ASCII only
    (so that printing it works whatever the terminal's encoding), one final newline."""
    return json.dumps(flow_schema(), indent=2) + "\n"
