"""Running a Smart Routing flow for one call: events in, actions out, time passed in.

Theory of operation
-------------------
A `FlowRun` walks the nodes of a validated `Flow` for one caller. It never plays,
listens or fetches anything itself: like the core, it returns *actions* for the
runtime to carry out (`Say`, `StopSaying`, `Listen`, `StopListening`, `Fetch`) and
learns what happened through *events* (`prompt_done`, `digit`, `heard`,
`fetched`, `fetch_failed`, and `on_timer` once `next_deadline()` has passed). A
flow ends with exactly one `Route` action (a queue, an agent, a number, a mailbox,
a hang-up); after it, `done` is true and every event is ignored.

Nodes that need nothing from the caller (set, condition, hours, a jump to another
flow) run at once, one after the other, in the same call to the run. The nodes
that wait are in one of these phases:

    SAYING     a prompt plays; keys may interrupt it (menus, collect, barge-in plays)
    WAITING    the prompt ended; keys are awaited until the deadline
    LISTENING  the caller's voice is being captured and recognised (`Listen`)
    FETCHING   an HTTP lookup is under way, until its deadline

Each event is checked against the phase; a late event (a prompt end after the node
moved on, a recognition result after a key answered the menu) carries the token of
the step it belongs to and is dropped when that step is over. The runtime never
needs to know which events are still wanted.

Every node entered is kept in `path` with its outcome, and every variable in
`variables`: the agent's Datas tab shows both once the call is accepted. A run
that executes more than `MAX_STEPS` nodes without waiting for the caller is in a
loop of the configuration: it hangs up rather than spin.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from switchboard.flows import model as m
from switchboard.flows.expr import EvaluationError, ExpressionError, Value, parse, truthy
from switchboard.flows.hours import is_open
from switchboard.speech.match import match_keyword, spoken_digits

MAX_STEPS = 100
FLOW_HOPS = 10
"""Jumps from flow to flow allowed in one run (a loop between flows ends here)."""
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


# -- what the runtime does for the flow ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class Say:
    """Play these prompts in order, then report `prompt_done(token)`."""

    token: int
    prompts: tuple[m.PromptSpec, ...]


@dataclass(frozen=True, slots=True)
class StopSaying:
    token: int


@dataclass(frozen=True, slots=True)
class Listen:
    """Capture up to `seconds` of the caller's voice, recognise it (the expected `words`
    help the recogniser), and report `heard(token, text)`; "" when nothing was said."""

    token: int
    seconds: float
    words: tuple[str, ...]
    """Empty for an open answer or digits: a list of digits as a hint makes Whisper
    repeat them."""


@dataclass(frozen=True, slots=True)
class StopListening:
    token: int


@dataclass(frozen=True, slots=True)
class Fetch:
    """An HTTP request; report `fetched(token, status, json)` or `fetch_failed(token)`."""

    token: int
    method: str
    url: str
    timeout: float
    body: dict[str, str] | None = None


@dataclass(frozen=True, slots=True)
class Route:
    """The flow's decision. `kind` is queue, agent, flow, number, voicemail or hangup;
    `target` the queue, agent, flow or mailbox id or the number."""

    kind: str
    target: str | None = None
    priority: int | None = None
    skill: int | None = None
    caller_id: str | None = None
    prompt: m.PromptSpec | None = None
    """The voicemail greeting, or the message said before hanging up."""


Action = Say | StopSaying | Listen | StopListening | Fetch | Route


@dataclass(frozen=True, slots=True)
class Step:
    """One node executed: what the Datas tab lists."""

    at: float
    flow: str
    node: str
    type: str
    label: str
    outcome: str


@dataclass(frozen=True, slots=True)
class CallFacts:
    """What the flow may know of the call besides its variables."""

    caller: str
    callee: str
    caller_name: str | None = None
    contact: Mapping[str, str] = field(default_factory=dict)
    """The caller's CRM contact (`id`, `name`, `company`, `email`), if known."""
    timezone: str = "UTC"


class Phase(Enum):
    RUNNING = "running"
    SAYING = "saying"
    WAITING = "waiting"
    LISTENING = "listening"
    FETCHING = "fetching"
    DONE = "done"


