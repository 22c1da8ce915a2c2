"""Transactions with the manual clock: retransmissions and timers A to M over UDP, none
over TCP, absorption of duplicates, 100 Trying, ACK of error responses, CANCEL
matching and RFC 2543 peers."""

from __future__ import annotations

from switchboard.sip.layer import (
    AckReceived,
    CancelReceived,
    LayerAction,
    StrayResponse,
    TransactionLayer,
)
from switchboard.sip.message import Request, Response, make_response
from switchboard.sip.parser import parse_message
from switchboard.sip.transaction import (
    T1,
    Peer,
    RequestReceived,
    ResponseReceived,
    State,
    Terminated,
    TimedOut,
    Transmit,
)

from .torture import load

UDP = Peer("127.0.0.1", 5080)
TCP = Peer("127.0.0.1", 5080, "TCP")


def request(method: str = "INVITE", branch: str = "z9hG4bK-1", cseq: int = 1) -> Request:
    raw = (
        f"{method} sip:bob@127.0.0.1 SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP 127.0.0.1:5070;branch={branch}\r\n"
        "Max-Forwards: 70\r\n"
        "From: <sip:alice@127.0.0.1>;tag=a1\r\n"
        "To: <sip:bob@127.0.0.1>\r\n"
        "Call-ID: call-1@127.0.0.1\r\n"
        f"CSeq: {cseq} {method}\r\n"
        "Content-Length: 0\r\n\r\n"
    ).encode()
    parsed = parse_message(raw)
    assert isinstance(parsed, Request)
    return parsed


def sent(actions: list[LayerAction]) -> list[str]:
    """What went on the wire: `INVITE`, `ACK`, or a status code."""
    out = []
    for a in actions:
        if isinstance(a, Transmit):
            m = a.message
            out.append(m.method if isinstance(m, Request) else str(m.status))
    return out


def run(layer: TransactionLayer, until: float) -> list[tuple[float, LayerAction]]:
    """Fire every deadline up to `until`, at its time."""
    log: list[tuple[float, LayerAction]] = []
    while (deadline := layer.next_deadline()) is not None and deadline <= until:
        log.extend((deadline, a) for a in layer.handle_timer(deadline))
    return log


# -- client transactions ---------------------------------------------------------------


def test_client_invite_over_udp_retransmits_with_timer_a_and_times_out_with_b() -> None:
    layer = TransactionLayer()
    tx, out = layer.send(request(), UDP, 0.0)
    assert sent(out) == ["INVITE"]
    log = run(layer, 100.0)
    times = [t for t, a in log if isinstance(a, Transmit)]
    assert times == [0.5, 1.5, 3.5, 7.5, 15.5, 31.5]
    assert [(t, type(a).__name__) for t, a in log if not isinstance(a, Transmit)] == [
        (32.0, "TimedOut"),
        (32.0, "Terminated"),
    ]
    assert tx.state is State.TERMINATED
    assert len(layer) == 0


def test_client_invite_over_tcp_does_not_retransmit() -> None:
    layer = TransactionLayer()
    layer.send(request(), TCP, 0.0)
    log = run(layer, 100.0)
    assert [type(a).__name__ for _, a in log] == ["TimedOut", "Terminated"]


def test_a_provisional_response_stops_retransmission_and_a_2xx_is_passed_up() -> None:
    layer = TransactionLayer()
    tx, _ = layer.send(request(), UDP, 0.0)
    ringing = make_response(tx.request, 180, to_tag="b1")
    out = layer.receive_response(ringing, UDP, 0.2)
    assert [type(a).__name__ for a in out] == ["ResponseReceived"]
    assert run(layer, 10.0) == []
    ok = make_response(tx.request, 200, to_tag="b1")
    out = layer.receive_response(ok, UDP, 11.0)
    assert [type(a).__name__ for a in out] == ["ResponseReceived"]
    assert tx.state is State.ACCEPTED
    # RFC 6026: the 2xx retransmissions still reach the dialog while accepted
    again = layer.receive_response(ok, UDP, 12.0)
    assert [type(a).__name__ for a in again] == ["ResponseReceived"]
    run(layer, 11.0 + 64 * T1)
    assert tx.state.value == "terminated"
    assert [type(a).__name__ for a in layer.receive_response(ok, UDP, 50.0)] == ["StrayResponse"]


