"""URIs: SIP and SIPS (RFC 3261 §19.1, §25.1), tel (RFC 3966), and the rest.

A parsed URI keeps every part exactly as written: `user`, `password`, parameter
names and values and header values still carry their %-escapes, so `str(uri)`
gives back the text it was parsed from (the scheme aside, which is lowercased).
The unescaped forms are properties (`unescaped_user`, `param()`, `header()`),
and `equivalent()` implements the comparison rules of RFC 3261 §19.1.4 that
the registrar and the dialog layer need: user and password compare
case-sensitively, everything else case-insensitively, escapes compare equal to
the characters they stand for, and a few parameters (user, ttl, method, maddr,
transport) make two URIs differ when only one of them has it.

To build a URI from unescaped parts, use `SipURI.build`, which escapes them.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import quote as _pct_quote
from urllib.parse import unquote as _pct_unquote

from switchboard.sip.errors import SipParseError
from switchboard.sip.grammar import memoized

_ALNUM = "A-Za-z0-9"
_MARK = r"\-_.!~*'()"
_ESC = "%[0-9A-Fa-f]{2}"
_USER = re.compile(rf"(?:[{_ALNUM}{_MARK}&=+$,;?/]|{_ESC})+")
_PASSWORD = re.compile(rf"(?:[{_ALNUM}{_MARK}&=+$,]|{_ESC})*")
_PARAMCHARS = re.compile(rf"(?:[{_ALNUM}{_MARK}\[\]/:&+$]|{_ESC})+")
_HNAME = re.compile(rf"(?:[{_ALNUM}{_MARK}\[\]/?:+$]|{_ESC})+")
_HVALUE = re.compile(rf"(?:[{_ALNUM}{_MARK}\[\]/?:+$]|{_ESC})*")
_HOSTNAME = re.compile(
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?\.)*[A-Za-z](?:[A-Za-z0-9\-]*[A-Za-z0-9])?\.?"
)
_IPV4 = re.compile(
    r"(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}"
    r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+\-.]*")
# absoluteURI's uric plus '#': anything printable but space, '<', '>', '"'.
_OPAQUE = re.compile(r"[!#$%&'()*+,\-./0-9:;=?@A-Z\[\]_a-z~]+")
_TEL_GLOBAL = re.compile(r"\+[0-9\-.()]*[0-9][0-9\-.()]*")
_TEL_LOCAL = re.compile(r"[0-9A-Fa-f*#\-.()]*[0-9A-Fa-f*#][0-9A-Fa-f*#\-.()]*")
_TEL_PARAM = re.compile(rf"[A-Za-z0-9\-]+(?:=(?:[{_ALNUM}{_MARK}\[\]/:&+$]|{_ESC})+)?")

# §19.1.4: these parameters make two URIs differ even if only one has them.
_SIGNIFICANT_PARAMS = frozenset({"user", "ttl", "method", "maddr", "transport"})


def _unescape(text: str) -> str:
    return _pct_unquote(text, errors="surrogateescape")


def _bad(text: str, problem: str) -> SipParseError:
    return SipParseError(f"URI {text!r}: {problem}")


def parse_host(text: str) -> str:
    """Check a host (hostname, IPv4 address, or [IPv6] reference); return it."""
    if text.startswith("["):
        if not text.endswith("]") or "%" in text:
            raise _bad(text, "bad IPv6 reference")
        try:
            ipaddress.IPv6Address(text[1:-1])
        except ValueError:
            raise _bad(text, "bad IPv6 address") from None
        return text
    if _IPV4.fullmatch(text) or _HOSTNAME.fullmatch(text):
        return text
    raise _bad(text, "bad host")


def parse_port(text: str, whole: str) -> int:
    if not text.isascii() or not text.isdigit() or len(text) > 5 or int(text) > 65535:
        raise _bad(whole, f"bad port {text!r}")
    return int(text)


@dataclass(frozen=True, slots=True)
class SipURI:
    """A sip: or sips: URI, every part as written (escapes included)."""

    host: str
    user: str | None = None
    password: str | None = None
    port: int | None = None
    params: tuple[tuple[str, str | None], ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    scheme: str = "sip"

    @classmethod
    def build(
        cls,
        host: str,
        user: str | None = None,
        *,
        port: int | None = None,
        scheme: str = "sip",
        params: dict[str, str | None] | None = None,
    ) -> SipURI:
        """A URI from unescaped parts: characters the grammar forbids are escaped."""
        if user == "" or scheme not in ("sip", "sips") or not 0 <= (port or 0) <= 65535:
            raise ValueError(f"cannot build a URI from user={user!r} port={port} scheme={scheme}")
        escaped_user = None if user is None else _pct_quote(user, safe="-_.!~*'()&=+$,;?/")
        items = tuple(
            (
                _pct_quote(k, safe="-_.!~*'()[]/:&+$"),
                None if v is None else _pct_quote(v, safe="-_.!~*'()[]/:&+$"),
            )
            for k, v in (params or {}).items()
        )
        return cls(parse_host(host), escaped_user, None, port, items, (), scheme)

    @property
    def unescaped_user(self) -> str | None:
        return None if self.user is None else _unescape(self.user)

    @property
    def unescaped_password(self) -> str | None:
        return None if self.password is None else _unescape(self.password)

    def has_param(self, name: str) -> bool:
        return any(_unescape(n).lower() == name.lower() for n, _ in self.params)

    def param(self, name: str) -> str | None:
        """The unescaped value of a URI parameter (None if absent or a flag)."""
        for key, value in self.params:
            if _unescape(key).lower() == name.lower():
                return None if value is None else _unescape(value)
        return None

    def header(self, name: str) -> str | None:
        """The unescaped value of a `?name=value` URI header."""
        for key, value in self.headers:
            if _unescape(key).lower() == name.lower():
                return _unescape(value)
        return None

    @property
    def transport(self) -> str | None:
        value = self.param("transport")
        return None if value is None else value.lower()

    @property
    def maddr(self) -> str | None:
        return self.param("maddr")

    @property
    def lr(self) -> bool:
        return self.has_param("lr")

    @property
    def user_param(self) -> str | None:
        return self.param("user")

    @property
    def method(self) -> str | None:
        return self.param("method")

    @property
    def ttl(self) -> int | None:
        value = self.param("ttl")
        if value is None or not value.isascii() or not value.isdigit() or len(value) > 3:
            return None
        return int(value)

    def with_params(self, **changes: str | None) -> SipURI:
        """A copy with parameters set, values as written (a None value makes a flag)."""
        items = [(k, v) for k, v in self.params if _unescape(k).lower() not in changes]
        items.extend(changes.items())
        return SipURI(
            self.host, self.user, self.password, self.port, tuple(items), self.headers, self.scheme
        )

    def without_headers(self) -> SipURI:
        return SipURI(self.host, self.user, self.password, self.port, self.params, (), self.scheme)

    def __str__(self) -> str:
        parts = [self.scheme, ":"]
        if self.user is not None:
            parts.append(self.user)
            if self.password is not None:
                parts += [":", self.password]
            parts.append("@")
        parts.append(self.host)
        if self.port is not None:
            parts.append(f":{self.port}")
        parts.extend(f";{k}" if v is None else f";{k}={v}" for k, v in self.params)
        if self.headers:
            parts.append("?" + "&".join(f"{k}={v}" for k, v in self.headers))
        return "".join(parts)

    def equivalent(self, other: URI) -> bool:
        """RFC 3261 §19.1.4 comparison."""
        if not isinstance(other, SipURI) or self.scheme != other.scheme:
            return False
        if self.unescaped_user != other.unescaped_user:
            return False
        if self.unescaped_password != other.unescaped_password:
            return False
        if self.host.lower() != other.host.lower() or self.port != other.port:
            return False
        mine = _param_map(self.params)
        theirs = _param_map(other.params)
        for name in mine.keys() & theirs.keys():
            if mine[name] != theirs[name]:
                return False
        if any(name in _SIGNIFICANT_PARAMS for name in mine.keys() ^ theirs.keys()):
            return False
        return _header_set(self.headers) == _header_set(other.headers)


def _param_map(params: tuple[tuple[str, str | None], ...]) -> dict[str, str | None]:
    return {_unescape(k).lower(): None if v is None else _unescape(v).lower() for k, v in params}


def _header_set(headers: tuple[tuple[str, str], ...]) -> frozenset[tuple[str, str]]:
    return frozenset((_unescape(k).lower(), _unescape(v)) for k, v in headers)


@dataclass(frozen=True, slots=True)
class TelURI:
    """A tel: URI (RFC 3966): the number as written and its parameters."""

    number: str
    params: tuple[tuple[str, str | None], ...] = ()
    scheme: str = "tel"

    @property
    def is_global(self) -> bool:
        return self.number.startswith("+")

    @property
    def digits(self) -> str:
        """The number without visual separators (what RFC 3966 §4 compares)."""
        return "".join(c for c in self.number if c not in "-.()").lower()

    def param(self, name: str) -> str | None:
        for key, value in self.params:
            if key.lower() == name.lower():
                return None if value is None else _unescape(value)
        return None

    def __str__(self) -> str:
        return (
            "tel:"
            + self.number
            + "".join(f";{k}" if v is None else f";{k}={v}" for k, v in self.params)
        )

    def equivalent(self, other: URI) -> bool:
        """RFC 3966 §4: same digits, same parameters (names and values caseless)."""
        if not isinstance(other, TelURI) or self.digits != other.digits:
            return False
        return _param_map(self.params) == _param_map(other.params)


@dataclass(frozen=True, slots=True)
class AbsoluteURI:
    """Any other scheme (http, isbn, urn...): kept opaque."""

    scheme: str
    opaque: str

    def __str__(self) -> str:
        return f"{self.scheme}:{self.opaque}"

    def equivalent(self, other: URI) -> bool:
        return isinstance(other, AbsoluteURI) and (self.scheme, self.opaque) == (
            other.scheme,
            other.opaque,
        )


URI = SipURI | TelURI | AbsoluteURI


@memoized
def parse_uri(text: str) -> URI:
    """Parse a URI; raise `SipParseError` if it does not follow its grammar."""
    scheme, colon, rest = text.partition(":")
    if not colon or _SCHEME.fullmatch(scheme) is None or not rest:
        raise _bad(text, "no scheme")
    scheme = scheme.lower()
    if scheme in ("sip", "sips"):
        return _parse_sip(scheme, rest, text)
    if scheme == "tel":
        return _parse_tel(rest, text)
    if _OPAQUE.fullmatch(rest) is None:
        raise _bad(text, "bad characters")
    return AbsoluteURI(scheme, rest)


def _parse_sip(scheme: str, rest: str, text: str) -> SipURI:
    user = password = None
    at = rest.find("@")
    if at >= 0:
        userinfo, rest = rest[:at], rest[at + 1 :]
        user, colon, pw = userinfo.partition(":")
        if _USER.fullmatch(user) is None:
            raise _bad(text, "bad user part")
        if colon:
            if _PASSWORD.fullmatch(pw) is None:
                raise _bad(text, "bad password")
            password = pw
    rest, question, header_text = rest.partition("?")
    hostport, *param_texts = rest.split(";")
    if hostport.startswith("["):
        close = hostport.find("]")
        host, after = hostport[: close + 1], hostport[close + 1 :]
        if close < 0 or (after and not after.startswith(":")):
            raise _bad(text, "bad IPv6 reference")
        port_text = after[1:] if after else None
    else:
        host, colon, port_text_or_empty = hostport.partition(":")
        port_text = port_text_or_empty if colon else None
    port = None if port_text is None else parse_port(port_text, text)
    params: list[tuple[str, str | None]] = []
    for item in param_texts:
        name, equals, value = item.partition("=")
        if _PARAMCHARS.fullmatch(name) is None or (equals and _PARAMCHARS.fullmatch(value) is None):
            raise _bad(text, f"bad parameter {item!r}")
        params.append((name, value if equals else None))
    headers: list[tuple[str, str]] = []
    if question:
        for item in header_text.split("&"):
            name, equals, value = item.partition("=")
            if not equals or _HNAME.fullmatch(name) is None or _HVALUE.fullmatch(value) is None:
                raise _bad(text, f"bad header {item!r}")
            headers.append((name, value))
    return SipURI(parse_host(host), user, password, port, tuple(params), tuple(headers), scheme)


def _parse_tel(rest: str, text: str) -> TelURI:
    number, *param_texts = rest.split(";")
    if _TEL_GLOBAL.fullmatch(number) is None and _TEL_LOCAL.fullmatch(number) is None:
        raise _bad(text, "bad telephone number")
    params: list[tuple[str, str | None]] = []
    for item in param_texts:
        if _TEL_PARAM.fullmatch(item) is None:
            raise _bad(text, f"bad parameter {item!r}")
        name, equals, value = item.partition("=")
        params.append((name, value if equals else None))
    return TelURI(number, tuple(params))
