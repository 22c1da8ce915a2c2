"""RTP packets (RFC 3550 §5.1) and RTCP detection on a multiplexed port (RFC 5761 §4).

`RtpPacket.parse(data)` turns one UDP payload into a packet or raises `RtpError`, and
nothing else, whatever the bytes: the media layer feeds it straight from the socket.
`bytes(packet)` serializes it back; header extensions, CSRC lists and padding are kept,
so a packet that is relayed unchanged leaves as it came.

    0                   1                   2                   3
    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   |V=2|P|X|  CC   |M|     PT      |       sequence number         |
   |                           timestamp                           |
   |           synchronization source (SSRC) identifier            |
   |            contributing source (CSRC) identifiers             |  CC x 32 bits
   |      defined by profile       |        length (32-bit words)  |  if X
   |                        header extension                       |
   |                payload ... | padding ... | padding count      |  if P
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

RTP_VERSION = 2
HEADER_SIZE = 12

_HEADER = struct.Struct("!BBHII")
_EXTENSION_HEADER = struct.Struct("!HH")

# RFC 5761 §4: with RTP and RTCP on one port, a second octet in 192..223 is RTCP
# (SR 200, RR 201, SDES 202, BYE 203, APP 204 are payload types 72..76 with the marker
# bit set; 205..207 are feedback and XR). RTP must not use payload types 64..95 there.
_RTCP_SECOND_OCTET = range(192, 224)


class RtpError(ValueError):
    """Bytes that are not a valid RTP packet (or RFC 4733 event, or RFC 2198 block)."""


def is_rtcp(data: bytes) -> bool:
    """True when `data` looks like RTCP arriving on the RTP port (rtcp-mux)."""
    return len(data) >= 2 and data[0] >> 6 == RTP_VERSION and data[1] in _RTCP_SECOND_OCTET


@dataclass(frozen=True, slots=True)
class RtpExtension:
    """A header extension: the profile-defined 16 bits and the data (a multiple of 4 bytes)."""

    profile: int
    data: bytes = b""

    def __post_init__(self) -> None:
        if not 0 <= self.profile <= 0xFFFF:
            raise ValueError(f"extension profile {self.profile} is not a 16-bit value")
        if len(self.data) % 4 or len(self.data) > 0xFFFF * 4:
            raise ValueError("extension data must be a multiple of 4 bytes, at most 262140")


@dataclass(frozen=True, slots=True)
class RtpPacket:
    """One RTP packet. `padding` counts the padding bytes including the final count byte."""

    payload_type: int
    sequence_number: int
    timestamp: int
    ssrc: int
    payload: bytes = b""
    marker: bool = False
    csrc: tuple[int, ...] = ()
    extension: RtpExtension | None = None
    padding: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.payload_type <= 127:
            raise ValueError(f"payload type {self.payload_type} is not in 0..127")
        if not 0 <= self.sequence_number <= 0xFFFF:
            raise ValueError(f"sequence number {self.sequence_number} is not a 16-bit value")
        if not 0 <= self.timestamp <= 0xFFFFFFFF:
            raise ValueError(f"timestamp {self.timestamp} is not a 32-bit value")
        if not 0 <= self.ssrc <= 0xFFFFFFFF:
            raise ValueError(f"SSRC {self.ssrc} is not a 32-bit value")
        if len(self.csrc) > 15 or not all(0 <= c <= 0xFFFFFFFF for c in self.csrc):
            raise ValueError("at most 15 CSRCs, each a 32-bit value")
        if not 0 <= self.padding <= 255:
            raise ValueError(f"padding {self.padding} is not in 0..255")

    @classmethod
    def parse(cls, data: bytes) -> RtpPacket:
        """Parse one RTP packet; raise `RtpError` (only) if `data` is not one."""
        size = len(data)
        if size < HEADER_SIZE:
            raise RtpError(f"RTP packet too short: {size} bytes, the header alone is 12")
        first, second, sequence, timestamp, ssrc = _HEADER.unpack_from(data)
        if first >> 6 != RTP_VERSION:
            raise RtpError(f"RTP version {first >> 6}, expected 2")
        if second in _RTCP_SECOND_OCTET:
            raise RtpError("an RTCP packet, not RTP (RFC 5761)")
        offset = HEADER_SIZE
        count = first & 0x0F
        if count:
            end = offset + 4 * count
            if end > size:
                raise RtpError(f"RTP packet too short for its {count} CSRCs")
            csrc = struct.unpack_from(f"!{count}I", data, offset)
            offset = end
        else:
            csrc = ()
        extension = None
        if first & 0x10:
            if offset + 4 > size:
                raise RtpError("RTP packet too short for its header extension")
            profile, words = _EXTENSION_HEADER.unpack_from(data, offset)
            offset += 4
            end = offset + 4 * words
            if end > size:
                raise RtpError("RTP header extension longer than the packet")
            extension = RtpExtension(profile, bytes(data[offset:end]))
            offset = end
        end = size
        padding = 0
        if first & 0x20:
            padding = data[-1]
            if padding == 0 or offset + padding > size:
                raise RtpError(f"RTP padding count {padding} is invalid for this packet")
            end -= padding
        return cls(
            payload_type=second & 0x7F,
            sequence_number=sequence,
            timestamp=timestamp,
            ssrc=ssrc,
            payload=bytes(data[offset:end]),
            marker=bool(second & 0x80),
            csrc=csrc,
            extension=extension,
            padding=padding,
        )

    def __bytes__(self) -> bytes:
        first = (
            RTP_VERSION << 6
            | (0x20 if self.padding else 0)
            | (0x10 if self.extension is not None else 0)
            | len(self.csrc)
        )
        second = self.payload_type | (0x80 if self.marker else 0)
        parts = [_HEADER.pack(first, second, self.sequence_number, self.timestamp, self.ssrc)]
        if self.csrc:
            parts.append(struct.pack(f"!{len(self.csrc)}I", *self.csrc))
        if self.extension is not None:
            ext = self.extension
            parts.append(_EXTENSION_HEADER.pack(ext.profile, len(ext.data) // 4))
            parts.append(ext.data)
        parts.append(self.payload)
        if self.padding:
            parts.append(bytes(self.padding - 1) + bytes((self.padding,)))
        return b"".join(parts)
