"""A small B2BUA on the real stack, for the interop tests: sipp or a test calls in,
the call goes to the agent phone registered for extension 1001 (baresip).

It is the smallest composition of the pieces issue 3 delivers (transports, user
agent, registrar, SDP, media engine); the real call server of issue 4 composes the
same pieces around the contact-center core.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from switchboard.runtime.sip_endpoint import SipEndpoint
from switchboard.sip.digest import Algorithm, Challenger, ha1
from switchboard.sip.registrar import Registrar
from switchboard.sip.ua import (
    Event,
    OtherRequest,
    UserAgent,
)

REALM = "switchboard"


@dataclass
class Harness:
    phones: dict[str, str]
    """Extension → SIP password."""
    events: asyncio.Queue[Event] = field(default_factory=asyncio.Queue)
    registered: asyncio.Queue[str] = field(default_factory=asyncio.Queue)
    refused: asyncio.Queue[str] = field(default_factory=asyncio.Queue)
    """Sources whose credentials were wrong."""
    on_call_event: Callable[[Event], None] | None = None
    """Where call events go (the B2BUA); into `events` when unset."""

    def __post_init__(self) -> None:
        counter = itertools.count()
        self._ids = lambda: f"{secrets.token_hex(4)}{next(counter)}"
        self.registrar = Registrar(
            # baresip 1.0 (libre) gives up with ENOSYS on a SHA-256 challenge, even
            # beside an MD5 one: phones of that age get MD5 only.
            Challenger(REALM, secrets.token_bytes(32), algorithms=(Algorithm.MD5,)),
            self._ha1,
            self._ids,
        )
        self.endpoint = SipEndpoint(lambda h, p: UserAgent(h, p, self._ids), self._on_event)
        self.port = 0

    def _ha1(self, user: str) -> dict[str, str] | None:
        password = self.phones.get(user)
        if password is None:
            return None
        return {a.value: ha1(a, user, REALM, password) for a in Algorithm}

    async def start(self) -> None:
        _, self.port = await self.endpoint.start("127.0.0.1", 0)

    async def stop(self) -> None:
        await self.endpoint.stop()

    @property
    def ua(self) -> UserAgent:
        assert self.endpoint.ua is not None
        return self.endpoint.ua

    def _on_event(self, event: Event) -> None:
        if isinstance(event, OtherRequest) and event.request.method == "REGISTER":
            now = self.endpoint.clock.now()
            outcome = self.registrar.register(
                event.request, now, (event.peer.host, event.peer.port)
            )
            self.endpoint.run(self.ua.respond(event.transaction, outcome.response, now))
            if outcome.user is not None and outcome.response.status == 200:
                self.registered.put_nowait(outcome.user)
            if outcome.refused_credentials:
                self.refused.put_nowait(event.peer.host)
            return
        if self.on_call_event is not None:
            self.on_call_event(event)
        else:
            self.events.put_nowait(event)
