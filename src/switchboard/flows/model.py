"""Smart Routing flow documents: what an administrator writes, validated.

A flow is a graph of named nodes, entered at `start`. Each node does one thing
(`type`) and names the node that follows for each of its outcomes (`next`,
`failure`, `open`/`closed`, a menu's options, a condition's branches). The nodes
that end the flow hand the call to the contact center: a queue, an agent, another
flow, an external number, a mailbox, or a hang-up with a message.

```yaml
id: main
name: Main line
start: welcome
nodes:
  welcome: {type: play, prompt: "Welcome to Acme.", next: hours}
  hours:   {type: hours, hours: {weekly: {mon: ["09:00-18:00"]}}, open: menu, closed: after_hours}
  menu:
    type: menu
    prompt: "For sales, press 1 or say sales. For support, press 2 or say support."
    input: [dtmf, speech]
    options:
      "1": {say: [sales, buy], next: sales}
      "2": {say: [support, help], next: support}
    failure: sales
  sales:   {type: queue, queue: sales}
  support: {type: queue, queue: support}
  after_hours: {type: voicemail, greeting: "We are closed. Leave a message after the tone."}
```

This module checks each document on its own (shapes, ranges, expressions that
parse, nodes that exist and can be reached); `flows/check.py` checks what it
points to in the tenant (queues, agents, mailboxes, prompt files). `interpreter.py`
runs a validated `Flow`. The JSON Schema published for editors is
`Flow.model_json_schema()` (`switchboard flow-schema`).
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from switchboard.flows.expr import ExpressionError, parse
from switchboard.flows.hours import OpeningHours
from switchboard.schema import PhoneNumber, Slug, StrictModel

VARIABLE_PATTERN = r"^[a-z_][a-z0-9_]{0,40}$"
Variable = Annotated[str, StringConstraints(pattern=VARIABLE_PATTERN)]
"""A flow variable: lower-case letters, digits and `_`, as the Datas tab shows it."""

NodeId = Slug
KEYS = "0123456789*#"
Wait = Annotated[float, Field(gt=0, le=60)]
"""Seconds a node waits for the caller (a key, a spoken answer)."""


class _FlowModel(StrictModel):
    # The attribute docstrings become the field descriptions of the published JSON
    # Schema (`switchboard flow-schema`), which editors show beside each field.
    model_config = ConfigDict(use_attribute_docstrings=True)


def _prompt_shorthand(value: object) -> object:
    # `prompt: "Welcome"` is the common case; `{file: welcome.wav}` the other.
    return {"text": value} if isinstance(value, str) else value


class PromptSpec(_FlowModel):
    """What the caller hears: a text spoken by the TTS, or a WAV file. Exactly one of
    the two.

    A file is relative to the directory of the tenant configuration file, also in a
    flow written in its own file (`flows: [{file: flows/main.yaml}]`): every audio
    file of a tenant is found from that one directory, and a flow means the same
    whether it is written inline or in its own file."""

    text: str | None = Field(default=None, min_length=1, max_length=1000)
    file: str | None = Field(default=None, min_length=1, max_length=300)

    @model_validator(mode="after")
    def _one_source(self) -> PromptSpec:
        if (self.text is None) == (self.file is None):
            raise ValueError("a prompt is either a text to speak or a file to play, not both")
        return self


PromptText = Annotated[str, Field(min_length=1, max_length=1000)]
Prompt = Annotated[
    PromptSpec,
    BeforeValidator(_prompt_shorthand, json_schema_input_type=PromptText | PromptSpec),
]


def _expression(value: str) -> str:
    try:
        parse(value)
    except ExpressionError as error:
        raise ValueError(f"bad expression {value!r}: {error}") from None
    return value


# YAML reads `values: {attempts: 0}` as a number: an expression may be written as
# one, and is kept as its text.
Expression = Annotated[
    str,
    Field(min_length=1, max_length=2000),
    BeforeValidator(
        str,
        json_schema_input_type=Annotated[str, Field(min_length=1, max_length=2000)] | float | bool,
    ),
]
# After the conversion to text: parsing the number YAML read would crash.
CheckedExpression = Annotated[Expression, AfterValidator(_expression)]


class InputMode(StrEnum):
    DTMF = "dtmf"
    SPEECH = "speech"


class _Node(_FlowModel):
    label: str | None = Field(default=None, max_length=100)
    """What the Datas tab shows for this step; the node id when absent."""

    def exits(self) -> Iterator[tuple[str, str]]:
        """(outcome, node id) for every node this one may lead to."""
        return iter(())

    def prompts(self) -> Iterator[PromptSpec]:
        return iter(())

    def expressions(self) -> Iterator[tuple[str, str]]:
        """(field, expression text) for every expression of the node."""
        return iter(())


class Play(_Node):
    """Say something. With `barge_in`, a key pressed stops the prompt and is kept
    for the next menu or digit collection."""

    type: Literal["play"]
    prompt: Prompt
    barge_in: bool = False
    next: NodeId

    def exits(self) -> Iterator[tuple[str, str]]:
        yield "next", self.next

    def prompts(self) -> Iterator[PromptSpec]:
        yield self.prompt


class MenuOption(_FlowModel):
    next: NodeId
    say: list[Annotated[str, StringConstraints(min_length=1, max_length=60)]] = Field(
        default_factory=list
    )
    """Words or phrases that choose this option when the caller speaks."""


def _string_keys(value: object) -> object:
    # YAML reads `1:` as the integer 1; a menu key is a character of the keypad.
    if isinstance(value, dict):
        return {str(k): v for k, v in value.items()}
    return value


class Menu(_Node):
    """Ask the caller to choose: a key of the keypad, or (with `speech`) a spoken
    word. No answer within `timeout`, or an answer no option takes, plays
    `no_input` or `invalid` and asks again, up to `retries` more times; then the
    call goes to `failure`. The chosen key is kept in `variable` when set."""

    type: Literal["menu"]
    prompt: Prompt
    options: Annotated[dict[str, MenuOption], BeforeValidator(_string_keys)] = Field(
        min_length=1, json_schema_extra={"propertyNames": {"pattern": "^[0-9*#]$"}}
    )
    input: list[InputMode] = Field(default_factory=lambda: [InputMode.DTMF], min_length=1)
    timeout: Wait = 5.0
    retries: int = Field(default=2, ge=0, le=10)
    invalid: Prompt | None = None
    no_input: Prompt | None = None
    failure: NodeId | None = None
    """Where the call goes when every attempt failed; it hangs up when absent."""
    variable: Variable | None = None

    @field_validator("options")
    @classmethod
    def _keypad_keys(cls, value: dict[str, MenuOption]) -> dict[str, MenuOption]:
        for key in value:
            if len(key) != 1 or key not in KEYS:
                raise ValueError(f"option {key!r} is not a key of the keypad (0-9, * or #)")
        return value

    @model_validator(mode="after")
    def _speech_has_words(self) -> Menu:
        if InputMode.SPEECH in self.input and not any(o.say for o in self.options.values()):
            raise ValueError("a menu that listens to speech needs `say` words on its options")
        return self

    def exits(self) -> Iterator[tuple[str, str]]:
        for key, option in self.options.items():
            yield f"options.{key}", option.next
        if self.failure is not None:
            yield "failure", self.failure

    def prompts(self) -> Iterator[PromptSpec]:
        yield self.prompt
        yield from (p for p in (self.invalid, self.no_input) if p is not None)


class _Question(_Node):
    """A node that asks the caller for an answer into `variable`: `next` once it has
    one; after `retries` more attempts (each after `invalid`), `failure`."""

    prompt: Prompt
    variable: Variable
    retries: int = Field(default=2, ge=0, le=10)
    invalid: Prompt | None = None
    next: NodeId
    failure: NodeId | None = None

    def exits(self) -> Iterator[tuple[str, str]]:
        yield "next", self.next
        if self.failure is not None:
            yield "failure", self.failure

    def prompts(self) -> Iterator[PromptSpec]:
        yield self.prompt
        if self.invalid is not None:
            yield self.invalid


class Collect(_Question):
    """Collect digits into `variable`: between `min_digits` and `max_digits` keys,
    ended by the `terminator` key, by reaching `max_digits`, or by `timeout`
    seconds without a key once at least `min_digits` were pressed."""

    type: Literal["collect"]
    min_digits: int = Field(default=1, ge=1, le=30)
    max_digits: int = Field(default=20, ge=1, le=30)
    terminator: Literal["#", "*"] | None = "#"
    timeout: Wait = 5.0

    @model_validator(mode="after")
    def _bounds(self) -> Collect:
        if self.min_digits > self.max_digits:
            raise ValueError(
                f"min_digits ({self.min_digits}) is more than max_digits ({self.max_digits})"
            )
        return self


class Ask(_Question):
    """Ask a question answered by voice. With `options`, the answer is the option
    whose words were spoken (`yes: [yes, yeah, correct]`); with `digits`, the
    digits spoken ("five five one" → 551); otherwise the words heard."""

    type: Literal["ask"]
    options: dict[str, list[Annotated[str, StringConstraints(min_length=1, max_length=60)]]] = (
        Field(default_factory=dict)
    )
    digits: bool = False
    listen: Annotated[float, Field(gt=0, le=30)] = 5.0
    """Longest answer listened to, in seconds."""
    retries: int = Field(default=1, ge=0, le=10)

    @model_validator(mode="after")
    def _one_kind(self) -> Ask:
        if self.options and self.digits:
            raise ValueError("an answer is either matched to `options` or read as `digits`")
        return self


class SetVariables(_Node):
    """Give variables values; each value is an expression (`'gold'`, `attempts + 1`)."""

    type: Literal["set"]
    values: dict[Variable, CheckedExpression] = Field(min_length=1)
    next: NodeId

    def exits(self) -> Iterator[tuple[str, str]]:
        yield "next", self.next

    def expressions(self) -> Iterator[tuple[str, str]]:
        for name, text in self.values.items():
            yield f"values.{name}", text


class Branch(_FlowModel):
    when: CheckedExpression
    next: NodeId


class Condition(_Node):
    """The first branch whose `when` holds decides; `otherwise` when none does."""

    type: Literal["condition"]
    branches: list[Branch] = Field(min_length=1)
    otherwise: NodeId

    def exits(self) -> Iterator[tuple[str, str]]:
        for index, branch in enumerate(self.branches):
            yield f"branches.{index}", branch.next
        yield "otherwise", self.otherwise

    def expressions(self) -> Iterator[tuple[str, str]]:
        for index, branch in enumerate(self.branches):
            yield f"branches.{index}.when", branch.when


class Hours(_Node):
    """Opening hours: `open` during them, `closed` outside (holidays included)."""

    type: Literal["hours"]
    hours: OpeningHours
    open: NodeId
    closed: NodeId

    def exits(self) -> Iterator[tuple[str, str]]:
        yield "open", self.open
        yield "closed", self.closed


class HttpLookup(_Node):
    """Ask a web service (a CRM, an order system) about the caller. `{name}` in the
    URL is replaced by that variable, URL-encoded. The JSON answer's values named
    in `assign` (`tier: customer.tier`, a dotted path) become variables. A failure,
    a timeout or an error status goes to `failure`: the call never waits longer
    than `timeout`."""

    type: Literal["http"]
    url: str = Field(pattern=r"^https?://", max_length=2000)
    method: Literal["GET", "POST"] = "GET"
    timeout: Annotated[float, Field(gt=0, le=10)] = 2.0
    assign: dict[Variable, Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=dict
    )
    next: NodeId
    failure: NodeId

    def exits(self) -> Iterator[tuple[str, str]]:
        yield "next", self.next
        yield "failure", self.failure


class ToQueue(_Node):
    type: Literal["queue"]
    queue: Slug
    priority: int | None = Field(default=None, ge=0, le=100)
    """Higher is served first; the queue's own priority when absent."""
    skill: int | None = Field(default=None, ge=1, le=10)
    """The skill level an agent needs to be offered the call."""


