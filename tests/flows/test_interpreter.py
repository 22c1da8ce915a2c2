"""The flow interpreter as a caller meets it: prompts, keys, spoken answers, timeouts,
retries, variables, conditions, opening hours, HTTP lookups, jumps between flows and
every kind of routing; with the path the Datas tab shows. Time is passed in."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from switchboard.flows import interpreter as fi
from switchboard.flows.model import Flow

PARIS = ZoneInfo("Europe/Paris")
MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=PARIS).timestamp()
MONDAY_20 = datetime(2026, 11, 23, 20, 0, tzinfo=PARIS).timestamp()

MAIN = """
id: main
name: Main line
start: welcome
nodes:
  welcome: {type: play, prompt: "Welcome to Acme.", next: hours}
  hours:
    type: hours
    hours: {weekly: {mon: ["09:00-18:00"], tue: ["09:00-18:00"]}}
    open: menu
    closed: after_hours
  menu:
    type: menu
    prompt: "For sales press 1 or say sales. For support press 2."
    input: [dtmf, speech]
    options:
      1: {say: [sales, buy], next: sales}
      2: {say: [support, help], next: account}
    invalid: "Sorry, that is not an option."
    no_input: "I did not hear you."
    retries: 1
    variable: choice
    failure: operator
  account:
    type: collect
    prompt: "Enter your account number, then hash."
    variable: account
    min_digits: 4
    max_digits: 8
    timeout: 4
    next: vip
    failure: support
  vip:
    type: condition
    branches:
      - {when: "account startswith '9'", next: gold}
    otherwise: support
  gold: {type: set, values: {tier: "'gold'"}, next: support_vip}
  support_vip: {type: queue, queue: support, priority: 9, skill: 3}
  sales: {type: queue, queue: sales}
  support: {type: queue, queue: support}
  operator: {type: agent, agent: carla}
  after_hours:
    type: voicemail
    greeting: "We are closed. Leave a message after the tone."
"""


def flow(text: str = MAIN) -> Flow:
    return Flow.model_validate(yaml.safe_load(text))


def facts(**kw: Any) -> fi.CallFacts:
    values: dict[str, Any] = {"caller": "+33611223344", "callee": "+18005550100"}
    values.update(kw)
    values.setdefault("timezone", "Europe/Paris")
    return fi.CallFacts(**values)


class Caller:
    """Plays the runtime's part: finishes prompts, presses keys, answers by voice."""

    def __init__(self, run: fi.FlowRun, now: float) -> None:
        self.run = run
        self.now = now
        self.heard: list[str] = []
        self.actions: list[fi.Action] = []
        self.take(run.start(now))

    def take(self, actions: list[fi.Action]) -> None:
        self.actions += actions
        for action in actions:
            if isinstance(action, fi.Say):
                self.heard += [p.text or p.file or "" for p in action.prompts]

    def last(self, kind: type[Any]) -> Any:
        return next(a for a in reversed(self.actions) if isinstance(a, kind))

    def prompt_ends(self) -> None:
        self.take(self.run.prompt_done(self.last(fi.Say).token, self.now))

    def press(self, keys: str) -> None:
        for key in keys:
            self.take(self.run.digit(key, self.now))

    def say(self, text: str) -> None:
        self.take(self.run.heard(self.last(fi.Listen).token, text, self.now))

    def wait(self, seconds: float) -> None:
        self.now += seconds
        self.take(self.run.on_timer(self.now))

    @property
    def route(self) -> fi.Route | None:
        return self.run.route


def test_a_caller_presses_1_during_the_menu_and_reaches_sales() -> None:
    caller = Caller(fi.FlowRun(flow(), facts()), MONDAY_10)
    assert caller.heard == ["Welcome to Acme."]
    caller.prompt_ends()
    assert caller.heard[-1].startswith("For sales press 1")
    caller.press("1")  # barge-in: the menu prompt is cut short
    assert any(isinstance(a, fi.StopSaying) for a in caller.actions)
    assert caller.route == fi.Route("queue", "sales")
    assert caller.run.variables == {"choice": "1"}
    assert [(s.node, s.outcome) for s in caller.run.path] == [
        ("welcome", "played"),
        ("hours", "open"),
        ("menu", "1 (pressed)"),
        ("sales", "queue"),
    ]
    assert caller.run.done
    assert caller.run.digit("2", caller.now) == []


