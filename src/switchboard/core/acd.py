"""The ACD's per-queue structures: who waits, who is free, and who goes first.

Each queue keeps two sorted lists, so every decision is O(log n):

* `waiting`: calls in service order: higher call priority first, then the longest
  wait (`wait_since`, which a declined or missed call keeps, so it returns to the
  head of its queue), then arrival order.
* `available`: agents who may take a call now, ordered by the queue's strategy
  within priority tiers (a tier 2 agent is chosen only when no tier 1 agent is
  free, like Asterisk's penalties):

  ============== ==================================================================
  longest_idle   the agent idle the longest (the default)
  round_robin    the agent whose last turn in this queue is oldest
  fewest_calls   the agent who has handled the fewest calls, then longest idle
  least_talk_time the agent with the least talk time, then longest idle
  skills         the highest skill level in this queue, then tier, then longest idle;
                 a call's required skill level must be reached
  ring_all       every free agent is offered the call at once (ordered longest idle)
  ============== ==================================================================

A key is computed when the agent enters the list and kept with it, so changing an
agent's statistics while it is in the list cannot corrupt the order. The contact
center guarantees that a waiting call never has an eligible free agent: a match is
attempted whenever a call arrives or returns and whenever an agent becomes free.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from sortedcontainers import SortedList

from switchboard.config.model import Membership, RoutingStrategy
from switchboard.config.model import Queue as QueueConfig
from switchboard.core.agent import Agent
from switchboard.core.call import Call

AgentKey = tuple[float, float, float, int, str]
CallKey = tuple[int, float, int, str]


def call_key(call: Call) -> CallKey:
    assert call.wait_since is not None
    return (-call.priority, call.wait_since, call.seq, call.id)


class QueueRuntime:
    """The live side of one queue: its waiting calls and its free agents."""

    def __init__(self, config: QueueConfig) -> None:
        self.config = config
        self.waiting: SortedList[CallKey] = SortedList()
        self._call_keys: dict[str, CallKey] = {}
        self.available: SortedList[AgentKey] = SortedList()
        self._agent_keys: dict[str, AgentKey] = {}
        self.members: dict[str, Membership] = {}
        self.logged_in: set[str] = set()
        """Members who are logged in and have joined this queue."""
        self._turn = 0
        self._last_turn: dict[str, int] = {}
        self.handle_seconds: float | None = None
        """Average time an agent spends on a call of this queue (talk and hold), a
        moving average that weighs recent calls most; None until a call is handled."""

    @property
    def id(self) -> str:
        return self.config.id

    @property
    def strategy(self) -> RoutingStrategy:
        return self.config.strategy

    # -- waiting calls ------------------------------------------------------------

    def enqueue(self, call: Call) -> None:
        key = call_key(call)
        self._call_keys[call.id] = key
        self.waiting.add(key)

    def dequeue(self, call_id: str) -> None:
        key = self._call_keys.pop(call_id)
        self.waiting.remove(key)

    def is_waiting(self, call_id: str) -> bool:
        return call_id in self._call_keys

    def waiting_ids(self) -> Iterator[str]:
        for key in self.waiting:
            yield key[3]

    def __len__(self) -> int:
        return len(self.waiting)

    def position(self, call_id: str) -> int:
        """The call's place in line, 1 for the next call served (O(log n))."""
        return self.waiting.index(self._call_keys[call_id]) + 1

    def handled(self, seconds: float) -> None:
        """An agent finished a call of this queue after `seconds` on it."""
        if self.handle_seconds is None:
            self.handle_seconds = seconds
        else:
            # Asterisk's queue hold time uses the same 1/4 weight of the newest call.
            self.handle_seconds += (seconds - self.handle_seconds) / 4

    def estimated_wait(self, position: int) -> float | None:
        """Seconds until the caller at `position` is answered: each logged-in agent
        frees up once per average handle time, so `position` callers need
        `position / agents` such turns. None without agents or any history."""
        if self.handle_seconds is None or not self.logged_in:
            return None
        return position * self.handle_seconds / len(self.logged_in)

    def first_call_for(
        self, agent: Agent, calls: Callable[[str], Call]
    ) -> tuple[CallKey, Call] | None:
        """The first waiting call this agent may be offered, with its order key."""
        level = self.skill_level(agent.id)
        for key in self.waiting:
            call = calls(key[3])
            if agent.id in call.excluded:
                continue
            if call.required_skill is not None and level < call.required_skill:
                continue
            return key, call
        return None

    # -- free agents --------------------------------------------------------------

    def skill_level(self, agent_id: str) -> int:
        return self.members[agent_id].skill_level

    def _key(self, agent: Agent) -> AgentKey:
        m = self.members[agent.id]
        tier = float(m.priority)
        s = self.strategy
        if s is RoutingStrategy.ROUND_ROBIN:
            return (tier, float(self._last_turn.get(agent.id, -1)), 0.0, agent.seq, agent.id)
        if s is RoutingStrategy.FEWEST_CALLS:
            return (tier, float(agent.calls_handled), agent.idle_since, agent.seq, agent.id)
        if s is RoutingStrategy.LEAST_TALK_TIME:
            return (tier, agent.talk_seconds, agent.idle_since, agent.seq, agent.id)
        if s is RoutingStrategy.SKILLS:
            return (float(-m.skill_level), tier, agent.idle_since, agent.seq, agent.id)
        return (tier, agent.idle_since, 0.0, agent.seq, agent.id)

    def add_available(self, agent: Agent) -> None:
        if agent.id in self._agent_keys:
            return
        key = self._key(agent)
        self._agent_keys[agent.id] = key
        self.available.add(key)

    def remove_available(self, agent_id: str) -> None:
        key = self._agent_keys.pop(agent_id, None)
        if key is not None:
            self.available.remove(key)

    def is_available(self, agent_id: str) -> bool:
        return agent_id in self._agent_keys

    def available_ids(self) -> Iterator[str]:
        for key in self.available:
            yield key[4]

    def eligible_agents(self, call: Call) -> Iterator[str]:
        """Free agents in offer order who may take `call` (not excluded, skilled enough)."""
        need = call.required_skill
        for key in self.available:
            agent_id = key[4]
            if agent_id in call.excluded:
                continue
            if need is not None and self.members[agent_id].skill_level < need:
                if self.strategy is RoutingStrategy.SKILLS:
                    return  # sorted by skill: nobody further on has enough
                continue
            yield agent_id

    def took_turn(self, agent_id: str) -> None:
        """Round robin: the agent just received a call from this queue."""
        self._turn += 1
        self._last_turn[agent_id] = self._turn
