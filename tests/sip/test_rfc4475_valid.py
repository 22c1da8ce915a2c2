"""RFC 4475 messages that must parse, with the values each must yield.

Section numbers are RFC 4475's. Each test reads the message as Switchboard's
transport would, then checks what the RFC says a parser must see in it, and
what our UAS policy (`torture.check`) answers.
"""

from __future__ import annotations

from switchboard.sip.message import make_response
from switchboard.sip.uri import AbsoluteURI, SipURI
from switchboard.sip.validate import check_response, multipart_types
from tests.sip.torture import check, load, request, response


def sip(uri: object) -> SipURI:
    assert isinstance(uri, SipURI)
    return uri


def test_wsinv_short_tortuous_invite() -> None:  # §3.1.1.1
    msg = request("wsinv")
    h = msg.headers
    assert msg.method == "INVITE"
    assert sip(msg.uri).user == "vivekg"
    assert sip(msg.uri).host == "chair-dnrc.example.com"
    assert sip(msg.uri).has_param("unknownparam")
    to = h.to()
    assert to is not None
    assert to.display_name is None
    assert str(to.uri) == "sip:vivekg@chair-dnrc.example.com"
    assert to.tag == "1918181833n"
    sender = h.from_()
    assert sender is not None
    assert sender.display_name == 'J Rosenberg \\"'  # escaped backslash, escaped quote
    assert sender.tag == "98asjd8"
    assert h.max_forwards() == 68
    assert h.call_id() == "wsinv.ndaksdj@192.0.2.1"
    cseq = h.cseq()
    assert cseq is not None
    assert (cseq.seq, cseq.method) == (9, "INVITE")
    vias = h.vias()
    assert [(v.transport, v.host, v.branch) for v in vias] == [
        ("UDP", "192.0.2.2", "390skdjuw"),
        ("TCP", "spindle.example.com", "z9hG4bK9ikj8"),
        ("UDP", "192.168.255.111", "z9hG4bK30239"),
    ]
    assert all(v.protocol == "SIP/2.0" for v in vias)
    assert not vias[0].rfc3261_branch
    assert h.subject() == ""
    assert h.get("NewFangledHeader") == "newfangled value continued newfangled value"
    assert h.get("UnknownHeaderWithUnusualValue") == ";;,,;;,;"
    (route,) = h.routes()
    assert sip(route.uri).lr
    assert sip(route.uri).param("unknownwith") == "value"
    assert sip(route.uri).has_param("unknown-no-value")
    (contact,) = h.contacts()
    assert contact.display_name == 'Quoted string ""'
    assert contact.params.get("newparam") == "newvalue"
    assert "secondparam" in contact.params
    assert contact.q == 0.33
    content_type = h.content_type()
    assert content_type is not None
    assert content_type.mime_type == "application/sdp"
    assert len(msg.body) == 150
    assert msg.body.startswith(b"v=0\r\n")
    assert check(msg) is None


def test_intmeth_wide_range_of_valid_characters() -> None:  # §3.1.1.2
    method = "!interesting-Method0123456789_*+`.%indeed'~"
    msg = request("intmeth")
    h = msg.headers
    assert msg.method == method
    uri = sip(msg.uri)
    assert uri.user == "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*"
    assert uri.password == "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)"
    assert uri.host == "example.com"
    (via,) = h.vias()
    assert via.branch == "z9hG4bK-.!%66*_+`'~"
    to = h.to()
    assert to is not None
    assert to.display_name == "BEL:\x07 NUL:\x00 DEL:\x7f"
    assert sip(to.uri).user == uri.user
    sender = h.from_()
    assert sender is not None
    assert sender.display_name == "token1~` token2'+_ token3*%!.-"
    assert sender.params.get("fromParam''~+*_!.-%") == '"работающий"'
    assert sender.tag == "_token~1'+`*%!-."
    assert h.call_id() == "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{"
    cseq = h.cseq()
    assert cseq is not None
    assert cseq.method == method
    assert h.max_forwards() == 255
    assert h.get("extensionHeader-!.%*+_`'~") == "\ufeff大停電"
    assert msg.body == b""
    # An unknown method: our UAS answers 501 Not Implemented.
    rejection = check(msg)
    assert rejection is not None
    assert rejection.status == 501


def test_esc01_valid_escaping() -> None:  # §3.1.1.3
    msg = request("esc01")
    h = msg.headers
    uri = sip(msg.uri)
    assert uri.user == "sips%3Auser%40example.com"
    assert uri.unescaped_user == "sips:user@example.com"
    assert uri.host == "example.net"
    to, sender = h.to(), h.from_()
    assert to is not None
    assert sender is not None
    assert sip(to.uri).unescaped_user == "user"
    assert sip(sender.uri).unescaped_user == "I have spaces"
    (contact,) = h.contacts()
    curi = sip(contact.uri)
    assert curi.unescaped_user == "caller"
    assert curi.lr  # written %6C%72
    assert curi.param("name") == "value%41"
    assert len(msg.body) == 150
    assert check(msg) is None


