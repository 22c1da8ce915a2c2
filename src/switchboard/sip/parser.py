"""From bytes to a `Request` or `Response` (RFC 3261 §7, §18.3, §25).

`parse_message` takes one datagram, or one message cut out of a stream by the
framer, and either returns a message whose every known header has been parsed
once and found well-formed, or raises `SipParseError`, whatever the input.

The steps, in order:

1. Leading CRLFs are skipped (RFC 3261 §7.5; RFC 5626 keep-alives).
2. The header section ends at the first empty line. It is decoded as UTF-8;
   folded lines (CRLF + white space) are joined with one space; each field is
   `token *WSP ":" value`, the name case-insensitive, compact forms expanded.
3. The start line: a Request-Line is exactly `Method SP Request-URI SP
   SIP-Version` (no extra spaces, none at the end, no `<>` around the URI:
   RFC 4475 §3.1.2.7-10); any version but SIP/2.0 earns a 505.
4. Every known header is parsed by its typed parser (`headers.check_fields`).
5. The body is what Content-Length says. Bytes after it are ignored (a datagram
   carrying two requests: RFC 4475 §3.1.1.8); fewer bytes than announced, a
   negative, oversized or repeated Content-Length are errors. Without a
   Content-Length the body is the rest of the datagram (RFC 3261 §18.3).

On an error in a request, the error carries the header fields when the
response can still be built (Via with a readable sent-by; one From, To,
Call-ID and CSeq): see `errors.py` and `message.error_response`.

Semantic checks that need a policy (mandatory headers, schemes, extensions,
body types) are `validate.py`'s, after parsing.
"""

from __future__ import annotations

import re

from switchboard.sip.errors import SipParseError
from switchboard.sip.grammar import is_token, parse_int
from switchboard.sip.headers import Headers, check_fields
from switchboard.sip.message import SIP_VERSION, Request, Response, can_respond
from switchboard.sip.uri import parse_uri

DEFAULT_MAX_SIZE = 65_535

_VERSION = re.compile(r"SIP/[0-9]+\.[0-9]+", re.IGNORECASE)
_STATUS_LINE = re.compile(r"(SIP/[0-9]+\.[0-9]+) ([0-9]{3})(?: (.*))?", re.IGNORECASE | re.DOTALL)
_BAD_TEXT = re.compile(r"[\r\n\ud800-\udfff]")
_BAD_REASON = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def parse_message(data: bytes, *, max_size: int = DEFAULT_MAX_SIZE) -> Request | Response:
    """Parse one SIP message; raise `SipParseError` (only) if it is malformed."""
    start = 0
    while data.startswith(b"\r\n", start):
        start += 2
    if start >= len(data):
        raise SipParseError("no message, only line ends (a keep-alive)")
    head_end = data.find(b"\r\n\r\n", start)
    head = data[start : head_end if head_end >= 0 else len(data)]
    text = head.decode("utf-8", "surrogateescape")
    start_line, _, rest = text.partition("\r\n")
    is_request = start_line[:4].upper() != "SIP/"
    fields, field_error = _split_fields(rest)
    headers = Headers._unchecked(fields)
    try:
        if len(data) > max_size:
            raise SipParseError(
                f"message of {len(data)} bytes exceeds {max_size}", 513, "Message Too Large"
            )
        if head_end < 0:
            raise SipParseError("no empty line ends the header section")
        if field_error is not None:
            raise field_error
        _check_text(start_line, headers)
        message = _request(start_line, headers) if is_request else _response(start_line, headers)
        check_fields(headers)
        message.body = _body(data, head_end + 4, headers, max_size)
    except SipParseError as error:
        if is_request and can_respond(headers):
            error.headers = headers
        raise
    headers.remove("Content-Length")
    return message


def _split_fields(rest: str) -> tuple[list[tuple[str, str]], SipParseError | None]:
    """Header lines to (name, value) pairs, unfolded; keep going past a bad line
    so that the fields needed for an error response are still found."""
    fields: list[tuple[str, str]] = []
    error: SipParseError | None = None
    if not rest:
        return fields, None
    for line in rest.split("\r\n"):
        if line[:1] in (" ", "\t"):
            if not fields:
                error = error or SipParseError("white space before the first header field")
                continue
            name, value = fields[-1]
            fields[-1] = (name, (value + " " + line.strip(" \t")).strip(" \t"))
            continue
        name, colon, value = line.partition(":")
        name = name.rstrip(" \t")
        if not colon or not is_token(name):
            error = error or SipParseError(f"bad header line {line[:80]!r}")
            continue
        fields.append((name, value.strip(" \t")))
    return fields, error


def _check_text(start_line: str, headers: Headers) -> None:
    """No bare CR or LF anywhere, and UTF-8 throughout (RFC 3261 §25: TEXT-UTF8)."""
    if _BAD_TEXT.search(start_line):
        raise SipParseError("bare CR/LF or invalid UTF-8 in the start line")
    for name, value in headers:
        if _BAD_TEXT.search(value):
            raise SipParseError(f"bare CR/LF or invalid UTF-8 in {name}")


def _request(line: str, headers: Headers) -> Request:
    parts = line.split(" ")
    if len(parts) != 3 or not all(parts):
        raise SipParseError(
            f"Request-Line {line[:120]!r} is not 'Method SP Request-URI SP Version'"
        )
    method, uri_text, version = parts
    if not is_token(method):
        raise SipParseError(f"method {method!r} is not a token")
    if _VERSION.fullmatch(version) is None:
        raise SipParseError(f"bad SIP version {version!r}")
    if version.upper() != SIP_VERSION:
        raise SipParseError(f"{version} is not supported", 505, "Version Not Supported")
    return Request(method, parse_uri(uri_text), headers)


def _response(line: str, headers: Headers) -> Response:
    match = _STATUS_LINE.fullmatch(line)
    if match is None:
        raise SipParseError(f"bad Status-Line {line[:120]!r}")
    version, code, reason = match.groups()
    if version.upper() != SIP_VERSION:
        raise SipParseError(f"{version} is not supported", 505, "Version Not Supported")
    status = int(code)
    if not 100 <= status <= 699:
        raise SipParseError(f"status code {status} outside 100..699")
    reason = reason or ""
    if _BAD_REASON.search(reason):
        raise SipParseError("control character in the reason phrase")
    return Response(status, reason, headers)


def _body(data: bytes, body_start: int, headers: Headers, max_size: int) -> bytes:
    lengths = headers.get_all("Content-Length")
    if not lengths:
        return data[body_start:]
    if len(lengths) > 1:
        raise SipParseError("more than one Content-Length")
    length = parse_int(lengths[0], "Content-Length", max_size)
    if body_start + length > len(data):
        raise SipParseError(
            f"Content-Length {length} but only {len(data) - body_start} bytes of body"
        )
    return data[body_start : body_start + length]
