"""Addresses: the value of From, To, Contact, Route, Record-Route (RFC 3261 §20).

An address is a URI with an optional display name and header parameters:

    "Alice" <sip:alice@atlanta.example.com>;tag=1928301774      (name-addr)
    sip:alice@atlanta.example.com;tag=1928301774                (addr-spec)

The two forms differ on where the URI ends. Inside angle brackets the URI
keeps its own `;parameters` and `?headers`; in the bare form the first `;`
starts the *header* parameters (so `sip:+1@gw;unknownparam` carries a Contact
parameter, not a URI parameter: RFC 4475 §3.3.12/13), and a URI with a `?`
or `,` must be bracketed (§20.10; RFC 4475 §3.1.2.13). White space is allowed
before `<` but not after it nor before `>` (RFC 4475 §3.1.2.14), and an
unquoted display name is a sequence of tokens (§3.1.2.15 refuses a comma).

`display_name` is the unescaped text (None when absent); `str()` writes the
canonical name-addr form, always bracketed, the display name always quoted.
"""

from __future__ import annotations

from dataclasses import dataclass

from switchboard.sip.errors import SipParseError
from switchboard.sip.grammar import (
    NO_PARAMS,
    TOKEN_CHARS,
    Params,
    Scanner,
    memoized,
    parse_int,
    quote,
    split_nonempty,
    unquote,
)
from switchboard.sip.uri import URI, SipURI, parse_uri

_QVALUE_MAX = 1.0
MAX_DELTA_SECONDS = 2**32 - 1


@dataclass(frozen=True, slots=True)
class Address:
    """A name-addr or addr-spec with its header parameters."""

    uri: URI
    display_name: str | None = None
    params: Params = NO_PARAMS

    @property
    def tag(self) -> str | None:
        return self.params.get("tag")

    def with_tag(self, tag: str) -> Address:
        return Address(self.uri, self.display_name, self.params.with_param("tag", tag))

    @property
    def q(self) -> float | None:
        """Contact preference 0..1 (checked at parse time)."""
        value = self.params.get("q")
        return None if value is None else float(value)

    @property
    def expires(self) -> int | None:
        """Contact expires parameter, in seconds (0..2**32-1, checked at parse time)."""
        value = self.params.get("expires")
        return None if value is None else int(value)

    @property
    def sip_uri(self) -> SipURI | None:
        return self.uri if isinstance(self.uri, SipURI) else None

    def __str__(self) -> str:
        name = "" if self.display_name is None else quote(self.display_name) + " "
        return f"{name}<{self.uri}>{self.params}"


def _display_tokens(text: str, whole: str) -> str | None:
    words = text.split()
    if not words:
        return None
    for word in words:
        if not set(word) <= TOKEN_CHARS:
            raise SipParseError(f"address {whole!r}: display name {text.strip()!r} is not tokens")
    return " ".join(words)


def parse_address(text: str, what: str = "address") -> Address:
    """Parse one name-addr / addr-spec followed by generic parameters."""
    try:
        return _parse_address(text)
    except SipParseError as error:
        raise SipParseError(f"{what}: {error.detail}") from None


@memoized
def _parse_address(text: str) -> Address:
    sc = Scanner(text, "address")
    sc.ws()
    display: str | None = None
    if sc.peek() == '"':
        display = unquote(sc.quoted())
        sc.ws()
        if sc.peek() != "<":
            sc.fail("a quoted display name must be followed by <URI>")
    bracketed = sc.peek() == "<"
    if not bracketed:
        start = sc.pos
        before = sc.until("<;")
        if sc.peek() == "<":
            display = _display_tokens(before, text)
            bracketed = True
        else:
            sc.pos = start
    if bracketed:
        sc.pos += 1
        uri_text = sc.until(">")
        if not sc.accept(">") or uri_text != uri_text.strip() or not uri_text:
            sc.fail("bad <URI>")
    else:
        uri_text = sc.until(";").rstrip(" \t")
        if any(c in uri_text for c in '?, \t"<>'):
            sc.fail("a URI with '?', ',' or spaces must be enclosed in <>")
    uri = parse_uri(uri_text)
    params = Params.scan(sc)
    sc.done()
    _check_contact_params(params, sc)
    return Address(uri, display, params)


def _check_contact_params(params: Params, sc: Scanner) -> None:
    q = params.get("q")
    if q is not None and not _is_qvalue(q):
        sc.fail(f"bad q value {q!r}")
    expires = params.get("expires")
    if expires is not None:
        parse_int(expires, "Contact expires", MAX_DELTA_SECONDS)
    if "tag" in params and params.get("tag") is None:
        sc.fail("tag without a value")


def _is_qvalue(text: str) -> bool:
    """qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )."""
    head, _, tail = text.partition(".")
    if head not in ("0", "1") or len(tail) > 3 or not (tail == "" or tail.isdigit()):
        return False
    return tail.isascii() and float(text) <= _QVALUE_MAX


def parse_address_list(value: str, what: str) -> list[Address]:
    """A comma-separated list of addresses (Contact, Route, Record-Route)."""
    return [parse_address(part, what) for part in split_nonempty(value, what)]


def is_wildcard(value: str) -> bool:
    """`Contact: *` (RFC 3261 §10.2.2: remove all bindings)."""
    return value.strip() == "*"