def test_escnull_escaped_nulls() -> None:  # §3.1.1.4
    msg = request("escnull")
    h = msg.headers
    to, sender = h.to(), h.from_()
    assert to is not None
    assert sender is not None
    assert sip(to.uri).unescaped_user == "null-\x00-null"
    assert sip(sender.uri).unescaped_user == "null-\x00-null"
    assert [sip(c.uri).unescaped_user for c in h.contacts()] == ["\x00", "\x00\x00"]
    assert check(msg) is None


def test_esc02_percent_that_is_not_an_escape() -> None:  # §3.1.1.5
    msg = request("esc02")
    h = msg.headers
    assert msg.method == "RE%47IST%45R"  # not REGISTER: methods are not unescaped
    to = h.to()
    assert to is not None
    assert to.display_name == "%Z%45"
    (via,) = h.vias()
    assert via.branch == "z9hG4bK209%fzsnel234"
    # C%6Fntact is an extension header, not a third Contact.
    assert [sip(c.uri).user for c in h.contacts()] == ["alias1", "alias3"]
    assert h.get("C%6Fntact") == "<sip:alias2@host2.example.com>"
    rejection = check(msg)
    assert rejection is not None
    assert rejection.status == 501


def test_lwsdisp_no_space_before_angle_bracket() -> None:  # §3.1.1.6
    msg = request("lwsdisp")
    sender = msg.headers.from_()
    assert sender is not None
    assert sender.display_name == "caller"
    assert str(sender.uri) == "sip:caller@example.com"
    assert sender.tag == "323"
    assert check(msg) is None


def test_longreq_very_long_values() -> None:  # §3.1.1.7
    msg = request("longreq")
    h = msg.headers
    to = h.to()
    assert to is not None
    assert to.display_name == f"I have a user name of {'extreme' * 10} proportion"
    turi = sip(to.uri)
    assert turi.port == 6000
    assert turi.param("unknownparam1") == f"very{'long' * 20}value"
    assert turi.param(f"longparam{'name' * 25}") == "shortvalue"
    assert turi.has_param(f"very{'long' * 25}ParameterNameWithNoValue")
    sender = h.from_()
    assert sender is not None
    assert sip(sender.uri).user == "amazinglylongcallername" * 5
    assert sender.tag == "1" + "298" * 50 + "2424"
    assert (
        sender.params.get(f"unknownheaderparam{'name' * 20}") == f"unknowheaderparam{'value' * 15}"
    )
    assert f"unknownValueless{'paramname' * 10}" in sender.params
    vias = h.vias()
    assert len(vias) == 34
    assert [v.host for v in vias[:33]] == [f"sip{n}.example.com" for n in range(33, 0, -1)]
    assert vias[-1].received == "192.0.2.5"
    assert vias[-1].branch == f"very{'long' * 50}branchvalue"
    assert h.call_id() == f"longreq.one{'really' * 20}longcallid"
    assert len(msg.body) == 150
    assert check(msg) is None


def test_dblreq_extra_octets_after_the_message() -> None:  # §3.1.1.8
    msg = request("dblreq")
    assert msg.method == "REGISTER"
    assert msg.headers.call_id() == "dblreq.0ha0isndaksdj99sdfafnl3lk233412"
    assert msg.body == b""  # Content-Length: 0; the INVITE after it is ignored
    assert b"INVITE" not in msg.encode()
    assert check(msg) is None


def test_semiuri_semicolons_in_the_user_part() -> None:  # §3.1.1.9
    msg = request("semiuri")
    uri = sip(msg.uri)
    assert uri.unescaped_user == "user;par=u@example.net"
    assert uri.host == "example.com"
    assert uri.params == ()
    accept = msg.headers.accept()
    assert accept is not None
    assert [m.mime_type for m in accept] == [
        "application/sdp",
        "application/pkcs7-mime",
        "multipart/mixed",
        "multipart/signed",
        "message/sip",
        "message/sipfrag",
    ]
    assert check(msg) is None


def test_transports_varied_and_unknown() -> None:  # §3.1.1.10
    msg = request("transports")
    vias = msg.headers.vias()
    assert [v.transport for v in vias] == ["UDP", "SCTP", "TLS", "UNKNOWN", "TCP"]
    assert [v.host for v in vias] == [f"t{n}.example.com" for n in range(1, 6)]
    assert check(msg) is None


