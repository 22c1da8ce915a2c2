"""RFC 2198 redundant payloads ("audio/red"), as RFC 4733 §2.5.1.5 uses them for events.

A RED payload carries older blocks before the primary one, each older block with its
offset back from the packet's timestamp. Telephone-event senders use it to repeat the
end of the previous digit beside the start of the next, so that one lost packet loses
neither.

    0                   1                   2                   3
    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   |1|   block PT  |  timestamp offset         |   block length    |  per older block
   |0|   block PT  |  then the older blocks' data, then the primary data
"""

from __future__ import annotations

from dataclasses import dataclass

from switchboard.rtp.packet import RtpError

MAX_OFFSET = (1 << 14) - 1
MAX_LENGTH = (1 << 10) - 1


@dataclass(frozen=True, slots=True)
class RedBlock:
    """One block: its payload type, how far back its timestamp is, and its data.

    The primary block is last, with offset 0.
    """

    payload_type: int
    offset: int
    data: bytes


def parse_red(payload: bytes) -> list[RedBlock]:
    """Split a RED payload into blocks, oldest first; raise `RtpError` if malformed."""
    headers: list[tuple[int, int, int]] = []
    position = 0
    size = len(payload)
    while True:
        if position >= size:
            raise RtpError("RED payload ends inside its block headers")
        first = payload[position]
        if not first & 0x80:
            primary_type = first & 0x7F
            position += 1
            break
        if position + 4 > size:
            raise RtpError("RED payload ends inside a block header")
        word = int.from_bytes(payload[position + 1 : position + 4], "big")
        headers.append((first & 0x7F, word >> 10, word & MAX_LENGTH))
        position += 4
    blocks: list[RedBlock] = []
    for payload_type, offset, length in headers:
        if position + length > size:
            raise RtpError("RED block longer than the payload")
        blocks.append(RedBlock(payload_type, offset, bytes(payload[position : position + length])))
        position += length
    blocks.append(RedBlock(primary_type, 0, bytes(payload[position:])))
    return blocks


def build_red(blocks: list[RedBlock]) -> bytes:
    """Serialize blocks (oldest first, the primary last) into a RED payload."""
    if not blocks:
        raise ValueError("a RED payload needs at least its primary block")
    *older, primary = blocks
    header = bytearray()
    for block in older:
        if not 0 <= block.offset <= MAX_OFFSET or len(block.data) > MAX_LENGTH:
            raise ValueError("a RED block offset is 14 bits and its length 10 bits")
        if not 0 <= block.payload_type <= 127:
            raise ValueError(f"payload type {block.payload_type} is not in 0..127")
        header.append(0x80 | block.payload_type)
        header += ((block.offset << 10) | len(block.data)).to_bytes(3, "big")
    if not 0 <= primary.payload_type <= 127:
        raise ValueError(f"payload type {primary.payload_type} is not in 0..127")
    header.append(primary.payload_type)
    return bytes(header) + b"".join(block.data for block in older) + primary.data
