"""Header names, the Headers multi-map, list splitting and the typed header values."""

from __future__ import annotations

import pytest

from switchboard.sip.address import parse_address
from switchboard.sip.auth import AuthParam, parse_auth
from switchboard.sip.errors import SipParseError
from switchboard.sip.grammar import Params, split_list
from switchboard.sip.headers import COMPACT_FORMS, Headers, canonical_name
from switchboard.sip.message import Request
from switchboard.sip.parser import parse_message
from switchboard.sip.uri import SipURI
from switchboard.sip.values import format_date, parse_cseq, parse_date, parse_media_type
from switchboard.sip.via import parse_via, parse_via_list

# -- names ---------------------------------------------------------------------


@pytest.mark.parametrize(("short", "long"), sorted(COMPACT_FORMS.items()))
def test_compact_forms_expand_on_the_way_in(short: str, long: str) -> None:
    headers = Headers([(short.upper(), "x")])
    assert list(headers) == [(long, "x")]
    assert headers.get(short) == headers.get(long) == headers.get(long.upper()) == "x"


def test_the_compact_forms_of_rfc3261_and_its_extensions() -> None:
    expected = {"i": "Call-ID", "m": "Contact", "e": "Content-Encoding", "l": "Content-Length",
                "c": "Content-Type", "f": "From", "s": "Subject", "k": "Supported", "t": "To",
                "v": "Via", "o": "Event", "u": "Allow-Events", "r": "Refer-To", "b": "Referred-By",
                "x": "Session-Expires", "y": "Identity"}  # fmt: skip
    assert expected.items() <= COMPACT_FORMS.items()


def test_known_names_are_spelled_canonically_and_unknown_ones_kept() -> None:
    assert canonical_name("cseq") == "CSeq"
    assert canonical_name("CALL-ID") == "Call-ID"
    assert canonical_name("www-authenticate") == "WWW-Authenticate"
    assert canonical_name("X-Custom-thing") == "X-Custom-thing"


def test_a_message_with_compact_and_odd_case_names() -> None:
    msg = parse_message(
        b"OPTIONS sip:a@example.com SIP/2.0\r\nv: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
        b"f: <sip:b@example.com>;tag=1\r\nT: sip:a@example.com\r\ni: abc\r\ncSeQ: 1 OPTIONS\r\n"
        b"K: 100rel, timer\r\nm: *\r\nl: 0\r\n\r\n"
    )
    assert [name for name, _ in msg.headers] == [
        "Via", "From", "To", "Call-ID", "CSeq", "Supported", "Contact",
    ]  # fmt: skip
    assert msg.headers.supported() == ["100rel", "timer"]
    assert msg.headers.contact_wildcard()
    assert msg.headers.contacts() == []


# -- the multi-map -------------------------------------------------------------


def test_headers_keep_order_and_repeats() -> None:
    headers = Headers([("Via", "a"), ("To", "t"), ("via", "b"), ("X-A", "1")])
    assert headers.get_all("VIA") == ["a", "b"]
    assert headers.get("via") == "a"
    assert headers.count("Via") == 2
    assert "x-a" in headers
    assert "X-B" not in headers
    assert len(headers) == 4


def test_set_replaces_in_place_and_remove_removes_all() -> None:
    headers = Headers([("Via", "a"), ("To", "t"), ("Via", "b")])
    headers.set("via", "c")
    assert list(headers) == [("Via", "c"), ("To", "t")]
    headers.set("Subject", "hi")
    assert list(headers)[-1] == ("Subject", "hi")
    assert headers.remove("v") == 1
    assert headers.remove("v") == 0
    assert list(headers) == [("To", "t"), ("Subject", "hi")]


def test_copy_is_independent_and_equality_ignores_name_case() -> None:
    headers = Headers([("To", "t")])
    clone = headers.copy()
    clone.add("From", "f")
    assert len(headers) == 1
    assert Headers([("to", "t")]) == Headers([("TO", "t")])
    assert Headers([("To", "t")]) != Headers([("To", "u")])


def test_typed_values_are_written_with_str() -> None:
    headers = Headers()
    headers.add("Via", parse_via("SIP/2.0/TCP h:5060;branch=z9hG4bK1;rport"))
    headers.add("CSeq", parse_cseq("7 BYE"))
    assert headers.get("Via") == "SIP/2.0/TCP h:5060;branch=z9hG4bK1;rport"
    assert headers.cseq() == parse_cseq("7 BYE")


