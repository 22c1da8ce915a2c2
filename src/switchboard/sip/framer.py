"""Cutting a TCP (or TLS) byte stream into SIP messages (RFC 3261 §18.3).

Over a stream nothing marks where a message ends but its Content-Length, so
the framer reads up to the empty line that ends the header section, finds the
Content-Length there (absent means 0 on a stream), and waits for that many
body bytes. CRLFs between messages are skipped (RFC 5626 keep-alive pings).

It is sans-IO: `feed(data)` takes whatever the socket read and returns the
complete messages now available, as bytes for `parse_message`. A framing
error cannot be resynchronised (where would the next message start?), so it
raises `SipParseError` and the framer stays broken: the connection must be
closed. Errors: a message (headers + body) larger than `max_size` (status
513), a repeated or non-numeric Content-Length. Everything else about the
message is `parse_message`'s to judge.
"""

from __future__ import annotations

from switchboard.sip.errors import SipParseError
from switchboard.sip.grammar import parse_int
from switchboard.sip.headers import canonical_name

DEFAULT_MAX_MESSAGE = 65_535


class StreamFramer:
    """Splits a byte stream into SIP messages by Content-Length."""

    def __init__(self, max_size: int = DEFAULT_MAX_MESSAGE) -> None:
        self.max_size = max_size
        self._buffer = bytearray()
        self._scanned = 0  # how far the search for the blank line has gone
        self._broken: SipParseError | None = None

    def feed(self, data: bytes) -> list[bytes]:
        """Add bytes from the stream; return the messages completed by them."""
        if self._broken is not None:
            raise self._broken
        self._buffer += data
        messages: list[bytes] = []
        try:
            while (message := self._next()) is not None:
                messages.append(message)
        except SipParseError as error:
            self._broken = error
            raise
        return messages

    @property
    def buffered(self) -> int:
        """Bytes received but not yet part of a complete message."""
        return len(self._buffer)

    def _next(self) -> bytes | None:
        buffer = self._buffer
        skip = 0
        while buffer.startswith(b"\r\n", skip):
            skip += 2
        if skip:
            del buffer[:skip]
            self._scanned = max(0, self._scanned - skip)
        end = buffer.find(b"\r\n\r\n", max(0, self._scanned - 3))
        if end < 0:
            self._scanned = len(buffer)
            if len(buffer) > self.max_size:
                raise SipParseError(
                    "header section exceeds the size limit", 513, "Message Too Large"
                )
            return None
        total = end + 4 + _content_length(bytes(buffer[:end]), self.max_size)
        if total > self.max_size:
            raise SipParseError(
                f"message of {total} bytes exceeds {self.max_size}", 513, "Message Too Large"
            )
        if len(buffer) < total:
            self._scanned = end
            return None
        message = bytes(buffer[:total])
        del buffer[:total]
        self._scanned = 0
        return message


def _content_length(head: bytes, max_size: int) -> int:
    """The Content-Length of a header section (0 when absent)."""
    text = head.decode("utf-8", "replace")
    found: list[str] = []
    lines = text.split("\r\n")[1:]
    for index, line in enumerate(lines):
        name, colon, value = line.partition(":")
        if not colon or line[:1] in (" ", "\t"):
            continue
        if canonical_name(name.strip(" \t")) == "Content-Length":
            folded = [value]
            for more in lines[index + 1 :]:
                if more[:1] not in (" ", "\t"):
                    break
                folded.append(more)
            found.append(" ".join(part.strip(" \t") for part in folded).strip())
    if len(found) > 1:
        raise SipParseError("more than one Content-Length")
    if not found:
        return 0
    return parse_int(found[0], "Content-Length", max_size)
