"""The message parser's framing rules, the serializer, and building responses."""

from __future__ import annotations

import pytest

from switchboard.sip.errors import SipParseError
from switchboard.sip.headers import Headers
from switchboard.sip.message import (
    Request,
    Response,
    error_response,
    make_response,
    reason_phrase,
)
from switchboard.sip.parser import parse_message
from switchboard.sip.uri import SipURI

HEAD = (
    b"INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
    b"Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n"
    b"Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bK1\r\n"
    b"Max-Forwards: 70\r\n"
    b"To: Bob <sip:bob@biloxi.example.com>\r\n"
    b"From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
    b"Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
    b"CSeq: 314159 INVITE\r\n"
    b"Contact: <sip:alice@pc33.atlanta.example.com>\r\n"
    b"Timestamp: 54\r\n"
)


def parse_request(data: bytes) -> Request:
    msg = parse_message(data)
    assert isinstance(msg, Request)
    return msg


def refused(data: bytes) -> SipParseError:
    with pytest.raises(SipParseError) as caught:
        parse_message(data)
    return caught.value


def test_a_canonical_message_serialises_to_its_own_bytes() -> None:
    data = HEAD + b"Content-Type: application/sdp\r\nContent-Length: 4\r\n\r\nv=0\n"
    msg = parse_request(data)
    assert msg.encode() == data
    assert bytes(msg) == data


def test_content_length_is_recomputed_and_written_last() -> None:
    msg = parse_request(HEAD + b"Content-Length: 0\r\nSubject: hi\r\n\r\n")
    msg.body = b"hello"
    msg.headers.add("Content-Length", "999")  # ignored: the body decides
    wire = msg.encode()
    assert wire.endswith(b"Subject: hi\r\nContent-Length: 5\r\n\r\nhello")
    assert wire.count(b"Content-Length") == 1


def test_a_request_built_by_hand() -> None:
    msg = Request("OPTIONS", SipURI("example.com", "bob"), Headers([("Max-Forwards", 70)]))
    assert msg.encode() == (
        b"OPTIONS sip:bob@example.com SIP/2.0\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
    )


def test_a_reason_phrase_cannot_smuggle_a_line() -> None:
    with pytest.raises(ValueError, match="CR or LF"):
        Response(200, "OK\r\nVia: x").encode()


def test_leading_crlfs_are_skipped_and_lone_ones_are_not_a_message() -> None:
    msg = parse_request(b"\r\n\r\n" + HEAD + b"Content-Length: 0\r\n\r\n")
    assert msg.method == "INVITE"
    for keepalive in (b"", b"\r\n", b"\r\n\r\n"):
        assert not refused(keepalive).can_respond


def test_folded_lines_and_spaces_before_the_colon() -> None:
    msg = parse_request(HEAD + b"Subject :\r\n  I know\r\n\tyou're there\r\nl: 0\r\n\r\n")
    assert msg.headers.get("subject") == "I know you're there"


@pytest.mark.parametrize(
    ("tail", "detail"),
    [
        (b"Subject: a\nb\r\n\r\n", "bare CR/LF"),
        (b"Subject: \xff\xfe\r\n\r\n", "UTF-8"),
        (b"No colon here\r\n\r\n", "bad header line"),
        (b"Bad Name: x\r\n\r\n", "bad header line"),
        (b": x\r\n\r\n", "bad header line"),
        (b"Content-Length: 10\r\n\r\nshort", "bytes of body"),
        (b"Content-Length: 1, 1\r\n\r\nx", "not a number"),
        (b"Content-Length: 0\r\nl: 0\r\n\r\n", "more than one Content-Length"),
        (b"Content-Length: 99999999999999999999\r\n\r\n", "larger than"),
        (b"Subject: x\r\n", "no empty line"),
    ],
)
def test_malformed_requests_answered_400(tail: bytes, detail: str) -> None:
    error = refused(HEAD + tail)
    assert error.status == 400
    assert detail in error.detail
    assert error.can_respond
    answer = error_response(error, to_tag="x")
    assert answer is not None
    assert answer.headers.get("To") == "Bob <sip:bob@biloxi.example.com>;tag=x"


def test_a_continuation_line_right_after_the_start_line() -> None:
    error = refused(
        b"OPTIONS sip:a@x SIP/2.0\r\n folded\r\n" + HEAD[HEAD.index(b"\r\n") + 2 :] + b"\r\n"
    )
    assert "white space before the first header" in error.detail
    assert error.can_respond


