"""SIP transactions (RFC 3261 §17, with RFC 6026's Accepted state), sans-IO.

Theory of operation
-------------------
A transaction is a request and its responses between two hops. Four machines:

    client INVITE       calling ─1xx─▶ proceeding ─2xx─▶ accepted ─M─▶ terminated
                           └──────300-699────▶ completed (ACK sent) ─D─▶ terminated
    client non-INVITE   trying ─1xx─▶ proceeding ─final─▶ completed ─K─▶ terminated
    server INVITE       proceeding ─2xx─▶ accepted ─L─▶ terminated
                           └─300-699─▶ completed ─ACK─▶ confirmed ─I─▶ terminated
    server non-INVITE   trying ─1xx─▶ proceeding ─final─▶ completed ─J─▶ terminated

Over UDP a client retransmits its request (timers A and E, doubling from T1, E
capped at T2) until a response comes, and gives up with a timeout after 64·T1
(timers B and F). A server answers a retransmitted request with its last response,
and retransmits a final INVITE response (timer G) until the ACK comes (timer H
gives up). Completed, confirmed and accepted states absorb late retransmissions;
over TCP they last no time at all (D, I, J, K = 0). The 2xx to an INVITE is the
dialog's business (the UA retransmits it until its ACK; RFC 6026): the transaction
only lets 2xx retransmissions through to the TU while `accepted`.

Every method takes `now` and returns `Action`s: `Transmit` a message to a peer, or
an event for the transaction user. `next_deadline()` says when `handle_timer(now)`
is due. Nothing here touches a socket or a clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from switchboard.sip.headers import Headers
from switchboard.sip.message import Request, Response, make_response

T1 = 0.5
T2 = 4.0
T4 = 5.0


@dataclass(frozen=True, slots=True)
class Peer:
    """Where a message goes to or comes from."""

    host: str
    port: int
    transport: str = "UDP"

    @property
    def reliable(self) -> bool:
        return self.transport.upper() != "UDP"


@dataclass(frozen=True, slots=True)
class Transmit:
    message: Request | Response
    peer: Peer


@dataclass(frozen=True, slots=True)
class ResponseReceived:
    transaction: ClientTransaction
    response: Response


@dataclass(frozen=True, slots=True)
class RequestReceived:
    transaction: ServerTransaction
    request: Request


@dataclass(frozen=True, slots=True)
class TimedOut:
    """No final response (client), or no ACK for a final response (server)."""

    transaction: ClientTransaction | ServerTransaction


@dataclass(frozen=True, slots=True)
class Terminated:
    transaction: ClientTransaction | ServerTransaction


Event = ResponseReceived | RequestReceived | TimedOut | Terminated
Action = Transmit | Event


class State(StrEnum):
    CALLING = "calling"
    TRYING = "trying"
    PROCEEDING = "proceeding"
    COMPLETED = "completed"
    CONFIRMED = "confirmed"
    ACCEPTED = "accepted"
    TERMINATED = "terminated"


def sibling_request(request: Request, method: str, to: str | None = None) -> Request:
    """A request that travels with `request` in its transaction: the ACK of a
    300-699 response (§17.1.1.3) or a CANCEL (§9.1). Same Request-URI, top Via,
    Route, From, Call-ID and CSeq number; To from the response for an ACK."""
    headers = Headers()
    vias = request.headers.get_all("Via")
    if vias:
        headers.add("Via", vias[0].split(",")[0].strip())
    for name in ("Route", "From"):
        for value in request.headers.get_all(name):
            headers.add(name, value)
    headers.add("To", to or request.headers.get("To") or "")
    headers.add("Call-ID", request.headers.get("Call-ID") or "")
    cseq = request.headers.cseq()
    headers.add("CSeq", f"{cseq.seq if cseq else 0} {method}")
    headers.add("Max-Forwards", "70")
    return Request(method, request.uri, headers)


def ack_for(request: Request, response: Response) -> Request:
    """The ACK a client transaction sends for a 300-699 response."""
    return sibling_request(request, "ACK", response.headers.get("To"))


class _Timers:
    """The deadlines of one transaction, by timer letter."""

    def __init__(self) -> None:
        self.at: dict[str, float] = {}

    def arm(self, name: str, at: float) -> None:
        self.at[name] = at

    def cancel(self, *names: str) -> None:
        for name in names:
            self.at.pop(name, None)

    def next(self) -> float | None:
        return min(self.at.values(), default=None)

    def due(self, now: float) -> list[str]:
        names = sorted((t, n) for n, t in self.at.items() if t <= now)
        for _, name in names:
            del self.at[name]
        return [n for _, n in names]


class ClientTransaction:
    """A request we send and its responses."""

    def __init__(self, key: str, request: Request, peer: Peer) -> None:
        self.key = key
        self.request = request
        self.peer = peer
        self.invite = request.method == "INVITE"
        self.state = State.CALLING if self.invite else State.TRYING
        self.timers = _Timers()
        self._interval = T1
        self.last_response: Response | None = None

    def start(self, now: float) -> list[Action]:
        if not self.peer.reliable:
            self.timers.arm("A" if self.invite else "E", now + T1)
        self.timers.arm("B" if self.invite else "F", now + 64 * T1)
        return [Transmit(self.request, self.peer)]

    def next_deadline(self) -> float | None:
        return self.timers.next()

    def _terminate(self) -> list[Action]:
        self.state = State.TERMINATED
        self.timers.at.clear()
        return [Terminated(self)]

    def receive(self, response: Response, now: float) -> list[Action]:
        if self.state is State.TERMINATED:
            return []
        status = response.status
        if self.state is State.COMPLETED:
            # A retransmitted final response: the ACK was lost (INVITE) or it is late.
            return [Transmit(ack_for(self.request, response), self.peer)] if self.invite else []
        if self.state is State.ACCEPTED:
            # RFC 6026: 2xx retransmissions go to the TU (the dialog re-sends its ACK).
            return [ResponseReceived(self, response)] if 200 <= status < 300 else []
        out: list[Action] = [ResponseReceived(self, response)]
        self.last_response = response
        if status < 200:
            self.state = State.PROCEEDING
            # A stops; E keeps running, re-armed at T2 when it next fires (§17.1.2.2).
            self.timers.cancel("A")
            return out
        self.timers.cancel("A", "B", "E", "F")
        if self.invite and status < 300:
            self.state = State.ACCEPTED
            self.timers.arm("M", now + 64 * T1)
            return out
        self.state = State.COMPLETED
        if self.invite:
            # The ACK goes first: the TU may answer a 401/407 with a new INVITE at
            # once, and a server expects the ACK of the challenge before it.
            out.insert(0, Transmit(ack_for(self.request, response), self.peer))
            self.timers.arm("D", now + (0.0 if self.peer.reliable else 32.0))
        else:
            self.timers.arm("K", now + (0.0 if self.peer.reliable else T4))
        return out

    def transport_error(self) -> list[Action]:
        """The request could not be sent at all (§17.1.4): a timeout for the TU."""
        if self.state is State.TERMINATED:
            return []
        return [TimedOut(self), *self._terminate()]

    def handle_timer(self, now: float) -> list[Action]:
        out: list[Action] = []
        for name in self.timers.due(now):
            if name in ("A", "E"):
                # A doubles without bound (B ends it); E doubles up to T2, and stays
                # at T2 once a provisional response came.
                self._interval *= 2
                if name == "E":
                    self._interval = (
                        T2 if self.state is State.PROCEEDING else min(self._interval, T2)
                    )
                self.timers.arm(name, now + self._interval)
                out.append(Transmit(self.request, self.peer))
            elif name in ("B", "F"):
                out.append(TimedOut(self))
                out.extend(self._terminate())
            elif name in ("D", "K", "M"):
                out.extend(self._terminate())
        return out


class ServerTransaction:
    """A request we received and the responses we give."""

    def __init__(self, key: str, request: Request, peer: Peer) -> None:
        self.key = key
        self.request = request
        self.peer = peer
        self.invite = request.method == "INVITE"
        self.state = State.PROCEEDING if self.invite else State.TRYING
        self.timers = _Timers()
        self.last_response: Response | None = None
        self._interval = T1

    def next_deadline(self) -> float | None:
        return self.timers.next()

    def _terminate(self) -> list[Action]:
        self.state = State.TERMINATED
        self.timers.at.clear()
        return [Terminated(self)]

    def trying(self) -> Response:
        """A 100 Trying for an INVITE (sent at once: we answer INVITEs later)."""
        return make_response(self.request, 100)

    def respond(self, response: Response, now: float) -> list[Action]:
        if self.state in (State.COMPLETED, State.CONFIRMED, State.TERMINATED, State.ACCEPTED):
            if self.state is State.ACCEPTED and 200 <= response.status < 300:
                # The UA retransmitting its 2xx goes straight out (RFC 6026 §7.1).
                return [Transmit(response, self.peer)]
            return []
        self.last_response = response
        out: list[Action] = [Transmit(response, self.peer)]
        status = response.status
        if status < 200:
            self.state = State.PROCEEDING
            return out
        if self.invite and status < 300:
            self.state = State.ACCEPTED
            self.timers.arm("L", now + 64 * T1)
            return out
        self.state = State.COMPLETED
        if self.invite:
            if not self.peer.reliable:
                self.timers.arm("G", now + T1)
            self.timers.arm("H", now + 64 * T1)
        else:
            self.timers.arm("J", now + (0.0 if self.peer.reliable else 64 * T1))
        return out

    def receive_retransmission(self, request: Request, now: float) -> list[Action]:
        """The same request again (or the ACK of a non-2xx final response)."""
        if request.method == "ACK":
            if self.state is State.COMPLETED and self.invite:
                self.state = State.CONFIRMED
                self.timers.cancel("G", "H")
                self.timers.arm("I", now + (0.0 if self.peer.reliable else T4))
            return []
        if self.state in (State.PROCEEDING, State.COMPLETED) and self.last_response is not None:
            return [Transmit(self.last_response, self.peer)]
        return []

    def handle_timer(self, now: float) -> list[Action]:
        out: list[Action] = []
        for name in self.timers.due(now):
            if name == "G" and self.state is State.COMPLETED and self.last_response is not None:
                self._interval = min(self._interval * 2, T2)
                self.timers.arm("G", now + self._interval)
                out.append(Transmit(self.last_response, self.peer))
            elif name == "H":
                out.append(TimedOut(self))
                out.extend(self._terminate())
            elif name in ("I", "J", "L"):
                out.extend(self._terminate())
        return out
