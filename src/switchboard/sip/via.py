"""The Via header (RFC 3261 §20.42, §18.2.1; RFC 3581 for rport).

Each Via value records one hop a request took: the transport and the address
(`sent-by`) where the sender wants responses, and the `branch` that names its
transaction. A header line may carry several values separated by commas, and
the grammar allows white space almost everywhere (`SIP / 2.0 / UDP host ;
branch = z9...`, RFC 4475 §3.1.1.1), which this parser accepts and `str()`
writes back compactly.

The well-known parameters are checked: `received` must be an IP address,
`rport` is empty (a request for it) or a port, `ttl` is 0..255, `maddr` a host.
A branch that is exactly the magic cookie, or has none, marks an RFC 2543
sender (RFC 4475 §3.2.1): `rfc3261_branch` is then False and the transaction
layer must match on the older rules.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from switchboard.sip.errors import SipParseError
from switchboard.sip.grammar import NO_PARAMS, Params, Scanner, memoized, parse_int, split_nonempty
from switchboard.sip.uri import parse_host, parse_port

MAGIC_COOKIE = "z9hG4bK"
_HOST = re.compile(r"\[[0-9A-Fa-f:.]*\]|[A-Za-z0-9.\-]+")


@dataclass(frozen=True, slots=True)
class Via:
    """One via-parm: sent-protocol, sent-by and parameters."""

    transport: str
    host: str
    port: int | None = None
    params: Params = NO_PARAMS
    protocol: str = "SIP/2.0"

    @property
    def branch(self) -> str | None:
        return self.params.get("branch")

    @property
    def rfc3261_branch(self) -> bool:
        """True when the branch carries the RFC 3261 magic cookie and more."""
        branch = self.branch
        return branch is not None and branch.startswith(MAGIC_COOKIE) and branch != MAGIC_COOKIE

    @property
    def received(self) -> str | None:
        return self.params.get("received")

    @property
    def rport_requested(self) -> bool:
        """The sender asked for symmetric response routing (RFC 3581)."""
        return "rport" in self.params

    @property
    def rport(self) -> int | None:
        value = self.params.get("rport")
        return None if value is None else int(value)

    @property
    def maddr(self) -> str | None:
        return self.params.get("maddr")

    @property
    def ttl(self) -> int | None:
        value = self.params.get("ttl")
        return None if value is None else int(value)

    @property
    def sent_by(self) -> tuple[str, int | None]:
        return self.host, self.port

    def with_param(self, name: str, value: str | None = None) -> Via:
        return Via(
            self.transport, self.host, self.port, self.params.with_param(name, value), self.protocol
        )

    def __str__(self) -> str:
        port = "" if self.port is None else f":{self.port}"
        return f"{self.protocol}/{self.transport} {self.host}{port}{self.params}"


def _sent_by(sc: Scanner) -> tuple[str, str, str, int | None]:
    """sent-protocol LWS sent-by: (protocol, transport, host, port)."""
    sc.ws()
    name = sc.token()
    sc.expect("/")
    sc.ws()
    version = sc.token()
    sc.expect("/")
    sc.ws()
    transport = sc.token()
    if not sc.ws():
        sc.fail("expected white space after the transport")
    match = _HOST.match(sc.text, sc.pos)
    if match is None:
        sc.fail("expected a host")
    sc.pos = match.end()
    host = parse_host(match.group())
    port = None
    if sc.accept(":"):
        sc.ws()
        start = sc.pos
        sc.until("; \t,")
        port = parse_port(sc.text[start : sc.pos], sc.text)
    return f"{name.upper()}/{version}", transport.upper(), host, port


@memoized
def parse_via(text: str) -> Via:
    """Parse one via-parm (no commas)."""
    sc = Scanner(text, "Via")
    protocol, transport, host, port = _sent_by(sc)
    params = Params.scan(sc)
    sc.done()
    _check_params(params, sc)
    return Via(transport, host, port, params, protocol)


def _check_params(params: Params, sc: Scanner) -> None:
    received = params.get("received")
    if "received" in params:
        try:
            ipaddress.ip_address(received or "")
        except ValueError:
            sc.fail(f"received={received!r} is not an IP address")
    rport = params.get("rport")
    if rport is not None:
        parse_port(rport, sc.text)
    ttl = params.get("ttl")
    if "ttl" in params:
        parse_int(ttl or "", "Via ttl", 255)
    if "maddr" in params:
        parse_host(params.get("maddr") or "")
    if "branch" in params and params.get("branch") is None:
        sc.fail("branch without a value")


def parse_via_list(value: str) -> list[Via]:
    """All via-parms of one header line."""
    return [parse_via(part) for part in split_nonempty(value, "Via")]


def top_sent_by(value: str) -> tuple[str, int | None] | None:
    """The sent-by of the first via-parm, ignoring anything broken after it.

    Enough to route an error response for a request whose Via parameters are
    malformed (RFC 4475 §3.1.2.1 still expects a 400 back).
    """
    try:
        sc = Scanner(value, "Via")
        _, _, host, port = _sent_by(sc)
    except SipParseError:
        return None
    return host, port