class ToAgent(_Node):
    type: Literal["agent"]
    agent: Slug


class ToFlow(_Node):
    """Continue in another flow, with the variables collected so far."""

    type: Literal["flow"]
    flow: Slug


class ToNumber(_Node):
    type: Literal["number"]
    number: PhoneNumber | None = None
    """The number to call. Absent in a smart outbound flow: the number the agent
    dialled (the `destination` variable), once the flow's rules let the call go."""
    caller_id: PhoneNumber | None = None


class ToVoicemail(_Node):
    type: Literal["voicemail"]
    mailbox: Slug | None = None
    """The flow's mailbox when absent."""
    greeting: Prompt | None = None
    """Said before the tone; the mailbox's greeting when absent."""

    def prompts(self) -> Iterator[PromptSpec]:
        if self.greeting is not None:
            yield self.greeting


class HangUp(_Node):
    type: Literal["hangup"]
    message: Prompt | None = None

    def prompts(self) -> Iterator[PromptSpec]:
        if self.message is not None:
            yield self.message


Node = Annotated[
    Play
    | Menu
    | Collect
    | Ask
    | SetVariables
    | Condition
    | Hours
    | HttpLookup
    | ToQueue
    | ToAgent
    | ToFlow
    | ToNumber
    | ToVoicemail
    | HangUp,
    Field(discriminator="type"),
]