class FlowRun:
    """One caller's way through Smart Routing (see the module docstring)."""

    def __init__(
        self,
        flow: m.Flow,
        facts: CallFacts,
        *,
        flows: Mapping[str, m.Flow] | None = None,
        variables: Mapping[str, str] | None = None,
    ) -> None:
        self.flow = flow
        self.facts = facts
        self.flows = dict(flows or {flow.id: flow})
        self.variables: dict[str, str] = dict(variables or {})
        self.path: list[Step] = []
        self.phase = Phase.RUNNING
        self.route: Route | None = None
        self._node_id = flow.start
        self._token = 0
        self._deadline: float | None = None
        self._attempt = 0
        self._digits = ""
        self._typed_ahead = ""
        """Keys pressed during a barge-in prompt, kept for the next node that reads keys."""
        self._hops = 0
        self._out: list[Action] = []

    # -- events ------------------------------------------------------------------------

    @property
    def done(self) -> bool:
        return self.phase is Phase.DONE

    @property
    def node(self) -> m.Node:
        return self.flow.nodes[self._node_id]

    def start(self, now: float) -> list[Action]:
        self._enter(self.flow.start, now)
        return self._take()

    def next_deadline(self) -> float | None:
        return None if self.done else self._deadline

    def prompt_done(self, token: int, now: float) -> list[Action]:
        if token == self._token and self.phase is Phase.SAYING:
            self._after_prompt(now)
        return self._take()

    def digit(self, key: str, now: float) -> list[Action]:
        if self.done or len(key) != 1 or key not in m.KEYS:
            return []
        node = self.node
        if isinstance(node, m.Play):
            if self.phase is Phase.SAYING and node.barge_in:
                self._typed_ahead += key
                self._out.append(StopSaying(self._token))
                self._go(node.next, "interrupted", now)
        elif isinstance(node, m.Menu):
            if InputModeDtmf in node.input and self.phase in _LISTENING_TO_KEYS:
                self._stop_current()
                self._menu_answer(node, key, now, spoken=False)
        elif isinstance(node, m.Collect) and self.phase in _LISTENING_TO_KEYS:
            self._collect_key(node, key, now)
        return self._take()

    def heard(self, token: int, text: str, now: float) -> list[Action]:
        if token != self._token or self.phase is not Phase.LISTENING:
            return []
        node = self.node
        if isinstance(node, m.Menu):
            choice = match_keyword(text, {k: o.say for k, o in node.options.items()})
            self._menu_answer(node, choice, now, spoken=True, heard=text)
        elif isinstance(node, m.Ask):
            self._ask_answer(node, text, now)
        return self._take()

    def fetched(self, token: int, status: int, body: object, now: float) -> list[Action]:
        node = self.node
        if token != self._token or self.phase is not Phase.FETCHING:
            return []
        assert isinstance(node, m.HttpLookup)
        if not 200 <= status < 300:
            self._go(node.failure, f"http {status}", now)
            return self._take()
        for name, path in node.assign.items():
            self.variables[name] = _text(_dig(body, path))
        self._go(node.next, f"http {status}", now)
        return self._take()

    def fetch_failed(self, token: int, reason: str, now: float) -> list[Action]:
        node = self.node
        if token == self._token and self.phase is Phase.FETCHING:
            assert isinstance(node, m.HttpLookup)
            self._go(node.failure, reason, now)
        return self._take()

    def on_timer(self, now: float) -> list[Action]:
        if self._deadline is None or now < self._deadline or self.done:
            return []
        self._deadline = None
        node = self.node
        if isinstance(node, m.Menu):
            self._stop_current()
            self._retry(node, node.no_input or node.invalid, "no input", now)
        elif isinstance(node, m.Collect):
            if len(self._digits) >= node.min_digits:
                self._collected(node, now)
            else:
                self._retry(node, node.invalid, "no input", now)
        elif isinstance(node, m.HttpLookup):
            self._token += 1  # a late answer to this request is dropped
            self._go(node.failure, "timeout", now)
        return self._take()

    # -- walking -----------------------------------------------------------------------

    def _take(self) -> list[Action]:
        out, self._out = self._out, []
        return out

    def _stop_current(self) -> None:
        if self.phase is Phase.SAYING:
            self._out.append(StopSaying(self._token))
        elif self.phase is Phase.LISTENING:
            self._out.append(StopListening(self._token))

    def _record(self, node_id: str, outcome: str, now: float) -> None:
        node = self.flow.nodes[node_id]
        self.path.append(
            Step(now, self.flow.id, node_id, node.type, node.label or node_id, outcome)
        )

    def _go(self, target: str | None, outcome: str, now: float) -> None:
        """Leave the current node with `outcome` for `target` (None: hang up)."""
        self._record(self._node_id, outcome, now)
        self._deadline = None
        if target is None:
            self._finish(Route("hangup"), now, outcome=None)
            return
        self._enter(target, now)

    def _enter(self, node_id: str, now: float) -> None:
        steps = 0
        while True:
            steps += 1
            self._node_id = node_id
            if steps > MAX_STEPS:
                self._finish(Route("hangup"), now, outcome="loop")
                return
            self._token += 1
            self._attempt = 0
            node = self.flow.nodes[node_id]
            if isinstance(node, m.ToFlow):
                target = self.flows.get(node.flow)
                self._hops += 1
                if target is None or self._hops > FLOW_HOPS:
                    why = "unknown flow" if target is None else "loop"
                    self._finish(Route("hangup"), now, outcome=why)
                    return
                self._record(node_id, f"to flow {target.id}", now)
                self.flow = target
                node_id = target.start
                continue
            follow = self._run(node, now)
            if follow is None:
                return
            outcome, node_id = follow
            self._record(self._node_id, outcome, now)

    def _run(self, node: m.Node, now: float) -> tuple[str, str] | None:
        """Start `node`. Returns (outcome, next node) for a node that completes at
        once; None when it waits for an event or ended the flow."""
        if isinstance(node, m.SetVariables):
            for name, text in node.values.items():
                self.variables[name] = _text(self._evaluate(text, now))
            return "set", node.next
        if isinstance(node, m.Condition):
            for index, branch in enumerate(node.branches):
                if truthy(self._evaluate(branch.when, now)):
                    return f"branch {index + 1}", branch.next
            return "otherwise", node.otherwise
        if isinstance(node, m.Hours):
            if is_open(node.hours, now, self.facts.timezone):
                return "open", node.open
            return "closed", node.closed
        if isinstance(node, m.HttpLookup):
            self.phase = Phase.FETCHING
            self._deadline = now + node.timeout
            url = self._fill(node.url)
            self._out.append(Fetch(self._token, node.method, url, node.timeout))
            return None
        if isinstance(node, m.Play | m.Menu | m.Collect | m.Ask):
            self._digits = ""
            self._say((node.prompt,))
            if not isinstance(node, m.Play):
                self._typed_ahead_into(node, now)
            return None
        route = _route_of(node, self.flow, self.variables)
        if route.kind == "number" and route.target is None:
            # A forward with no number: a smart outbound flow used for inbound calls.
            self._finish(Route("hangup"), now, outcome="no number to call")
            return None
        self._finish(route, now, outcome=route.kind)
        return None

    def _finish(self, route: Route, now: float, *, outcome: str | None) -> None:
        """End the flow with `route`, recording the current node with `outcome`
        (None when the caller already recorded it)."""
        if outcome is not None:
            self._record(self._node_id, outcome, now)
        self.route = route
        self.phase = Phase.DONE
        self._deadline = None
        self._out.append(route)

    def _say(self, prompts: tuple[m.PromptSpec, ...]) -> None:
        self.phase = Phase.SAYING
        self._deadline = None
        self._out.append(Say(self._token, prompts))

    def _after_prompt(self, now: float) -> None:
        node = self.node
        if isinstance(node, m.Play):
            self._go(node.next, "played", now)
        elif isinstance(node, m.Menu):
            if m.InputMode.SPEECH in node.input:
                self.phase = Phase.LISTENING
                words = tuple(w for o in node.options.values() for w in o.say)
                self._out.append(Listen(self._token, node.timeout, words))
            else:
                self.phase = Phase.WAITING
                self._deadline = now + node.timeout
        elif isinstance(node, m.Collect):
            self.phase = Phase.WAITING
            self._deadline = now + node.timeout
        elif isinstance(node, m.Ask):
            self.phase = Phase.LISTENING
            words = tuple(w for answers in node.options.values() for w in answers)
            self._out.append(Listen(self._token, node.listen, words))

    def _typed_ahead_into(self, node: m.Menu | m.Collect | m.Ask, now: float) -> None:
        keys, self._typed_ahead = self._typed_ahead, ""
        for key in keys:
            if self.node is not node or self.done:
                return
            if isinstance(node, m.Menu) and m.InputMode.DTMF in node.input:
                self._stop_current()
                self._menu_answer(node, key, now, spoken=False)
            elif isinstance(node, m.Collect):
                self._collect_key(node, key, now)

    # -- menus, digits, answers --------------------------------------------------------

    def _menu_answer(
        self, node: m.Menu, key: str | None, now: float, *, spoken: bool, heard: str = ""
    ) -> None:
        option = node.options.get(key) if key is not None else None
        if option is None or key is None:
            if spoken and not heard.strip():
                self._retry(node, node.no_input or node.invalid, "no input", now)
            else:
                said = f"heard {heard.strip()!r}" if spoken else f"key {key}"
                self._retry(node, node.invalid, f"invalid: {said}", now)
            return
        if node.variable is not None:
            self.variables[node.variable] = key
        how = f"said {heard.strip()!r}" if spoken else "pressed"
        self._go(option.next, f"{key} ({how})", now)

    def _collect_key(self, node: m.Collect, key: str, now: float) -> None:
        if self.phase is Phase.SAYING:
            self._out.append(StopSaying(self._token))
            self.phase = Phase.WAITING
        if key == node.terminator:
            if len(self._digits) >= node.min_digits:
                self._collected(node, now)
            else:
                self._retry(node, node.invalid, f"too short: {self._digits!r}", now)
            return
        if key in "*#":
            return  # the other special key is not a digit of the answer
        self._digits += key
        if len(self._digits) >= node.max_digits:
            self._collected(node, now)
        else:
            self._deadline = now + node.timeout

    def _collected(self, node: m.Collect, now: float) -> None:
        self.variables[node.variable] = self._digits
        self._go(node.next, f"collected {len(self._digits)} digits", now)

    def _ask_answer(self, node: m.Ask, text: str, now: float) -> None:
        answer: str | None
        if node.options:
            answer = match_keyword(text, node.options)
        elif node.digits:
            answer = spoken_digits(text) or None
        else:
            answer = text.strip() or None
        if answer is None:
            outcome = f"not understood: {text.strip()!r}" if text.strip() else "no input"
            self._retry(node, node.invalid, outcome, now)
            return
        self.variables[node.variable] = answer
        self._go(node.next, f"answered {answer!r}", now)

    def _retry(
        self,
        node: m.Menu | m.Collect | m.Ask,
        complaint: m.PromptSpec | None,
        outcome: str,
        now: float,
    ) -> None:
        """Ask again after `complaint`, or give up to `failure` after the last retry."""
        self._record(self._node_id, outcome, now)
        self._attempt += 1
        self._digits = ""
        self._deadline = None
        if self._attempt > node.retries:
            self._go(node.failure, "failed", now)
            return
        self._token += 1
        prompts = (complaint, node.prompt) if complaint is not None else (node.prompt,)
        self._say(prompts)

    # -- values ------------------------------------------------------------------------

    def names(self, now: float) -> dict[str, Value]:
        """What expressions may read: the variables, the call, the CRM contact, time."""
        local = datetime.fromtimestamp(now, ZoneInfo(self.facts.timezone))
        names: dict[str, Value] = {
            "caller": self.facts.caller,
            "callee": self.facts.callee,
            "caller_name": self.facts.caller_name,
            "time.hour": local.hour,
            "time.minute": local.minute,
            "time.weekday": _WEEKDAYS[local.weekday()],
            "time.date": local.date().isoformat(),
            "time.time": local.strftime("%H:%M"),
        }
        names.update({f"contact.{k}": v for k, v in self.facts.contact.items()})
        names.update(self.variables)
        return names

    def _evaluate(self, text: str, now: float) -> Value:
        try:
            return parse(text).evaluate(self.names(now))
        except EvaluationError as error:
            # A value the expression cannot use (letters where a number was meant) is
            # the caller's input, not a fault of the flow: the expression is empty.
            self.path.append(
                Step(now, self.flow.id, self._node_id, "error", "expression", str(error))
            )
            return None
        except ExpressionError:  # pragma: no cover - validated when the flow loaded
            return None

    def _fill(self, template: str) -> str:
        """`{name}` → the variable's value, URL-encoded; `{{` and `}}` are braces."""
        names = {k: _text(v) for k, v in self.names(0.0).items() if not k.startswith("time.")}
        out: list[str] = []
        i = 0
        while i < len(template):
            ch = template[i]
            if template.startswith("{{", i) or template.startswith("}}", i):
                out.append(ch)
                i += 2
            elif ch == "{" and (end := template.find("}", i)) > i:
                out.append(quote(names.get(template[i + 1 : end], ""), safe=""))
                i = end + 1
            else:
                out.append(ch)
                i += 1
        return "".join(out)


InputModeDtmf = m.InputMode.DTMF
_LISTENING_TO_KEYS = (Phase.SAYING, Phase.WAITING, Phase.LISTENING)


def _route_of(node: m.Node, flow: m.Flow, variables: dict[str, str]) -> Route:
    if isinstance(node, m.ToQueue):
        return Route("queue", node.queue, priority=node.priority, skill=node.skill)
    if isinstance(node, m.ToAgent):
        return Route("agent", node.agent)
    if isinstance(node, m.ToNumber):
        number = node.number or variables.get("destination") or None
        return Route("number", number, caller_id=node.caller_id)
    if isinstance(node, m.ToVoicemail):
        return Route("voicemail", node.mailbox or flow.default_mailbox, prompt=node.greeting)
    if isinstance(node, m.HangUp):
        return Route("hangup", prompt=node.message)
    raise AssertionError(f"{node.type} is not a routing node")  # pragma: no cover


def _text(value: object) -> str:
    """A variable's value as the Datas tab shows it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict | list):
        return ""
    return str(value)[:1000]


def _dig(body: Any, path: str) -> object:
    """`customer.tier` or `orders.0.id` in a decoded JSON document; None if absent."""
    value = body
    for part in path.split("."):
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value
