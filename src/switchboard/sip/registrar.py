"""A registrar for agents' SIP phones (RFC 3261 §10.3), with digest authentication.

An agent's phone registers its extension (`sip:1001@switchboard`) with a Contact
where it can be reached. The registrar challenges every REGISTER (401 with SHA-256
and MD5 challenges), checks the answer against the HA1 the configuration holds for
that extension, and keeps the bindings with their expiry; a call to the extension
then goes to `lookup(extension, now)`.

Rules applied (§10.3): the authenticated user must own the address of record in
To; a Contact of `*` with Expires 0 removes every binding; an expiry below the
minimum gets 423 with Min-Expires; a REGISTER with the same Call-ID and a lower or
equal CSeq than the binding it updates is out of order (500); `expires=0` removes one
binding. Expiries are capped at `max_expires`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from switchboard.sip.address import Address
from switchboard.sip.digest import Challenger, Credentials, Verdict
from switchboard.sip.message import Request, Response, make_response
from switchboard.sip.uri import URI, SipURI


@dataclass(slots=True)
class Binding:
    contact: Address
    expires_at: float
    call_id: str
    cseq: int
    source: tuple[str, int] | None = None
    """Where the REGISTER came from (for phones behind NAT: send there)."""
    user_agent: str | None = None

    @property
    def uri(self) -> URI:
        return self.contact.uri


@dataclass(frozen=True, slots=True)
class RegisterOutcome:
    response: Response
    user: str | None
    """The extension whose bindings changed (None when refused)."""
    authenticated: bool
    refused_credentials: bool = False
    """The phone answered a challenge with wrong credentials (for throttling)."""


@dataclass(slots=True)
class Registrar:
    challenger: Challenger
    ha1_for: Callable[[str], dict[str, str] | None]
    """Extension → HA1 by algorithm name; None for an unknown extension."""
    to_tag: Callable[[], str]
    min_expires: int = 60
    max_expires: int = 3600
    default_expires: int = 3600
    bindings: dict[str, list[Binding]] = field(default_factory=dict)

    def lookup(self, user: str, now: float) -> list[Binding]:
        """The live bindings of an extension, most recent first."""
        live = [b for b in self.bindings.get(user, []) if b.expires_at > now]
        if live:
            self.bindings[user] = live
        else:
            self.bindings.pop(user, None)
        return sorted(live, key=lambda b: -b.expires_at)

    def next_expiry(self) -> float | None:
        return min((b.expires_at for bs in self.bindings.values() for b in bs), default=None)

    def _respond(
        self, request: Request, status: int, headers: Sequence[tuple[str, object]] = ()
    ) -> Response:
        return make_response(request, status, to_tag=self.to_tag(), headers=headers)

    def register(
        self, request: Request, now: float, source: tuple[str, int] | None = None
    ) -> RegisterOutcome:
        to = request.headers.to()
        user = _user_of(to.uri) if to is not None else None
        if user is None:
            return RegisterOutcome(self._respond(request, 404), None, False)
        auths = [a for a in request.headers.authorization() if a.is_digest]
        if not auths:
            return self._challenge(request, now, stale=False)
        credentials = Credentials.from_params(auths[0].param_dict())
        if credentials is None:
            return RegisterOutcome(self._respond(request, 400), None, False)
        table = self.ha1_for(credentials.username) or {}
        verdict = self.challenger.check(credentials, "REGISTER", table, now)
        if verdict is Verdict.STALE:
            return self._challenge(request, now, stale=True)
        if verdict is Verdict.BAD:
            outcome = self._challenge(request, now, stale=False)
            return RegisterOutcome(outcome.response, None, False, refused_credentials=True)
        if credentials.username != user:
            return RegisterOutcome(self._respond(request, 403), None, True)
        return self._update(request, user, now, source)

    def _challenge(self, request: Request, now: float, *, stale: bool) -> RegisterOutcome:
        headers = [("WWW-Authenticate", c) for c in self.challenger.challenges(now, stale=stale)]
        return RegisterOutcome(self._respond(request, 401, headers=headers), None, False)

    def _update(
        self, request: Request, user: str, now: float, source: tuple[str, int] | None
    ) -> RegisterOutcome:
        h = request.headers
        call_id, cseq = h.call_id() or "", h.cseq()
        seq = cseq.seq if cseq else 0
        header_expires = h.expires()
        current = [b for b in self.bindings.get(user, []) if b.expires_at > now]
        if h.contact_wildcard():
            if header_expires != 0 or len(h.get_all("Contact")) != 1:
                return RegisterOutcome(self._respond(request, 400), None, True)
            self.bindings.pop(user, None)
            return RegisterOutcome(self._respond(request, 200), user, True)
        for contact in h.contacts():
            expires = contact.expires if contact.expires is not None else header_expires
            if expires is None:
                expires = self.default_expires
            if 0 < expires < self.min_expires:
                headers = [("Min-Expires", str(self.min_expires))]
                return RegisterOutcome(self._respond(request, 423, headers=headers), None, True)
            same = next((b for b in current if str(b.uri) == str(contact.uri)), None)
            if same is not None and same.call_id == call_id and seq <= same.cseq:
                return RegisterOutcome(self._respond(request, 500), None, True)
            if same is not None:
                current.remove(same)
            if expires > 0:
                current.append(
                    Binding(
                        contact=contact,
                        expires_at=now + min(expires, self.max_expires),
                        call_id=call_id,
                        cseq=seq,
                        source=source,
                        user_agent=h.user_agent(),
                    )
                )
        if current:
            self.bindings[user] = current
        else:
            self.bindings.pop(user, None)
        contacts = [
            ("Contact", f"<{b.uri}>;expires={max(0, round(b.expires_at - now))}") for b in current
        ]
        return RegisterOutcome(self._respond(request, 200, headers=contacts), user, True)


def _user_of(uri: URI) -> str | None:
    if isinstance(uri, SipURI) and uri.user:
        return uri.unescaped_user
    return None