def test_an_error_response_is_acked_by_the_transaction_and_absorbed_when_repeated() -> None:
    layer = TransactionLayer()
    tx, _ = layer.send(request(), UDP, 0.0)
    busy = make_response(tx.request, 486, to_tag="b1")
    out = layer.receive_response(busy, UDP, 0.3)
    assert sent(out) == ["ACK"]
    (ack,) = [a.message for a in out if isinstance(a, Transmit)]
    assert isinstance(ack, Request)
    assert ack.headers.get("To") == busy.headers.get("To")
    cseq = ack.headers.cseq()
    assert cseq is not None
    assert str(cseq) == "1 ACK"
    top = ack.headers.top_via()
    assert top is not None
    assert top.branch == "z9hG4bK-1"
    # The ACK leaves before the TU hears of the response: a TU answering a 401 with a
    # new INVITE at once must not overtake the ACK of the challenge.
    assert [type(a).__name__ for a in out] == ["Transmit", "ResponseReceived"]
    # The 486 again: ACK again, nothing for the TU
    assert sent(layer.receive_response(busy, UDP, 1.0)) == ["ACK"]
    log = run(layer, 40.0)
    assert [(t, type(a).__name__) for t, a in log] == [(32.3, "Terminated")]


def test_client_non_invite_uses_e_up_to_t2_and_f() -> None:
    layer = TransactionLayer()
    layer.send(request("OPTIONS"), UDP, 0.0)
    log = run(layer, 40.0)
    times = [t for t, a in log if isinstance(a, Transmit)]
    assert times[:6] == [0.5, 1.5, 3.5, 7.5, 11.5, 15.5]
    assert [type(a).__name__ for _, a in log][-2:] == ["TimedOut", "Terminated"]
    assert log[-1][0] == 32.0


def test_non_invite_proceeding_retransmits_every_t2_then_k_absorbs() -> None:
    layer = TransactionLayer()
    tx, _ = layer.send(request("BYE"), UDP, 0.0)
    layer.receive_response(make_response(tx.request, 100), UDP, 0.1)
    log = run(layer, 9.0)
    assert [t for t, a in log if isinstance(a, Transmit)] == [0.5, 4.5, 8.5]
    layer.receive_response(make_response(tx.request, 200), UDP, 9.0)
    assert tx.state is State.COMPLETED
    assert layer.receive_response(make_response(tx.request, 200), UDP, 10.0) == []
    log = run(layer, 20.0)
    assert [(t, type(a).__name__) for t, a in log] == [(14.0, "Terminated")]


def test_a_transport_error_is_a_timeout() -> None:
    layer = TransactionLayer()
    tx, _ = layer.send(request(), TCP, 0.0)
    out = layer.transport_error(tx)
    assert [type(a).__name__ for a in out] == ["TimedOut", "Terminated"]
    assert len(layer) == 0


# -- server transactions ---------------------------------------------------------------


def test_an_invite_gets_100_trying_at_once_and_its_retransmissions_are_absorbed() -> None:
    layer = TransactionLayer()
    invite = request()
    out = layer.receive_request(invite, UDP, 0.0)
    assert sent(out) == ["100"]
    (received,) = [a for a in out if isinstance(a, RequestReceived)]
    again = layer.receive_request(request(), UDP, 0.5)
    assert sent(again) == ["100"]
    assert not [a for a in again if isinstance(a, RequestReceived)]
    layer.respond(received.transaction, make_response(invite, 180, to_tag="x"), 1.0)
    assert sent(layer.receive_request(request(), UDP, 1.5)) == ["180"]


def test_a_final_error_is_retransmitted_with_g_until_the_ack_then_i() -> None:
    layer = TransactionLayer()
    (received,) = [
        a for a in layer.receive_request(request(), UDP, 0.0) if isinstance(a, RequestReceived)
    ]
    tx = received.transaction
    layer.respond(tx, make_response(tx.request, 486, to_tag="x"), 0.0)
    log = run(layer, 4.0)
    assert [t for t, a in log if isinstance(a, Transmit)] == [0.5, 1.5, 3.5]
    ack = request("ACK")
    assert layer.receive_request(ack, UDP, 4.0) == []
    assert tx.state is State.CONFIRMED
    log = run(layer, 20.0)
    assert [(t, type(a).__name__) for t, a in log] == [(9.0, "Terminated")]


