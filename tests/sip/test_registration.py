"""Switchboard registering with a trunk as a client (RFC 3261 §10.2): our user agent
against our registrar, in memory with the manual clock. Digest answered (SHA-256
picked over MD5), refreshed before expiry, wrong credentials reported once and
retried with back-off, Min-Expires honoured, unregister, a registrar that never
answers."""

from __future__ import annotations

import itertools

from switchboard.sip.digest import Algorithm, Challenger, ha1
from switchboard.sip.message import Request, Response
from switchboard.sip.parser import parse_message
from switchboard.sip.registrar import Registrar
from switchboard.sip.registration import RegistrationChanged, RegistrationState
from switchboard.sip.ua import OtherRequest, Output
from switchboard.sip.uri import parse_uri

from .test_ua import PHONE, Wire

REALM = "trunk.example"
ACCOUNT = "acme"


class TrunkWire(Wire):
    """Side a is Switchboard; side b is the trunk's registrar."""

    def __init__(self, *, min_expires: int = 60, silent: bool = False) -> None:
        super().__init__()
        tags = (f"rt{n}" for n in itertools.count())
        self.registrar = Registrar(
            Challenger(REALM, b"trunk registrar secret 0123456789"),
            self._table,
            lambda: next(tags),
            min_expires=min_expires,
        )
        self.silent = silent
        self.registers: list[tuple[float, Request]] = []
        self.responses: list[Response] = []

    def _table(self, user: str) -> dict[str, str] | None:
        if user != ACCOUNT:
            return None
        return {a.value: ha1(a, ACCOUNT, REALM, "trunk-secret") for a in Algorithm}

    def deliver(self, side: str, outputs: list[Output]) -> None:
        super().deliver(side, outputs)
        while pending := [e for e in self.events["b"] if isinstance(e, OtherRequest)]:
            for event in pending:
                self.events["b"].remove(event)
                self.registers.append((self.now, event.request))
                if self.silent:
                    continue
                outcome = self.registrar.register(event.request, self.now)
                self.responses.append(outcome.response)
                super().deliver("b", self.b.respond(event.transaction, outcome.response, self.now))

    def changes(self) -> list[tuple[bool, int]]:
        return [
            (e.registered, e.status) for e in self.events["a"] if isinstance(e, RegistrationChanged)
        ]

    def start(self, password: str = "trunk-secret", expires: int = 300) -> None:
        self.registration, out = self.a.register(
            parse_uri(f"sip:{ACCOUNT}@{REALM}"),
            parse_uri(f"sip:{REALM}"),
            PHONE,
            self.now,
            credentials=(ACCOUNT, password),
            expires=expires,
        )
        self.deliver("a", out)


def test_registers_with_digest_and_stays_bound_by_refreshing_before_expiry() -> None:
    w = TrunkWire()
    w.start(expires=300)
    assert w.changes() == [(True, 200)]
    assert w.registration.state is RegistrationState.REGISTERED
    assert [r.status for r in w.responses] == [401, 200]
    answered = w.registers[1][1]
    (credentials,) = answered.headers.authorization()
    assert credentials.get("algorithm") == "SHA-256"  # the stronger of the two offered
    assert credentials.get("username") == ACCOUNT
    (binding,) = w.registrar.lookup(ACCOUNT, w.now)
    assert str(binding.uri) == "sip:acme@127.0.0.1:5060"

    # An hour later the binding never lapsed: each refresh came before the expiry.
    for minute in range(1, 61):
        w.after(60)
        assert w.registrar.lookup(ACCOUNT, w.now), f"lapsed at minute {minute}"
    refresh_times = [t for t, r in w.registers if not r.headers.authorization()]
    gaps = [b - a for a, b in itertools.pairwise(refresh_times)]
    assert gaps and all(150 <= g <= 270 for g in gaps)
    # One dialog-like sequence: same Call-ID, CSeq always rising
    assert len({r.headers.call_id() for _, r in w.registers}) == 1
    seqs = [cseq.seq for _, r in w.registers if (cseq := r.headers.cseq()) is not None]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert w.changes() == [(True, 200)]  # refreshing is not news


def test_wrong_credentials_are_reported_once_and_retried_with_back_off() -> None:
    w = TrunkWire()
    w.start(password="wrong")
    assert w.changes() == [(False, 401)]
    assert len(w.registers) == 2  # the plain REGISTER and one answer, not a loop
    assert w.registration.state is RegistrationState.FAILED
    w.after(29)
    assert len(w.registers) == 2
    w.after(2)
    assert len(w.registers) == 4  # tried again after 30 s
    w.after(59)
    assert len(w.registers) == 6  # then after 60 s
    assert w.changes() == [(False, 401)]  # still failing: said once


def test_the_registrars_min_expires_is_honoured() -> None:
    w = TrunkWire(min_expires=600)
    w.start(expires=120)
    assert [r.status for r in w.responses] == [401, 423, 401, 200]
    assert w.changes() == [(True, 200)]
    assert w.registers[-1][1].headers.expires() == 600


def test_unregister_removes_the_binding() -> None:
    w = TrunkWire()
    w.start()
    w.deliver("a", w.a.unregister(w.registration, w.now))
    assert w.registrar.lookup(ACCOUNT, w.now) == []
    assert w.changes() == [(True, 200), (False, 200)]
    assert w.registration.state is RegistrationState.UNREGISTERED
    w.after(3600)
    assert all(r.headers.expires() == 0 for _, r in w.registers[2:])


def test_a_registrar_that_never_answers_gives_a_timeout_then_retries() -> None:
    w = TrunkWire(silent=True)
    w.start()
    w.after(31)
    assert w.changes() == []
    w.after(2)  # timer F: 64·T1 = 32 s
    assert w.changes() == [(False, 408)]
    sent_at = {t for t, _ in w.registers}
    w.after(31)
    assert len({t for t, _ in w.registers}) == len(sent_at) + 1


def test_a_stale_challenge_for_the_answered_nonce_is_answered_again() -> None:
    w = TrunkWire()
    w.start()
    registration = w.registration
    via = "SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKx"
    request = registration.refresh(via)
    registration.answered_nonce = "n1"

    def challenge(stale: bool) -> Response:
        text = (
            "SIP/2.0 401 Unauthorized\r\n"
            + "".join(f"{n}: {v}\r\n" for n, v in request.headers if n != "Contact")
            + f'WWW-Authenticate: Digest realm="{REALM}", nonce="n1", algorithm=MD5, qop="auth"'
            + (", stale=true" if stale else "")
            + "\r\nContent-Length: 0\r\n\r\n"
        )
        parsed = parse_message(text.encode())
        assert isinstance(parsed, Response)
        return parsed

    again = registration.on_response(challenge(True), w.now, via=via, cnonce="c")
    assert isinstance(again, Request)
    assert again.headers.authorization()
    # The same nonce again, not stale: the credentials are wrong. The binding still
    # lives, so nothing changes yet, and the next try comes before it lapses.
    refused = registration.on_response(challenge(False), w.now, via=via, cnonce="c")
    assert refused is None
    assert registration.state is RegistrationState.REGISTERED
    assert registration.next_at is not None and registration.expires_at is not None
    assert w.now < registration.next_at < registration.expires_at