def test_mpart01_multipart_body_kept_intact() -> None:  # §3.1.1.11
    data = load("mpart01")
    msg = request("mpart01")
    content_type = msg.headers.content_type()
    assert content_type is not None
    assert content_type.mime_type == "multipart/mixed"
    assert content_type.params.get("boundary") == "7a9cbec02ceef655"
    assert len(msg.body) == 553
    assert data.endswith(msg.body)
    assert multipart_types(msg.body, "7a9cbec02ceef655") == [
        "text/plain",
        "application/octet-stream",
    ]
    (via,) = msg.headers.vias()
    assert via.rport_requested
    assert via.rport is None
    assert via.port == 5070
    assert msg.headers.user_agent() == "SIPimp.org/0.2.5 (curses)"
    date = msg.headers.date()
    assert date is not None
    assert date.isoformat() == "2005-10-15T04:44:56+00:00"
    rejection = check(msg)  # we do not take MESSAGE
    assert rejection is not None
    assert rejection.status == 405
    assert ("Allow", "ACK, BYE, CANCEL, INFO, INVITE, OPTIONS, REGISTER") in rejection.headers


def test_unreason_unusual_reason_phrase() -> None:  # §3.1.1.12
    msg = response("unreason")
    assert msg.status == 200
    assert msg.reason == "= 2**3 * 5**2 но сто девяносто девять - простое"
    assert len(msg.body) == 154
    assert check_response(msg) is None


def test_noreason_empty_reason_phrase() -> None:  # §3.1.1.13
    msg = response("noreason")
    assert msg.status == 100
    assert msg.reason == ""
    assert check_response(msg) is None


def test_badbranch_magic_cookie_alone() -> None:  # §3.2.1
    msg = request("badbranch")
    (via,) = msg.headers.vias()
    assert via.branch == "z9hG4bK"
    assert not via.rfc3261_branch  # match the transaction the RFC 2543 way
    assert check(msg) is None


def test_novelsc_known_but_atypical_scheme() -> None:  # §3.3.3
    msg = request("novelsc")
    assert isinstance(msg.uri, AbsoluteURI)
    assert msg.uri.scheme == "soap.beep"
    assert msg.uri.opaque == "//192.0.2.103:3002"
    rejection = check(msg)  # parses; we serve sip and sips only
    assert rejection is not None
    assert rejection.status == 416


def test_unksm2_unknown_schemes_in_header_fields() -> None:  # §3.3.4
    msg = request("unksm2")
    to, sender = msg.headers.to(), msg.headers.from_()
    assert to is not None
    assert sender is not None
    assert str(to.uri) == "isbn:2983792873"
    assert str(sender.uri) == "http://www.example.com"
    assert sender.tag == "3234233"
    (contact,) = msg.headers.contacts()
    assert str(contact.uri) == "name:John_Smith"
    assert check(msg) is None


def test_regaut01_unknown_authorization_scheme() -> None:  # §3.3.7
    msg = request("regaut01")
    (credentials,) = msg.headers.authorization()
    assert credentials.scheme == "NoOneKnowsThisScheme"
    assert not credentials.is_digest
    assert credentials.get("opaque-data") == "here"
    assert check(msg) is None  # the registrar then challenges with a 401


def test_zeromf_max_forwards_zero() -> None:  # §3.3.11
    msg = request("zeromf")
    assert msg.headers.max_forwards() == 0
    assert check(msg) is None  # we are the UAS: nothing to forward
    answer = make_response(msg, 200, to_tag="abc")
    assert answer.headers.get("To") == "sip:user@example.com;tag=abc"


def test_cparam01_contact_header_parameter() -> None:  # §3.3.12
    (contact,) = request("cparam01").headers.contacts()
    assert sip(contact.uri).user == "+19725552222"
    assert sip(contact.uri).params == ()
    assert "unknownparam" in contact.params  # a Contact parameter, not a URI one


def test_cparam02_uri_parameter() -> None:  # §3.3.13
    (contact,) = request("cparam02").headers.contacts()
    assert sip(contact.uri).has_param("unknownparam")  # inside <>: a URI parameter
    assert len(contact.params) == 0


def test_regescrt_escaped_header_in_contact_uri() -> None:  # §3.3.14
    msg = request("regescrt")
    (contact,) = msg.headers.contacts()
    assert sip(contact.uri).header("Route") == "<sip:sip.example.com>"
    assert sip(contact.uri).without_headers() == SipURI("example.com", "user")
    assert check(msg) is None  # a registrar then strips or refuses the header


def test_inv2543_rfc2543_syntax() -> None:  # §3.4.1
    msg = request("inv2543")
    h = msg.headers
    (via,) = h.vias()
    assert via.branch is None
    assert not via.rfc3261_branch
    assert h.max_forwards() is None
    sender, to = h.from_(), h.to()
    assert sender is not None
    assert to is not None
    assert sender.tag is None
    assert sip(sender.uri).user_param == "phone"
    # A bare addr-spec: ";user=phone" is a To parameter there (RFC 3261 §20.10).
    assert sip(to.uri).user_param is None
    assert to.params.get("user") == "phone"
    (record_route,) = h.record_routes()
    assert sip(record_route.uri).maddr == "ss1.example.com"
    # No Content-Length over UDP: the body is the rest of the datagram.
    assert msg.body == load("inv2543").split(b"\r\n\r\n", 1)[1]
    assert check(msg) is None
