"""The one exception the SIP message layer raises on bad input.

Every parser in `sip/` (URIs, header values, whole messages, the stream framer)
reports malformed input by raising `SipParseError` and nothing else, whatever the
bytes: the transport catches this one type, answers or drops, and moves on. The
error carries what the transport needs to decide between the two:

- `status` and `reason`: the response a UAS answers with (400 for bad syntax, 505
  for another SIP version, 513 for an oversized message...);
- `headers`: for a *request* whose Via, From, To, Call-ID and CSeq are usable
  (RFC 3261 §8.2.6), the header fields as received, so that the response can be
  built; None otherwise (a response, a keep-alive, garbage), and then the
  message is dropped silently (RFC 3261 §16.3 and §8.1.3.3 spirit: never answer
  what cannot be matched to a transaction).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from switchboard.sip.headers import Headers


class SipParseError(ValueError):
    """Malformed SIP input: what was wrong, and how a UAS would answer it."""

    def __init__(
        self,
        detail: str,
        status: int = 400,
        reason: str = "Bad Request",
        headers: Headers | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.status = status
        self.reason = reason
        self.headers = headers

    @property
    def can_respond(self) -> bool:
        """True when this was a request whose error response can be built."""
        return self.headers is not None

    def __repr__(self) -> str:
        return f"SipParseError({self.detail!r}, status={self.status})"
