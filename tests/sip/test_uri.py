"""URIs: parsing, canonical serialisation, escapes, and RFC 3261 §19.1.4 comparison."""

from __future__ import annotations

import pytest

from switchboard.sip.errors import SipParseError
from switchboard.sip.uri import AbsoluteURI, SipURI, TelURI, parse_uri


def sip(text: str) -> SipURI:
    uri = parse_uri(text)
    assert isinstance(uri, SipURI)
    return uri


def test_every_part_of_a_sip_uri() -> None:
    uri = sip(
        "sips:alice:secret%77ord@Atlanta.example.com:5061;transport=TCP;lr;ttl=15"
        "?subject=project%20x&priority=urgent"
    )
    assert uri.scheme == "sips"
    assert (uri.user, uri.password) == ("alice", "secret%77ord")
    assert uri.unescaped_password == "secretword"
    assert (uri.host, uri.port) == ("Atlanta.example.com", 5061)
    assert uri.transport == "tcp"
    assert uri.lr
    assert uri.ttl == 15
    assert uri.header("Subject") == "project x"
    assert uri.headers == (("subject", "project%20x"), ("priority", "urgent"))


@pytest.mark.parametrize(
    "text",
    [
        "sip:alice@atlanta.com",
        "sip:alice:secretword@atlanta.com;transport=tcp",
        "sips:alice@atlanta.com?subject=project%20x&priority=urgent",
        "sip:+1-212-555-1212:1234@gateway.com;user=phone",
        "sips:1212@gateway.com",
        "sip:alice@192.0.2.4",
        "sip:atlanta.com;method=REGISTER?to=alice%40atlanta.com",
        "sip:alice;day=tuesday@atlanta.com",
        "sip:[2001:db8::10]:5070;transport=tcp;maddr=239.255.255.1",
        "sip:example.com.",
        "sip:user@host;flag;x=%41?h=",
        "tel:+1-201-555-0123;ext=1234",
        "tel:7042;phone-context=example.com",
        "http://www.example.com/path?q=1#frag",
        "urn:service:sos",
    ],
)
def test_parse_then_str_gives_the_text_back(text: str) -> None:
    assert str(parse_uri(text)) == text
    assert parse_uri(str(parse_uri(text))) == parse_uri(text)


def test_scheme_is_case_insensitive_and_written_lowercase() -> None:
    assert str(parse_uri("SIP:ALICE@AtLanTa.CoM")) == "sip:ALICE@AtLanTa.CoM"
    assert parse_uri("URN:x") == AbsoluteURI("urn", "x")


def test_semicolons_and_question_marks_may_be_in_the_user_part() -> None:
    uri = sip("sip:user;par=u%40example.net@example.com")
    assert uri.unescaped_user == "user;par=u@example.net"
    assert uri.params == ()


def test_tel_uri() -> None:
    uri = parse_uri("tel:+1-201-555-0123;phone-context=+1")
    assert isinstance(uri, TelURI)
    assert uri.is_global
    assert uri.digits == "+12015550123"
    assert uri.param("phone-context") == "+1"
    assert uri.equivalent(parse_uri("tel:+1(201)555.0123;PHONE-CONTEXT=+1"))
    assert not uri.equivalent(parse_uri("tel:+1-201-555-0124;phone-context=+1"))


def test_build_escapes_what_the_grammar_forbids() -> None:
    uri = SipURI.build("example.net", "I have spaces", port=5080, params={"transport": "tcp"})
    assert str(uri) == "sip:I%20have%20spaces@example.net:5080;transport=tcp"
    assert uri.unescaped_user == "I have spaces"
    assert uri == parse_uri(str(uri))


@pytest.mark.parametrize(
    ("user", "port", "scheme"), [("", None, "sip"), ("a", 70000, "sip"), ("a", None, "tel")]
)
def test_build_refuses_what_cannot_be_written(user: str, port: int | None, scheme: str) -> None:
    with pytest.raises(ValueError, match="cannot build"):
        SipURI.build("example.com", user, port=port, scheme=scheme)


def test_with_params_and_without_headers() -> None:
    uri = sip("sip:bob@biloxi.com;transport=udp?x=1")
    assert (
        str(uri.with_params(transport="tcp", lr=None)) == "sip:bob@biloxi.com;transport=tcp;lr?x=1"
    )
    assert str(uri.without_headers()) == "sip:bob@biloxi.com;transport=udp"


# RFC 3261 §19.1.4, its own examples.
EQUIVALENT = [
    ("sip:%61lice@atlanta.com;transport=TCP", "sip:alice@AtLanTa.CoM;Transport=Tcp"),
    ("sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5"),
    ("sip:carol@chicago.com", "sip:carol@chicago.com;security=on"),
    ("sip:carol@chicago.com;newparam=5", "sip:carol@chicago.com;security=on"),
    (
        "sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
        "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com",
    ),
    (
        "sip:alice@atlanta.com?subject=project%20x&priority=urgent",
        "sip:alice@atlanta.com?priority=urgent&subject=project%20x",
    ),
]
DIFFERENT = [
    ("SIP:ALICE@AtLanTa.CoM;Transport=udp", "sip:alice@AtLanTa.CoM;Transport=UDP"),
    ("sip:bob@biloxi.com", "sip:bob@biloxi.com:5060"),
    ("sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp"),
    ("sip:bob@biloxi.com", "sip:bob@biloxi.com:6000;transport=tcp"),
    ("sip:carol@chicago.com", "sip:carol@chicago.com?Subject=next%20meeting"),
    ("sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4"),
    ("sip:alice@atlanta.com", "sips:alice@atlanta.com"),
    ("sip:alice@atlanta.com", "sip:alice@atlanta.com;maddr=239.255.255.1"),
    ("sip:alice@atlanta.com;user=phone", "sip:alice@atlanta.com"),
    ("sip:alice:pw@atlanta.com", "sip:alice:PW@atlanta.com"),
    ("sip:alice@atlanta.com", "tel:+1234"),
]


@pytest.mark.parametrize(("a", "b"), EQUIVALENT)
def test_equivalent_uris(a: str, b: str) -> None:
    assert parse_uri(a).equivalent(parse_uri(b))
    assert parse_uri(b).equivalent(parse_uri(a))


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_different_uris(a: str, b: str) -> None:
    assert not parse_uri(a).equivalent(parse_uri(b))
    assert not parse_uri(b).equivalent(parse_uri(a))


@pytest.mark.parametrize(
    "text",
    [
        "", "sip", "sip:", "nocolon", "1sip:x", "sip:@example.com", "sip:user@", "sip:ex ample.com",
        "sip:example.com:", "sip:example.com:99999", "sip:example.com:5o60", "sip:example.com;",
        "sip:example.com;=x", "sip:example.com;x=", "sip:example.com?x", "sip:example.com?=1",
        "sip:a@b@c", "sip:256.1.1.1", "sip:-bad.example.com", "sip:[::1", "sip:[::1]x",
        "sip:[::1%eth0]", "sip:[zz::1]", "sip:us%zzer@example.com", "sip:us\"er@example.com",
        "sip:user:pa@ss@example.com", "tel:", "tel:+", "tel:12;=", "http:<x>", "sip:<x>",
    ],
)  # fmt: skip
def test_malformed_uris_raise_sip_parse_error(text: str) -> None:
    with pytest.raises(SipParseError):
        parse_uri(text)
