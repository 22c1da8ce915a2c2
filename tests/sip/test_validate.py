"""UAS checks after parsing: the policy knobs of validate_request, and check_response."""

from __future__ import annotations

from switchboard.sip.message import Request, Response
from switchboard.sip.parser import parse_message
from switchboard.sip.validate import check_response, validate_request

BASE = (
    "{method} sip:agent@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n"
    "From: <sip:caller@example.net>;tag=1\r\n"
    "To: <sip:agent@example.com>\r\n"
    "Call-ID: v1@192.0.2.1\r\n"
    "CSeq: 1 {method}\r\n"
    "Max-Forwards: 70\r\n"
    "{extra}"
    "Content-Length: {length}\r\n\r\n"
)
SDP = b"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"


def make(method: str = "INVITE", extra: str = "", body: bytes = b"") -> Request:
    text = BASE.format(method=method, extra=extra, length=len(body))
    msg = parse_message(text.encode() + body)
    assert isinstance(msg, Request)
    return msg


def status(
    msg: Request,
    *,
    supported: frozenset[str] = frozenset(),
    allowed_methods: set[str] | None = None,
    schemes: frozenset[str] = frozenset({"sip", "sips"}),
    forwarding: bool = False,
) -> int | None:
    rejection = validate_request(
        msg,
        supported=supported,
        allowed_methods=allowed_methods,
        schemes=schemes,
        forwarding=forwarding,
    )
    return None if rejection is None else rejection.status


def test_a_plain_invite_with_sdp_passes() -> None:
    assert status(make(extra="Content-Type: application/sdp\r\n", body=SDP)) is None


def test_a_body_needs_a_content_type() -> None:
    assert status(make(body=SDP)) == 400


def test_info_takes_dtmf_relay_and_not_sdp() -> None:
    dtmf = b"Signal=5\r\nDuration=160\r\n"
    assert status(make("INFO", "Content-Type: application/dtmf-relay\r\n", dtmf)) is None
    rejection = validate_request(make("INFO", "Content-Type: application/sdp\r\n", SDP))
    assert rejection is not None
    assert (rejection.status, rejection.headers) == (415, (("Accept", "application/dtmf-relay"),))


def multipart(*parts: tuple[str, bytes]) -> bytes:
    chunks = [b"--b1\r\nContent-Type: " + kind.encode() + b"\r\n\r\n" + body + b"\r\n"
              for kind, body in parts]  # fmt: skip
    return b"".join(chunks) + b"--b1--\r\n"


def test_multipart_mixed_only_with_an_sdp_part() -> None:
    header = 'Content-Type: multipart/mixed;boundary="b1"\r\n'
    with_sdp = multipart(("application/sdp", SDP), ("application/isup", b"\x01\x02"))
    assert status(make(extra=header, body=with_sdp)) is None
    without = multipart(("text/plain", b"hi"))
    assert status(make(extra=header, body=without)) == 415


def test_unknown_content_encoding() -> None:
    rejection = validate_request(
        make(extra="Content-Type: application/sdp\r\nContent-Encoding: gzip\r\n", body=SDP)
    )
    assert rejection is not None
    assert (rejection.status, rejection.headers) == (415, (("Accept-Encoding", "identity"),))


def test_methods_405_with_allow_or_501() -> None:
    allowed = {"INVITE", "BYE"}
    rejection = validate_request(make("SUBSCRIBE"), allowed_methods=allowed)
    assert rejection is not None
    assert (rejection.status, rejection.headers) == (405, (("Allow", "BYE, INVITE"),))
    assert status(make("FROB"), allowed_methods=allowed) == 501
    assert status(make("FROB")) is None  # no method policy given


def test_require_and_supported() -> None:
    assert status(make(extra="Require: 100rel\r\n")) == 420
    assert status(make(extra="Require: 100rel\r\n"), supported=frozenset({"100rel"})) is None
    assert status(make("CANCEL", "Require: 100rel\r\n")) is None  # §8.2.2.3
    assert status(make(extra="Proxy-Require: foo\r\n")) is None  # a proxy's business


def test_max_forwards_zero_only_matters_when_forwarding() -> None:
    assert status(make(), forwarding=True) is None
    zero = parse_message(make().encode().replace(b"Max-Forwards: 70", b"Max-Forwards: 0"))
    assert isinstance(zero, Request)
    assert status(zero) is None
    assert status(zero, forwarding=True) == 483


def test_accept_must_cover_sdp_for_an_invite() -> None:
    assert status(make(extra="Accept: application/*\r\n")) is None
    assert status(make(extra="Accept: text/html\r\n")) == 406
    assert status(make(extra="Accept:\r\n")) == 406  # empty: nothing acceptable
    assert status(make("OPTIONS", "Accept: text/html\r\n")) is None


def test_sips_request_uri_and_custom_schemes() -> None:
    sips = parse_message(make().encode().replace(b"INVITE sip:", b"INVITE sips:", 1))
    assert isinstance(sips, Request)
    assert status(sips) is None
    assert status(sips, schemes=frozenset({"sip"})) == 416


def test_a_repeated_single_value_header() -> None:
    assert status(make(extra="Subject: a\r\nSubject: b\r\n")) == 400
    assert status(make(extra="Supported: a\r\nSupported: b\r\n")) is None


def response(extra: str = "", vias: int = 1) -> Response:
    text = (
        "SIP/2.0 200 OK\r\n"
        + "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n" * vias
        + (
            "From: <sip:a@x>;tag=1\r\nTo: <sip:b@y>;tag=2\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n"
            f"{extra}Content-Length: 0\r\n\r\n"
        )
    )
    msg = parse_message(text.encode())
    assert isinstance(msg, Response)
    return msg


def test_check_response() -> None:
    assert check_response(response()) is None
    assert check_response(response(vias=2)) == "more than one Via: not for us"
    assert check_response(response("To: <sip:c@z>\r\n")) == "more than one To"
    no_call_id = response()
    no_call_id.headers.remove("Call-ID")
    assert check_response(no_call_id) == "no Call-ID"
