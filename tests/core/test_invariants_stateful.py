"""Random agents, callers, supervisors and far ends, driven by Hypothesis.

After every step the DESIGN §2 invariants hold (checked by the Scenario), every
ended call has an end cause and a persisted record, and every refused command left
the state exactly as it was. Commands are drawn from what exists at that moment
(live calls, pending offers, open transfers), valid or not, so both the happy paths
and the refusals are exercised.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from switchboard.config.model import (
    InboundNumber,
    NotificationMode,
    NotificationType,
    RecordingMode,
    RoutingStrategy,
)
from switchboard.core import commands as cmd
from switchboard.core.call import CallState
from switchboard.core.errors import CommandRejected
from switchboard.core.transfer import DestinationKind, FailureReason, TransferMode

from .scenario import Scenario, agent, fingerprint, overflow, queue, tenant

AGENTS = ["ann", "bob", "cid", "dan", "eve", "sue"]
NUMBERS = ["+33100000001", "+33100000002", "+33100000003", "+33100000004", "+33100000009"]
CALLERS = ["+33612345678", "+33600000001", "+33600000002", "anonymous"]


def _tenant() -> Scenario:
    return Scenario(
        tenant(
            queue(
                "sales",
                offer_timeout=15,
                max_wait=90,
                overflow=overflow("queue", "support"),
                qualification_form="sales-form",
                wrap_up=20,
                announce_every=20,
                voicemail_key="1",
                callback_key="2",
            ),
            queue(
                "support",
                strategy=RoutingStrategy.SKILLS,
                recording=RecordingMode.AUTOMATIC,
                max_size=3,
                overflow=overflow("voicemail"),
                no_agent=overflow("voicemail"),
            ),
            queue("hunt", strategy=RoutingStrategy.RING_ALL, offer_timeout=10),
            agents=[
                agent("ann", "sales", ("support", 1, 7)),
                agent("bob", ("sales", 2, 5), "hunt", profile="headset"),
                agent("cid", ("support", 1, 3), "hunt", profile="senior"),
                agent("dan", "hunt", "sales", profile="norights"),
                agent("eve", ("support", 2, 9)),
                agent("sue", supervises=["sales", "support", "hunt"]),
            ],
            numbers=[
                InboundNumber(number=NUMBERS[0], queue="sales"),
                InboundNumber(number=NUMBERS[1], queue="support"),
                InboundNumber(number=NUMBERS[2], queue="hunt"),
                InboundNumber(number=NUMBERS[3], flow="main-ivr"),
                InboundNumber(number=NUMBERS[4], agent="eve"),
            ],
        )
    )


CI = bool(os.environ.get("CI"))


def _has_live_call(machine: ContactCenterMachine) -> bool:
    return any(not call.ended for call in machine.s.cc.calls.values())


class ContactCenterMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.s = _tenant()
        self.n = 0
        # Most agents start logged in, so calls get answered and the deep paths
        # (transfers, merges, post-interaction) are reached within a few steps.
        self.s.login("ann", "bob", "cid", "eve", "sue")

    # -- helpers -----------------------------------------------------------------------

    def _try(self, command: cmd.Command) -> None:
        before = fingerprint(self.s.cc)
        try:
            self.s.do(command)
        except CommandRejected:
            assert fingerprint(self.s.cc) == before, f"refused {command} changed the state"

    def _call_ids(self) -> list[str]:
        return sorted(self.s.cc.calls) or ["none"]

    def _pick_call(self, data: st.DataObject) -> str:
        live = [c for c, call in sorted(self.s.cc.calls.items()) if not call.ended]
        return data.draw(st.sampled_from([*live, *live, *live, "ghost"]))

    # -- callers and far ends ------------------------------------------------------------

    @rule(
        number=st.sampled_from([*NUMBERS, *AGENTS[:1], "+33199999999"]),
        caller=st.sampled_from(CALLERS),
    )
    def call_in(self, number: str, caller: str) -> None:
        self.n += 1
        if number in AGENTS:
            number = self.s.cc.agents[number].config.extension
        self._try(cmd.InboundCall(f"x{self.n}", caller, number))

    @rule(data=st.data())
    @precondition(_has_live_call)
    def remote_hangs_up(self, data: st.DataObject) -> None:
        self._try(cmd.RemoteHungUp(self._pick_call(data)))

    @rule(data=st.data(), reason=st.sampled_from(list(FailureReason)))
    @precondition(_has_live_call)
    def far_end(self, data: st.DataObject, reason: FailureReason) -> None:
        call_id = self._pick_call(data)
        event: Callable[[str], cmd.Command] = data.draw(
            st.sampled_from(
                [cmd.RemoteRinging, cmd.RemoteAnswered, lambda c: cmd.RemoteFailed(c, reason)]
            )
        )
        self._try(event(call_id))

    @rule(data=st.data())
    @precondition(_has_live_call)
    def flow_decides(self, data: st.DataObject) -> None:
        call_id = self._pick_call(data)
        choice = data.draw(st.integers(0, 4))
        commands: list[cmd.Command] = [
            cmd.RouteToQueue(
                call_id,
                data.draw(st.sampled_from(["sales", "support", "hunt"])),
                required_skill=data.draw(st.none() | st.integers(1, 10)),
            ),
            cmd.RouteToAgent(call_id, data.draw(st.sampled_from(AGENTS))),
            cmd.RouteToVoicemail(call_id, "general"),
            cmd.RouteHangup(call_id, "Goodbye"),
            cmd.RouteToNumber(call_id, "+33611112222"),
        ]
        self._try(commands[choice])

    @rule(data=st.data(), callback=st.booleans())
    @precondition(_has_live_call)
    def caller_presses_a_key(self, data: st.DataObject, callback: bool) -> None:
        call_id = self._pick_call(data)
        self._try(cmd.RequestCallback(call_id) if callback else cmd.LeaveForVoicemail(call_id))

    @rule(data=st.data())
    @precondition(_has_live_call)
    def voicemail_done(self, data: st.DataObject) -> None:
        self._try(cmd.VoicemailDone(self._pick_call(data)))

    # -- agents --------------------------------------------------------------------------

    @rule(
        who=st.sampled_from(AGENTS),
        what=st.sampled_from(["login", "login", "logout", "pause", "ready", "ready"]),
    )
    def presence(self, who: str, what: str) -> None:
        command = {
            "login": cmd.Login(who),
            "logout": cmd.Logout(who),
            "pause": cmd.Pause(who, "break"),
            "ready": cmd.Ready(who),
        }[what]
        self._try(command)

    @rule(
        who=st.sampled_from(AGENTS),
        q=st.sampled_from(["sales", "support", "hunt"]),
        join=st.booleans(),
    )
    def queues(self, who: str, q: str, join: bool) -> None:
        self._try(cmd.JoinQueue(who, q) if join else cmd.LeaveQueue(who, q))

    @rule(data=st.data())
    def answer_offer(self, data: st.DataObject) -> None:
        offers = sorted(self.s.cc.offers.items())
        if offers:
            offer_id, offer = data.draw(st.sampled_from(offers))
            who = data.draw(st.sampled_from([offer.agent_id] * 4 + ["ann"]))
        else:
            offer_id, who = "o999", data.draw(st.sampled_from(AGENTS))
        accept = data.draw(st.sampled_from([True, True, True, False]))
        busy = data.draw(st.booleans())
        self._try(cmd.Accept(who, offer_id) if accept else cmd.Decline(who, offer_id, busy))

    @rule(who=st.sampled_from(AGENTS), data=st.data())
    def take(self, who: str, data: st.DataObject) -> None:
        self._try(cmd.Take(who, self._pick_call(data)))

    @rule(who=st.sampled_from(AGENTS), data=st.data())
    def control(self, who: str, data: st.DataObject) -> None:
        mine = self.s.cc.agents[who].call_ids
        call_id = data.draw(st.sampled_from(mine)) if mine else self._pick_call(data)
        maker: Callable[[str, str], cmd.Command] = data.draw(
            st.sampled_from(
                [
                    cmd.Hold,
                    cmd.Resume,
                    cmd.Mute,
                    cmd.Unmute,
                    cmd.StartRecording,
                    cmd.StopRecording,
                    cmd.Hangup,
                    lambda a, c: cmd.SendDigits(a, c, "12#"),
                ]
            )
        )
        self._try(maker(who, call_id))

    @rule(
        who=st.sampled_from(AGENTS),
        data=st.data(),
        mode=st.sampled_from(list(TransferMode)),
        kind=st.sampled_from(list(DestinationKind)),
    )
    def transfer(
        self, who: str, data: st.DataObject, mode: TransferMode, kind: DestinationKind
    ) -> None:
        mine = self.s.cc.agents[who].call_ids
        call_id = data.draw(st.sampled_from(mine)) if mine else self._pick_call(data)
        destination = {
            DestinationKind.USER: data.draw(st.sampled_from(AGENTS)),
            DestinationKind.QUEUE: data.draw(st.sampled_from(["sales", "support", "hunt"])),
            DestinationKind.FLOW: "main-ivr",
            DestinationKind.DIRECTORY: "legal",
            DestinationKind.NUMBER: data.draw(st.sampled_from(["+33655554444", "12ab"])),
        }[kind]
        self._try(cmd.StartTransfer(who, call_id, mode, kind, destination))

    @rule(data=st.data(), complete=st.booleans())
    def finish_transfer(self, data: st.DataObject, complete: bool) -> None:
        transfers = sorted(self.s.cc.transfers.items())
        if not transfers:
            return
        tid, t = data.draw(st.sampled_from(transfers))
        who = data.draw(st.sampled_from([t.from_agent, "sue"]))
        self._try(cmd.CompleteTransfer(who, tid) if complete else cmd.CancelTransfer(who, tid))

    @rule(who=st.sampled_from(AGENTS), data=st.data())
    def hold_and_call_again(self, who: str, data: st.DataObject) -> None:
        """Hold the current call and place a second one: the way to a merge."""
        calls = self.s.cc.agents[who].call_ids
        if len(calls) != 1:
            return
        self._try(cmd.Hold(who, calls[0]))
        other = data.draw(st.sampled_from(AGENTS))
        if data.draw(st.booleans()):
            self._try(cmd.DialExtension(who, self.s.cc.agents[other].config.extension))
        else:
            self._try(cmd.DialNumber(who, "+33611223344"))

    @rule(who=st.sampled_from(AGENTS))
    def merge(self, who: str) -> None:
        self._try(cmd.Merge(who))

    @rule(who=st.sampled_from(AGENTS), data=st.data())
    def dial(self, who: str, data: st.DataObject) -> None:
        choice = data.draw(st.integers(0, 3))
        commands: list[cmd.Command] = [
            cmd.DialNumber(who, "+33677778888", queue_id=data.draw(st.none() | st.just("sales"))),
            cmd.DialExtension(
                who, self.s.cc.agents[data.draw(st.sampled_from(AGENTS))].config.extension
            ),
            cmd.CallBack(who, "alice-martin"),
            cmd.DialNumber(who, "+33677778888", flow_id="main-ivr"),
        ]
        self._try(commands[choice])

    @rule(who=st.sampled_from(AGENTS), data=st.data())
    def post_interaction(self, who: str, data: st.DataObject) -> None:
        choice = data.draw(st.integers(0, 4))
        commands: list[cmd.Command] = [
            cmd.SetQualification(who, {"outcome": data.draw(st.sampled_from(["sale", "bad"]))}),
            cmd.SetTags(who, ("vip",)),
            cmd.LinkCrm(who, "alice-martin", "case-1"),
            cmd.ExtendPostInteraction(who, data.draw(st.sampled_from([30.0, 500.0]))),
            cmd.EndPostInteraction(who),
        ]
        self._try(commands[choice])

    @rule(who=st.sampled_from(AGENTS))
    def notification(self, who: str) -> None:
        self._try(
            cmd.SetNotificationPreference(who, NotificationType.CALL_ENDED, NotificationMode.BOTH)
        )

    @rule(seconds=st.sampled_from([0.5, 3.0, 10.0, 16.0, 45.0, 120.0]))
    def time_passes(self, seconds: float) -> None:
        self.s.after(seconds)

    @invariant()
    def nothing_stuck_forever(self) -> None:
        # Every offer and every post-interaction has a deadline in the future or now.
        now = self.s.clock.now()
        deadline = self.s.cc.next_deadline()
        if self.s.cc.offers or any(a.post_interaction for a in self.s.cc.agents.values()):
            assert deadline is not None and deadline >= now
        for call in self.s.cc.calls.values():
            if call.state is CallState.ENDED:
                assert call.id in self.s.records
        # A waiting call that every agent able to take it has refused gets a new round:
        # it never waits for nobody while they are there.
        for q in self.s.cc.queues.values():
            for call_id in q.waiting_ids():
                call = self.s.cc.calls[call_id]
                need = call.required_skill
                able = {a for a in q.logged_in if need is None or q.skill_level(a) >= need}
                if able and able <= call.excluded:
                    assert self.s.cc.deadline("round", call_id) is not None, call_id


ContactCenterMachine.TestCase.settings = settings(
    max_examples=int(os.environ.get("SB_STATEFUL_EXAMPLES", 500 if CI else 60)),
    stateful_step_count=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestContactCenter = ContactCenterMachine.TestCase
