"""RFC 4475 messages that must be refused: with which response, or dropped.

A request is refused either by the parser (`SipParseError`, for bad syntax) or
by `validate_request` (for what a UAS must check after parsing). Either way the
response is built only when the request's Via, From, To, Call-ID and CSeq allow
it; otherwise the message is dropped. Invalid responses are always dropped.
"""

from __future__ import annotations

import pytest

from switchboard.sip.errors import SipParseError
from switchboard.sip.message import Request, Response, can_respond, error_response, make_response
from switchboard.sip.parser import parse_message
from switchboard.sip.uri import AbsoluteURI
from switchboard.sip.validate import check_response, validate_request
from tests.sip.torture import check, refused, request, response


def answered(error: SipParseError) -> Response:
    """The response our UAS sends back for a refused request."""
    assert error.can_respond
    answer = error_response(error, to_tag="sb1")
    assert answer is not None
    assert answer.status == error.status
    assert answer.encode().startswith(f"SIP/2.0 {error.status} ".encode())
    return answer


def rejected(msg: Request, status: int) -> Response:
    """Given a parsed request, when validated, then refused with `status`."""
    rejection = check(msg)
    assert rejection is not None
    assert rejection.status == status, rejection
    answer = make_response(
        msg, rejection.status, rejection.reason, to_tag="sb1", headers=rejection.headers
    )
    again = parse_message(answer.encode())
    assert isinstance(again, Response)
    assert again == answer
    return answer


@pytest.mark.parametrize(
    "name", ["badinv01", "clerr", "ncl", "scalar02", "quotbal", "ltgtruri", "lwsruri",
             "lwsstart", "trws", "regbadct", "badaspec", "baddn", "mcl01"],
)  # fmt: skip
def test_syntax_errors_get_a_400(name: str) -> None:  # §3.1.2.x, §3.3.9
    error = refused(name)
    assert error.status == 400
    answer = answered(error)
    request_headers = error.headers
    assert request_headers is not None
    assert answer.headers.get_all("Via") == request_headers.get_all("Via")
    assert answer.headers.get("Call-ID") == request_headers.get("Call-ID")
    assert answer.headers.get("CSeq") == request_headers.get("CSeq")


def test_badinv01_extra_separators_in_via_and_contact() -> None:  # §3.1.2.1
    error = refused("badinv01")
    assert "Via" in error.detail
    answer = answered(error)
    # The Via is copied as it came: the response goes back along it.
    assert answer.headers.get("Via") == "SIP/2.0/UDP 192.0.2.15;;,;,,"
    assert answer.headers.get("To") == "sip:j.user@example.com;tag=sb1"


def test_clerr_content_length_beyond_the_datagram() -> None:  # §3.1.2.2
    error = refused("clerr")
    assert "Content-Length" in error.detail
    assert answered(error).headers.call_id() == "clerr.0ha0isndaksdjweiafasdk3"


def test_ncl_negative_content_length() -> None:  # §3.1.2.3
    assert "'-999'" in refused("ncl").detail


def test_scalar02_overlarge_request_scalars() -> None:  # §3.1.2.4
    error = refused("scalar02")
    assert "CSeq" in error.detail
    # The response still names the request's CSeq, as received.
    assert answered(error).headers.get("CSeq") == "36893488147419103232 REGISTER"


def test_scalarlg_overlarge_response_scalars_are_dropped() -> None:  # §3.1.2.5
    error = refused("scalarlg")
    assert not error.can_respond
    assert error_response(error) is None


def test_quotbal_unterminated_quote() -> None:  # §3.1.2.6
    error = refused("quotbal")
    assert "quoted" in error.detail
    answer = answered(error)
    # An unparseable To is echoed untouched (no tag: this can never be a dialog).
    assert answer.headers.get("To") == '"Mr. J. User <sip:j.user@example.com>'


@pytest.mark.parametrize("name", ["ltgtruri", "lwsruri", "lwsstart", "trws"])
def test_request_line_spacing_and_brackets(name: str) -> None:  # §3.1.2.7-10
    error = refused(name)
    assert "Request-Line" in error.detail or "URI" in error.detail
    assert answered(error).status == 400


