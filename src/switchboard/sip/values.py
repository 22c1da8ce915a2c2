"""The small typed header values: CSeq, Call-ID, media types, tokens, numbers, Date.

Each `parse_*` takes one unfolded header value and returns a typed value or
raises `SipParseError`. Number ranges are those of RFC 3261: CSeq below 2**31
(§8.1.1.5), Max-Forwards 0..255 (§20.22), Expires and other delta-seconds up
to 2**32-1 (§20.19); a larger value is an error, not a value to clip, so that
RFC 4475 §3.1.2.4 gets its 400. A Date must be the RFC 1123 form in GMT
(§20.17; RFC 4475 §3.1.2.12 refuses "EST").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from switchboard.sip.errors import SipParseError
from switchboard.sip.grammar import (
    NO_PARAMS,
    Params,
    Scanner,
    is_token,
    memoized,
    parse_int,
    split_nonempty,
)

MAX_CSEQ = 2**31 - 1
MAX_FORWARDS = 255
MAX_DELTA_SECONDS = 2**32 - 1

_WORD = r"[A-Za-z0-9\-.!%*_+`'()<>:\\\"/\[\]?{}~]+"
_CALL_ID = re.compile(rf"{_WORD}(?:@{_WORD})?")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DATE = re.compile(
    r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), ([0-9]{2}) ([A-Z][a-z]{2}) ([0-9]{4}) "
    r"([0-9]{2}):([0-9]{2}):([0-9]{2}) GMT"
)


@dataclass(frozen=True, slots=True)
class CSeq:
    """Sequence number and method (RFC 3261 §20.16)."""

    seq: int
    method: str

    def __str__(self) -> str:
        return f"{self.seq} {self.method}"


@memoized
def parse_cseq(value: str) -> CSeq:
    sc = Scanner(value, "CSeq")
    sc.ws()
    start = sc.pos
    sc.until(" \t")
    number = sc.text[start : sc.pos]
    if not sc.ws():
        sc.fail("expected a number, white space and a method")
    method = sc.token()
    sc.done()
    return CSeq(parse_int(number, "CSeq", MAX_CSEQ), method)


def parse_call_id(value: str) -> str:
    """callid = word [ "@" word ]."""
    if _CALL_ID.fullmatch(value) is None:
        raise SipParseError(f"Call-ID: {value!r} is not word[@word]")
    return value


@dataclass(frozen=True, slots=True)
class MediaType:
    """type/subtype;params, as in Content-Type and Accept (RFC 3261 §20.1, §20.15)."""

    type: str
    subtype: str
    params: Params = NO_PARAMS

    @property
    def mime_type(self) -> str:
        """`type/subtype` in lower case, for comparisons."""
        return f"{self.type}/{self.subtype}".lower()

    def matches(self, mime_type: str) -> bool:
        """Does this (possibly wildcard) range cover `mime_type`?"""
        kind, _, sub = mime_type.lower().partition("/")
        return self.type in ("*", kind) and self.subtype.lower() in ("*", sub)

    def __str__(self) -> str:
        return f"{self.type}/{self.subtype}{self.params}"


def parse_media_type(value: str, what: str = "Content-Type") -> MediaType:
    try:
        return _parse_media_type(value)
    except SipParseError as error:
        raise SipParseError(f"{what}: {error.detail}") from None


@memoized
def _parse_media_type(value: str) -> MediaType:
    sc = Scanner(value, "media type")
    sc.ws()
    kind = sc.token()
    sc.expect("/")
    sc.ws()
    sub = sc.token()
    params = Params.scan(sc)
    sc.done()
    return MediaType(kind.lower(), sub.lower(), params)


def parse_accept(value: str) -> list[MediaType]:
    """Accept: an empty value means nothing is acceptable (RFC 3261 §20.1)."""
    return [
        parse_media_type(part, "Accept")
        for part in split_nonempty(value, "Accept", allow_empty=True)
    ]


def parse_tokens(value: str, what: str, *, allow_empty: bool = True) -> list[str]:
    """A list of tokens: option tags (Require, Supported...), methods (Allow)."""
    items = split_nonempty(value, what, allow_empty=allow_empty)
    for item in items:
        if not is_token(item):
            raise SipParseError(f"{what}: {item!r} is not a token")
    return items


def parse_max_forwards(value: str) -> int:
    return parse_int(value.strip(), "Max-Forwards", MAX_FORWARDS)


def parse_delta_seconds(value: str, what: str = "Expires") -> int:
    return parse_int(value.strip(), what, MAX_DELTA_SECONDS)


def parse_date(value: str) -> datetime:
    """SIP-date: rfc1123-date, always GMT (RFC 3261 §20.17)."""
    match = _DATE.fullmatch(value.strip())
    if match is None or match.group(3) not in _MONTHS:
        raise SipParseError(f"Date: {value!r} is not an RFC 1123 date in GMT")
    wkday, day, month, year, hour, minute, second = match.groups()
    try:
        when = datetime(
            int(year),
            _MONTHS.index(month) + 1,
            int(day),
            int(hour),
            int(minute),
            int(second),
            tzinfo=UTC,
        )
    except ValueError:
        raise SipParseError(f"Date: {value!r} is not a valid date") from None
    del wkday  # a wrong day of the week is an error of the sender's, not of syntax
    return when


def format_date(when: datetime) -> str:
    """A datetime as a SIP-date (converted to GMT)."""
    utc = when.astimezone(UTC)
    return (
        f"{_WKDAYS[utc.weekday()]}, {utc.day:02d} {_MONTHS[utc.month - 1]} {utc.year:04d} "
        f"{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d} GMT"
    )