@pytest.mark.parametrize(
    ("name", "value"),
    [("Subject", "hi\r\nVia: SIP/2.0/UDP evil"), ("Subject", "a\nb"), ("Bad Name", "x"), ("", "x")],
)
def test_header_injection_is_refused(name: str, value: str) -> None:
    headers = Headers()
    with pytest.raises(ValueError, match="invalid header field"):
        headers.add(name, value)
    with pytest.raises(ValueError, match="invalid header field"):
        headers.set(name, value)
    assert len(headers) == 0


# -- list splitting ------------------------------------------------------------


def test_split_list_respects_quotes_and_angle_brackets() -> None:
    value = '"Doe, \\"J\\"" <sip:j@x;a=b>, <sip:k@y?h=v>;q=0.5 ,sip:l@z'
    assert split_list(value) == [
        '"Doe, \\"J\\"" <sip:j@x;a=b>',
        "<sip:k@y?h=v>;q=0.5",
        "sip:l@z",
    ]
    assert split_list("a,,b,") == ["a", "", "b", ""]


def test_empty_list_elements_are_refused_where_it_matters() -> None:
    for value in ("SIP/2.0/UDP h,", "SIP/2.0/UDP h,,SIP/2.0/UDP i", ""):
        with pytest.raises(SipParseError):
            parse_via_list(value)


# -- Via -----------------------------------------------------------------------


def test_via_parameters() -> None:
    via = parse_via(
        "SIP / 2.0 / tcp [2001:db8::1] : 5070 ; branch = z9hG4bKx ; received=192.0.2.1 ;"
        " rport=5071 ; maddr=224.2.0.1 ; ttl=16 ; alias"
    )
    assert (via.protocol, via.transport, via.host, via.port) == (
        "SIP/2.0",
        "TCP",
        "[2001:db8::1]",
        5070,
    )
    assert via.sent_by == ("[2001:db8::1]", 5070)
    assert via.branch == "z9hG4bKx"
    assert via.rfc3261_branch
    assert via.received == "192.0.2.1"
    assert (via.rport_requested, via.rport) == (True, 5071)
    assert (via.maddr, via.ttl) == ("224.2.0.1", 16)
    assert "alias" in via.params
    assert str(via) == (
        "SIP/2.0/TCP [2001:db8::1]:5070;branch=z9hG4bKx;received=192.0.2.1;rport=5071;"
        "maddr=224.2.0.1;ttl=16;alias"
    )
    assert parse_via(str(via)) == via


def test_rport_without_a_value_and_adding_received() -> None:
    via = parse_via("SIP/2.0/UDP pc33.example.com;rport;branch=z9hG4bKnashds7")
    assert via.rport_requested
    assert via.rport is None
    answered = via.with_param("received", "192.0.2.7").with_param("rport", "5090")
    assert str(answered) == (
        "SIP/2.0/UDP pc33.example.com;rport=5090;branch=z9hG4bKnashds7;received=192.0.2.7"
    )


@pytest.mark.parametrize(
    "value",
    [
        "SIP/2.0/UDP", "SIP/2.0 host", "SIP/2.0/UDPhost", "SIP/2.0/UDP host:",
        "SIP/2.0/UDP host:70000",
        "SIP/2.0/UDP host;received=host.example.com", "SIP/2.0/UDP host;ttl=256",
        "SIP/2.0/UDP host;rport=x", "SIP/2.0/UDP host;branch", "SIP/2.0/UDP host;;",
        "SIP/2.0/UDP host junk", "SIP/2.0/UDP -host", "SIP/2.0/UDP [::1",
    ],
)  # fmt: skip
def test_bad_vias(value: str) -> None:
    with pytest.raises(SipParseError):
        parse_via(value)


# -- addresses -----------------------------------------------------------------


def test_name_addr_forms() -> None:
    quoted = parse_address('"A \\"B\\" \\\\C" <sip:a@x>;tag=1;foo')
    assert quoted.display_name == 'A "B" \\C'
    assert quoted.tag == "1"
    assert "foo" in quoted.params
    assert parse_address(str(quoted)) == quoted
    tokens = parse_address("Big   Boss <sips:boss@x>")
    assert tokens.display_name == "Big Boss"
    assert str(tokens) == '"Big Boss" <sips:boss@x>'
    bare = parse_address("sip:a@x;user=phone;tag=9")
    assert isinstance(bare.uri, SipURI)
    assert bare.uri.params == ()
    assert bare.params == Params((("user", "phone"), ("tag", "9")))
    assert parse_address('"" <sip:a@x>').display_name == ""
    assert bare.with_tag("10").tag == "10"


def test_contact_parameters() -> None:
    contact = parse_address('<sip:a@x>;q=0.7;expires=3600;+sip.instance="<urn:uuid:1>"')
    assert contact.q == 0.7
    assert contact.expires == 3600
    assert contact.params.get("+sip.instance") == '"<urn:uuid:1>"'


