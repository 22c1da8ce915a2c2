"""Agent passwords: argon2id hashes in the configuration, never the passwords.

The tenant file holds `password_hash` values made by `switchboard hash-password`; the
API checks a login against them with `verify_password`. argon2-cffi's defaults are
the RFC 9106 "low memory" profile (argon2id, 64 MiB, 3 passes), a sound choice for a
login that happens once per shift; its hashes carry their parameters, so raising
them later keeps old hashes valid.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from switchboard.config.model import SipCredentials
from switchboard.sip.digest import Algorithm, ha1

_HASHER = PasswordHasher()


def hash_password(password: str) -> str:
    """An argon2id hash of `password`, salted, in the `$argon2id$v=19$…` form.

    An empty password is refused: in a contact center it would let anyone take an
    agent's calls.
    """
    if not password:
        raise ValueError("empty password: an agent's password cannot be empty")
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether `password` matches `password_hash`; False for a malformed hash too.

    Never raises for a wrong password or a damaged hash: a login form only needs
    yes or no, and must not tell an attacker which one it was.
    """
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def sip_credentials(extension: str, realm: str, password: str) -> SipCredentials:
    """The digest HA1 values a SIP phone's password gives for `extension` in `realm`."""
    if not password:
        raise ValueError("empty password: a SIP phone's password cannot be empty")
    return SipCredentials(
        ha1_md5=ha1(Algorithm.MD5, extension, realm, password),
        ha1_sha256=ha1(Algorithm.SHA256, extension, realm, password),
    )
