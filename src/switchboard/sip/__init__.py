"""sip: Switchboard's own SIP stack, sans-IO (RFC 3261).

Nothing here imports asyncio, sockets, threads or a clock: bytes and `now` come
in, messages and effects go out; `runtime/` owns the sockets.

The message layer, bottom up:

- `grammar`: lexical pieces shared by the header parsers (tokens, quoted
  strings, `;params`, comma lists that respect quotes and <>);
- `uri`: sip/sips/tel and other URIs, escapes kept, §19.1.4 comparison;
- `address`, `via`, `values`, `auth`: typed header values;
- `headers`: names and compact forms, the ordered `Headers` multi-map and its
  typed accessors;
- `message`: `Request`, `Response`, canonical encoding, `make_response`;
- `parser`: `parse_message(bytes)`, raising only `errors.SipParseError`;
- `framer`: `StreamFramer` cuts a TCP stream into messages;
- `validate`: the UAS checks of §8.2 (`validate_request`) and the UAC's
  `check_response`.
"""

from switchboard.sip.errors import SipParseError
from switchboard.sip.framer import StreamFramer
from switchboard.sip.headers import Headers
from switchboard.sip.message import Request, Response, error_response, make_response
from switchboard.sip.parser import parse_message
from switchboard.sip.validate import Rejection, check_response, validate_request

__all__ = [
    "Headers",
    "Rejection",
    "Request",
    "Response",
    "SipParseError",
    "StreamFramer",
    "check_response",
    "error_response",
    "make_response",
    "parse_message",
    "validate_request",
]
