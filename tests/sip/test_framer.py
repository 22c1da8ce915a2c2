"""The stream framer: a TCP byte stream in, whole SIP messages out."""

from __future__ import annotations

import pytest

from switchboard.sip.errors import SipParseError
from switchboard.sip.framer import StreamFramer
from switchboard.sip.parser import parse_message
from tests.sip.torture import NAMES, load

ONE = (
    b"OPTIONS sip:a@example.com SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\n"
    b"Content-Length: 5\r\n\r\nhello"
)
TWO = b"BYE sip:a@example.com SIP/2.0\r\nl: 3\r\n\r\nbye"


def test_two_messages_in_one_read() -> None:
    framer = StreamFramer()
    assert framer.feed(ONE + TWO) == [ONE, TWO]
    assert framer.buffered == 0


def test_one_byte_at_a_time() -> None:
    framer = StreamFramer()
    out: list[bytes] = []
    for byte in ONE + TWO:
        out += framer.feed(bytes([byte]))
    assert out == [ONE, TWO]


def test_keepalives_between_messages_are_skipped() -> None:
    framer = StreamFramer()
    assert framer.feed(b"\r\n\r\n") == []
    assert framer.feed(b"\r\n" + ONE + b"\r\n\r\n") == [ONE]
    assert framer.feed(b"\r") == []
    assert framer.feed(b"\n" + TWO) == [TWO]


def test_the_body_may_arrive_later() -> None:
    framer = StreamFramer()
    head, body = ONE[:-5], ONE[-5:]
    assert framer.feed(head) == []
    assert framer.feed(body[:2]) == []
    assert framer.feed(body[2:]) == [ONE]


def test_no_content_length_on_a_stream_means_no_body() -> None:
    message = b"ACK sip:a@x SIP/2.0\r\nVia: SIP/2.0/TCP h\r\n\r\n"
    assert StreamFramer().feed(message + TWO) == [message, TWO]


def test_folded_and_compact_content_length() -> None:
    message = b"MESSAGE sip:a@x SIP/2.0\r\nL:\r\n  2\r\n\r\nhi"
    assert StreamFramer().feed(message) == [message]


@pytest.mark.parametrize(
    "data",
    [
        b"A sip:a@x SIP/2.0\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx",
        b"A sip:a@x SIP/2.0\r\nContent-Length: -1\r\n\r\n",
        b"A sip:a@x SIP/2.0\r\nContent-Length: ten\r\n\r\n",
    ],
)
def test_framing_errors_break_the_stream(data: bytes) -> None:
    framer = StreamFramer()
    with pytest.raises(SipParseError):
        framer.feed(data)
    with pytest.raises(SipParseError):
        framer.feed(ONE)  # no resynchronisation: close the connection


def test_size_limits() -> None:
    with pytest.raises(SipParseError) as caught:
        StreamFramer(max_size=100).feed(b"A sip:a@x SIP/2.0\r\nX: " + b"y" * 200)
    assert caught.value.status == 513
    with pytest.raises(SipParseError) as caught:
        StreamFramer(max_size=100).feed(b"A sip:a@x SIP/2.0\r\nContent-Length: 90\r\n\r\n")
    assert caught.value.status == 513


def test_every_torture_message_with_a_content_length_frames_exactly() -> None:
    """Given the torture messages on one stream, each comes out as sent
    (those without a Content-Length, or with a wrong one, cannot be framed)."""
    framable = []
    for name in NAMES:
        data = load(name)
        try:
            message = parse_message(data)
        except SipParseError:
            continue
        if b"\r\ncontent-length" in data.lower() or b"\r\nl:" in data.lower():
            framable.append(data[: data.index(b"\r\n\r\n") + 4] + message.body)
    framer = StreamFramer()
    assert framer.feed(b"".join(framable)) == framable
    assert len(framable) >= 30