def test_no_ack_for_a_final_error_times_out_with_h() -> None:
    layer = TransactionLayer()
    (received,) = [
        a for a in layer.receive_request(request(), UDP, 0.0) if isinstance(a, RequestReceived)
    ]
    layer.respond(received.transaction, make_response(received.request, 603, to_tag="x"), 0.0)
    log = run(layer, 40.0)
    assert [type(a).__name__ for _, a in log][-2:] == ["TimedOut", "Terminated"]
    assert log[-1][0] == 32.0
    # G doubles up to T2
    assert [t for t, a in log if isinstance(a, Transmit)][:6] == [0.5, 1.5, 3.5, 7.5, 11.5, 15.5]


def test_the_ack_of_a_2xx_is_for_the_dialog() -> None:
    layer = TransactionLayer()
    (received,) = [
        a for a in layer.receive_request(request(), UDP, 0.0) if isinstance(a, RequestReceived)
    ]
    layer.respond(received.transaction, make_response(received.request, 200, to_tag="x"), 1.0)
    out = layer.receive_request(request("ACK", branch="z9hG4bK-ack2xx"), UDP, 1.2)
    assert [type(a) for a in out] == [AckReceived]
    # A retransmitted INVITE while accepted is absorbed, not a new call
    assert not [
        a for a in layer.receive_request(request(), UDP, 1.5) if isinstance(a, RequestReceived)
    ]


def test_a_cancel_finds_its_invite_transaction() -> None:
    layer = TransactionLayer()
    (received,) = [
        a for a in layer.receive_request(request(), UDP, 0.0) if isinstance(a, RequestReceived)
    ]
    (cancel,) = layer.receive_request(request("CANCEL"), UDP, 0.5)
    assert isinstance(cancel, CancelReceived)
    assert cancel.invite is received.transaction
    (stray,) = layer.receive_request(request("CANCEL", branch="z9hG4bK-other"), UDP, 0.6)
    assert isinstance(stray, CancelReceived)
    assert stray.invite is None


def test_server_non_invite_absorbs_retransmissions_for_j() -> None:
    layer = TransactionLayer()
    (received,) = [
        a
        for a in layer.receive_request(request("OPTIONS"), UDP, 0.0)
        if isinstance(a, RequestReceived)
    ]
    layer.respond(received.transaction, make_response(received.request, 200), 0.1)
    assert sent(layer.receive_request(request("OPTIONS"), UDP, 5.0)) == ["200"]
    log = run(layer, 60.0)
    assert [(t, type(a).__name__) for t, a in log] == [(32.1, "Terminated")]
    new = layer.receive_request(request("OPTIONS"), UDP, 61.0)
    assert [type(a) for a in new] == [RequestReceived]


def test_over_tcp_server_transactions_end_at_once() -> None:
    layer = TransactionLayer()
    (received,) = [
        a
        for a in layer.receive_request(request("OPTIONS"), TCP, 0.0)
        if isinstance(a, RequestReceived)
    ]
    layer.respond(received.transaction, make_response(received.request, 200), 0.1)
    assert [(t, type(a).__name__) for t, a in run(layer, 1.0)] == [(0.1, "Terminated")]


def test_an_rfc2543_peer_without_magic_cookie_is_matched_the_old_way() -> None:
    layer = TransactionLayer()
    raw = load("badbranch")
    first = parse_message(raw)
    assert isinstance(first, Request)
    out = layer.receive_request(first, UDP, 0.0)
    assert [type(a) for a in out if not isinstance(a, Transmit)] == [RequestReceived]
    again = parse_message(raw)
    assert isinstance(again, Request)
    assert not [a for a in layer.receive_request(again, UDP, 0.4) if isinstance(a, RequestReceived)]


def test_responses_for_unknown_transactions_are_stray() -> None:
    layer = TransactionLayer()
    response = make_response(request(), 200, to_tag="x")
    assert isinstance(response, Response)
    (stray,) = layer.receive_response(response, UDP, 0.0)
    assert isinstance(stray, StrayResponse)


def test_events_name_their_transaction() -> None:
    layer = TransactionLayer()
    tx, _ = layer.send(request(), UDP, 0.0)
    out = layer.receive_response(make_response(tx.request, 404, to_tag="z"), UDP, 0.1)
    (event,) = [a for a in out if isinstance(a, ResponseReceived)]
    assert event.transaction is tx
    assert isinstance(run(layer, 40.0)[-1][1], Terminated)
    assert not isinstance(run(layer, 80.0), TimedOut)
