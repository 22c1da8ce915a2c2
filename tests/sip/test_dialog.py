"""Dialogs: created by a UAS answering and by a UAC receiving, in-dialog requests with
route sets and CSeq, target refresh, and the CSeq rule."""

from __future__ import annotations

import pytest

from switchboard.sip.address import parse_address
from switchboard.sip.dialog import (
    Dialog,
    DialogError,
    DialogState,
    dialog_id_of_request,
    dialog_id_of_response,
)
from switchboard.sip.message import Request, make_response
from switchboard.sip.parser import parse_message

INVITE = (
    "INVITE sip:1001@10.0.0.1 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bK-i1\r\n"
    "Record-Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>\r\n"
    "Max-Forwards: 70\r\n"
    'From: "Alice" <sip:alice@example.com>;tag=a1\r\n'
    "To: <sip:1001@10.0.0.1>\r\n"
    "Call-ID: c1@10.0.0.9\r\n"
    "CSeq: 10 INVITE\r\n"
    "Contact: <sip:alice@10.0.0.9:5060>\r\n"
    "Content-Length: 0\r\n\r\n"
)


def invite() -> Request:
    parsed = parse_message(INVITE.encode())
    assert isinstance(parsed, Request)
    return parsed


VIA = "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-x"


def test_a_uas_dialog_routes_through_the_record_route_in_order() -> None:
    dialog = Dialog.as_uas(invite(), "b1")
    assert dialog.id == ("c1@10.0.0.9", "b1", "a1")
    assert dialog.state is DialogState.EARLY
    bye = dialog.request("BYE", VIA)
    assert str(bye.uri) == "sip:alice@10.0.0.9:5060"
    assert bye.headers.get_all("Route") == [
        "<sip:p1.example.com;lr>",
        "<sip:p2.example.com;lr>",
    ]
    assert bye.headers.get("From") == "<sip:1001@10.0.0.1>;tag=b1"
    assert bye.headers.get("To") == '"Alice" <sip:alice@example.com>;tag=a1'
    cseq = bye.headers.cseq()
    assert cseq is not None
    assert (cseq.seq, cseq.method) == (1, "BYE")


def test_a_uac_dialog_reverses_the_route_set_and_counts_from_the_invite() -> None:
    request = invite()
    response = make_response(
        request,
        200,
        to_tag="b1",
        headers=[
            ("Record-Route", "<sip:p1.example.com;lr>, <sip:p2.example.com;lr>"),
            ("Contact", "<sip:1001@10.0.0.1:5062>"),
        ],
    )
    dialog = Dialog.as_uac(request, response)
    assert dialog.state is DialogState.CONFIRMED
    assert dialog.id == ("c1@10.0.0.9", "a1", "b1")
    assert dialog_id_of_response(response) == dialog.id
    reinvite = dialog.request("INVITE", VIA, body=b"v=0\r\n", content_type="application/sdp")
    cseq = reinvite.headers.cseq()
    assert cseq is not None
    assert cseq.seq == 11
    assert [r for r in reinvite.headers.get_all("Route")] == [
        "<sip:p2.example.com;lr>",
        "<sip:p1.example.com;lr>",
    ]
    assert str(reinvite.uri) == "sip:1001@10.0.0.1:5062"
    ack = dialog.request("ACK", VIA, cseq=10)
    ack_cseq = ack.headers.cseq()
    assert ack_cseq is not None
    assert str(ack_cseq) == "10 ACK"
    assert dialog.local_seq == 11


def test_the_remote_cseq_must_not_go_backwards_and_a_reinvite_refreshes_the_target() -> None:
    dialog = Dialog.as_uas(invite(), "b1")
    dialog.confirm(make_response(invite(), 200, to_tag="b1"))
    later = parse_message(
        INVITE.replace("CSeq: 10 INVITE", "CSeq: 11 INVITE")
        .replace("To: <sip:1001@10.0.0.1>", "To: <sip:1001@10.0.0.1>;tag=b1")
        .replace("alice@10.0.0.9:5060>", "alice@10.0.0.77:5090>")
        .encode()
    )
    assert isinstance(later, Request)
    assert dialog_id_of_request(later) == dialog.id
    assert dialog.check_request(later) is None
    assert str(dialog.remote_target) == "sip:alice@10.0.0.77:5090"
    older = parse_message(
        INVITE.replace("CSeq: 10 INVITE", "CSeq: 9 BYE").replace("INVITE sip", "BYE sip").encode()
    )
    assert isinstance(older, Request)
    assert dialog.check_request(older) == 500


def test_an_rfc2543_caller_without_tag_or_contact_still_gets_a_dialog() -> None:
    bare = parse_message(
        INVITE.replace(";tag=a1", "").replace("Contact: <sip:alice@10.0.0.9:5060>\r\n", "").encode()
    )
    assert isinstance(bare, Request)
    dialog = Dialog.as_uas(bare, "b1")
    assert dialog.id == ("c1@10.0.0.9", "b1", "")
    assert str(dialog.remote_target) == "sip:alice@example.com"
    with pytest.raises(DialogError, match="CSeq"):
        Dialog.as_uas(invite(), "b1").request("ACK", VIA)


def test_a_contact_address_can_be_given_for_target_refresh() -> None:
    dialog = Dialog.as_uas(invite(), "b1")
    contact = parse_address("<sip:switchboard@10.0.0.1:5060>")
    reinvite = dialog.request("INVITE", VIA, contact=contact)
    assert reinvite.headers.get("Contact") == "<sip:switchboard@10.0.0.1:5060>"
