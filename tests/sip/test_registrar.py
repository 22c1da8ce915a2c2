"""The registrar: challenge, authenticate, bind, expire, unbind; refusals a phone
must understand (401, 403, 423, 500)."""

from __future__ import annotations

import itertools

from switchboard.sip.digest import Algorithm, Challenge, Challenger, answer_challenge, ha1
from switchboard.sip.message import Request, Response
from switchboard.sip.parser import parse_message
from switchboard.sip.registrar import Registrar

SECRET = b"registrar secret of enough bytes"


def registrar() -> Registrar:
    tags = (f"t{n}" for n in itertools.count())

    def table(user: str) -> dict[str, str] | None:
        if user != "1001":
            return None
        return {a.value: ha1(a, "1001", "switchboard", "pw1001") for a in Algorithm}

    return Registrar(Challenger("switchboard", SECRET), table, lambda: next(tags))


def register(
    *,
    cseq: int = 1,
    contact: str = "<sip:1001@127.0.0.1:5062>",
    expires: int | None = 600,
    user: str = "1001",
    auth: str | None = None,
    call_id: str = "reg-1",
) -> Request:
    lines = [
        "REGISTER sip:127.0.0.1 SIP/2.0",
        "Via: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK-r" + str(cseq),
        "Max-Forwards: 70",
        f"From: <sip:{user}@127.0.0.1>;tag=ph1",
        f"To: <sip:{user}@127.0.0.1>",
        f"Call-ID: {call_id}",
        f"CSeq: {cseq} REGISTER",
        f"Contact: {contact}",
    ]
    if expires is not None:
        lines.append(f"Expires: {expires}")
    if auth is not None:
        lines.append(f"Authorization: {auth}")
    parsed = parse_message(("\r\n".join(lines) + "\r\nContent-Length: 0\r\n\r\n").encode())
    assert isinstance(parsed, Request)
    return parsed


def authorized(
    reg: Registrar, now: float, password: str = "pw1001", user: str = "1001", **kw: object
) -> tuple[Request, Response]:
    """A phone's two steps: REGISTER, 401, REGISTER with credentials."""
    first = reg.register(register(user=user), now)
    assert first.response.status == 401
    (challenge,) = [
        Challenge.from_params(a.param_dict())
        for a in first.response.headers.www_authenticate()
        if a.get("algorithm") == "SHA-256"
    ]
    assert challenge is not None
    auth = answer_challenge(challenge, user, password, "REGISTER", "sip:127.0.0.1", cnonce="cn")
    request = register(auth=auth, cseq=2, user=user, **kw)  # type: ignore[arg-type]
    return request, reg.register(request, now + 0.1, ("127.0.0.1", 5062)).response


def test_a_phone_registers_after_a_challenge_and_can_be_found() -> None:
    reg = registrar()
    _, ok = authorized(reg, 100.0)
    assert ok.status == 200
    assert ok.headers.get("Contact") == "<sip:1001@127.0.0.1:5062>;expires=600"
    (binding,) = reg.lookup("1001", 200.0)
    assert str(binding.uri) == "sip:1001@127.0.0.1:5062"
    assert binding.source == ("127.0.0.1", 5062)
    assert reg.lookup("1001", 700.2) == []


def test_the_challenge_offers_sha256_and_md5() -> None:
    outcome = registrar().register(register(), 0.0)
    algorithms = [a.get("algorithm") for a in outcome.response.headers.www_authenticate()]
    assert algorithms == ["SHA-256", "MD5"]
    assert outcome.response.headers.to() is not None


def test_a_wrong_password_is_challenged_again_and_counted() -> None:
    reg = registrar()
    first = reg.register(register(), 0.0)
    challenge = Challenge.from_params(first.response.headers.www_authenticate()[0].param_dict())
    assert challenge is not None
    auth = answer_challenge(challenge, "1001", "wrong", "REGISTER", "sip:127.0.0.1", cnonce="c")
    outcome = reg.register(register(auth=auth, cseq=2), 0.1)
    assert outcome.response.status == 401
    assert outcome.refused_credentials
    assert reg.lookup("1001", 1.0) == []


def test_registering_someone_elses_extension_is_forbidden() -> None:
    reg = registrar()
    first = reg.register(register(user="1002"), 0.0)
    challenge = Challenge.from_params(first.response.headers.www_authenticate()[0].param_dict())
    assert challenge is not None
    auth = answer_challenge(challenge, "1001", "pw1001", "REGISTER", "sip:127.0.0.1", cnonce="c")
    outcome = reg.register(register(auth=auth, cseq=2, user="1002"), 0.1)
    assert outcome.response.status == 403


def test_too_short_an_expiry_gets_423_with_min_expires() -> None:
    reg = registrar()
    _, response = authorized(reg, 0.0, expires=10)
    assert response.status == 423
    assert response.headers.get("Min-Expires") == "60"


def test_expires_zero_and_the_wildcard_remove_bindings() -> None:
    reg = registrar()
    authorized(reg, 0.0)
    _, response = authorized(reg, 1.0, expires=0, contact="*")
    assert response.status == 200
    assert reg.lookup("1001", 2.0) == []


def test_a_replayed_register_is_refused() -> None:
    reg = registrar()
    request, _ = authorized(reg, 0.0)
    again = reg.register(request, 0.5)
    assert again.response.status == 401
    assert again.refused_credentials


def test_a_register_older_than_the_binding_is_out_of_order() -> None:
    reg = registrar()
    request, _ = authorized(reg, 0.0)
    (auth,) = request.headers.authorization()
    params = auth.param_dict()
    challenge = Challenge.from_params(
        {"realm": params["realm"], "nonce": params["nonce"], "algorithm": "SHA-256", "qop": "auth"}
    )
    assert challenge is not None
    fresh = answer_challenge(
        challenge, "1001", "pw1001", "REGISTER", "sip:127.0.0.1", cnonce="cn", nc=2
    )
    outcome = reg.register(register(auth=fresh, cseq=2), 0.5)
    assert outcome.response.status == 500
    assert len(reg.lookup("1001", 1.0)) == 1


def test_long_expiries_are_capped() -> None:
    reg = registrar()
    _, response = authorized(reg, 0.0, expires=999999)
    assert response.headers.get("Contact") == "<sip:1001@127.0.0.1:5062>;expires=3600"
