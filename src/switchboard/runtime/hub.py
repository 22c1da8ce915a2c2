"""The event stream to agents' screens: a snapshot, then the sections that changed.

Each subscriber (one WebSocket) belongs to one agent and has a bounded queue. After
the single writer applied a command or event, `refresh()` recomputes the view of
every subscribed agent (`agent_view.py`) and queues, for each subscriber, only the
sections that differ from what it was last sent. Notifications (spec §9) go only
to their agent.

A subscriber that does not read (a stalled browser) fills its queue; it is then
closed instead of holding memory or slowing the writer: its client reconnects and
starts again from a snapshot, which holds everything.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from switchboard.core.center import ContactCenter
from switchboard.runtime.agent_view import Section, agent_view

log = logging.getLogger(__name__)

QUEUE_LIMIT = 256
CLOSED: dict[str, Any] = {"type": "closed"}


@dataclass(eq=False)
class Subscriber:
    agent_id: str
    queue: asyncio.Queue[dict[str, Any]] = field(default_factory=lambda: asyncio.Queue(QUEUE_LIMIT))
    last: dict[str, Section] = field(default_factory=dict)
    closed: bool = False

    def put(self, message: dict[str, Any]) -> None:
        if self.closed:
            return
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            log.warning("event stream of %s is not read; closing it", self.agent_id)
            self.close()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(CLOSED)


class EventHub:
    def __init__(self, center: ContactCenter) -> None:
        self.center = center
        self.subscribers: set[Subscriber] = set()
        self.sequence = 0

    def subscribe(self, agent_id: str) -> Subscriber:
        subscriber = Subscriber(agent_id)
        view = agent_view(self.center, agent_id)
        subscriber.last = view
        self.sequence += 1
        subscriber.put({"type": "snapshot", "seq": self.sequence, "view": view})
        self.subscribers.add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self.subscribers.discard(subscriber)
        subscriber.closed = True

    def refresh(self) -> None:
        views: dict[str, dict[str, Section]] = {}
        for subscriber in list(self.subscribers):
            if subscriber.closed:
                self.subscribers.discard(subscriber)
                continue
            agent_id = subscriber.agent_id
            if agent_id not in views:
                views[agent_id] = agent_view(self.center, agent_id)
            view = views[agent_id]
            changes = {k: v for k, v in view.items() if subscriber.last.get(k) != v}
            if changes:
                subscriber.last = view
                self.sequence += 1
                subscriber.put({"type": "update", "seq": self.sequence, "changes": changes})

    def notify(self, agent_id: str, message: dict[str, Any]) -> None:
        self.send(agent_id, "notification", message)

    def send(self, agent_id: str, kind: str, message: dict[str, Any]) -> None:
        """A message for one agent's screens, beside its view (a notification, the
        news of a transfer it started)."""
        for subscriber in list(self.subscribers):
            if subscriber.agent_id == agent_id:
                self.sequence += 1
                subscriber.put({"type": kind, "seq": self.sequence, **message})

    def close_all(self) -> None:
        for subscriber in list(self.subscribers):
            subscriber.close()
        self.subscribers.clear()
