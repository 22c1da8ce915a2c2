"""The RFC 4475 torture messages and the policy Switchboard answers them with."""

from __future__ import annotations

from pathlib import Path

import pytest

from switchboard.sip.errors import SipParseError
from switchboard.sip.message import Request, Response
from switchboard.sip.parser import parse_message
from switchboard.sip.validate import Rejection, validate_request

TORTURE_DIR = Path(__file__).parent / "rfc4475"
NAMES = sorted(path.stem for path in TORTURE_DIR.glob("*.dat"))

# What Switchboard's user agent serves (a B2BUA and a registrar for agent phones).
UA_METHODS = frozenset({"INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "INFO", "REGISTER"})


def load(name: str) -> bytes:
    return (TORTURE_DIR / f"{name}.dat").read_bytes()


def request(name: str) -> Request:
    message = parse_message(load(name))
    assert isinstance(message, Request), f"{name} should be a request"
    return message


def response(name: str) -> Response:
    message = parse_message(load(name))
    assert isinstance(message, Response), f"{name} should be a response"
    return message


def refused(name: str) -> SipParseError:
    """The parse error a torture message must raise."""
    with pytest.raises(SipParseError) as caught:
        parse_message(load(name))
    return caught.value


def check(message: Request) -> Rejection | None:
    """validate_request with Switchboard's policy."""
    return validate_request(message, allowed_methods=UA_METHODS)
