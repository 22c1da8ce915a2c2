"""Lexical pieces of RFC 3261 §25 shared by every header parser.

Header values reach these functions already unfolded: the message parser has
replaced each line fold (CRLF followed by whitespace) with a single space, so
linear white space (LWS) here is just a run of SP / HTAB.

The pieces:
- `Scanner`: a cursor over one header value with the few moves the grammar
  needs (skip white space, read a token, a quoted string, expect a separator),
  raising `SipParseError` on the first thing out of place;
- `Params`: the ordered `;name=value` lists that end Via, From/To, Contact and
  Content-Type values, names compared case-insensitively, values kept raw;
- `split_list`: the comma split of list headers (Via, Contact, Accept...),
  which must not split inside a quoted string or between angle brackets;
- `quote` / `unquote` for quoted-strings and their backslash escapes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache, wraps
from typing import NoReturn, TypeVar

from switchboard.sip.errors import SipParseError

TOKEN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~")
_TOKEN = re.compile(r"[A-Za-z0-9\-.!%*_+`'~]+")
_WS = re.compile(r"[ \t]*")
# quoted-string = DQUOTE *(qdtext / quoted-pair) DQUOTE; qdtext excludes the
# controls other than HTAB, '"' and '\'; quoted-pair escapes any ASCII but CR, LF.
_QUOTED = re.compile(
    r'"((?:[\t \x21\x23-\x5b\x5d-\x7e\x80-\U0010ffff]|\\[\x00-\x09\x0b\x0c\x0e-\x7f])*)"'
)
_PAIR = re.compile(r"\\(.)", re.DOTALL)
_MEMO_MAX_LENGTH = 512

T = TypeVar("T")


def is_token(text: str) -> bool:
    """True for a non-empty RFC 3261 token."""
    return _TOKEN.fullmatch(text) is not None


def unquote(quoted: str) -> str:
    """The content of a quoted-string (with its quotes), escapes resolved."""
    return _PAIR.sub(r"\1", quoted[1:-1])


_NEEDS_PAIR = re.compile(r'[\x00-\x08\x0b\x0c\x0e-\x1f\x7f"\\]')


def quote(text: str) -> str:
    """`text` as a quoted-string.

    Backslash, double quote and control characters are escaped (a quoted-pair);
    CR and LF cannot be, in any form, and become spaces.
    """
    text = text.replace("\r", " ").replace("\n", " ")
    return '"' + _NEEDS_PAIR.sub(lambda m: "\\" + m.group(), text) + '"'


class Scanner:
    """A cursor over one unfolded header value."""

    __slots__ = ("pos", "text", "what")

    def __init__(self, text: str, what: str) -> None:
        self.text = text
        self.pos = 0
        self.what = what

    def fail(self, problem: str) -> NoReturn:
        raise SipParseError(f"{self.what}: {problem} at column {self.pos} of {self.text!r}")

    def eof(self) -> bool:
        return self.pos >= len(self.text)

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def ws(self) -> bool:
        """Skip white space; True if there was some."""
        end = _WS.match(self.text, self.pos)
        assert end is not None
        moved = end.end() != self.pos
        self.pos = end.end()
        return moved

    def accept(self, char: str) -> bool:
        """Consume `char` if it is next (after optional white space)."""
        self.ws()
        if self.text.startswith(char, self.pos):
            self.pos += len(char)
            return True
        return False

    def expect(self, char: str) -> None:
        if not self.accept(char):
            self.fail(f"expected {char!r}")

    def token(self) -> str:
        match = _TOKEN.match(self.text, self.pos)
        if match is None:
            self.fail("expected a token")
        self.pos = match.end()
        return match.group()

    def quoted(self) -> str:
        """A quoted-string, returned raw (quotes and escapes included)."""
        match = _QUOTED.match(self.text, self.pos)
        if match is None:
            self.fail("bad or unterminated quoted string")
        self.pos = match.end()
        return match.group()

    def until(self, stops: str) -> str:
        """Everything up to (not including) the first of `stops`, or the end."""
        start, end = self.pos, len(self.text)
        for stop in stops:
            found = self.text.find(stop, start, end)
            if found >= 0:
                end = found
        self.pos = end
        return self.text[start:end]

    def done(self) -> None:
        """Only white space may remain."""
        self.ws()
        if not self.eof():
            self.fail("unexpected text")


def _gen_value(sc: Scanner) -> str:
    """gen-value = token / host / quoted-string (host covers [IPv6])."""
    char = sc.peek()
    if char == '"':
        return sc.quoted()
    if char == "[":
        raw = sc.until("]")
        if not sc.accept("]"):
            sc.fail("unterminated IPv6 reference")
        return raw + "]"
    return sc.token()


@dataclass(frozen=True, slots=True)
class Params:
    """An ordered `;name[=value]` list; names compare case-insensitively.

    Values stay as written (a quoted value keeps its quotes) so that a value
    serialises back exactly; `get` answers None both for an absent parameter
    and for a flag such as `;lr`, and `in` tells the two apart.
    """

    items: tuple[tuple[str, str | None], ...] = ()

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and any(n.lower() == name.lower() for n, _ in self.items)

    def __iter__(self) -> Iterator[tuple[str, str | None]]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def get(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.items:
            if key.lower() == lowered:
                return value
        return None

    def with_param(self, name: str, value: str | None = None) -> Params:
        """A copy with `name` set (replacing an existing one in place)."""
        lowered = name.lower()
        if name in self:
            return Params(tuple((n, value if n.lower() == lowered else v) for n, v in self.items))
        return Params((*self.items, (name, value)))

    def without(self, name: str) -> Params:
        lowered = name.lower()
        return Params(tuple((n, v) for n, v in self.items if n.lower() != lowered))

    def __str__(self) -> str:
        return "".join(f";{n}" if v is None else f";{n}={v}" for n, v in self.items)

    @classmethod
    def scan(cls, sc: Scanner) -> Params:
        """Read `*( SEMI generic-param )` from the scanner."""
        items: list[tuple[str, str | None]] = []
        while sc.accept(";"):
            sc.ws()
            name = sc.token()
            value = None
            if sc.accept("="):
                sc.ws()
                value = _gen_value(sc)
            items.append((name, value))
        return cls(tuple(items))


NO_PARAMS = Params()


def split_list(value: str) -> list[str]:
    """Split a list header value on commas outside quotes and angle brackets.

    Elements come back stripped; an empty element (`a,,b`, a trailing comma) is
    returned as "" so that each header's parser can refuse it.
    """
    if "," not in value:
        return [value.strip()]
    parts: list[str] = []
    start = 0
    in_quote = in_angle = False
    i = 0
    length = len(value)
    while i < length:
        char = value[i]
        if in_quote:
            if char == "\\":
                i += 1
            elif char == '"':
                in_quote = False
        elif char == '"':
            in_quote = True
        elif char == "<":
            in_angle = True
        elif char == ">":
            in_angle = False
        elif char == "," and not in_angle:
            parts.append(value[start:i].strip())
            start = i + 1
        i += 1
    parts.append(value[start:].strip())
    return parts


def split_nonempty(value: str, what: str, *, allow_empty: bool = False) -> list[str]:
    """`split_list`, refusing empty elements (and an empty value unless allowed)."""
    if not value.strip():
        if allow_empty:
            return []
        raise SipParseError(f"{what}: empty value")
    parts = split_list(value)
    if any(not part for part in parts):
        raise SipParseError(f"{what}: empty element in {value!r}")
    return parts


def memoized(function: Callable[[str], T]) -> Callable[[str], T]:
    """Cache a header parser's results by value text (short values only).

    The same values come back again and again (every retransmission, every
    accessor call after the parser's own check, the From and Call-ID of every
    request of a dialog) and the parsers return immutable values, so a small
    cache saves most of the parsing. Long values bypass it, so that hostile
    input cannot make it hold much memory.
    """
    cached = lru_cache(maxsize=2048)(function)

    @wraps(function)
    def parse(text: str) -> T:
        return cached(text) if len(text) <= _MEMO_MAX_LENGTH else function(text)

    return parse


def parse_int(text: str, what: str, maximum: int) -> int:
    """1*DIGIT within 0..maximum (leading zeros allowed, nothing else)."""
    if not text.isascii() or not text.isdigit():
        raise SipParseError(f"{what}: {text!r} is not a number")
    if len(text.lstrip("0")) > len(str(maximum)) or int(text) > maximum:
        raise SipParseError(f"{what}: {text!r} is larger than {maximum}")
    return int(text)
