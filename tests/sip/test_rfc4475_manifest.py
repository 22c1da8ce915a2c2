"""Every RFC 4475 message behaves as MANIFEST.md says, and valid ones round-trip.

The manifest's "expected" column is read from the file itself, so that this
test and the acceptance table cannot drift apart: "parse" must parse (and a
response must be one a UAC keeps), "reject NNN" must end in a NNN from the
parser or from `validate_request`, "drop" must be refused without a response.
"""

from __future__ import annotations

import re

import pytest

from switchboard.sip.errors import SipParseError
from switchboard.sip.message import Response, can_respond
from switchboard.sip.parser import parse_message
from switchboard.sip.validate import check_response
from tests.sip.torture import NAMES, TORTURE_DIR, check, load

_ROW = re.compile(r"^\| (\w+)\.dat \| [\d.]+ \| [^|]+ \| (parse|reject \d{3}|drop)\b", re.MULTILINE)
MANIFEST = dict(_ROW.findall((TORTURE_DIR / "MANIFEST.md").read_text(encoding="utf-8")))


def outcome(data: bytes) -> str:
    """What Switchboard does with a datagram: parse, reject NNN, or drop."""
    try:
        message = parse_message(data)
    except SipParseError as error:
        return f"reject {error.status}" if error.can_respond else "drop"
    if isinstance(message, Response):
        return "drop" if check_response(message) else "parse"
    rejection = check(message)
    if rejection is None:
        return "parse"
    return f"reject {rejection.status}" if can_respond(message.headers) else "drop"


def test_the_manifest_lists_all_49_messages() -> None:
    assert len(NAMES) == 49
    assert sorted(MANIFEST) == NAMES


# Where the manifest allows a choice, the one we make, and why.
CHOICES = {
    "intmeth": "reject 501",  # parses; a UAS answers 501 to an unknown method
    "esc02": "reject 501",  # RE%47IST%45R is an unknown method too
    "mpart01": "reject 405",  # parses; we take no MESSAGE requests
    "novelsc": "reject 416",  # parses; we serve sip and sips only
    "insuf": "drop",  # reject 400 "if a response can be built": no From/To/Call-ID
    "multi01": "drop",  # two Call-IDs, Froms, Tos, CSeqs: no response can match
}


@pytest.mark.parametrize("name", NAMES)
def test_outcome_matches_the_manifest(name: str) -> None:
    expected = CHOICES.get(name, MANIFEST[name])
    if name in CHOICES and MANIFEST[name] == "parse":
        parse_message(load(name))  # the manifest's own word holds at the parser
    assert outcome(load(name)) == expected


def _parses(name: str) -> bool:
    try:
        parse_message(load(name))
    except SipParseError:
        return False
    return True


PARSEABLE = [name for name in NAMES if _parses(name)]


@pytest.mark.parametrize("name", PARSEABLE)
def test_round_trip(name: str) -> None:
    """Given a message that parses, its canonical bytes parse to an equal message,
    and are a fixed point of parse-then-encode."""
    message = parse_message(load(name))
    wire = message.encode()
    again = parse_message(wire)
    assert again == message
    assert again.encode() == wire
    assert bytes(message) == wire
