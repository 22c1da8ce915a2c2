"""Header fields: names, the ordered multi-map, and typed access.

`Headers` keeps the fields of a message in the order they came, each with its
value as received (unfolded, trimmed): a B2BUA copies and forwards fields it
does not understand, and a raw value always serialises back exactly. Names
compare case-insensitively and compact forms (`v`, `m`, `i`...) are expanded
on the way in, so `headers.get("via")`, `headers.get("V")` and
`headers.get("Via")` are the same question; known names are stored in their
canonical spelling, unknown ones as written.

Typed accessors (`vias()`, `cseq()`, `contacts()`...) parse on each call and
raise `SipParseError` on a bad value. The message parser runs every typed
parser once (`check_fields`), so on a parsed message they cannot fail; on a
message built by hand they check what the code put in. Single-valued accessors
answer the first field: whether there is more than one is `validate.py`'s
question (RFC 4475 §3.3.8).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime

from switchboard.sip.address import Address, is_wildcard, parse_address, parse_address_list
from switchboard.sip.auth import AuthHeader, parse_auth
from switchboard.sip.grammar import is_token
from switchboard.sip.values import (
    CSeq,
    MediaType,
    parse_accept,
    parse_call_id,
    parse_cseq,
    parse_date,
    parse_delta_seconds,
    parse_max_forwards,
    parse_media_type,
    parse_tokens,
)
from switchboard.sip.via import Via, parse_via_list

# RFC 3261 §7.3.3 and the IANA "Compact Form" column: RFC 3265 (o, u), 3515 (r),
# 3892 (b), 4028 (x), 3841 (a, j, d), 4474/8224 (y; n is deprecated but seen).
COMPACT_FORMS: dict[str, str] = {
    "a": "Accept-Contact",
    "b": "Referred-By",
    "c": "Content-Type",
    "d": "Request-Disposition",
    "e": "Content-Encoding",
    "f": "From",
    "i": "Call-ID",
    "j": "Reject-Contact",
    "k": "Supported",
    "l": "Content-Length",
    "m": "Contact",
    "n": "Identity-Info",
    "o": "Event",
    "r": "Refer-To",
    "s": "Subject",
    "t": "To",
    "u": "Allow-Events",
    "v": "Via",
    "x": "Session-Expires",
    "y": "Identity",
}

# fmt: off
_KNOWN = [
    *COMPACT_FORMS.values(),
    "Accept", "Accept-Encoding", "Accept-Language", "Alert-Info", "Allow",
    "Authentication-Info", "Authorization", "Call-Info", "Content-Disposition",
    "Content-Language", "CSeq", "Date", "Error-Info", "Expires", "In-Reply-To",
    "Max-Forwards", "Min-Expires", "Min-SE", "MIME-Version", "Organization", "Path",
    "P-Asserted-Identity", "P-Preferred-Identity", "Priority", "Privacy",
    "Proxy-Authenticate", "Proxy-Authorization", "Proxy-Require", "RAck", "Reason",
    "Record-Route", "Replaces", "Reply-To", "Require", "Retry-After", "Route", "RSeq",
    "Server", "Service-Route", "SIP-ETag", "SIP-If-Match", "Subscription-State",
    "Timestamp", "Unsupported", "User-Agent", "Warning", "WWW-Authenticate",
]
# fmt: on
_CANONICAL: dict[str, str] = {name.lower(): name for name in _KNOWN}
_CANONICAL.update({short: long for short, long in COMPACT_FORMS.items()})


def canonical_name(name: str) -> str:
    """The long, canonically spelled form of a known name; others as given."""
    return _CANONICAL.get(name.lower(), name)


def _key(name: str) -> str:
    return _CANONICAL.get(name.lower(), name).lower()


def _check_contact(value: str) -> object:
    return None if is_wildcard(value) else parse_address_list(value, "Contact")


# The typed parser of each known header, run once per field by the message
# parser. Date is left to validate.py (a tolerant UAS may accept a bad one).
_CHECKS: dict[str, Callable[[str], object]] = {
    "via": parse_via_list,
    "from": lambda v: parse_address(v, "From"),
    "to": lambda v: parse_address(v, "To"),
    "call-id": parse_call_id,
    "cseq": parse_cseq,
    "contact": _check_contact,
    "route": lambda v: parse_address_list(v, "Route"),
    "record-route": lambda v: parse_address_list(v, "Record-Route"),
    "max-forwards": parse_max_forwards,
    "content-type": parse_media_type,
    "expires": parse_delta_seconds,
    "min-expires": lambda v: parse_delta_seconds(v, "Min-Expires"),
    "accept": parse_accept,
    "allow": lambda v: parse_tokens(v, "Allow"),
    "supported": lambda v: parse_tokens(v, "Supported"),
    "unsupported": lambda v: parse_tokens(v, "Unsupported"),
    "require": lambda v: parse_tokens(v, "Require", allow_empty=False),
    "proxy-require": lambda v: parse_tokens(v, "Proxy-Require", allow_empty=False),
    "content-encoding": lambda v: parse_tokens(v, "Content-Encoding", allow_empty=False),
    "authorization": lambda v: parse_auth(v, "Authorization"),
    "proxy-authorization": lambda v: parse_auth(v, "Proxy-Authorization"),
    "www-authenticate": lambda v: parse_auth(v, "WWW-Authenticate"),
    "proxy-authenticate": lambda v: parse_auth(v, "Proxy-Authenticate"),
}


def check_fields(headers: Headers) -> None:
    """Run the typed parser of every known field; raise on the first bad one."""
    for key, _, value in headers._fields:
        check = _CHECKS.get(key)
        if check is not None:
            check(value)


def _field(name: str, value: object) -> tuple[str, str, str]:
    """A field to store, refusing what would corrupt the wire form: a name that
    is not a token, a CR or LF in the value (header injection)."""
    text = str(value)
    if not is_token(name) or "\r" in text or "\n" in text:
        raise ValueError(f"invalid header field {name!r}: {text[:80]!r}")
    return _key(name), canonical_name(name), text


class Headers:
    """An ordered multi-map of header fields with raw values."""

    __slots__ = ("_fields",)

    def __init__(self, fields: Iterable[tuple[str, object]] = ()) -> None:
        self._fields: list[tuple[str, str, str]] = []
        for name, value in fields:
            self.add(name, value)

    # -- the multi-map -----------------------------------------------------

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return ((name, value) for _, name, value in self._fields)

    def __len__(self) -> int:
        return len(self._fields)

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        key = _key(name)
        return any(k == key for k, _, _ in self._fields)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Headers):
            return NotImplemented
        return [(k, v) for k, _, v in self._fields] == [(k, v) for k, _, v in other._fields]

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Headers({list(self)!r})"

    def get(self, name: str) -> str | None:
        """The value of the first field called `name`."""
        key = _key(name)
        for k, _, value in self._fields:
            if k == key:
                return value
        return None

    def get_all(self, name: str) -> list[str]:
        """The values of every field called `name`, in order (one per line)."""
        key = _key(name)
        return [value for k, _, value in self._fields if k == key]

    @classmethod
    def _unchecked(cls, fields: Iterable[tuple[str, str]]) -> Headers:
        """For the parser, which checks names and values itself."""
        headers = cls()
        headers._fields = [(_key(n), canonical_name(n), v) for n, v in fields]
        return headers

    def add(self, name: str, value: object) -> None:
        """Append a field; a typed value is written with `str()`."""
        self._fields.append(_field(name, value))

    def set(self, name: str, value: object) -> None:
        """Replace every `name` field by one, where the first one was."""
        field = _field(name, value)
        key = field[0]
        for index, (k, _, _) in enumerate(self._fields):
            if k == key:
                self._fields[index] = field
                self._fields[index + 1 :] = [f for f in self._fields[index + 1 :] if f[0] != key]
                return
        self._fields.append(field)

    def remove(self, name: str) -> int:
        """Remove every `name` field; return how many there were."""
        key = _key(name)
        before = len(self._fields)
        self._fields = [f for f in self._fields if f[0] != key]
        return before - len(self._fields)

    def count(self, name: str) -> int:
        key = _key(name)
        return sum(1 for k, _, _ in self._fields if k == key)

    def copy(self) -> Headers:
        clone = Headers()
        clone._fields = list(self._fields)
        return clone

    # -- typed access --------------------------------------------------------

    def vias(self) -> list[Via]:
        return [via for value in self.get_all("Via") for via in parse_via_list(value)]

    def top_via(self) -> Via | None:
        first = self.get("Via")
        return None if first is None else parse_via_list(first)[0]

    def from_(self) -> Address | None:
        value = self.get("From")
        return None if value is None else parse_address(value, "From")

    def to(self) -> Address | None:
        value = self.get("To")
        return None if value is None else parse_address(value, "To")

    def call_id(self) -> str | None:
        value = self.get("Call-ID")
        return None if value is None else parse_call_id(value)

    def cseq(self) -> CSeq | None:
        value = self.get("CSeq")
        return None if value is None else parse_cseq(value)

    def contacts(self) -> list[Address]:
        """Contact addresses; empty for `Contact: *` (see `contact_wildcard`)."""
        return [
            address
            for value in self.get_all("Contact")
            if not is_wildcard(value)
            for address in parse_address_list(value, "Contact")
        ]

    def contact_wildcard(self) -> bool:
        return any(is_wildcard(value) for value in self.get_all("Contact"))

    def routes(self) -> list[Address]:
        return [a for v in self.get_all("Route") for a in parse_address_list(v, "Route")]

    def record_routes(self) -> list[Address]:
        return [
            a for v in self.get_all("Record-Route") for a in parse_address_list(v, "Record-Route")
        ]

    def max_forwards(self) -> int | None:
        value = self.get("Max-Forwards")
        return None if value is None else parse_max_forwards(value)

    def content_type(self) -> MediaType | None:
        value = self.get("Content-Type")
        return None if value is None else parse_media_type(value)

    def expires(self) -> int | None:
        value = self.get("Expires")
        return None if value is None else parse_delta_seconds(value)

    def date(self) -> datetime | None:
        value = self.get("Date")
        return None if value is None else parse_date(value)

    def accept(self) -> list[MediaType] | None:
        """Accepted media ranges; None when absent, [] when present and empty."""
        values = self.get_all("Accept")
        return None if not values else [m for v in values for m in parse_accept(v)]

    def _tokens(self, name: str) -> list[str]:
        return [t for v in self.get_all(name) for t in parse_tokens(v, name)]

    def require(self) -> list[str]:
        return self._tokens("Require")

    def proxy_require(self) -> list[str]:
        return self._tokens("Proxy-Require")

    def supported(self) -> list[str]:
        return self._tokens("Supported")

    def unsupported(self) -> list[str]:
        return self._tokens("Unsupported")

    def allow(self) -> list[str]:
        return self._tokens("Allow")

    def content_encoding(self) -> list[str]:
        return self._tokens("Content-Encoding")

    def authorization(self) -> list[AuthHeader]:
        return [parse_auth(v, "Authorization") for v in self.get_all("Authorization")]

    def proxy_authorization(self) -> list[AuthHeader]:
        return [parse_auth(v, "Proxy-Authorization") for v in self.get_all("Proxy-Authorization")]

    def www_authenticate(self) -> list[AuthHeader]:
        return [parse_auth(v, "WWW-Authenticate") for v in self.get_all("WWW-Authenticate")]

    def proxy_authenticate(self) -> list[AuthHeader]:
        return [parse_auth(v, "Proxy-Authenticate") for v in self.get_all("Proxy-Authenticate")]

    def user_agent(self) -> str | None:
        return self.get("User-Agent")

    def server(self) -> str | None:
        return self.get("Server")

    def subject(self) -> str | None:
        return self.get("Subject")