ROUTES = (ToQueue, ToAgent, ToFlow, ToNumber, ToVoicemail, HangUp)
"""The nodes that end a flow by handing the call on."""


class Flow(_FlowModel):
    """A Smart Routing flow: its nodes, entered at `start`."""

    id: Slug
    name: str = Field(min_length=1, max_length=100)
    start: NodeId
    mailbox: Slug | None = None
    """The mailbox of this flow's voicemail nodes that name none; the flow id when absent."""
    nodes: dict[NodeId, Node] = Field(min_length=1)

    @property
    def default_mailbox(self) -> str:
        return self.mailbox or self.id

    def dangling(self) -> Iterator[tuple[str, str, str]]:
        """(node, outcome, message) for every exit to a node that does not exist."""
        for node_id, node in self.nodes.items():
            for outcome, target in node.exits():
                if target not in self.nodes:
                    yield node_id, outcome, f"there is no node {target!r}"

    def unreachable(self) -> list[str]:
        """Nodes no path from `start` reaches (a mistake: dead configuration)."""
        seen = {self.start}
        todo = [self.start]
        while todo:
            node = self.nodes.get(todo.pop())
            if node is None:
                continue
            for _, target in node.exits():
                if target not in seen:
                    seen.add(target)
                    todo.append(target)
        return [n for n in self.nodes if n not in seen]