def test_escruri_headers_in_the_request_uri() -> None:  # §3.1.2.11
    msg = request("escruri")
    rejected(msg, 400)
    assert can_respond(msg.headers)


def test_baddate_time_zone_other_than_gmt() -> None:  # §3.1.2.12
    msg = request("baddate")
    assert rejected(msg, 400).reason == "Bad Date"
    # The RFC allows a tolerant UAS; so does validate_request.
    assert validate_request(msg, strict_date=False) is None


def test_regbadct_bare_uri_with_a_header() -> None:  # §3.1.2.13
    assert "<>" in refused("regbadct").detail


def test_badaspec_spaces_inside_angle_brackets() -> None:  # §3.1.2.14
    assert "To" in refused("badaspec").detail


def test_baddn_comma_in_an_unquoted_display_name() -> None:  # §3.1.2.15
    assert "display name" in refused("baddn").detail


def test_badvers_unknown_protocol_version() -> None:  # §3.1.2.16
    error = refused("badvers")
    assert (error.status, error.reason) == (505, "Version Not Supported")
    assert answered(error).status == 505


def test_mismatch01_cseq_method_differs() -> None:  # §3.1.2.17
    rejected(request("mismatch01"), 400)


def test_mismatch02_unknown_method_and_cseq_mismatch() -> None:  # §3.1.2.18
    msg = request("mismatch02")
    assert msg.method == "NEWMETHOD"
    assert rejected(msg, 400).reason == "CSeq Method Does Not Match"  # before any 501


def test_bigcode_overlarge_status_code_is_dropped() -> None:  # §3.1.2.19
    error = refused("bigcode")
    assert not error.can_respond


def test_insuf_missing_required_headers_is_dropped() -> None:  # §3.3.1
    msg = request("insuf")
    rejection = check(msg)
    assert rejection is not None
    assert rejection.status == 400
    # No From, To or Call-ID: nothing a client could match a response to.
    assert not can_respond(msg.headers)


def test_unkscm_unknown_request_uri_scheme() -> None:  # §3.3.2
    msg = request("unkscm")
    assert msg.uri == AbsoluteURI("nobodyknowsthisscheme", "totallyopaquecontent")
    rejected(msg, 416)


def test_bext01_unknown_require_options() -> None:  # §3.3.5
    msg = request("bext01")
    answer = rejected(msg, 420)
    # As a UAS we list the Require tags; Proxy-Require is for proxies (§20.29).
    assert answer.headers.unsupported() == ["nothingSupportsThis", "nothingSupportsThisEither"]
    assert msg.headers.proxy_require() == ["noProxiesSupportThis", "norDoAnyProxiesSupportThis"]
    supported = {"nothingSupportsThis", "nothingSupportsThisEither"}
    assert validate_request(msg, supported=supported) is None


def test_invut_unknown_content_type() -> None:  # §3.3.6
    msg = request("invut")
    answer = rejected(msg, 415)
    assert answer.headers.get("Accept") == "application/sdp"
    assert len(msg.body) == 40


def test_multi01_single_value_headers_repeated_is_dropped() -> None:  # §3.3.8
    msg = request("multi01")
    rejection = check(msg)
    assert rejection is not None
    assert rejection.status == 400
    assert not can_respond(msg.headers)  # which Call-ID would we answer?


def test_mcl01_two_content_lengths() -> None:  # §3.3.9
    error = refused("mcl01")
    assert "more than one Content-Length" in error.detail
    assert answered(error).status == 400


def test_bcast_response_with_a_broadcast_via_is_dropped() -> None:  # §3.3.10
    msg = response("bcast")
    vias = msg.headers.vias()
    assert [v.host for v in vias] == ["192.0.2.198", "255.255.255.255"]
    assert check_response(msg) is not None  # a UAC takes only one-Via responses


def test_sdp01_accept_without_sdp() -> None:  # §3.3.15
    msg = request("sdp01")
    accept = msg.headers.accept()
    assert accept is not None
    assert [m.mime_type for m in accept] == ["text/nobodyknowsthis"]
    rejected(msg, 406)
