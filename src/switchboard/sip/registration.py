"""Registering Switchboard with a SIP trunk (RFC 3261 §10.2), as a client.

Theory of operation
-------------------
Many trunks only send calls to, and accept calls from, a registered account. A
`Registration` keeps one address of record (`sip:acme@trunk.example`) bound to our
Contact at the trunk's registrar:

    start ─▶ registering ─2xx─▶ registered ──refresh time──▶ registering ─▶ …
                 │  401/407 with a new nonce (or stale=true): once more with credentials
                 │  423: once more with the registrar's Min-Expires
                 └ other 3xx-6xx, a second challenge for the same nonce, timeout
                        ─▶ failed ──retry time (30 s, doubling to 10 min)──▶ registering
    stop ─▶ unregistering (Expires: 0) ─▶ unregistered

The refresh is due well before the expiry the registrar granted (half of it, or 30 s
before, whichever leaves more time), so a lost REGISTER can be retried within the
binding's life. Every REGISTER of one registration shares its Call-ID and has a
higher CSeq (§10.2.4), so registrars order them.

This module is pure: it builds requests and reads responses. The user agent
(`ua.py`) sends them through its transaction layer and routes the answers here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from switchboard.sip.digest import answer_challenge, challenge_of
from switchboard.sip.headers import Headers
from switchboard.sip.message import Request, Response
from switchboard.sip.transaction import Peer
from switchboard.sip.uri import URI

FIRST_RETRY = 30.0
MAX_RETRY = 600.0


class RegistrationState(StrEnum):
    REGISTERING = "registering"
    REGISTERED = "registered"
    FAILED = "failed"
    UNREGISTERING = "unregistering"
    UNREGISTERED = "unregistered"


@dataclass(frozen=True, slots=True)
class RegistrationChanged:
    """Tell the runtime (and the supervisors' screen) whether the trunk takes calls."""

    registration: Registration
    registered: bool
    status: int
    reason: str


@dataclass(slots=True)
class Registration:
    id: str
    aor: URI
    """The account at the trunk: From and To of every REGISTER."""
    registrar_uri: URI
    """The Request-URI: the registrar's domain (§10.2)."""
    peer: Peer
    contact: str
    call_id: str
    local_tag: str
    credentials: tuple[str, str] | None = None
    expires: int = 3600
    user_agent: str = "Switchboard"
    state: RegistrationState = RegistrationState.REGISTERING
    cseq: int = 0
    next_at: float | None = None
    """When to refresh (registered) or to try again (failed)."""
    retry_delay: float = FIRST_RETRY
    answered_nonce: str | None = None
    """The nonce our last credentials answered: a new challenge for it means they are wrong."""
    expires_at: float | None = None

    def request(self, via: str, *, authorization: tuple[str, str] | None = None) -> Request:
        """The next REGISTER (a new CSeq); Expires 0 when unregistering."""
        self.cseq += 1
        expires = 0 if self.state is RegistrationState.UNREGISTERING else self.expires
        h = Headers()
        h.add("Via", via)
        h.add("Max-Forwards", "70")
        h.add("From", f"<{self.aor}>;tag={self.local_tag}")
        h.add("To", f"<{self.aor}>")
        h.add("Call-ID", self.call_id)
        h.add("CSeq", f"{self.cseq} REGISTER")
        h.add("Contact", self.contact)
        h.add("Expires", str(expires))
        if authorization is not None:
            h.add(*authorization)
        h.add("User-Agent", self.user_agent)
        return Request("REGISTER", self.registrar_uri, h, b"")

    def on_response(
        self, response: Response, now: float, *, via: str, cnonce: str
    ) -> Request | RegistrationChanged | None:
        """What a response to our last REGISTER leads to: another REGISTER to send, a change
        to report, or nothing (a provisional response)."""
        status = response.status
        if status < 200:
            return None
        if status < 300:
            return self._accepted(response, now)
        found = challenge_of(response) if self.credentials is not None else None
        if found is not None and self.credentials is not None:
            header, challenge = found
            if challenge.nonce != self.answered_nonce or challenge.stale:
                self.answered_nonce = challenge.nonce
                user, password = self.credentials
                value = answer_challenge(
                    challenge, user, password, "REGISTER", str(self.registrar_uri), cnonce=cnonce
                )
                return self.request(via, authorization=(header, value))
        minimum = _min_expires(response) if status == 423 else None
        if minimum is not None and minimum > self.expires:
            # Our credentials passed (423 comes after authentication): the next
            # challenge, even for the same nonce, deserves an answer.
            self.expires = minimum
            self.answered_nonce = None
            return self.request(via)
        return self._failed(status, response.reason, now)

    def on_timeout(self, now: float) -> RegistrationChanged | None:
        return self._failed(408, "Request Timeout", now)

    def stop(self, via: str) -> Request | None:
        """Remove our binding (Expires: 0), when one may exist."""
        was = self.state
        self.next_at = None
        if was in (RegistrationState.UNREGISTERED, RegistrationState.FAILED):
            self.state = RegistrationState.UNREGISTERED
            return None
        self.state = RegistrationState.UNREGISTERING
        self.answered_nonce = None
        return self.request(via)

    def due(self, now: float) -> bool:
        return self.next_at is not None and self.next_at <= now

    def refresh(self, via: str) -> Request:
        self.next_at = None
        self.answered_nonce = None
        # The state stays what it was (registered, or failed and retrying) until the
        # answer comes: a refresh in flight is not news.
        return self.request(via)

    # -- outcomes --------------------------------------------------------------------

    def _accepted(self, response: Response, now: float) -> RegistrationChanged | None:
        self.retry_delay = FIRST_RETRY
        self.answered_nonce = None
        if self.state is RegistrationState.UNREGISTERING:
            self.state = RegistrationState.UNREGISTERED
            self.expires_at = None
            return RegistrationChanged(self, False, response.status, "unregistered")
        granted = self._granted(response)
        self.expires_at = now + granted
        self.next_at = now + max(granted / 2, granted - 30)
        changed = self.state is not RegistrationState.REGISTERED
        self.state = RegistrationState.REGISTERED
        if changed:
            return RegistrationChanged(self, True, response.status, response.reason)
        return None

    def _failed(self, status: int, reason: str, now: float) -> RegistrationChanged | None:
        self.answered_nonce = None
        if self.state is RegistrationState.UNREGISTERING:
            self.state = RegistrationState.UNREGISTERED
            return RegistrationChanged(self, False, status, reason)
        still_bound = self.expires_at is not None and self.expires_at > now
        self.next_at = now + self.retry_delay
        if still_bound and self.expires_at is not None:
            # A refresh failed but the binding lives on: try again before it lapses.
            self.next_at = min(self.next_at, now + max(1.0, (self.expires_at - now) / 2))
        self.retry_delay = min(self.retry_delay * 2, MAX_RETRY)
        if still_bound:
            return None
        # Report the change once; later retries that fail again say nothing new.
        changed = self.state is not RegistrationState.FAILED
        self.state = RegistrationState.FAILED
        return RegistrationChanged(self, False, status, reason) if changed else None

    def _granted(self, response: Response) -> int:
        """The expiry the registrar gave our Contact, else its Expires, else what we asked."""
        ours = _contact_uri(self.contact)
        for contact in response.headers.contacts():
            if str(contact.uri) == ours and contact.expires is not None:
                return max(1, contact.expires)
        header = response.headers.expires()
        return max(1, header) if header is not None else self.expires


def _min_expires(response: Response) -> int | None:
    value = response.headers.get("Min-Expires")
    return int(value) if value is not None and value.strip().isdigit() else None


def _contact_uri(contact: str) -> str:
    return contact.strip().removeprefix("<").split(">", 1)[0]
