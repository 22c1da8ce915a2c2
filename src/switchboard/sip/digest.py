"""HTTP Digest authentication for SIP (RFC 3261 §22, RFC 7616, RFC 8760).

Both sides live here, as pure functions of their inputs:

* the **registrar** challenges agent phones (`Challenger`): nonces are stateless
  (the issue time and an HMAC of it under a server secret), expire after
  `nonce_lifetime` seconds and are then answered with `stale=true` so a phone
  retries silently with the new nonce; nonce counts are tracked for a bounded set of
  recent nonces so a captured Authorization cannot be replayed;
* the **client** answers a trunk's 401/407 challenge (`answer_challenge`), choosing
  SHA-256 over MD5 when both are offered.

Algorithms: MD5 and SHA-256, plain and `-sess`; qop `auth` (and none, for old
phones; `auth-int` is not offered). Passwords may be stored as their HA1 so the
plain text need not be kept.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections import OrderedDict
from dataclasses import dataclass
from enum import StrEnum

from switchboard.sip.auth import AuthHeader, AuthParam
from switchboard.sip.message import Response


class Algorithm(StrEnum):
    MD5 = "MD5"
    MD5_SESS = "MD5-sess"
    SHA256 = "SHA-256"
    SHA256_SESS = "SHA-256-sess"

    @property
    def hash_name(self) -> str:
        return "sha256" if self.value.startswith("SHA-256") else "md5"

    @property
    def sess(self) -> bool:
        return self.value.endswith("-sess")


def parse_algorithm(value: str | None) -> Algorithm | None:
    """The algorithm named in a challenge or credentials; MD5 when absent."""
    if value is None:
        return Algorithm.MD5
    for algorithm in Algorithm:
        if algorithm.value.lower() == value.lower():
            return algorithm
    return None


def _h(algorithm: Algorithm, data: str) -> str:
    return hashlib.new(algorithm.hash_name, data.encode("utf-8")).hexdigest()


def ha1(algorithm: Algorithm, username: str, realm: str, password: str) -> str:
    """H(username:realm:password), what a registrar may store instead of the password."""
    return _h(algorithm, f"{username}:{realm}:{password}")


def response(
    algorithm: Algorithm,
    ha1_value: str,
    method: str,
    uri: str,
    nonce: str,
    *,
    qop: str | None = None,
    nc: str | None = None,
    cnonce: str | None = None,
) -> str:
    """The `response` parameter (RFC 7616 §3.4.1)."""
    key = ha1_value
    if algorithm.sess:
        key = _h(algorithm, f"{ha1_value}:{nonce}:{cnonce or ''}")
    ha2 = _h(algorithm, f"{method}:{uri}")
    if qop:
        return _h(algorithm, f"{key}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}")
    return _h(algorithm, f"{key}:{nonce}:{ha2}")


def format_params(scheme: str, params: list[tuple[str, str, bool]]) -> str:
    """`Digest realm="x", nonce="y", algorithm=MD5`; each param says if it is quoted."""
    return str(AuthHeader(scheme, tuple(AuthParam(k, v, quoted) for k, v, quoted in params)))


# -- the registrar side ------------------------------------------------------------------


class Verdict(StrEnum):
    OK = "ok"
    STALE = "stale"
    """Right password, expired nonce: challenge again with stale=true."""
    BAD = "bad"
    """Wrong credentials, unknown user, replay, or a malformed answer: challenge again."""


@dataclass(frozen=True, slots=True)
class Credentials:
    """The parameters of an Authorization header (already unquoted)."""

    username: str
    realm: str
    nonce: str
    uri: str
    response: str
    algorithm: str | None = None
    qop: str | None = None
    nc: str | None = None
    cnonce: str | None = None
    opaque: str | None = None

    @classmethod
    def from_params(cls, params: dict[str, str]) -> Credentials | None:
        lower = {k.lower(): v for k, v in params.items()}
        try:
            return cls(
                username=lower["username"],
                realm=lower["realm"],
                nonce=lower["nonce"],
                uri=lower["uri"],
                response=lower["response"],
                algorithm=lower.get("algorithm"),
                qop=lower.get("qop"),
                nc=lower.get("nc"),
                cnonce=lower.get("cnonce"),
                opaque=lower.get("opaque"),
            )
        except KeyError:
            return None


class Challenger:
    """Issues and checks Digest challenges for one realm."""

    def __init__(
        self,
        realm: str,
        secret: bytes,
        *,
        nonce_lifetime: float = 300.0,
        algorithms: tuple[Algorithm, ...] = (Algorithm.SHA256, Algorithm.MD5),
        remembered_nonces: int = 10_000,
    ) -> None:
        if len(secret) < 16:
            raise ValueError("the nonce secret must have at least 16 bytes")
        self.realm = realm
        self._secret = secret
        self.nonce_lifetime = nonce_lifetime
        self.algorithms = algorithms
        self._counts: OrderedDict[str, int] = OrderedDict()
        self._remembered = remembered_nonces

    def nonce(self, now: float) -> str:
        stamp = f"{now:.6f}"
        mac = hmac.new(self._secret, stamp.encode(), hashlib.sha256).hexdigest()[:32]
        return base64.urlsafe_b64encode(f"{stamp}:{mac}".encode()).decode().rstrip("=")

    def _nonce_time(self, nonce: str) -> float | None:
        try:
            raw = base64.urlsafe_b64decode(nonce + "=" * (-len(nonce) % 4)).decode()
            stamp, mac = raw.split(":")
            expected = hmac.new(self._secret, stamp.encode(), hashlib.sha256).hexdigest()[:32]
            if not hmac.compare_digest(mac, expected):
                return None
            return float(stamp)
        except (ValueError, UnicodeDecodeError):
            return None

    def challenges(self, now: float, *, stale: bool = False) -> list[str]:
        """WWW-Authenticate values, strongest algorithm first (RFC 8760 §2.4)."""
        nonce = self.nonce(now)
        values = []
        for algorithm in self.algorithms:
            params = [
                ("realm", self.realm, True),
                ("nonce", nonce, True),
                ("algorithm", algorithm.value, False),
                ("qop", "auth", True),
            ]
            if stale:
                params.append(("stale", "true", False))
            values.append(format_params("Digest", params))
        return values

    def check(
        self, credentials: Credentials, method: str, ha1_for: dict[str, str], now: float
    ) -> Verdict:
        """Check an answer. `ha1_for` maps an algorithm value to the user's HA1 for it
        (empty when the user is unknown: the answer is then BAD, in constant work)."""
        algorithm = parse_algorithm(credentials.algorithm)
        if algorithm is None or algorithm not in self.algorithms:
            return Verdict.BAD
        if credentials.realm != self.realm:
            return Verdict.BAD
        issued = self._nonce_time(credentials.nonce)
        if issued is None:
            return Verdict.BAD
        if credentials.qop is not None and (
            credentials.qop != "auth" or not credentials.nc or not credentials.cnonce
        ):
            return Verdict.BAD
        known = ha1_for.get(algorithm.value)
        expected = response(
            algorithm,
            known or "0" * 64,
            method,
            credentials.uri,
            credentials.nonce,
            qop=credentials.qop,
            nc=credentials.nc,
            cnonce=credentials.cnonce,
        )
        if known is None or not hmac.compare_digest(expected, credentials.response.lower()):
            return Verdict.BAD
        if now - issued > self.nonce_lifetime or issued > now + 1:
            return Verdict.STALE
        if credentials.qop is not None and not self._count_is_new(credentials):
            return Verdict.BAD
        return Verdict.OK

    def _count_is_new(self, credentials: Credentials) -> bool:
        """A nonce count must grow with each use of a nonce: a replay reuses it."""
        try:
            count = int(credentials.nc or "", 16)
        except ValueError:
            return False
        key = f"{credentials.nonce}:{credentials.cnonce}"
        last = self._counts.get(key, 0)
        if count <= last:
            return False
        self._counts[key] = count
        self._counts.move_to_end(key)
        while len(self._counts) > self._remembered:
            self._counts.popitem(last=False)
        return True


# -- the client side ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Challenge:
    realm: str
    nonce: str
    algorithm: Algorithm
    qop: tuple[str, ...]
    opaque: str | None
    stale: bool

    @classmethod
    def from_params(cls, params: dict[str, str]) -> Challenge | None:
        lower = {k.lower(): v for k, v in params.items()}
        algorithm = parse_algorithm(lower.get("algorithm"))
        if algorithm is None or "realm" not in lower or "nonce" not in lower:
            return None
        qop = tuple(q.strip() for q in lower.get("qop", "").split(",") if q.strip())
        return cls(
            realm=lower["realm"],
            nonce=lower["nonce"],
            algorithm=algorithm,
            qop=qop,
            opaque=lower.get("opaque"),
            stale=lower.get("stale", "").lower() == "true",
        )


def pick_challenge(challenges: list[Challenge]) -> Challenge | None:
    """The strongest challenge we can answer: SHA-256 before MD5 (RFC 8760)."""
    rank = {Algorithm.SHA256: 0, Algorithm.SHA256_SESS: 1, Algorithm.MD5: 2, Algorithm.MD5_SESS: 3}
    usable = [c for c in challenges if not c.qop or "auth" in c.qop]
    return min(usable, key=lambda c: rank[c.algorithm], default=None)


def challenge_of(response: Response) -> tuple[str, Challenge] | None:
    """The challenge of a 401 or 407 we can answer, with the header to answer it in."""
    if response.status == 401:
        header, auths = "Authorization", response.headers.www_authenticate()
    elif response.status == 407:
        header, auths = "Proxy-Authorization", response.headers.proxy_authenticate()
    else:
        return None
    parsed = [Challenge.from_params(a.param_dict()) for a in auths if a.is_digest]
    challenge = pick_challenge([c for c in parsed if c is not None])
    return None if challenge is None else (header, challenge)


def answer_challenge(
    challenge: Challenge,
    username: str,
    password: str,
    method: str,
    uri: str,
    *,
    cnonce: str,
    nc: int = 1,
) -> str:
    """The Authorization (or Proxy-Authorization) header value answering `challenge`."""
    qop = "auth" if "auth" in challenge.qop else None
    nc_text = f"{nc:08x}"
    value = response(
        challenge.algorithm,
        ha1(challenge.algorithm, username, challenge.realm, password),
        method,
        uri,
        challenge.nonce,
        qop=qop,
        nc=nc_text if qop else None,
        cnonce=cnonce if qop else None,
    )
    params = [
        ("username", username, True),
        ("realm", challenge.realm, True),
        ("nonce", challenge.nonce, True),
        ("uri", uri, True),
        ("response", value, True),
        ("algorithm", challenge.algorithm.value, False),
    ]
    if qop:
        params += [("qop", qop, False), ("nc", nc_text, False), ("cnonce", cnonce, True)]
    if challenge.opaque is not None:
        params.append(("opaque", challenge.opaque, True))
    return format_params("Digest", params)