@pytest.mark.parametrize(
    "line",
    [
        b"INVITE sip:bob@x SIP/2.0 ", b"INVITE  sip:bob@x SIP/2.0", b"INVITE sip:bob@x\tSIP/2.0",
        b"INVITE sip:bob@x", b"INVITE <sip:bob@x> SIP/2.0", b"IN\"VITE sip:bob@x SIP/2.0",
        b"INVITE sip:bob@x SIP/2", b"INVITE sip:bob@x HTTP/1.1",
    ],
)  # fmt: skip
def test_request_line_rules(line: bytes) -> None:
    error = refused(line + HEAD[HEAD.index(b"\r\n") :] + b"\r\n")
    assert error.status == 400
    assert error.can_respond


def test_only_sip_2_0() -> None:
    error = refused(b"INVITE sip:bob@x SIP/3.0" + HEAD[HEAD.index(b"\r\n") :] + b"\r\n")
    assert error.status == 505
    assert parse_request(b"INVITE sip:bob@x sip/2.0" + HEAD[HEAD.index(b"\r\n") :] + b"\r\n")


def test_message_too_large() -> None:
    data = HEAD + b"Content-Length: 2000\r\n\r\n" + b"x" * 2000
    assert parse_message(data, max_size=len(data)).body == b"x" * 2000
    error = parse_error(data, max_size=1500)
    assert (error.status, error.reason) == (513, "Message Too Large")
    assert error.can_respond


def parse_error(data: bytes, *, max_size: int) -> SipParseError:
    with pytest.raises(SipParseError) as caught:
        parse_message(data, max_size=max_size)
    return caught.value


@pytest.mark.parametrize(
    "line",
    [b"SIP/2.0 99 Odd", b"SIP/2.0 700 Odd", b"SIP/2.0 2000 OK", b"SIP/2.0 20 OK", b"SIP/2.0 OK",
     b"SIP/2.0 200 O\x01K", b"SIP/3.0 200 OK", b"SIP/2.0  200 OK"],
)  # fmt: skip
def test_bad_status_lines_are_dropped(line: bytes) -> None:
    error = refused(line + HEAD[HEAD.index(b"\r\n") :] + b"\r\n")
    assert not error.can_respond


def test_responses_without_a_reason_phrase() -> None:
    for line in (b"SIP/2.0 180 ", b"SIP/2.0 180"):
        msg = parse_message(line + HEAD[HEAD.index(b"\r\n") :] + b"\r\n")
        assert isinstance(msg, Response)
        assert (msg.status, msg.reason) == (180, "")


def test_make_response_copies_what_rfc3261_8_2_6_says() -> None:
    request = parse_request(HEAD + b"Content-Length: 0\r\n\r\n")
    answer = make_response(request, 486, to_tag="b0b")
    assert answer.reason == "Busy Here"
    assert list(answer.headers) == [
        ("Via", "SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds"),
        ("Via", "SIP/2.0/UDP proxy.example.com;branch=z9hG4bK1"),
        ("From", "Alice <sip:alice@atlanta.example.com>;tag=1928301774"),
        ("To", "Bob <sip:bob@biloxi.example.com>;tag=b0b"),
        ("Call-ID", "a84b4c76e66710@pc33.atlanta.example.com"),
        ("CSeq", "314159 INVITE"),
    ]
    assert parse_message(answer.encode()) == answer


def test_a_100_trying_echoes_the_timestamp_and_takes_no_tag() -> None:
    request = parse_request(HEAD + b"Content-Length: 0\r\n\r\n")
    trying = make_response(request, 100)
    assert trying.headers.get("Timestamp") == "54"
    to = trying.headers.to()
    assert to is not None
    assert to.tag is None


def test_an_existing_to_tag_is_kept_and_extra_headers_added() -> None:
    request = parse_request(
        HEAD.replace(b"To: Bob <sip:bob@biloxi.example.com>", b"To: <sip:bob@x>;tag=old")
        + b"Content-Length: 0\r\n\r\n"
    )
    answer = make_response(
        request, 200, "Fine", to_tag="new", headers=[("Contact", "<sip:b@y>")], body=b"v=0\r\n"
    )
    assert answer.headers.get("To") == "<sip:bob@x>;tag=old"
    assert answer.headers.get("Contact") == "<sip:b@y>"
    assert answer.encode().endswith(b"Content-Length: 5\r\n\r\nv=0\r\n")
    assert answer.reason == "Fine"


def test_reason_phrases() -> None:
    assert reason_phrase(200) == "OK"
    assert reason_phrase(487) == "Request Terminated"
    assert reason_phrase(499) == "Bad Request"
    assert reason_phrase(799) == "Unknown"