@pytest.mark.parametrize(
    "value",
    [
        "", "<>", "<sip:a@x", "sip:a@x>", '"open <sip:a@x>', "< sip:a@x>", "<sip:a@x >",
        "A, B <sip:a@x>", '"A" sip:a@x', "sip:a@x?h=1", "sip:a@x;q=1.5", "<sip:a@x>;q=0.1234",
        "<sip:a@x>;expires=-1", "<sip:a@x>;tag", "<sip:a@x>;;", "<sip:a@x> junk", "<bad uri>",
    ],
)  # fmt: skip
def test_bad_addresses(value: str) -> None:
    with pytest.raises(SipParseError):
        parse_address(value)


# -- authentication ------------------------------------------------------------


def test_digest_credentials_round_trip() -> None:
    value = (
        'Digest username="bob", realm="biloxi.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093",'
        ' uri="sip:bob@biloxi.com", qop=auth, nc=00000001, cnonce="0a4f113b",'
        ' response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41"'
    )
    credentials = parse_auth(value)
    assert credentials.is_digest
    assert credentials.get("USERNAME") == "bob"
    assert credentials.get("qop") == "auth"
    assert AuthParam("nc", "00000001", quoted=False) in credentials.params
    assert credentials.param_dict()["uri"] == "sip:bob@biloxi.com"
    assert str(credentials) == value
    assert parse_auth(str(credentials)) == credentials


def test_challenge_with_escapes_and_commas_in_quotes() -> None:
    challenge = parse_auth('Digest realm="a \\"b\\", c", algorithm=SHA-256, stale=TRUE')
    assert challenge.get("realm") == 'a "b", c'
    assert challenge.get("algorithm") == "SHA-256"
    assert parse_auth(str(challenge)) == challenge


@pytest.mark.parametrize(
    "value", ["", "Digest", "Digest realm", 'Digest realm="x",', "Digest a=b c=d"]
)
def test_bad_auth_headers(value: str) -> None:
    with pytest.raises(SipParseError):
        parse_auth(value)


# -- small values --------------------------------------------------------------


def test_numeric_limits() -> None:
    def parse(name: str, value: str) -> Request:
        msg = parse_message(
            f"OPTIONS sip:a@x SIP/2.0\r\n{name}: {value}\r\nContent-Length: 0\r\n\r\n".encode()
        )
        assert isinstance(msg, Request)
        return msg

    assert parse("CSeq", f"{2**31 - 1} OPTIONS").headers.cseq() == parse_cseq(
        f"{2**31 - 1} OPTIONS"
    )
    assert parse("Max-Forwards", "255").headers.max_forwards() == 255
    assert parse("Expires", f"{2**32 - 1}").headers.expires() == 2**32 - 1
    for name, value in [
        ("CSeq", f"{2**31} OPTIONS"), ("CSeq", "-1 OPTIONS"), ("CSeq", "1"), ("CSeq", "1 A B"),
        ("Max-Forwards", "256"), ("Max-Forwards", "-1"), ("Expires", f"{2**32}"),
        ("Expires", "9" * 5000), ("Call-ID", "a b"), ("Call-ID", "a@b@c"), ("Call-ID", ""),
        ("Require", ""), ("Supported", "a b"), ("Content-Type", "sdp"), ("Accept", "a/b,"),
    ]:  # fmt: skip
        with pytest.raises(SipParseError):
            parse(name, value)


def test_media_types() -> None:
    media = parse_media_type('Multipart/Mixed ; boundary="x y"')
    assert media.mime_type == "multipart/mixed"
    assert media.params.get("boundary") == '"x y"'
    assert parse_media_type("*/*").matches("application/sdp")
    assert parse_media_type("application/*").matches("Application/SDP")
    assert not parse_media_type("text/plain").matches("application/sdp")
    empty_accept = Headers([("Accept", "")])
    assert empty_accept.accept() == []
    assert Headers().accept() is None


def test_dates() -> None:
    when = parse_date("Sat, 13 Nov 2010 23:29:00 GMT")
    assert when.isoformat() == "2010-11-13T23:29:00+00:00"
    assert format_date(when) == "Sat, 13 Nov 2010 23:29:00 GMT"
    for bad in ["Sat, 13 Nov 2010 23:29:00 EST", "Sat, 31 Feb 2010 23:29:00 GMT",
                "13 Nov 2010 23:29:00 GMT", "Sat, 13 Nox 2010 23:29:00 GMT", ""]:  # fmt: skip
        with pytest.raises(SipParseError):
            parse_date(bad)
