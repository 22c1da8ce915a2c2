"""Fuzzing the parser: no input makes it raise anything but SipParseError.

Inputs are the RFC 4475 messages mutated the ways broken peers and broken
networks mutate SIP (flipped and inserted bytes, deleted runs, truncations,
repeated header lines, stray CRLFs, huge numbers), plus plain random bytes.
Whatever parses must also re-serialise and re-parse to an equal message, and
every typed accessor must work on it (the parser has checked them all).

Set CI to run 10,000 cases per property (the CI profile); 500 otherwise.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from switchboard.sip.address import parse_address
from switchboard.sip.errors import SipParseError
from switchboard.sip.framer import StreamFramer
from switchboard.sip.headers import Headers
from switchboard.sip.message import Request, error_response, make_response
from switchboard.sip.parser import parse_message
from switchboard.sip.uri import parse_uri
from switchboard.sip.validate import check_response, validate_request
from switchboard.sip.via import parse_via
from tests.sip.torture import NAMES, load

EXAMPLES = 10_000 if os.environ.get("CI") else 500
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

SEEDS = [load(name) for name in NAMES]
PIECES = [
    b"\r\n", b"\r\n ", b"\r\n\r\n", b" ", b"\t", b",", b";", b":", b"=", b"<", b">", b'"', b"\\",
    b"%", b"%0", b"@", b"?", b"&", b"/", b"[", b"]", b"\x00", b"\xff", b"\xc3", b"\n", b"\r",
    b"99999999999999999999", b"-1", b"SIP/2.0", b"sip:", b"tel:", b";tag=", b"z9hG4bK",
    b"Content-Length: 5\r\n", b"l: 0\r\n", b"Via: SIP/2.0/UDP h\r\n", b"\xe2\x82\xac",
]  # fmt: skip


# Weighted: destructive edits (truncation, deletion) mostly end in "no empty
# line"; the others reach deeper into the grammar.
OPS = ["flip", "insert", "piece", "piece", "piece", "delete", "truncate", "dup", "dup", "crlf"]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(OPS))
        at = draw(st.integers(0, len(data)))
        if op == "flip" and data:
            at = min(at, len(data) - 1)
            data[at] = draw(st.integers(0, 255))
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif op == "piece":
            data[at:at] = draw(st.sampled_from(PIECES))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 40))]
        elif op == "truncate":
            del data[at:]
        elif op == "crlf":
            data[at:at] = b"\r\n"
        elif op == "dup":
            lines = bytes(data).split(b"\r\n")
            index = draw(st.integers(0, len(lines) - 1))
            lines.insert(index, lines[index])
            data = bytearray(b"\r\n".join(lines))
    return bytes(data)


def exercise(headers: Headers) -> None:
    """Every typed accessor answers, and typed values round-trip through str()."""
    for via in headers.vias():
        assert parse_via(str(via)) == via
    addresses = [headers.from_(), headers.to(), *headers.contacts(), *headers.routes()]
    for address in [*addresses, *headers.record_routes()]:
        if address is not None:
            assert parse_address(str(address)) == address
            assert parse_uri(str(address.uri)) == address.uri
            assert address.q is None or 0 <= address.q <= 1
            assert address.expires is None or address.expires >= 0
            if (uri := address.sip_uri) is not None:
                assert (uri.unescaped_user, uri.transport, uri.ttl, uri.maddr) is not None
    headers.call_id()
    headers.cseq()
    headers.max_forwards()
    headers.content_type()
    headers.expires()
    headers.accept()
    headers.contact_wildcard()
    for tokens in (
        headers.require(),
        headers.proxy_require(),
        headers.supported(),
        headers.allow(),
    ):
        assert all(tokens)
    for auth in (*headers.authorization(), *headers.www_authenticate()):
        assert str(auth)
    headers.proxy_authorization()
    headers.proxy_authenticate()
    headers.unsupported()
    headers.content_encoding()


def check_any_input(data: bytes) -> None:
    refusal: SipParseError | None = None
    try:
        message = parse_message(data)
    except SipParseError as error:
        refusal = error
    if refusal is not None:
        answer = error_response(refusal, to_tag="fz")
        assert (answer is None) == (not refusal.can_respond)
        if answer is not None:
            assert answer.encode().startswith(b"SIP/2.0 ")
        return
    wire = message.encode()
    again = parse_message(wire)
    assert again == message
    assert again.encode() == wire
    exercise(message.headers)
    if isinstance(message, Request):
        rejection = validate_request(message, allowed_methods={"INVITE", "ACK", "BYE"})
        if rejection is not None:
            make_response(message, rejection.status, rejection.reason, headers=rejection.headers)
    else:
        check_response(message)


@FUZZ
@given(mutated())
def test_mutated_torture_messages(data: bytes) -> None:
    check_any_input(data)


@FUZZ
@given(st.binary(max_size=1500))
def test_random_bytes(data: bytes) -> None:
    check_any_input(data)
    check_any_input(b"INVITE sip:a@b SIP/2.0\r\n" + data)


@settings(FUZZ, max_examples=EXAMPLES // 2)
@given(mutated(), st.lists(st.integers(1, 300), min_size=1, max_size=20))
def test_stream_framer_on_mutated_streams(data: bytes, cuts: list[int]) -> None:
    """Given a mutated stream cut anywhere, the framer and parser raise only SipParseError."""
    framer = StreamFramer(max_size=4096)
    stream = data + data
    position = 0
    try:
        for cut in [*cuts, len(stream)]:
            for message in framer.feed(stream[position : position + cut]):
                check_any_input(message)
            position += cut
    except SipParseError:
        pass
