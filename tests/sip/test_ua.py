"""Two user agents talking to each other in memory, with the manual clock: a call set
up, held and resumed by re-INVITE, hung up from either side, cancelled, refused,
answered but never ACKed; DTMF by INFO; a trunk's 401 answered once."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from switchboard.sip import sdp
from switchboard.sip.message import Request, Response
from switchboard.sip.parser import parse_message
from switchboard.sip.transaction import Peer
from switchboard.sip.ua import (
    IncomingCall,
    Leg,
    LegAnswered,
    LegDtmf,
    LegEnded,
    LegFailed,
    LegMediaChanged,
    LegRinging,
    LegState,
    Output,
    Send,
    UserAgent,
)
from switchboard.sip.uri import parse_uri

from .torture import load


def ids(prefix: str) -> Iterator[str]:
    return (f"{prefix}{n}" for n in itertools.count(1))


class Wire:
    """Two UAs on 127.0.0.1 ports 5060 (switchboard) and 5062 (phone), and what each
    one told its runtime."""

    def __init__(self) -> None:
        self.now = 0.0
        a_ids, b_ids = ids("a"), ids("b")
        self.a = UserAgent("127.0.0.1", 5060, lambda: next(a_ids))
        self.b = UserAgent("127.0.0.1", 5062, lambda: next(b_ids))
        self.events: dict[str, list[object]] = {"a": [], "b": []}
        self.wire: list[tuple[str, bytes]] = []
        self.drop_to: set[str] = set()
        """Drop messages to this side whose first line starts with one of these."""

    def ua(self, side: str) -> UserAgent:
        return self.a if side == "a" else self.b

    def deliver(self, side: str, outputs: list[Output]) -> None:
        queue = [(side, o) for o in outputs]
        while queue:
            origin, out = queue.pop(0)
            if isinstance(out, Send):
                target = "b" if out.peer.port == 5062 else "a"
                first = out.data.split(b"\r\n", 1)[0].decode()
                self.wire.append((target, out.data))
                if any(first.startswith(d) for d in self.drop_to):
                    continue
                src = Peer("127.0.0.1", 5060 if origin == "a" else 5062)
                queue.extend((target, o) for o in self.ua(target).receive(out.data, src, self.now))
            else:
                self.events[origin].append(out)

    def after(self, seconds: float) -> None:
        end = self.now + seconds
        while True:
            due = [
                (d, s) for s in "ab" if (d := self.ua(s).next_deadline()) is not None and d <= end
            ]
            if not due:
                break
            deadline, side = min(due)
            self.now = deadline
            self.deliver(side, self.ua(side).handle_timer(deadline))
        self.now = end

    def of(self, side: str, kind: type[object]) -> list[object]:
        return [e for e in self.events[side] if isinstance(e, kind)]

    def call(self) -> tuple[Leg, Leg]:
        media = sdp.LocalMedia("127.0.0.1", 40000)
        leg, out = self.a.invite(parse_uri("sip:1001@127.0.0.1:5062"), PHONE, media, self.now)
        self.deliver("a", out)
        (incoming,) = self.of("b", IncomingCall)
        assert isinstance(incoming, IncomingCall)
        return leg, incoming.leg

    def connected(self) -> tuple[Leg, Leg]:
        leg, far = self.call()
        self.deliver("b", self.b.ring(far, self.now))
        self.deliver("b", self.b.answer(far, sdp.LocalMedia("127.0.0.1", 50000), self.now))
        return leg, far


PHONE = Peer("127.0.0.1", 5062)


def first_lines(wire: Wire) -> list[str]:
    return [data.split(b"\r\n", 1)[0].decode() for _, data in wire.wire]


def test_a_call_is_set_up_rings_and_is_answered_with_negotiated_media() -> None:
    w = Wire()
    leg, far = w.connected()
    assert w.of("a", LegRinging) == [LegRinging(leg)]
    (answered,) = w.of("a", LegAnswered)
    assert isinstance(answered, LegAnswered)
    assert (answered.media.port, answered.media.codec) == (50000, "PCMU")
    (b_answered,) = w.of("b", LegAnswered)
    assert isinstance(b_answered, LegAnswered)
    assert b_answered.media.port == 40000
    assert leg.state is LegState.CONFIRMED
    assert far.state is LegState.CONFIRMED
    assert first_lines(w) == [
        "INVITE sip:1001@127.0.0.1:5062 SIP/2.0",
        "SIP/2.0 100 Trying",
        "SIP/2.0 180 Ringing",
        "SIP/2.0 200 OK",
        "ACK sip:switchboard@127.0.0.1:5062 SIP/2.0",
    ]
    # Nothing is retransmitted once the ACK arrived
    w.after(40)
    assert len(w.wire) == 5


def test_hold_and_resume_by_reinvite_change_the_far_ends_direction() -> None:
    w = Wire()
    leg, far = w.connected()
    w.deliver("a", w.a.set_hold(leg, True, w.now))
    changes = w.of("b", LegMediaChanged)
    assert isinstance(changes[-1], LegMediaChanged)
    assert changes[-1].media.on_hold is True
    ours = w.of("a", LegMediaChanged)
    assert isinstance(ours[-1], LegMediaChanged)
    assert ours[-1].media.direction is sdp.Direction.SENDONLY
    w.deliver("a", w.a.set_hold(leg, False, w.now))
    changes = w.of("b", LegMediaChanged)
    assert isinstance(changes[-1], LegMediaChanged)
    assert changes[-1].media.on_hold is False
    assert far.state is LegState.CONFIRMED


def test_either_side_hangs_up_with_bye() -> None:
    w = Wire()
    leg, far = w.connected()
    w.deliver("b", w.b.hangup(far, w.now))
    assert w.of("a", LegEnded) == [LegEnded(leg, True, "hangup")]
    assert w.of("b", LegEnded) == [LegEnded(far, False, "hangup")]
    assert first_lines(w)[-2:] == ["BYE sip:switchboard@127.0.0.1:5060 SIP/2.0", "SIP/2.0 200 OK"]
    w2 = Wire()
    leg2, far2 = w2.connected()
    w2.deliver("a", w2.a.hangup(leg2, w2.now))
    assert w2.of("b", LegEnded) == [LegEnded(far2, True, "hangup")]


def test_cancel_before_answer_gives_487_and_ends_both_sides() -> None:
    w = Wire()
    leg, far = w.call()
    w.deliver("b", w.b.ring(far, w.now))
    w.deliver("a", w.a.hangup(leg, w.now))
    assert w.of("b", LegEnded) == [LegEnded(far, True, "cancelled")]
    (failed,) = w.of("a", LegFailed)
    assert isinstance(failed, LegFailed)
    assert failed.status == 487
    assert "CANCEL sip:1001@127.0.0.1:5062 SIP/2.0" in first_lines(w)


def test_a_busy_phone_fails_the_leg_with_486() -> None:
    w = Wire()
    leg, far = w.call()
    w.deliver("b", w.b.reject(far, 486, w.now))
    assert w.of("a", LegFailed) == [LegFailed(leg, 486, "Busy Here")]
    assert "ACK sip:1001@127.0.0.1:5062 SIP/2.0" in first_lines(w)


def test_a_2xx_is_retransmitted_until_acked_and_the_call_dropped_without_ack() -> None:
    w = Wire()
    w.drop_to = {"ACK"}
    _leg, far = w.call()
    w.deliver("b", w.b.answer(far, sdp.LocalMedia("127.0.0.1", 50000), w.now))
    w.after(40)
    oks = [line for line in first_lines(w) if line == "SIP/2.0 200 OK"]
    assert len(oks) >= 7
    assert w.of("b", LegEnded) == [LegEnded(far, False, "no ACK")]
    assert "BYE sip:switchboard@127.0.0.1:5060 SIP/2.0" in first_lines(w)


def test_dtmf_sent_as_info_is_reported() -> None:
    w = Wire()
    leg, far = w.connected()
    assert far.dialog is not None
    info = leg.dialog.request(  # type: ignore[union-attr]
        "INFO",
        "SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKinfo1",
        body=b"Signal=5\r\nDuration=160\r\n",
        content_type="application/dtmf-relay",
    )
    w.deliver("b", w.b.receive(info.encode(), Peer("127.0.0.1", 5060), w.now))
    assert w.of("b", LegDtmf) == [LegDtmf(far, "5", 160)]


def test_a_trunk_challenge_is_answered_once_with_credentials() -> None:
    ua = UserAgent("127.0.0.1", 5060, lambda: next(counter))
    counter = ids("x")
    trunk = Peer("127.0.0.1", 5070)
    leg, out = ua.invite(
        parse_uri("sip:+33612345678@127.0.0.1:5070"),
        trunk,
        sdp.LocalMedia("127.0.0.1", 40000),
        0.0,
        credentials=("acme", "secret"),
    )
    (sent,) = out
    assert isinstance(sent, Send)
    invite = parse_message(sent.data)
    assert isinstance(invite, Request)
    challenge = (
        "SIP/2.0 407 Proxy Authentication Required\r\n"
        + "".join(
            f"{n}: {v}\r\n"
            for n, v in invite.headers
            if n in ("Via", "From", "To", "Call-ID", "CSeq")
        )
        + 'Proxy-Authenticate: Digest realm="trunk", nonce="n1", algorithm=MD5, qop="auth"\r\n'
        + "Content-Length: 0\r\n\r\n"
    )
    out = ua.receive(
        challenge.replace(
            "To: <sip:+33612345678@127.0.0.1:5070>", "To: <sip:+33612345678@127.0.0.1:5070>;tag=t1"
        ).encode(),
        trunk,
        0.1,
    )
    sent_again = [parse_message(o.data) for o in out if isinstance(o, Send)]
    methods = [m.method for m in sent_again if isinstance(m, Request)]
    assert sorted(methods) == ["ACK", "INVITE"]
    (retry,) = [m for m in sent_again if isinstance(m, Request) and m.method == "INVITE"]
    assert isinstance(retry, Request)
    (auth,) = retry.headers.proxy_authorization()
    assert auth.get("username") == "acme"
    assert auth.get("realm") == "trunk"
    cseq = retry.headers.cseq()
    assert cseq is not None
    assert cseq.seq == 2
    assert retry.headers.call_id() == invite.headers.call_id()
    # A second challenge is a failure, not a loop
    second = challenge.replace("CSeq: 1 INVITE", "CSeq: 2 INVITE").replace(
        invite.headers.get_all("Via")[0], retry.headers.get_all("Via")[0]
    )
    out = ua.receive(second.encode(), trunk, 0.2)
    assert [o for o in out if isinstance(o, LegFailed)] == [
        LegFailed(leg, 407, "Proxy Authentication Required")
    ]


def test_torture_requests_get_their_response_or_are_dropped() -> None:
    ua = UserAgent("127.0.0.1", 5060, lambda: next(counter))
    counter = ids("t")
    source = Peer("127.0.0.1", 5099)
    expected = {
        "badvers": 505,
        "unkscm": 416,
        "bext01": 420,
        "invut": 415,
        "mismatch01": 400,
        "ncl": 400,
        "escruri": 400,
    }
    for name, status in expected.items():
        out = ua.receive(load(name), source, 0.0)
        statuses = [
            m.status
            for o in out
            if isinstance(o, Send)
            if isinstance(m := parse_message(o.data), Response)
        ]
        assert statuses[-1:] == [status], name
    for name in ("bcast", "bigcode", "scalarlg", "insuf", "multi01"):
        assert [o for o in ua.receive(load(name), source, 0.0) if isinstance(o, Send)] == [], name


def test_a_cancel_crossing_the_200_ends_the_call_with_ack_then_bye() -> None:
    # The caller gives up at the very moment the phone answers: the CANCEL and the
    # 200 cross on the wire (RFC 3261 §9.1). The CANCEL is too late for the INVITE, so
    # the caller must ACK the 200 and hang up with BYE; nobody is left in a call.
    w = Wire()
    leg, far = w.call()
    w.deliver("b", w.b.ring(far, w.now))
    cancel = w.a.hangup(leg, w.now)
    ok = w.b.answer(far, sdp.LocalMedia("127.0.0.1", 50000), w.now)
    w.deliver("a", cancel)  # reaches the phone after it answered
    w.deliver("b", ok)  # reaches the caller after it cancelled
    lines = first_lines(w)
    after_cancel = lines[lines.index("CANCEL sip:1001@127.0.0.1:5062 SIP/2.0") :]
    assert "SIP/2.0 487 Request Terminated" not in after_cancel
    assert "ACK sip:switchboard@127.0.0.1:5062 SIP/2.0" in after_cancel
    assert "BYE sip:switchboard@127.0.0.1:5062 SIP/2.0" in after_cancel
    assert w.of("b", LegEnded) == [LegEnded(far, True, "hangup")]
    assert w.of("a", LegAnswered) == []  # the caller's side never reports a call
    assert leg.id not in w.a.legs and far.id not in w.b.legs
    w.after(40)  # and nothing is left retransmitting
    assert len(w.wire) == len(lines)