def test_a_spoken_answer_chooses_the_option_whose_words_were_said() -> None:
    caller = Caller(fi.FlowRun(flow(), facts()), MONDAY_10)
    caller.prompt_ends()
    caller.prompt_ends()  # the menu prompt ended: the caller is listened to
    listen = caller.last(fi.Listen)
    assert listen.words == ("sales", "buy", "support", "help") and listen.seconds == 5.0
    caller.say("I'd like to buy something")
    assert caller.route == fi.Route("queue", "sales")
    assert caller.run.path[-2].outcome == '1 (said "I\'d like to buy something")'


def test_an_invalid_key_then_silence_end_at_the_menus_failure_node() -> None:
    caller = Caller(fi.FlowRun(flow(), facts()), MONDAY_10)
    caller.prompt_ends()
    caller.press("7")
    assert caller.heard[-2:] == [
        "Sorry, that is not an option.",
        "For sales press 1 or say sales. For support press 2.",
    ]
    caller.prompt_ends()
    caller.say("")  # nothing was said in the listening window
    assert caller.route == fi.Route("agent", "carla")
    outcomes = [s.outcome for s in caller.run.path if s.node == "menu"]
    assert outcomes == ["invalid: key 7", "no input", "failed"]


def test_a_menu_without_speech_times_out_and_asks_again() -> None:
    text = MAIN.replace("input: [dtmf, speech]", "input: [dtmf]")
    caller = Caller(fi.FlowRun(flow(text), facts()), MONDAY_10)
    caller.prompt_ends()
    caller.prompt_ends()
    assert caller.run.next_deadline() == MONDAY_10 + 5
    caller.wait(4.9)
    assert caller.route is None
    caller.wait(0.1)
    assert caller.heard[-2] == "I did not hear you."
    caller.prompt_ends()
    caller.press("2")
    assert caller.route is None and caller.heard[-1].startswith("Enter your account")


def test_digits_are_collected_until_hash_and_a_condition_reads_them() -> None:
    caller = Caller(fi.FlowRun(flow(), facts()), MONDAY_10)
    caller.prompt_ends()
    caller.press("2")
    caller.press("9123#")
    assert caller.run.variables == {"choice": "2", "account": "9123", "tier": "gold"}
    assert caller.route == fi.Route("queue", "support", priority=9, skill=3)


def test_too_few_digits_then_a_pause_after_enough_digits() -> None:
    caller = Caller(fi.FlowRun(flow(), facts()), MONDAY_10)
    caller.prompt_ends()
    caller.press("2")
    caller.press("12#")  # 2 digits, 4 needed: asked again
    assert caller.route is None
    assert caller.run.path[-1].outcome == "too short: '12'"
    caller.prompt_ends()
    caller.press("5555")
    caller.wait(4)  # a pause ends the number once min_digits are in
    assert caller.run.variables["account"] == "5555"
    assert caller.route == fi.Route("queue", "support")


def test_max_digits_ends_collection_without_a_terminator() -> None:
    caller = Caller(fi.FlowRun(flow(), facts()), MONDAY_10)
    caller.prompt_ends()
    caller.press("2")
    caller.press("12345678")
    assert caller.run.variables["account"] == "12345678"
    assert caller.route is not None


def test_out_of_hours_the_caller_is_sent_to_voicemail_with_the_flows_greeting() -> None:
    caller = Caller(fi.FlowRun(flow(), facts()), MONDAY_20)
    caller.prompt_ends()
    route = caller.route
    assert route is not None and route.kind == "voicemail" and route.target == "main"
    assert route.prompt is not None and route.prompt.text is not None
    assert route.prompt.text.startswith("We are closed")


def test_a_barge_in_key_skips_the_welcome_and_answers_the_menu() -> None:
    text = MAIN.replace(
        'prompt: "Welcome to Acme.", next', 'prompt: "Welcome.", barge_in: true, next'
    )
    caller = Caller(fi.FlowRun(flow(text), facts()), MONDAY_10)
    caller.press("1")
    assert caller.route == fi.Route("queue", "sales")
    assert [s.outcome for s in caller.run.path][:2] == ["interrupted", "open"]


