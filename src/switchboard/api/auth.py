"""Who is calling the API: sessions for the Banner (a cookie) and bearer tokens for
scripts, both from one login.

A session is a random 256-bit token mapped to an agent in memory, with an idle
expiry; the cookie is HttpOnly and SameSite=Strict, so page scripts cannot read it
and other sites cannot ride it. Sessions do not survive a restart (agents log in
again; their history, preferences and records do survive, in the store).

Logins are checked against the argon2 hashes of the configuration. Failed logins are
counted per source address (`FailureThrottle`): past the limit, the source is refused
with 429 for a while, without the password being checked at all.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

COOKIE = "sb_session"
IDLE_TIMEOUT = 12 * 3600.0


@dataclass(slots=True)
class Session:
    token: str
    agent_id: str
    last_seen: float


class Sessions:
    def __init__(self, *, idle_timeout: float = IDLE_TIMEOUT) -> None:
        self.idle_timeout = idle_timeout
        self._by_token: dict[str, Session] = {}

    def create(self, agent_id: str, now: float) -> Session:
        session = Session(secrets.token_urlsafe(32), agent_id, now)
        self._by_token[session.token] = session
        return session

    def lookup(self, token: str | None, now: float) -> Session | None:
        if not token:
            return None
        session = self._by_token.get(token)
        if session is None:
            return None
        if now - session.last_seen > self.idle_timeout:
            del self._by_token[token]
            return None
        session.last_seen = now
        return session

    def revoke(self, token: str) -> None:
        self._by_token.pop(token, None)
