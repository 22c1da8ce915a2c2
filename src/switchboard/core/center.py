"""The contact center: every call, agent, queue, offer and transfer of one tenant.

Theory of operation
-------------------
`ContactCenter` is a pure state machine in the style of h11 and aioquic: the runtime
feeds it one command or event at a time with the current time (`handle(cmd, now)`),
and wakes it at `next_deadline()` (`handle_timer(now)`). Each call returns the
effects to carry out, in order. Nothing here does I/O or reads a clock.

A handler first checks everything that could make the command illegal and raises
`CommandRejected` before touching anything, so a refused command leaves the state
exactly as it was. Then it mutates and appends effects.

The moving parts and where they live:

* presence (login, pause, ready, queues joined) — `presence.py`
* arrival and routing (numbers, queues, overflow, voicemail) — `routing.py`
* offers (present, accept, decline, expiry, take) — `offers.py`
* call controls (hold, mute, DTMF, recording, hang-up) — `controls.py`
* transfers, merge, outbound calls, post-interaction — `transfers.py`,
  `conference.py`, `outbound.py`, `wrapup.py`
* what an agent sees (the popup, Calls in pool) — `views.py`

This module keeps what they share: the registries, id allocation, timers, the ACD
matching of waiting calls and free agents, connecting an agent to a call, taking an
agent off a call, and ending a call (with its record).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from switchboard.config.model import NotificationType, Tenant
from switchboard.core import effects as fx
from switchboard.core.acd import QueueRuntime
from switchboard.core.agent import Agent, AgentState
from switchboard.core.call import AgentLeg, Call, CallState
from switchboard.core.commands import Command
from switchboard.core.directory import Directory
from switchboard.core.errors import CommandRejected, Reason
from switchboard.core.offer import Offer, OfferKind
from switchboard.core.records import EndCause, InteractionRecord
from switchboard.core.timers import TimerKey, Timers
from switchboard.core.transfer import Transfer

Handler = Callable[["ContactCenter", Any], None]
TimerHandler = Callable[["ContactCenter", str], None]

_HANDLERS: dict[type[Command], Handler] = {}
_TIMER_HANDLERS: dict[str, TimerHandler] = {}


def handles(*types: type[Command]) -> Callable[[Handler], Handler]:
    """Register a module-level function as the handler of these command types."""

    def register(fn: Handler) -> Handler:
        for t in types:
            _HANDLERS[t] = fn
        return fn

    return register


def on_timer(kind: str) -> Callable[[TimerHandler], TimerHandler]:
    def register(fn: TimerHandler) -> TimerHandler:
        _TIMER_HANDLERS[kind] = fn
        return fn

    return register


class ContactCenter:
    def __init__(self, tenant: Tenant, *, id_prefix: str = "") -> None:
        # The handler modules register themselves on import.
        from switchboard.core import (  # noqa: F401
            conference,
            controls,
            offers,
            outbound,
            presence,
            routing,
            transfers,
            waiting,
            wrapup,
        )

        self.tenant = tenant
        self.directory = Directory(tenant)
        self.queues: dict[str, QueueRuntime] = {q.id: QueueRuntime(q) for q in tenant.queues}
        self.agents: dict[str, Agent] = {}
        for seq, cfg in enumerate(tenant.agents):
            agent = Agent(config=cfg, profile=tenant.profile(cfg.profile), seq=seq)
            self.agents[cfg.id] = agent
            for m in cfg.queues:
                self.queues[m.queue].members[cfg.id] = m
        self.supervisors: dict[str, set[str]] = {q.id: set() for q in tenant.queues}
        for cfg in tenant.agents:
            for qid in cfg.supervises:
                self.supervisors[qid].add(cfg.id)
        self.calls: dict[str, Call] = {}
        self.offers: dict[str, Offer] = {}
        self.transfers: dict[str, Transfer] = {}
        self.conferences: dict[str, set[str]] = {}
        self.timers = Timers()
        self.now = 0.0
        self._prefix = id_prefix
        self._seq = 0
        self._out: list[fx.Effect] = []

    # -- the sans-IO surface ---------------------------------------------------------

    def handle(self, command: Command, now: float) -> list[fx.Effect]:
        """Apply one command or event at time `now`; return the effects, in order.

        Raises `CommandRejected` (state untouched) when the command is illegal.
        """
        handler = _HANDLERS.get(type(command))
        if handler is None:
            raise TypeError(f"no handler for {type(command).__name__}")
        self.now = now
        self._out = []
        handler(self, command)
        out, self._out = self._out, []
        return out

    def handle_timer(self, now: float) -> list[fx.Effect]:
        """Fire every deadline due at `now`."""
        self.now = now
        self._out = []
        while (key := self.timers.pop_due(now)) is not None:
            kind, ref = key
            _TIMER_HANDLERS[kind](self, ref)
        out, self._out = self._out, []
        return out

    def next_deadline(self) -> float | None:
        return self.timers.next_deadline()

    # -- shared helpers ----------------------------------------------------------------

    def next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def new_id(self, kind: str) -> str:
        return f"{self._prefix}{kind}{self.next_seq()}"

    def emit(self, effect: fx.Effect) -> None:
        self._out.append(effect)

    def arm(self, kind: str, ref: str, at: float) -> None:
        self.timers.arm((kind, ref), at)

    def disarm(self, kind: str, ref: str) -> None:
        self.timers.cancel((kind, ref))

    def deadline(self, kind: str, ref: str) -> float | None:
        key: TimerKey = (kind, ref)
        return self.timers.deadline(key)

    def agent(self, agent_id: str) -> Agent:
        agent = self.agents.get(agent_id)
        if agent is None:
            raise CommandRejected(Reason.UNKNOWN_AGENT, f"there is no agent {agent_id!r}")
        return agent

    def logged_in_agent(self, agent_id: str) -> Agent:
        agent = self.agent(agent_id)
        if not agent.logged_in:
            raise CommandRejected(Reason.NOT_LOGGED_IN, f"agent {agent_id!r} is not logged in")
        return agent

    def call(self, call_id: str) -> Call:
        call = self.calls.get(call_id)
        if call is None or call.ended:
            raise CommandRejected(Reason.UNKNOWN_CALL, f"there is no call {call_id!r} in progress")
        return call

    def my_call(self, agent_id: str, call_id: str) -> tuple[Agent, Call, AgentLeg]:
        """The agent and one of its calls; refuses calls the agent is not on."""
        agent = self.logged_in_agent(agent_id)
        call = self.call(call_id)
        leg = call.agents.get(agent_id)
        if leg is None:
            raise CommandRejected(
                Reason.NOT_YOUR_CALL, f"call {call_id!r} is not one of your calls"
            )
        return agent, call, leg

    def call_changed(self, call: Call) -> None:
        self.emit(fx.CallChanged(call.id, call.state.value))

    def agent_changed(self, agent: Agent) -> None:
        self.emit(fx.AgentChanged(agent.id, agent.state.value, agent.pause_reason))

    def set_agent_state(self, agent: Agent, state: AgentState) -> None:
        agent.state = state
        agent.state_since = self.now
        if state is not AgentState.PAUSED:
            agent.pause_reason = None
        self.agent_changed(agent)

    def notify(
        self, agent: Agent, kind: NotificationType, call: Call | None, **detail: Any
    ) -> None:
        mode = agent.notification_mode(kind)
        if mode.value == "disabled":
            return
        self.emit(fx.Notify(agent.id, kind, mode, call.id if call else None, detail))

    def offer_timeout(self, call: Call, kind: OfferKind) -> float:
        if kind is OfferKind.QUEUE and call.queue_id is not None:
            return self.queues[call.queue_id].config.offer_timeout
        return self.tenant.settings.direct_offer_timeout

    # -- the ACD: matching free agents and waiting calls -------------------------------

    def leave_available_sets(self, agent: Agent) -> None:
        for qid in agent.joined:
            self.queues[qid].remove_available(agent.id)

    def make_available(self, agent: Agent) -> None:
        """The agent is free again: paused if it asked to be, otherwise offered work.

        An agent whose post-interaction is still open (a recall rang it during its
        wrap-up) goes back to that post-interaction instead.
        """
        if agent.post_interaction is not None:
            self.set_agent_state(agent, AgentState.POST_INTERACTION)
            return
        if agent.pending_pause is not None:
            reason, agent.pending_pause = agent.pending_pause, None
            agent.pause_reason = reason
            self.set_agent_state(agent, AgentState.PAUSED)
            return
        agent.idle_since = self.now
        self.set_agent_state(agent, AgentState.AVAILABLE)
        for qid in agent.joined:
            self.queues[qid].add_available(agent)
        self.dispatch_agent(agent)

    def dispatch_agent(self, agent: Agent) -> None:
        """Offer the best waiting call of the agent's queues to this newly free agent."""
        if agent.state is not AgentState.AVAILABLE:
            return
        best: tuple[Any, Call] | None = None
        for qid in agent.joined:
            found = self.queues[qid].first_call_for(agent, self.calls.__getitem__)
            if found is not None and (best is None or found[0] < best[0]):
                best = found
        if best is None:
            return
        call = best[1]
        assert call.queue_id is not None
        self.queues[call.queue_id].dequeue(call.id)
        from switchboard.core.offers import present

        present(self, call, agent, OfferKind.QUEUE)

    def dispatch_call(self, call: Call) -> None:
        """Offer a waiting call to the best free agent(s) of its queue, if any."""
        assert call.queue_id is not None
        assert call.state is CallState.QUEUED
        queue = self.queues[call.queue_id]
        from switchboard.core.offers import present

        if queue.strategy.value == "ring_all":
            chosen = list(queue.eligible_agents(call))
        else:
            first = next(queue.eligible_agents(call), None)
            chosen = [first] if first is not None else []
        if not chosen:
            return
        queue.dequeue(call.id)
        for agent_id in chosen:
            if call.state not in (CallState.QUEUED, CallState.OFFERED):
                break  # an auto-answer agent of the ring took it: ring nobody else
            present(self, call, self.agents[agent_id], OfferKind.QUEUE)

    # -- agents on calls -----------------------------------------------------------------

    def connect_agent(self, call: Call, agent: Agent, offered_at: float | None) -> AgentLeg:
        """Put the agent on the call: media bridged, the agent `on_call`."""
        leg = AgentLeg(agent_id=agent.id, offered_at=offered_at, connected_at=self.now)
        call.agents[agent.id] = leg
        if call.id not in agent.call_ids:
            agent.call_ids.append(call.id)
        if agent.state is AgentState.AVAILABLE:
            self.leave_available_sets(agent)
        if agent.state is AgentState.PAUSED:
            # Back to the same pause once this call and its wrap-up are over.
            agent.pending_pause = agent.pause_reason
        if agent.state is not AgentState.ON_CALL:
            self.set_agent_state(agent, AgentState.ON_CALL)
        call.log(self.now, "connected", agent.id)
        self.emit(fx.ConnectAgent(call.id, agent.id))
        return leg

    def remove_agent(self, call: Call, agent_id: str) -> None:
        """Take the agent off the call; when it has no call left, its wrap-up starts."""
        if self.take_off_call(call, agent_id):
            self.release(self.agents[agent_id])

    def take_off_call(self, call: Call, agent_id: str) -> bool:
        """Take the agent off the call, keeping its participation; True when the agent
        has no call left and must be released (`release`)."""
        leg = call.agents.pop(agent_id)
        leg.left_at = self.now
        if call.held_since is not None:
            leg.hold_seconds += self.now - max(call.held_since, leg.connected_at or self.now)
        if leg.connected_at is not None:
            leg.talk_seconds = max(0.0, self.now - leg.connected_at - leg.hold_seconds)
        call.past_agents.append(leg)
        if call.answered_at is not None and leg.connected_at is not None:
            self.agents[agent_id].unwrapped.append(call.id)
        call.log(self.now, "agent_left", agent_id)
        self.emit(fx.DisconnectAgent(call.id, agent_id))
        agent = self.agents[agent_id]
        agent.talk_seconds += leg.talk_seconds
        if call.queue_id is not None and call.has_remote and call.answered_at is not None:
            self.queues[call.queue_id].handled(leg.talk_seconds + leg.hold_seconds)
        if call.id in agent.call_ids:
            agent.call_ids.remove(call.id)
        return not agent.call_ids

    def release(self, agent: Agent) -> None:
        """An agent off its last call: its wrap-up starts, or it is free again."""
        from switchboard.core.wrapup import start_post_interaction

        if agent.unwrapped:
            start_post_interaction(self, agent)
        else:
            self.make_available(agent)

    # -- the end of a call ---------------------------------------------------------------

    def end_call(self, call: Call, cause: EndCause, *, hangup_remote: bool = True) -> None:
        """End the call everywhere: offers, queue, transfers, agents; persist its record."""
        if call.ended:
            return
        from switchboard.core import conference, offers, outbound, transfers, waiting

        # Agents are released only once the record is persisted (see `effects.py`).
        offered = [
            offers.withdraw(self, self.offers[o], "caller_hung_up", release=False)
            for o in list(call.offer_ids)
        ]
        if call.queue_id is not None and self.queues[call.queue_id].is_waiting(call.id):
            self.queues[call.queue_id].dequeue(call.id)
        for kind in ("maxwait", "round", "announce"):
            self.disarm(kind, call.id)
        rec = call.active_recording
        if rec is not None:
            rec.stopped_at = self.now
            self.emit(fx.StopRecording(call.id, rec.id))
        if (
            call.answered_at is None
            and call.wait_since is not None
            and call.state not in (CallState.VOICEMAIL, CallState.DIALING)
        ):
            # (A queued callback being dialled waited until its agent took it.)
            call.wait_seconds = self.now - call.wait_since
        dialing = call.state is CallState.DIALING
        call.state = CallState.ENDED
        call.end_cause = cause
        call.ended_at = self.now
        call.log(self.now, "ended", cause=cause.value)
        if hangup_remote and call.has_remote and (call.remote_up or dialing):
            # A far end still being dialled must stop ringing too (CANCEL).
            self.emit(fx.HangupRemote(call.id, cause.value))
        call.remote_up = False
        transfers.call_ended(self, call)
        outbound.forward_ended(self, call)
        waiting.callback_over(self, call)
        in_conference = call.conference_id
        free: list[Agent] = []
        for agent_id in list(call.agents):
            agent = self.agents[agent_id]
            self.notify(agent, NotificationType.CALL_ENDED, call)
            if self.take_off_call(call, agent_id):
                if agent.unwrapped:
                    self.release(agent)  # its post-interaction starts, and the record says so
                else:
                    free.append(agent)
        call.held_since = None
        self.call_changed(call)
        self.emit(fx.PersistInteraction(self.record(call)))
        for agent in [*offered, *free]:
            self.make_available(agent)
        if in_conference is not None:
            conference.call_left(self, call, in_conference)
        self.retire_if_done(call)

    def retire_if_done(self, call: Call) -> None:
        """Forget an ended call, and its transfers, once no agent's wrap-up still refers
        to it (including one that starts when the agent leaves its other call)."""
        if not call.ended:
            return
        for agent in self.agents.values():
            if call.id in agent.unwrapped:
                return
            post = agent.post_interaction
            if post is not None and call.id in post.call_ids:
                return
        self.calls.pop(call.id, None)
        for transfer_id in call.transfer_ids:
            self.transfers.pop(transfer_id, None)

    def record(self, call: Call) -> InteractionRecord:
        from switchboard.core.recorder import build_record

        return build_record(self, call)