def test_keys_during_a_welcome_without_barge_in_are_ignored() -> None:
    caller = Caller(fi.FlowRun(flow(), facts()), MONDAY_10)
    caller.press("1")
    assert caller.route is None and len(caller.heard) == 1


def test_a_late_prompt_end_or_answer_is_ignored() -> None:
    caller = Caller(fi.FlowRun(flow(), facts()), MONDAY_10)
    first = caller.last(fi.Say).token
    caller.prompt_ends()
    assert caller.run.prompt_done(first, caller.now) == []
    assert caller.run.heard(first, "sales", caller.now) == []
    assert caller.route is None


EXPRESSIONS = """
id: rules
name: Rules
start: known
nodes:
  known:
    type: condition
    branches:
      - {when: "contact.company == 'Acme'", next: vip}
      - {when: "time.hour >= 12", next: afternoon}
    otherwise: morning
  vip: {type: set, values: {greeting: "'Hello ' + contact.name"}, next: done}
  afternoon: {type: set, values: {part: "'afternoon'"}, next: done}
  morning: {type: set, values: {part: "'morning'", n: "number(digits(caller)) % 7"}, next: done}
  done: {type: hangup, message: "Bye."}
"""


def test_conditions_read_the_crm_contact_and_the_local_time() -> None:
    contact = {"id": "jane", "name": "Jane", "company": "Acme"}
    run = fi.FlowRun(flow(EXPRESSIONS), facts(contact=contact))
    run.start(MONDAY_10)
    assert run.variables == {"greeting": "Hello Jane"}
    assert run.route is not None and run.route.kind == "hangup"
    assert run.route.prompt is not None and run.route.prompt.text == "Bye."
    afternoon = datetime(2026, 11, 23, 15, 0, tzinfo=PARIS).timestamp()
    run = fi.FlowRun(flow(EXPRESSIONS), facts())
    run.start(afternoon)
    assert run.variables == {"part": "afternoon"}
    run = fi.FlowRun(flow(EXPRESSIONS), facts(caller="+1001"))
    run.start(MONDAY_10)
    assert run.variables == {"part": "morning", "n": str(1001 % 7)}


def test_a_value_the_expression_cannot_use_leaves_the_variable_empty() -> None:
    text = """
id: f
name: F
start: s
nodes:
  s: {type: set, values: {x: "number(caller) + 1"}, next: q}
  q: {type: queue, queue: sales}
"""
    run = fi.FlowRun(flow(text), facts(caller="anonymous"))
    actions = run.start(MONDAY_10)
    assert run.variables == {"x": ""}
    assert actions == [fi.Route("queue", "sales")]
    assert any(s.type == "error" for s in run.path)


LOOKUP = """
id: crm
name: CRM lookup
start: lookup
nodes:
  lookup:
    type: http
    url: "https://crm.example/customers?number={caller}&tag={{x}}"
    timeout: 2
    assign: {tier: customer.tier, first_order: orders.0.id}
    next: route
    failure: fallback
  route:
    type: condition
    branches: [{when: "tier == 'gold'", next: gold}]
    otherwise: fallback
  gold: {type: queue, queue: support, priority: 10}
  fallback: {type: queue, queue: support}
"""


def test_an_http_lookup_fills_variables_from_the_json_answer() -> None:
    run = fi.FlowRun(flow(LOOKUP), facts(caller="+33 6&1"))
    [fetch] = run.start(MONDAY_10)
    assert isinstance(fetch, fi.Fetch)
    assert fetch.url == "https://crm.example/customers?number=%2B33%206%261&tag={x}"
    body = {"customer": {"tier": "gold"}, "orders": [{"id": 42}]}
    actions = run.fetched(fetch.token, 200, body, MONDAY_10 + 0.3)
    assert run.variables == {"tier": "gold", "first_order": "42"}
    assert actions == [fi.Route("queue", "support", priority=10)]


