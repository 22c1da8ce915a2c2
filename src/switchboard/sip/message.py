"""SIP messages: `Request`, `Response`, their wire form, and building responses.

A message is its start line, a `Headers` multi-map and a body of bytes. The
Content-Length is not a header of the model: it belongs to the framing, so the
parser checks it and drops it, and `encode()` writes the true length of the
body, last before the blank line. Everything else serialises as held: known
names in canonical spelling, raw values as received, one field per line. The
result is the canonical wire form: parsing it gives back an equal message.

`make_response` follows RFC 3261 §8.2.6: a response copies the Via fields (all
of them, in order), From, To, Call-ID and CSeq of its request, and a UAS adds a
tag to the To of every response but a 100 (the caller passes it, so that this
module stays deterministic). `error_response` does the same for a request the
parser refused, from the header fields the error carries.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from switchboard.sip.address import parse_address
from switchboard.sip.errors import SipParseError
from switchboard.sip.headers import Headers
from switchboard.sip.uri import URI
from switchboard.sip.via import top_sent_by

SIP_VERSION = "SIP/2.0"

# RFC 3261 §21 and the extensions in common use.
# fmt: off
REASONS: dict[int, str] = {
    100: "Trying", 180: "Ringing", 181: "Call Is Being Forwarded", 182: "Queued",
    183: "Session Progress", 199: "Early Dialog Terminated",
    200: "OK", 202: "Accepted", 204: "No Notification",
    300: "Multiple Choices", 301: "Moved Permanently", 302: "Moved Temporarily",
    305: "Use Proxy", 380: "Alternative Service",
    400: "Bad Request", 401: "Unauthorized", 402: "Payment Required", 403: "Forbidden",
    404: "Not Found", 405: "Method Not Allowed", 406: "Not Acceptable",
    407: "Proxy Authentication Required", 408: "Request Timeout", 410: "Gone",
    412: "Conditional Request Failed", 413: "Request Entity Too Large",
    414: "Request-URI Too Long", 415: "Unsupported Media Type",
    416: "Unsupported URI Scheme", 420: "Bad Extension", 421: "Extension Required",
    422: "Session Interval Too Small", 423: "Interval Too Brief",
    480: "Temporarily Unavailable", 481: "Call/Transaction Does Not Exist",
    482: "Loop Detected", 483: "Too Many Hops", 484: "Address Incomplete",
    485: "Ambiguous", 486: "Busy Here", 487: "Request Terminated",
    488: "Not Acceptable Here", 489: "Bad Event", 491: "Request Pending",
    493: "Undecipherable",
    500: "Server Internal Error", 501: "Not Implemented", 502: "Bad Gateway",
    503: "Service Unavailable", 504: "Server Time-out", 505: "Version Not Supported",
    513: "Message Too Large", 580: "Precondition Failure",
    600: "Busy Everywhere", 603: "Decline", 604: "Does Not Exist Anywhere",
    606: "Not Acceptable",
}
# fmt: on


def reason_phrase(status: int) -> str:
    """The standard reason phrase of a status code (or of its class)."""
    return REASONS.get(status) or REASONS.get(status - status % 100, "Unknown")


def _encode(start_line: str, headers: Headers, body: bytes) -> bytes:
    if "\r" in start_line or "\n" in start_line:
        raise ValueError(f"CR or LF in the start line {start_line[:80]!r}")
    lines = [start_line]
    lines.extend(f"{name}: {value}" for name, value in headers if name != "Content-Length")
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body


@dataclass(slots=True)
class Request:
    """A SIP request."""

    method: str
    uri: URI
    headers: Headers = field(default_factory=Headers)
    body: bytes = b""
    version: str = SIP_VERSION

    def encode(self) -> bytes:
        """The canonical wire form, Content-Length recomputed."""
        return _encode(f"{self.method} {self.uri} {self.version}", self.headers, self.body)

    def __bytes__(self) -> bytes:
        return self.encode()


@dataclass(slots=True)
class Response:
    """A SIP response."""

    status: int
    reason: str = ""
    headers: Headers = field(default_factory=Headers)
    body: bytes = b""
    version: str = SIP_VERSION

    def encode(self) -> bytes:
        """The canonical wire form, Content-Length recomputed."""
        return _encode(f"{self.version} {self.status} {self.reason}", self.headers, self.body)

    def __bytes__(self) -> bytes:
        return self.encode()


Message = Request | Response


_UNUSABLE = re.compile(r"[\r\n\ud800-\udfff]")
_LOOSE_CSEQ = re.compile(r"[0-9]+[ \t]+[A-Za-z0-9\-.!%*_+`'~]+")


def can_respond(headers: Headers) -> bool:
    """Can a response be built from a request's fields (RFC 3261 §8.2.6)?

    It needs a Via whose first sent-by is readable (to route the response),
    and exactly one From, To, Call-ID and CSeq to copy; the CSeq only loosely
    checked (a number and a method), so that a request refused for its
    oversized CSeq still gets its 400 (RFC 4475 §3.1.2.4). Without these the
    client could not match the response to its request: drop instead.
    """
    vias = headers.get_all("Via")
    if not vias or any(_UNUSABLE.search(v) for v in vias) or top_sent_by(vias[0]) is None:
        return False
    for name in ("From", "To", "Call-ID", "CSeq"):
        values = headers.get_all(name)
        if len(values) != 1 or not values[0] or _UNUSABLE.search(values[0]):
            return False
    return _LOOSE_CSEQ.fullmatch(headers.get("CSeq") or "") is not None


def _to_with_tag(value: str, to_tag: str | None) -> str:
    """To as received, with `;tag=` appended when asked and not already there.

    Appending to the raw value keeps the To exactly as the client wrote it
    (§8.2.6.2: the UAS MUST copy it, adding only the tag). A To that does not
    parse gets no tag: such a request can only be refused, never a dialog.
    """
    if to_tag is None:
        return value
    try:
        address = parse_address(value, "To")
    except SipParseError:
        return value
    if address.tag is not None:
        return value
    return f"{value};tag={to_tag}"


def response_from_headers(
    request_headers: Headers,
    status: int,
    reason: str | None = None,
    *,
    to_tag: str | None = None,
    headers: Iterable[tuple[str, object]] = (),
    body: bytes = b"",
) -> Response:
    """A response built from a request's header fields (RFC 3261 §8.2.6)."""
    out = Headers()
    for via in request_headers.get_all("Via"):
        out.add("Via", via)
    for name in ("From", "To", "Call-ID", "CSeq"):
        copied = request_headers.get(name)
        if copied is not None:
            out.add(name, _to_with_tag(copied, to_tag) if name == "To" else copied)
    timestamp = request_headers.get("Timestamp")
    if status == 100 and timestamp is not None:
        out.add("Timestamp", timestamp)  # §8.2.6.1
    for name, extra in headers:
        out.add(name, extra)
    return Response(status, reason_phrase(status) if reason is None else reason, out, body)


def make_response(
    request: Request,
    status: int,
    reason: str | None = None,
    *,
    to_tag: str | None = None,
    headers: Iterable[tuple[str, object]] = (),
    body: bytes = b"",
) -> Response:
    """The response to `request` with `status`; `to_tag` is added to To if it has none."""
    return response_from_headers(
        request.headers, status, reason, to_tag=to_tag, headers=headers, body=body
    )


def error_response(error: SipParseError, *, to_tag: str | None = None) -> Response | None:
    """The response to a request the parser refused, or None when it must be dropped."""
    if error.headers is None:
        return None
    return response_from_headers(error.headers, error.status, error.reason, to_tag=to_tag)
