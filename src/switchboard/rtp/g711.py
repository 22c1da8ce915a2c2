"""G.711 µ-law (PCMU, payload type 0) and A-law (PCMA, payload type 8) by lookup tables.

The tables are computed once, at import, from the G.711 formulas (no `audioop`: it is
gone in Python 3.13; no PyAV: its µ-law encoder is off by one step at segment edges).
Decoding indexes a 256-entry table with the code; encoding indexes a 65536-entry table
with the 16-bit sample reinterpreted as unsigned. A 20 ms frame (160 samples) takes a
couple of microseconds either way.

Encoding rounds the way Sun's classic `g711.c` does on 16-bit input:

* µ-law: magnitude clipped to 32635, plus the bias 0x84, then the segment is the
  position of the highest bit and the mantissa the next four bits; all bits inverted.
  Sign and magnitude are taken before rounding, so `encode(-x) == encode(x) ^ 0x80`.
* A-law: negative samples use the one's complement (`-x - 1`) as magnitude, then
  segment and mantissa as for µ-law without bias; even bits inverted (XOR 0x55).
  This is the ITU-T G.191 reference rounding, byte for byte what `audioop` produced.

Samples are `int16`; on the wire, codes are one byte per sample, so an RTP payload of
160 bytes is 20 ms at 8 kHz.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

SAMPLE_RATE = 8000
FRAME_SAMPLES = 160  # 20 ms at 8 kHz

Samples = npt.NDArray[np.int16]
Codes = npt.NDArray[np.uint8]

_ULAW_BIAS = 0x84
_ULAW_CLIP = 32635
# Upper end of each segment on the 16-bit (biased, for µ-law) magnitude.
_SEGMENT_END = np.array([0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF, 0x3FFF, 0x7FFF], np.int32)


def _all_samples() -> npt.NDArray[np.int32]:
    return np.arange(-32768, 32768, dtype=np.int32)


def _by_unsigned_index(samples: npt.NDArray[np.int32], codes: npt.NDArray[np.int32]) -> Codes:
    """Lay codes out so that the int16 sample viewed as uint16 is the index."""
    table = np.empty(65536, dtype=np.uint8)
    table[samples.astype(np.int16).view(np.uint16)] = codes.astype(np.uint8)
    return table


def _ulaw_encode_table() -> Codes:
    x = _all_samples()
    magnitude = np.minimum(np.abs(x), _ULAW_CLIP) + _ULAW_BIAS
    segment = np.searchsorted(_SEGMENT_END, magnitude).astype(np.int32)
    mantissa = (magnitude >> (segment + 3)) & 0x0F
    mask = np.where(x < 0, 0x7F, 0xFF)
    return _by_unsigned_index(x, ((segment << 4) | mantissa) ^ mask)


def _alaw_encode_table() -> Codes:
    x = _all_samples()
    magnitude = np.where(x < 0, -x - 1, x)
    segment = np.searchsorted(_SEGMENT_END, magnitude).astype(np.int32)
    shift = np.where(segment < 2, 4, segment + 3)
    mantissa = (magnitude >> shift) & 0x0F
    mask = np.where(x < 0, 0x55, 0xD5)
    return _by_unsigned_index(x, ((segment << 4) | mantissa) ^ mask)


def _ulaw_decode_table() -> Samples:
    inverted = ~np.arange(256, dtype=np.int32) & 0xFF
    segment = (inverted & 0x70) >> 4
    level = (((inverted & 0x0F) << 3) + _ULAW_BIAS) << segment
    return np.where(inverted & 0x80, _ULAW_BIAS - level, level - _ULAW_BIAS).astype(np.int16)


def _alaw_decode_table() -> Samples:
    toggled = np.arange(256, dtype=np.int32) ^ 0x55
    segment = (toggled & 0x70) >> 4
    level = (toggled & 0x0F) << 4
    level = np.where(segment == 0, level + 8, (level + 0x108) << np.maximum(segment - 1, 0))
    return np.where(toggled & 0x80, level, -level).astype(np.int16)


@dataclass(frozen=True, eq=False)
class G711:
    """One G.711 law: its RTP name and payload type, its tables and its silence code."""

    name: str
    payload_type: int
    encode_table: Codes
    decode_table: Samples
    silence: int  # the code that decodes to (nearly) zero, for filling gaps

    def encode(self, samples: Samples) -> Codes:
        """int16 samples → one code per sample."""
        return self.encode_table.take(np.asarray(samples, dtype=np.int16).view(np.uint16))

    def decode(self, codes: Codes) -> Samples:
        """Codes → int16 samples."""
        return self.decode_table.take(np.asarray(codes, dtype=np.uint8))

    def encode_bytes(self, pcm: bytes) -> bytes:
        """Native-endian 16-bit PCM bytes (2 per sample) → a payload of one byte per sample."""
        return self.encode_table.take(np.frombuffer(pcm, dtype=np.uint16)).tobytes()

    def decode_bytes(self, payload: bytes) -> bytes:
        """A payload → native-endian 16-bit PCM bytes (2 per sample)."""
        return self.decode_table.take(np.frombuffer(payload, dtype=np.uint8)).tobytes()


def _frozen(array: npt.NDArray[np.generic]) -> None:
    array.flags.writeable = False


PCMU = G711("PCMU", 0, _ulaw_encode_table(), _ulaw_decode_table(), silence=0xFF)
PCMA = G711("PCMA", 8, _alaw_encode_table(), _alaw_decode_table(), silence=0xD5)
for _law in (PCMU, PCMA):
    _frozen(_law.encode_table)
    _frozen(_law.decode_table)

BY_PAYLOAD_TYPE: dict[int, G711] = {PCMU.payload_type: PCMU, PCMA.payload_type: PCMA}
BY_NAME: dict[str, G711] = {PCMU.name: PCMU, PCMA.name: PCMA}


def ulaw_encode(samples: Samples) -> Codes:
    return PCMU.encode(samples)


def ulaw_decode(codes: Codes) -> Samples:
    return PCMU.decode(codes)


def alaw_encode(samples: Samples) -> Codes:
    return PCMA.encode(samples)


def alaw_decode(codes: Codes) -> Samples:
    return PCMA.decode(codes)
