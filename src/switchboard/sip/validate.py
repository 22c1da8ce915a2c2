"""What a UAS checks after parsing, before it acts (RFC 3261 §8.2; RFC 4475 §3.3).

`parse_message` guarantees syntax; these checks need a policy: which schemes,
methods, extensions and body types this element serves. `validate_request`
runs them in the order of §8.2 and returns the first failure as a `Rejection`
(status, reason, extra header fields for the response), or None when the
request may be processed. Build the response with
`make_response(request, r.status, r.reason, to_tag=..., headers=r.headers)`;
never answer an ACK (a rejected ACK is simply dropped).

1. Mandatory fields: Via, From, To, Call-ID, CSeq (400). Max-Forwards is not
   demanded: RFC 2543 clients leave it out (RFC 4475 §3.4.1).
2. A single-valued field present twice (400, RFC 4475 §3.3.8).
3. CSeq method different from the request method (400, §3.1.2.17-18).
4. A method not served: 405 with Allow if it is a SIP method, else 501.
5. The Request-URI: a scheme not served (416, §3.3.2-3); a SIP URI carrying
   `?headers`, which a Request-URI must not (400, §3.1.2.11; RFC 3261 §19.1.1).
6. A Date not in RFC 1123 GMT form (400, §3.1.2.12).
7. Max-Forwards 0 when the request would be forwarded (483).
8. Require with option tags not supported (420 + Unsupported, §3.3.5); as a
   UAS only Require counts, Proxy-Require is a proxy's business (§20.29).
9. The body: an unknown Content-Encoding or Content-Type (415 with
   Accept-Encoding or Accept, §3.3.6); multipart/mixed is accepted when it
   carries a part of an accepted type.
10. An INVITE whose Accept excludes application/sdp: we could not answer (406,
    §3.3.15).

`check_response` is the UAC side: a response with more than one Via, or
missing a mandatory field, is discarded (RFC 3261 §8.1.3.3; RFC 4475 §3.3.10).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from switchboard.sip.errors import SipParseError
from switchboard.sip.headers import Headers
from switchboard.sip.message import Request, Response
from switchboard.sip.uri import SipURI
from switchboard.sip.values import parse_media_type

MANDATORY = ("Via", "From", "To", "Call-ID", "CSeq")
# fmt: off
SINGLE_VALUED = (
    "Call-ID", "CSeq", "Content-Disposition", "Content-Type", "Date", "Expires", "From",
    "Max-Forwards", "MIME-Version", "Min-Expires", "Organization", "Priority", "Reply-To",
    "Retry-After", "Server", "Subject", "Timestamp", "To", "User-Agent",
)
SIP_METHODS = frozenset({
    "INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "REGISTER", "INFO", "PRACK", "UPDATE",
    "SUBSCRIBE", "NOTIFY", "REFER", "MESSAGE", "PUBLISH",
})
# fmt: on
# Body types accepted per method; "*" for any other method.
DEFAULT_BODY_TYPES: Mapping[str, Collection[str]] = {
    "*": ("application/sdp",),
    "INFO": ("application/dtmf-relay",),
}


@dataclass(frozen=True, slots=True)
class Rejection:
    """The error response a request deserves."""

    status: int
    reason: str
    headers: tuple[tuple[str, str], ...] = ()


def validate_request(
    request: Request,
    *,
    supported: Collection[str] = frozenset(),
    schemes: Collection[str] = frozenset({"sip", "sips"}),
    allowed_methods: Collection[str] | None = None,
    body_types: Mapping[str, Collection[str]] = DEFAULT_BODY_TYPES,
    forwarding: bool = False,
    strict_date: bool = True,
) -> Rejection | None:
    """The first §8.2 check `request` fails, or None."""
    headers = request.headers
    for name in MANDATORY:
        if name not in headers:
            return Rejection(400, f"Missing {name} Header")
    for name in SINGLE_VALUED:
        if headers.count(name) > 1:
            return Rejection(400, f"Multiple {name} Headers")
    cseq = headers.cseq()
    if cseq is not None and cseq.method != request.method:
        return Rejection(400, "CSeq Method Does Not Match")
    if allowed_methods is not None and request.method not in allowed_methods:
        if request.method in SIP_METHODS:
            allow = ", ".join(sorted(allowed_methods))
            return Rejection(405, "Method Not Allowed", (("Allow", allow),))
        return Rejection(501, "Not Implemented")
    if request.uri.scheme not in schemes:
        return Rejection(416, "Unsupported URI Scheme")
    if isinstance(request.uri, SipURI) and request.uri.headers:
        return Rejection(400, "Headers Not Allowed In Request-URI")
    if strict_date and "Date" in headers:
        try:
            headers.date()
        except SipParseError:
            return Rejection(400, "Bad Date")
    if forwarding and headers.max_forwards() == 0:
        return Rejection(483, "Too Many Hops")
    if request.method not in ("ACK", "CANCEL"):
        missing = [tag for tag in headers.require() if tag not in supported]
        if missing:
            return Rejection(420, "Bad Extension", (("Unsupported", ", ".join(missing)),))
    return _check_body(request, body_types) or _check_accept(request)


def _accepted(request: Request, body_types: Mapping[str, Collection[str]]) -> Collection[str]:
    return body_types.get(request.method, body_types.get("*", ()))


def _check_body(request: Request, body_types: Mapping[str, Collection[str]]) -> Rejection | None:
    if not request.body:
        return None
    headers = request.headers
    encodings = [e.lower() for e in headers.content_encoding()]
    if any(e != "identity" for e in encodings):
        return Rejection(415, "Unsupported Media Type", (("Accept-Encoding", "identity"),))
    content_type = headers.content_type()
    if content_type is None:
        return Rejection(400, "Missing Content-Type")  # RFC 3261 §20.15: MUST with a body
    accepted = _accepted(request, body_types)
    kind = content_type.mime_type
    if kind in accepted:
        return None
    boundary = content_type.params.get("boundary")
    if kind == "multipart/mixed" and boundary is not None:
        parts = multipart_types(request.body, boundary.strip('"'))
        if any(part in accepted for part in parts):
            return None
    return Rejection(415, "Unsupported Media Type", (("Accept", ", ".join(accepted)),))


def _check_accept(request: Request) -> Rejection | None:
    if request.method != "INVITE":
        return None
    ranges = request.headers.accept()
    if ranges is None or any(r.matches("application/sdp") for r in ranges):
        return None
    return Rejection(406, "Not Acceptable")


def multipart_types(body: bytes, boundary: str) -> list[str]:
    """The Content-Type (type/subtype) of each part of a multipart body (RFC 2046)."""
    delimiter = b"--" + boundary.encode("utf-8", "replace")
    types: list[str] = []
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, _ = chunk.partition(b"\r\n\r\n")
        kind = "text/plain"  # RFC 2046 §5.1: the default part type
        for line in head.decode("utf-8", "replace").split("\r\n"):
            name, colon, value = line.partition(":")
            if colon and name.strip().lower() == "content-type":
                try:
                    kind = parse_media_type(value.strip()).mime_type
                except SipParseError:
                    kind = "application/octet-stream"
        types.append(kind)
    return types


def check_response(response: Response) -> str | None:
    """Why a UAC must discard `response`, or None (RFC 3261 §8.1.3.3)."""
    headers: Headers = response.headers
    for name in MANDATORY:
        if name not in headers:
            return f"no {name}"
    for name in SINGLE_VALUED:
        if headers.count(name) > 1:
            return f"more than one {name}"
    if len(headers.vias()) != 1:
        return "more than one Via: not for us"
    return None
