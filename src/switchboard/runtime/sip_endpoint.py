"""A running SIP endpoint: the sans-IO `UserAgent` on real sockets and a real clock.

The endpoint is the only place where SIP meets asyncio: datagrams and stream
messages from `SipTransport` go into `UserAgent.receive`; what comes out is sent,
counted against its source (`Malformed`), or handed to `on_event` (a call arrives,
a leg is answered...). One timer follows `UserAgent.next_deadline()`. Commands on
legs (`ring`, `answer`, `hangup`...) go through `run()` so their output is carried
out the same way. Everything runs on the event loop thread: no locks.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from switchboard.runtime.clock import SystemClock
from switchboard.runtime.transport import SipTransport
from switchboard.sip.limits import MalformedLimiter
from switchboard.sip.transaction import Peer
from switchboard.sip.ua import Event, Malformed, Output, Send, UserAgent

log = logging.getLogger(__name__)


class SipEndpoint:
    def __init__(
        self,
        make_ua: Callable[[str, int], UserAgent],
        on_event: Callable[[Event], None],
        clock: SystemClock | None = None,
        limiter: MalformedLimiter | None = None,
    ) -> None:
        self._make_ua = make_ua
        self.on_event = on_event
        self.clock = clock or SystemClock()
        self.transport = SipTransport(self._on_message, self.clock.now, limiter)
        self.ua: UserAgent | None = None
        self._timer: asyncio.TimerHandle | None = None

    async def start(self, host: str, port: int, *, tcp: bool = True) -> tuple[str, int]:
        await self.transport.start(host, port, tcp=tcp)
        assert self.transport.udp_address is not None
        bound_host, bound_port = self.transport.udp_address
        self.ua = self._make_ua(bound_host, bound_port)
        return bound_host, bound_port

    async def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        await self.transport.stop()

    def _on_message(self, data: bytes, peer: Peer) -> None:
        assert self.ua is not None
        self.run(self.ua.receive(data, peer, self.clock.now()))

    def run(self, outputs: list[Output]) -> None:
        """Carry out what the user agent returned, then re-arm the timer."""
        for output in outputs:
            if isinstance(output, Send):
                self.transport.send(output.data, output.peer)
            elif isinstance(output, Malformed):
                log.debug("malformed from %s: %s", output.peer.host, output.detail)
                self.transport.malformed(output.peer)
            else:
                try:
                    self.on_event(output)
                except Exception:  # one bad handler must not stop SIP for everybody
                    log.exception("event handler failed on %s", type(output).__name__)
        self._rearm()

    def _rearm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        assert self.ua is not None
        deadline = self.ua.next_deadline()
        if deadline is None:
            return
        loop = asyncio.get_running_loop()
        delay = max(0.0, deadline - self.clock.now())
        self._timer = loop.call_later(delay, self._fire)

    def _fire(self) -> None:
        self._timer = None
        assert self.ua is not None
        self.run(self.ua.handle_timer(self.clock.now()))
