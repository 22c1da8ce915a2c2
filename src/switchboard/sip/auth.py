"""Syntax of the authentication headers (RFC 3261 §20.7, §20.27, §20.28, §20.44).

WWW-Authenticate and Proxy-Authenticate carry a challenge, Authorization and
Proxy-Authorization carry credentials; all four share one shape, a scheme then
comma-separated `name=value` parameters, each value a token or a
quoted-string:

    Digest realm="atlanta.example.com", nonce="84a4cc6f", algorithm=MD5, qop="auth"

Unlike list headers, one field holds exactly one challenge or credentials, and
the commas belong to it; several challenges come in several fields. This
module only reads and writes that syntax; computing and checking digests is
`digest.py`'s work. Whether a value was quoted is kept, because digest
responses are picky about it (`qop=auth` and `nc=00000001` go unquoted in
credentials, `uri="..."` quoted).
"""

from __future__ import annotations

from dataclasses import dataclass

from switchboard.sip.grammar import Scanner, quote, unquote


@dataclass(frozen=True, slots=True)
class AuthParam:
    name: str
    value: str
    quoted: bool = True

    def __str__(self) -> str:
        return f"{self.name}={quote(self.value) if self.quoted else self.value}"


@dataclass(frozen=True, slots=True)
class AuthHeader:
    """A challenge or credentials: scheme and parameters (values unescaped)."""

    scheme: str
    params: tuple[AuthParam, ...] = ()

    @property
    def is_digest(self) -> bool:
        return self.scheme.lower() == "digest"

    def get(self, name: str) -> str | None:
        lowered = name.lower()
        for param in self.params:
            if param.name.lower() == lowered:
                return param.value
        return None

    def param_dict(self) -> dict[str, str]:
        """Parameters by lower-case name (the first of a repeated one wins)."""
        out: dict[str, str] = {}
        for param in self.params:
            out.setdefault(param.name.lower(), param.value)
        return out

    def __str__(self) -> str:
        return f"{self.scheme} " + ", ".join(str(p) for p in self.params)


def parse_auth(value: str, what: str = "Authorization") -> AuthHeader:
    """Parse `auth-scheme LWS auth-param *(COMMA auth-param)`."""
    sc = Scanner(value, what)
    sc.ws()
    scheme = sc.token()
    if not sc.ws():
        sc.fail("expected parameters after the scheme")
    params: list[AuthParam] = []
    while True:
        sc.ws()
        name = sc.token()
        sc.expect("=")
        sc.ws()
        if sc.peek() == '"':
            params.append(AuthParam(name, unquote(sc.quoted()), quoted=True))
        else:
            params.append(AuthParam(name, sc.token(), quoted=False))
        if not sc.accept(","):
            break
    sc.done()
    return AuthHeader(scheme, tuple(params))