@pytest.mark.parametrize("how", ["error status", "failure", "timeout"])
def test_an_http_lookup_that_fails_takes_the_fallback_branch_in_time(how: str) -> None:
    run = fi.FlowRun(flow(LOOKUP), facts())
    [fetch] = run.start(MONDAY_10)
    assert isinstance(fetch, fi.Fetch)
    assert run.next_deadline() == MONDAY_10 + 2
    if how == "error status":
        actions = run.fetched(fetch.token, 503, None, MONDAY_10 + 1)
    elif how == "failure":
        actions = run.fetch_failed(fetch.token, "ConnectError", MONDAY_10 + 1)
    else:
        actions = run.on_timer(MONDAY_10 + 2)
        assert run.fetched(fetch.token, 200, {}, MONDAY_10 + 3) == []  # too late
    assert actions == [fi.Route("queue", "support")]


def test_a_jump_to_another_flow_keeps_the_variables() -> None:
    first = flow(
        """
id: first
name: First
start: s
nodes:
  s: {type: set, values: {lang: "'fr'"}, next: j}
  j: {type: flow, flow: second}
"""
    )
    second = flow(
        """
id: second
name: Second
start: c
nodes:
  c:
    type: condition
    branches: [{when: "lang == 'fr'", next: fr}]
    otherwise: en
  fr: {type: queue, queue: french}
  en: {type: queue, queue: english}
"""
    )
    run = fi.FlowRun(first, facts(), flows={"first": first, "second": second})
    assert run.start(MONDAY_10) == [fi.Route("queue", "french")]
    assert [(s.flow, s.node, s.outcome) for s in run.path] == [
        ("first", "s", "set"),
        ("first", "j", "to flow second"),
        ("second", "c", "branch 1"),
        ("second", "fr", "queue"),
    ]


OUTBOUND = """
id: outbound
name: Smart outbound
start: hours
nodes:
  hours:
    type: hours
    hours: {weekly: {mon: ["09:00-19:00"]}}
    open: go
    closed: refuse
  go: {type: number, caller_id: "+18005550100"}
  refuse: {type: hangup}
"""


def test_a_smart_outbound_flow_calls_the_number_the_agent_dialled_when_its_rules_allow() -> None:
    dialled = {"destination": "+12125550180"}
    open_run = fi.FlowRun(flow(OUTBOUND), facts(), variables=dialled)
    assert open_run.start(MONDAY_10) == [
        fi.Route("number", "+12125550180", caller_id="+18005550100")
    ]
    closed_run = fi.FlowRun(flow(OUTBOUND), facts(), variables=dialled)
    assert closed_run.start(MONDAY_20) == [fi.Route("hangup")]


def test_a_number_node_without_a_number_on_an_inbound_call_hangs_up() -> None:
    run = fi.FlowRun(flow(OUTBOUND), facts())
    assert run.start(MONDAY_10) == [fi.Route("hangup")]
    assert run.path[-1].outcome == "no number to call"


def test_a_loop_in_the_configuration_hangs_up_instead_of_spinning() -> None:
    looping = flow(
        """
id: loop
name: Loop
start: a
nodes:
  a: {type: set, values: {n: "default(n, 0) + 1"}, next: b}
  b: {type: condition, branches: [{when: "n > 0", next: a}], otherwise: a}
"""
    )
    run = fi.FlowRun(looping, facts())
    actions = run.start(MONDAY_10)
    assert actions == [fi.Route("hangup")]
    assert run.path[-1].outcome == "loop"
    assert len(run.path) <= fi.MAX_STEPS + 1


ASK = """
id: ask
name: Ask
start: order
nodes:
  order:
    type: ask
    prompt: "Is this about an existing order?"
    variable: existing
    options: {"yes": ["yes", "yeah", "correct"], "no": ["no", "nope"]}
    retries: 1
    invalid: "Please say yes or no."
    next: number
    failure: support
  number:
    type: ask
    prompt: "Say your order number."
    variable: order
    digits: true
    next: support
  support: {type: queue, queue: support}
"""


def test_spoken_answers_are_matched_to_options_or_read_as_digits() -> None:
    caller = Caller(fi.FlowRun(flow(ASK), facts()), MONDAY_10)
    caller.prompt_ends()
    caller.say("hmm maybe")
    assert caller.heard[-2] == "Please say yes or no."
    caller.prompt_ends()
    caller.say("Yeah.")
    caller.prompt_ends()
    caller.say("five five one")
    assert caller.run.variables == {"existing": "yes", "order": "551"}
    assert caller.route == fi.Route("queue", "support")
