"""The user agent core: call legs over SIP, sans-IO (RFC 3261 §8, §12 to §15).

Theory of operation
-------------------
A *leg* is one INVITE dialog between Switchboard and a phone or trunk; the B2BUA
joins two legs. The UA turns datagrams into leg events and leg commands into
datagrams:

    incoming:  INVITE ─▶ offered ─ring()─▶ early ─answer()─▶ answered ─ACK─▶ confirmed
                 └ reject() / CANCEL ─▶ ended                     └ no ACK in 64·T1 ─▶ BYE, ended
    outgoing:  invite() ─▶ calling ─1xx─▶ early ─2xx (ACK sent)─▶ confirmed
                 └ 3xx-6xx ─▶ failed;  401/407 ─▶ once more with credentials
    confirmed: re-INVITE either way (hold: sendonly; resume: sendrecv) ─▶ confirmed
               BYE either way ─▶ ended

The transaction layer (`layer.py`) does retransmission and matching; dialogs
(`dialog.py`) build in-dialog requests; SDP offer/answer is `sdp.py`. The UA
retransmits its own 2xx to an INVITE until the ACK (§13.3.1.4), answers CANCEL
with 200 and the INVITE with 487, answers OPTIONS, refuses what `validate.py`
refuses, and reports DTMF sent as SIP INFO (application/dtmf-relay). It also keeps
Switchboard registered with trunks that want it (`registration.py`).

`receive(data, source, now)`, the leg commands and `handle_timer(now)` return
`Output`s: `Send` bytes to a peer, or an event for the runtime. Identifiers come
from the `ids` function given at construction, so tests are deterministic.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from switchboard.sip import sdp
from switchboard.sip.address import Address, parse_address
from switchboard.sip.dialog import Dialog, DialogError, dialog_id_of_request
from switchboard.sip.digest import answer_challenge, challenge_of
from switchboard.sip.errors import SipParseError
from switchboard.sip.headers import Headers
from switchboard.sip.layer import AckReceived, CancelReceived, LayerAction, TransactionLayer
from switchboard.sip.message import (
    Request,
    Response,
    can_respond,
    error_response,
    make_response,
)
from switchboard.sip.parser import parse_message
from switchboard.sip.registration import Registration, RegistrationChanged
from switchboard.sip.transaction import (
    T1,
    T2,
    ClientTransaction,
    Peer,
    RequestReceived,
    ResponseReceived,
    ServerTransaction,
    Terminated,
    TimedOut,
    Transmit,
    sibling_request,
)
from switchboard.sip.uri import URI, SipURI
from switchboard.sip.validate import check_response, validate_request

ALLOW = ("INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "INFO", "REGISTER")
_MALFORMED = frozenset({400, 416, 505, 513})


class LegState(StrEnum):
    OFFERED = "offered"
    CALLING = "calling"
    EARLY = "early"
    ANSWERED = "answered"
    CONFIRMED = "confirmed"
    ENDED = "ended"


@dataclass(frozen=True, slots=True)
class Send:
    data: bytes
    peer: Peer


@dataclass(frozen=True, slots=True)
class IncomingCall:
    leg: Leg
    caller: Address
    callee: URI


@dataclass(frozen=True, slots=True)
class LegRinging:
    leg: Leg


@dataclass(frozen=True, slots=True)
class LegAnswered:
    leg: Leg
    media: sdp.Negotiated


@dataclass(frozen=True, slots=True)
class LegMediaChanged:
    """A re-INVITE changed the media: hold (the far end stopped listening) or resume."""

    leg: Leg
    media: sdp.Negotiated


@dataclass(frozen=True, slots=True)
class LegFailed:
    leg: Leg
    status: int
    reason: str


@dataclass(frozen=True, slots=True)
class LegEnded:
    leg: Leg
    by_remote: bool
    reason: str


@dataclass(frozen=True, slots=True)
class LegDtmf:
    leg: Leg
    digit: str
    duration_ms: int


@dataclass(frozen=True, slots=True)
class Malformed:
    """A message that did not parse or was refused: count it against its source."""

    peer: Peer
    detail: str


@dataclass(frozen=True, slots=True)
class OtherRequest:
    """A request outside calls the runtime handles itself (REGISTER)."""

    transaction: ServerTransaction
    request: Request
    peer: Peer


Event = (
    IncomingCall
    | LegRinging
    | LegAnswered
    | LegMediaChanged
    | LegFailed
    | LegEnded
    | LegDtmf
    | OtherRequest
    | Malformed
    | RegistrationChanged
)
Output = Send | Event


@dataclass(slots=True)
class Leg:
    id: str
    incoming: bool
    peer: Peer
    media: sdp.LocalMedia
    invite: Request
    state: LegState
    local_tag: str
    dialog: Dialog | None = None
    server_tx: ServerTransaction | None = None
    client_tx: ClientTransaction | None = None
    remote_sdp: sdp.SessionDescription | None = None
    local_sdp: sdp.SessionDescription | None = None
    negotiated: sdp.Negotiated | None = None
    ok: Response | None = None
    ok_interval: float = T1
    ok_next: float | None = None
    ok_give_up: float | None = None
    credentials: tuple[str, str] | None = None
    auth_tried: bool = False
    cancel_pending: bool = False
    held: bool = False
    reinvite: ClientTransaction | None = None
    extra: dict[str, str] = field(default_factory=dict)


class UserAgent:
    def __init__(
        self,
        host: str,
        port: int,
        ids: Callable[[], str],
        *,
        user_agent: str = "Switchboard",
    ) -> None:
        self.host = host
        self.port = port
        self.ids = ids
        self.user_agent = user_agent
        self.layer = TransactionLayer()
        self.legs: dict[str, Leg] = {}
        self._by_dialog: dict[tuple[str, str, str], Leg] = {}
        self._by_transaction: dict[str, Leg] = {}
        self._unacked: dict[str, Leg] = {}
        """Legs whose 2xx we retransmit until the ACK comes: the only legs with a timer,
        so that finding the next deadline does not walk every live leg per message."""
        self.registrations: dict[str, Registration] = {}
        self._registering: dict[str, Registration] = {}
        """REGISTER client transaction key → its registration."""

    # -- helpers -----------------------------------------------------------------------

    def _via(self, peer: Peer) -> str:
        sent_by = f"{self.host}:{self.port}"
        return f"SIP/2.0/{peer.transport.upper()} {sent_by};branch=z9hG4bK{self.ids()};rport"

    def contact(self, user: str = "switchboard") -> Address:
        return parse_address(f"<sip:{user}@{self.host}:{self.port}>")

    def _send(self, actions: list[LayerAction]) -> list[Output]:
        return [Send(a.message.encode(), a.peer) for a in actions if isinstance(a, Transmit)]

    def respond(self, tx: ServerTransaction, response: Response, now: float) -> list[Output]:
        """Answer a server transaction (the runtime answers REGISTERs this way)."""
        response.headers.add("Server", self.user_agent)
        return self._on_actions(self.layer.respond(tx, response, now), now)

    def next_deadline(self) -> float | None:
        deadlines = [d for d in (self.layer.next_deadline(),) if d is not None]
        deadlines += [leg.ok_next for leg in self._unacked.values() if leg.ok_next is not None]
        deadlines += [r.next_at for r in self.registrations.values() if r.next_at is not None]
        return min(deadlines, default=None)

    def _end(self, leg: Leg, by_remote: bool, reason: str) -> list[Output]:
        if leg.state is LegState.ENDED:
            return []
        leg.state = LegState.ENDED
        leg.ok_next = None
        self._unacked.pop(leg.id, None)
        if leg.dialog is not None:
            leg.dialog.terminate()
            self._by_dialog.pop(leg.dialog.id, None)
        self.legs.pop(leg.id, None)
        return [LegEnded(leg, by_remote, reason)]

    # -- input from the network ------------------------------------------------------

    def receive(self, data: bytes, source: Peer, now: float) -> list[Output]:
        try:
            message = parse_message(data)
        except SipParseError as error:
            response = error_response(error, to_tag=self.ids())
            bad: list[Output] = [Malformed(source, error.detail)]
            return bad if response is None else [Send(response.encode(), source), *bad]
        if isinstance(message, Response):
            problem = check_response(message)
            if problem is not None:
                return [Malformed(source, problem)]
            return self._on_actions(self.layer.receive_response(message, source, now), now)
        rejection = validate_request(message, allowed_methods=ALLOW)
        if rejection is not None and not can_respond(message.headers):
            # No response could be matched to the request (RFC 4475 insuf, multi01).
            return [Malformed(source, rejection.reason)]
        if rejection is not None:
            if message.method == "ACK":
                return (
                    [Malformed(source, rejection.reason)] if rejection.status in _MALFORMED else []
                )
            response = make_response(
                message,
                rejection.status,
                rejection.reason,
                to_tag=self.ids(),
                headers=rejection.headers,
            )
            out: list[Output] = [Send(response.encode(), source)]
            if rejection.status in _MALFORMED:
                # A method or extension we do not serve is not an attack: only
                # broken messages count against the source.
                out.append(Malformed(source, rejection.reason))
            return out
        return self._on_actions(self.layer.receive_request(message, source, now), now)

    def handle_timer(self, now: float) -> list[Output]:
        out = self._on_actions(self.layer.handle_timer(now), now)
        for leg in list(self._unacked.values()):
            if leg.ok_next is not None and leg.ok_next <= now and leg.ok is not None:
                if leg.ok_give_up is not None and now >= leg.ok_give_up:
                    # No ACK for our 2xx: the call is dead (§13.3.1.4).
                    leg.ok_next = None
                    out.extend(self._bye(leg, now))
                    out.extend(self._end(leg, False, "no ACK"))
                    continue
                leg.ok_interval = min(leg.ok_interval * 2, T2)
                leg.ok_next = now + leg.ok_interval
                out.append(Send(leg.ok.encode(), leg.peer))
        for registration in list(self.registrations.values()):
            if registration.due(now):
                out.extend(self._send_register(registration, None, now))
        return out

    def _on_actions(self, actions: list[LayerAction], now: float) -> list[Output]:
        out: list[Output] = []
        for action in actions:
            if isinstance(action, Transmit):
                out.append(Send(action.message.encode(), action.peer))
            elif isinstance(action, RequestReceived):
                out.extend(self._on_request(action.transaction, action.request, now))
            elif isinstance(action, ResponseReceived):
                out.extend(self._on_response(action.transaction, action.response, now))
            elif isinstance(action, CancelReceived):
                out.extend(self._on_cancel(action, now))
            elif isinstance(action, AckReceived):
                out.extend(self._on_ack(action.request))
            elif isinstance(action, TimedOut):
                out.extend(self._on_timeout(action.transaction, now))
            elif isinstance(action, Terminated):
                self._by_transaction.pop(action.transaction.key, None)
                self._registering.pop(action.transaction.key, None)
        return out

    # -- requests --------------------------------------------------------------------

    def _on_request(self, tx: ServerTransaction, request: Request, now: float) -> list[Output]:
        if request.method == "REGISTER":
            return [OtherRequest(tx, request, tx.peer)]
        dialog_id = dialog_id_of_request(request)
        if dialog_id is not None:
            leg = self._by_dialog.get(dialog_id)
            if leg is None or leg.dialog is None:
                return self.respond(tx, make_response(request, 481), now)
            status = leg.dialog.check_request(request)
            if status is not None:
                return self.respond(tx, make_response(request, status), now)
            return self._in_dialog(leg, tx, request, now)
        if request.method == "INVITE":
            return self._new_call(tx, request, now)
        if request.method == "OPTIONS":
            headers = [("Allow", ", ".join(ALLOW)), ("Accept", "application/sdp")]
            return self.respond(tx, make_response(request, 200, headers=headers), now)
        return self.respond(tx, make_response(request, 481, to_tag=self.ids()), now)

    def _new_call(self, tx: ServerTransaction, request: Request, now: float) -> list[Output]:
        local_tag = self.ids()
        try:
            dialog = Dialog.as_uas(request, local_tag)
        except DialogError:
            return self.respond(tx, make_response(request, 400, to_tag=local_tag), now)
        offer = None
        if request.body:
            try:
                offer = sdp.parse(request.body)
            except sdp.SdpError:
                return self.respond(tx, make_response(request, 488, to_tag=local_tag), now)
        caller = request.headers.from_()
        assert caller is not None
        leg = Leg(
            id=self.ids(),
            incoming=True,
            peer=tx.peer,
            media=sdp.LocalMedia(self.host, 0),
            invite=request,
            state=LegState.OFFERED,
            local_tag=local_tag,
            dialog=dialog,
            server_tx=tx,
            remote_sdp=offer,
        )
        self.legs[leg.id] = leg
        self._by_dialog[dialog.id] = leg
        self._track(leg, tx)
        return [IncomingCall(leg, caller, request.uri)]

    def _in_dialog(
        self, leg: Leg, tx: ServerTransaction, request: Request, now: float
    ) -> list[Output]:
        method = request.method
        if method == "BYE":
            out = self.respond(tx, make_response(request, 200), now)
            return out + self._end(leg, True, "hangup")
        if method == "INFO":
            out = self.respond(tx, make_response(request, 200), now)
            digit = _dtmf_relay(request)
            if digit is not None:
                out.append(LegDtmf(leg, digit[0], digit[1]))
            return out
        if method == "INVITE":
            return self._reinvite(leg, tx, request, now)
        if method == "OPTIONS":
            return self.respond(tx, make_response(request, 200), now)
        return self.respond(tx, make_response(request, 501), now)

    def _reinvite(
        self, leg: Leg, tx: ServerTransaction, request: Request, now: float
    ) -> list[Output]:
        if leg.reinvite is not None:
            return self.respond(tx, make_response(request, 491), now)  # glare
        if not request.body:
            return self.respond(tx, make_response(request, 488), now)
        try:
            offer = sdp.parse(request.body)
            answer = sdp.answer(offer, leg.media, hold=leg.held)
            media = sdp.negotiated(answer, offer)
        except sdp.SdpError:
            return self.respond(tx, make_response(request, 488), now)
        leg.remote_sdp, leg.local_sdp, leg.negotiated = offer, answer, media
        ok = make_response(
            request,
            200,
            headers=[("Contact", str(self.contact())), ("Content-Type", "application/sdp")],
            body=answer.encode(),
        )
        out = self.respond(tx, ok, now)
        self._retransmit_ok(leg, ok, now)
        return [*out, LegMediaChanged(leg, media)]

    def _on_cancel(self, event: CancelReceived, now: float) -> list[Output]:
        cancel_request = event.cancel.request
        if event.invite is None:
            return self.respond(event.cancel, make_response(cancel_request, 481), now)
        out = self.respond(event.cancel, make_response(cancel_request, 200), now)
        leg = self._by_transaction.get(event.invite.key)
        if leg is not None and leg.server_tx is not event.invite:
            leg = None
        if leg is None or leg.state not in (LegState.OFFERED, LegState.EARLY):
            return out
        terminated = make_response(leg.invite, 487, to_tag=leg.local_tag)
        out += self.respond(event.invite, terminated, now)
        return out + self._end(leg, True, "cancelled")

    def _on_ack(self, request: Request) -> list[Output]:
        dialog_id = dialog_id_of_request(request)
        leg = self._by_dialog.get(dialog_id) if dialog_id else None
        if leg is not None:
            leg.ok_next = None
            leg.ok = None
            self._unacked.pop(leg.id, None)
            if leg.state is LegState.ANSWERED:
                leg.state = LegState.CONFIRMED
        return []

    # -- commands on incoming legs ------------------------------------------------------

    def ring(self, leg: Leg, now: float) -> list[Output]:
        if leg.state is not LegState.OFFERED or leg.server_tx is None:
            return []
        leg.state = LegState.EARLY
        ringing = make_response(
            leg.invite, 180, to_tag=leg.local_tag, headers=[("Contact", str(self.contact()))]
        )
        return self.respond(leg.server_tx, ringing, now)

    def answer(self, leg: Leg, media: sdp.LocalMedia, now: float) -> list[Output]:
        """Answer with our media; an INVITE without an offer gets our offer in the 200."""
        if leg.state not in (LegState.OFFERED, LegState.EARLY) or leg.server_tx is None:
            return []
        leg.media = media
        if leg.remote_sdp is not None:
            try:
                leg.local_sdp = sdp.answer(leg.remote_sdp, media)
                leg.negotiated = sdp.negotiated(leg.local_sdp, leg.remote_sdp)
            except sdp.SdpError:
                return self.reject(leg, 488, now)
        else:
            leg.local_sdp = sdp.offer(media)
        ok = make_response(
            leg.invite,
            200,
            to_tag=leg.local_tag,
            headers=[("Contact", str(self.contact())), ("Content-Type", "application/sdp")],
            body=leg.local_sdp.encode(),
        )
        leg.state = LegState.ANSWERED
        if leg.dialog is not None:
            leg.dialog.confirm(ok)
        out = self.respond(leg.server_tx, ok, now)
        self._retransmit_ok(leg, ok, now)
        if leg.negotiated is not None:
            out.append(LegAnswered(leg, leg.negotiated))
        return out

    def _retransmit_ok(self, leg: Leg, ok: Response, now: float) -> None:
        if leg.peer.reliable:
            return
        leg.ok = ok
        leg.ok_interval = T1
        leg.ok_next = now + T1
        leg.ok_give_up = now + 64 * T1
        self._unacked[leg.id] = leg

    def reject(self, leg: Leg, status: int, now: float) -> list[Output]:
        if leg.state not in (LegState.OFFERED, LegState.EARLY) or leg.server_tx is None:
            return []
        response = make_response(leg.invite, status, to_tag=leg.local_tag)
        return self.respond(leg.server_tx, response, now) + self._end(leg, False, str(status))

    # -- commands on any leg -------------------------------------------------------------

    def hangup(self, leg: Leg, now: float) -> list[Output]:
        """End the leg the right way for its state: BYE, CANCEL or an error response."""
        if leg.state in (LegState.OFFERED, LegState.EARLY) and leg.incoming:
            return self.reject(leg, 480, now)
        if leg.state in (LegState.CALLING, LegState.EARLY) and not leg.incoming:
            return self._cancel(leg, now)
        if leg.state in (LegState.ANSWERED, LegState.CONFIRMED):
            return self._bye(leg, now) + self._end(leg, False, "hangup")
        return []

    def _bye(self, leg: Leg, now: float) -> list[Output]:
        if leg.dialog is None:
            return []
        bye = leg.dialog.request("BYE", self._via(leg.peer))
        _, actions = self.layer.send(bye, leg.peer, now)
        return self._send(actions)

    def set_hold(self, leg: Leg, held: bool, now: float) -> list[Output]:
        """Hold (our offer becomes sendonly) or resume (sendrecv) with a re-INVITE."""
        if leg.state is not LegState.CONFIRMED or leg.dialog is None or leg.reinvite:
            return []
        leg.held = held
        direction = sdp.Direction.SENDONLY if held else sdp.Direction.SENDRECV
        leg.local_sdp = sdp.offer(leg.media, direction)
        request = leg.dialog.request(
            "INVITE",
            self._via(leg.peer),
            contact=self.contact(),
            body=leg.local_sdp.encode(),
            content_type="application/sdp",
        )
        leg.reinvite, actions = self.layer.send(request, leg.peer, now)
        self._track(leg, leg.reinvite)
        return self._send(actions)

    # -- outgoing legs ---------------------------------------------------------------------

    def invite(
        self,
        target: URI,
        peer: Peer,
        media: sdp.LocalMedia,
        now: float,
        *,
        caller: str = "switchboard",
        display_name: str | None = None,
        credentials: tuple[str, str] | None = None,
        extra_headers: tuple[tuple[str, str], ...] = (),
    ) -> tuple[Leg, list[Output]]:
        """Call `target` at `peer`. `extra_headers` carry hints such as auto-answer
        (`Call-Info: ...;answer-after=0`) to an agent's phone."""
        local_tag = self.ids()
        offer = sdp.offer(media)
        name = f'"{_safe(display_name)}" ' if display_name else ""
        h = Headers()
        h.add("Via", self._via(peer))
        h.add("Max-Forwards", "70")
        # `caller` may come from another party (the customer's number): built as a URI
        # from its unescaped form, so no character of it can end the header.
        from_uri = SipURI.build(user=caller or "anonymous", host=self.host)
        h.add("From", f"{name}<{from_uri}>;tag={local_tag}")
        h.add("To", f"<{target}>")
        h.add("Call-ID", f"{self.ids()}@{self.host}")
        h.add("CSeq", "1 INVITE")
        h.add("Contact", str(self.contact()))
        h.add("Allow", ", ".join(ALLOW))
        h.add("User-Agent", self.user_agent)
        for name, value in extra_headers:
            h.add(name, value)
        h.add("Content-Type", "application/sdp")
        request = Request("INVITE", target, h, offer.encode())
        leg = Leg(
            id=self.ids(),
            incoming=False,
            peer=peer,
            media=media,
            invite=request,
            state=LegState.CALLING,
            local_tag=local_tag,
            local_sdp=offer,
            credentials=credentials,
        )
        self.legs[leg.id] = leg
        leg.client_tx, actions = self.layer.send(request, peer, now)
        self._track(leg, leg.client_tx)
        return leg, self._send(actions)

    def _leg_of_client(self, tx: ClientTransaction) -> Leg | None:
        leg = self._by_transaction.get(tx.key)
        return leg if leg is not None and tx in (leg.client_tx, leg.reinvite) else None

    def _track(self, leg: Leg, tx: ClientTransaction | ServerTransaction) -> None:
        """Remember which leg a transaction serves, until the transaction ends."""
        self._by_transaction[tx.key] = leg

    def _on_response(self, tx: ClientTransaction, response: Response, now: float) -> list[Output]:
        if tx.key in self._registering:
            return self._on_register_response(tx, response, now)
        leg = self._leg_of_client(tx)
        if leg is None:
            return []
        if tx is leg.reinvite:
            return self._on_reinvite_response(leg, tx, response, now)
        if tx.request.method != "INVITE":
            return []
        status = response.status
        if status < 200:
            if status == 100:
                return self._cancel_if_pending(leg, now)
            if leg.dialog is None and (to := response.headers.to()) is not None and to.tag:
                try:
                    leg.dialog = Dialog.as_uac(leg.invite, response)
                except DialogError:
                    leg.dialog = None
            out: list[Output] = []
            if leg.state is LegState.CALLING:
                leg.state = LegState.EARLY
                if status in (180, 183):
                    out.append(LegRinging(leg))
            return out + self._cancel_if_pending(leg, now)
        if status < 300:
            return self._answered(leg, response, now)
        if status in (401, 407) and leg.credentials and not leg.auth_tried:
            return self._retry_with_credentials(leg, response, now)
        leg.state = LegState.ENDED
        self.legs.pop(leg.id, None)
        return [LegFailed(leg, status, response.reason)]

    def _answered(self, leg: Leg, response: Response, now: float) -> list[Output]:
        try:
            dialog = Dialog.as_uac(leg.invite, response)
        except DialogError:
            return []
        if leg.dialog is not None and leg.dialog.id == dialog.id:
            leg.dialog.confirm(response)
        else:
            leg.dialog = dialog
        cseq = leg.invite.headers.cseq()
        ack = leg.dialog.request("ACK", self._via(leg.peer), cseq=cseq.seq if cseq else 1)
        out: list[Output] = [Send(ack.encode(), leg.peer)]
        if leg.state is LegState.CONFIRMED:
            return out  # a retransmitted 2xx: ACK again
        self._by_dialog[leg.dialog.id] = leg
        leg.state = LegState.CONFIRMED
        if leg.cancel_pending:
            return out + self._bye(leg, now) + self._end(leg, False, "hangup")
        try:
            leg.remote_sdp = sdp.parse(response.body)
            assert leg.local_sdp is not None
            leg.negotiated = sdp.negotiated(leg.local_sdp, leg.remote_sdp)
        except sdp.SdpError:
            return out + self._bye(leg, now) + self._end(leg, False, "bad answer")
        return [*out, LegAnswered(leg, leg.negotiated)]

    def _retry_with_credentials(self, leg: Leg, response: Response, now: float) -> list[Output]:
        assert leg.credentials is not None
        leg.auth_tried = True
        found = challenge_of(response)
        if found is None:
            leg.state = LegState.ENDED
            self.legs.pop(leg.id, None)
            return [LegFailed(leg, response.status, response.reason)]
        header, challenge = found
        user, password = leg.credentials
        value = answer_challenge(
            challenge, user, password, "INVITE", str(leg.invite.uri), cnonce=self.ids()
        )
        h = leg.invite.headers.copy()
        h.set("Via", self._via(leg.peer))
        cseq = h.cseq()
        h.set("CSeq", f"{(cseq.seq if cseq else 1) + 1} INVITE")
        h.add(header, value)
        leg.invite = Request("INVITE", leg.invite.uri, h, leg.invite.body)
        leg.client_tx, actions = self.layer.send(leg.invite, leg.peer, now)
        self._track(leg, leg.client_tx)
        return self._send(actions)

    def _cancel(self, leg: Leg, now: float) -> list[Output]:
        if leg.state is LegState.CALLING:
            # No provisional response yet: a CANCEL could overtake the INVITE (§9.1).
            leg.cancel_pending = True
            return []
        cancel = sibling_request(leg.invite, "CANCEL")
        leg.cancel_pending = True
        _, actions = self.layer.send(cancel, leg.peer, now)
        return self._send(actions)

    def _cancel_if_pending(self, leg: Leg, now: float) -> list[Output]:
        if leg.cancel_pending and leg.state is LegState.EARLY:
            leg.cancel_pending = False
            return self._cancel(leg, now)
        if leg.cancel_pending and leg.state is LegState.CALLING:
            leg.state = LegState.EARLY
            return self._cancel(leg, now)
        return []

    def _on_reinvite_response(
        self, leg: Leg, tx: ClientTransaction, response: Response, now: float
    ) -> list[Output]:
        if response.status < 200:
            return []
        leg.reinvite = None
        if response.status >= 300 or leg.dialog is None:
            return []
        cseq = tx.request.headers.cseq()
        ack = leg.dialog.request("ACK", self._via(leg.peer), cseq=cseq.seq if cseq else 1)
        out: list[Output] = [Send(ack.encode(), leg.peer)]
        try:
            leg.remote_sdp = sdp.parse(response.body)
            assert leg.local_sdp is not None
            leg.negotiated = sdp.negotiated(leg.local_sdp, leg.remote_sdp)
        except sdp.SdpError:
            return out
        return [*out, LegMediaChanged(leg, leg.negotiated)]

    def _on_timeout(self, tx: ClientTransaction | ServerTransaction, now: float) -> list[Output]:
        if tx.key in self._registering:
            registration = self._registering.pop(tx.key)
            changed = registration.on_timeout(now)
            return [] if changed is None else [changed]
        if isinstance(tx, ClientTransaction):
            leg = self._leg_of_client(tx)
            if leg is None:
                return []
            if tx is leg.client_tx and leg.state in (LegState.CALLING, LegState.EARLY):
                leg.state = LegState.ENDED
                self.legs.pop(leg.id, None)
                return [LegFailed(leg, 408, "Request Timeout")]
            if tx.request.method in ("BYE", "INVITE") and leg.state is LegState.CONFIRMED:
                return self._end(leg, False, "timeout")
        return []

    # -- registering with trunks ----------------------------------------------------------

    def register(
        self,
        aor: URI,
        registrar_uri: URI,
        peer: Peer,
        now: float,
        *,
        credentials: tuple[str, str] | None = None,
        expires: int = 3600,
    ) -> tuple[Registration, list[Output]]:
        """Bind `aor` at a trunk's registrar to our Contact, and keep it bound."""
        user = aor.user if isinstance(aor, SipURI) and aor.user else "switchboard"
        registration = Registration(
            id=self.ids(),
            aor=aor,
            registrar_uri=registrar_uri,
            peer=peer,
            contact=str(self.contact(user)),
            call_id=f"{self.ids()}@{self.host}",
            local_tag=self.ids(),
            credentials=credentials,
            expires=expires,
            user_agent=self.user_agent,
        )
        self.registrations[registration.id] = registration
        return registration, self._send_register(registration, None, now)

    def unregister(self, registration: Registration, now: float) -> list[Output]:
        """Remove our binding at the trunk (Expires: 0) and stop refreshing it."""
        request = registration.stop(self._via(registration.peer))
        self.registrations.pop(registration.id, None)
        return [] if request is None else self._send_register(registration, request, now)

    def _send_register(
        self, registration: Registration, request: Request | None, now: float
    ) -> list[Output]:
        if request is None:
            request = registration.refresh(self._via(registration.peer))
        tx, actions = self.layer.send(request, registration.peer, now)
        self._registering[tx.key] = registration
        return self._send(actions)

    def _on_register_response(
        self, tx: ClientTransaction, response: Response, now: float
    ) -> list[Output]:
        registration = self._registering[tx.key]
        step = registration.on_response(
            response, now, via=self._via(registration.peer), cnonce=self.ids()
        )
        if response.status >= 200:
            self._registering.pop(tx.key, None)
        if isinstance(step, Request):
            return self._send_register(registration, step, now)
        return [] if step is None else [step]


def _safe(text: str) -> str:
    """A display name as data: no quotes, backslashes or line breaks can escape it."""
    return "".join(ch for ch in text if ch.isprintable() and ch not in '"\\')[:64]


def _dtmf_relay(request: Request) -> tuple[str, int] | None:
    """`Signal=5` / `Duration=160` from an application/dtmf-relay INFO body."""
    content_type = request.headers.content_type()
    if content_type is None or str(content_type).split(";")[0].strip().lower() != (
        "application/dtmf-relay"
    ):
        return None
    fields: dict[str, str] = {}
    for line in request.body.decode("utf-8", "replace").splitlines():
        key, _, value = line.partition("=")
        fields[key.strip().lower()] = value.strip()
    signal = fields.get("signal", "")
    if len(signal) != 1 or signal.upper() not in "0123456789*#ABCD":
        return None
    duration = fields.get("duration", "160")
    return signal.upper(), int(duration) if duration.isdigit() else 160
