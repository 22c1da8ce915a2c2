"""G.711 tables against the reference algorithm, written here again, independently, the
scalar way of Sun's classic `g711.c`: every one of the 65536 samples for encoding, every
one of the 256 codes for decoding."""

from __future__ import annotations

import numpy as np
import pytest

from switchboard.rtp.g711 import (
    BY_NAME,
    BY_PAYLOAD_TYPE,
    FRAME_SAMPLES,
    G711,
    PCMA,
    PCMU,
    alaw_decode,
    alaw_encode,
    ulaw_decode,
    ulaw_encode,
)

ALL_SAMPLES = np.arange(-32768, 32768, dtype=np.int16)
ALL_CODES = np.arange(256, dtype=np.uint8)

# --- the reference, one sample at a time ------------------------------------------------

BIAS = 0x84
CLIP = 32635
SEG_END = (0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF, 0x3FFF, 0x7FFF)  # 16-bit µ-law
SEG_AEND = (0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF)  # 13-bit A-law


def search(value: int, table: tuple[int, ...]) -> int:
    for index, end in enumerate(table):
        if value <= end:
            return index
    return len(table)


def linear2ulaw(pcm: int) -> int:
    if pcm < 0:
        pcm, mask = -pcm, 0x7F
    else:
        mask = 0xFF
    pcm = min(pcm, CLIP) + BIAS
    seg = search(pcm, SEG_END)
    if seg >= 8:
        return 0x7F ^ mask
    return ((seg << 4) | ((pcm >> (seg + 3)) & 0xF)) ^ mask


def ulaw2linear(code: int) -> int:
    code = ~code & 0xFF
    t = (((code & 0x0F) << 3) + BIAS) << ((code & 0x70) >> 4)
    return BIAS - t if code & 0x80 else t - BIAS


def linear2alaw(pcm: int) -> int:
    pcm >>= 3  # 13-bit input
    if pcm >= 0:
        mask = 0xD5
    else:
        mask = 0x55
        pcm = -pcm - 1
    seg = search(pcm, SEG_AEND)
    if seg >= 8:
        return 0x7F ^ mask
    aval = seg << 4
    aval |= (pcm >> 1) & 0xF if seg < 2 else (pcm >> seg) & 0xF
    return aval ^ mask


def alaw2linear(code: int) -> int:
    code ^= 0x55
    t = (code & 0x0F) << 4
    seg = (code & 0x70) >> 4
    if seg == 0:
        t += 8
    elif seg == 1:
        t += 0x108
    else:
        t = (t + 0x108) << (seg - 1)
    return t if code & 0x80 else -t


# --- against the reference ---------------------------------------------------------------


def test_ulaw_encoding_matches_the_reference_for_every_sample() -> None:
    expected = np.array([linear2ulaw(int(x)) for x in ALL_SAMPLES], dtype=np.uint8)

    np.testing.assert_array_equal(ulaw_encode(ALL_SAMPLES), expected)


def test_alaw_encoding_matches_the_reference_for_every_sample() -> None:
    expected = np.array([linear2alaw(int(x)) for x in ALL_SAMPLES], dtype=np.uint8)

    np.testing.assert_array_equal(alaw_encode(ALL_SAMPLES), expected)


def test_ulaw_decoding_matches_the_reference_for_every_code() -> None:
    expected = np.array([ulaw2linear(int(c)) for c in ALL_CODES], dtype=np.int16)

    np.testing.assert_array_equal(ulaw_decode(ALL_CODES), expected)


def test_alaw_decoding_matches_the_reference_for_every_code() -> None:
    expected = np.array([alaw2linear(int(c)) for c in ALL_CODES], dtype=np.int16)

    np.testing.assert_array_equal(alaw_decode(ALL_CODES), expected)


@pytest.mark.parametrize(
    ("law", "code", "sample"),
    [
        (PCMU, 0xFF, 0),
        (PCMU, 0x7F, 0),
        (PCMU, 0x00, -32124),
        (PCMU, 0x80, 32124),
        (PCMA, 0xD5, 8),
        (PCMA, 0x55, -8),
        (PCMA, 0xAA, 32256),
        (PCMA, 0x2A, -32256),
    ],
)
def test_known_codes_decode_to_known_samples(law: G711, code: int, sample: int) -> None:
    assert int(law.decode(np.array([code], dtype=np.uint8))[0]) == sample


@pytest.mark.parametrize(
    ("law", "sample", "code"),
    [
        (PCMU, 0, 0xFF),
        (PCMU, -1, 0x7F),
        (PCMU, 32767, 0x80),
        (PCMU, -32768, 0x00),
        (PCMA, 0, 0xD5),
        (PCMA, -1, 0x55),
        (PCMA, 32767, 0xAA),
        (PCMA, -32768, 0x2A),
    ],
)
def test_known_samples_encode_to_known_codes(law: G711, sample: int, code: int) -> None:
    assert int(law.encode(np.array([sample], dtype=np.int16))[0]) == code


# --- properties of the laws ----------------------------------------------------------------


def test_ulaw_round_trip_error_is_at_most_half_a_step() -> None:
    codes = ulaw_encode(ALL_SAMPLES)
    error = np.abs(ulaw_decode(codes).astype(np.int32) - ALL_SAMPLES)
    segment = ((~codes.astype(np.int32)) & 0x70) >> 4
    half_step = 1 << (segment + 2)
    in_range = np.abs(ALL_SAMPLES.astype(np.int32)) <= CLIP

    assert np.all(error[in_range] <= half_step[in_range])
    # past the clip level, the top code stands for everything
    assert int(error.max()) == 32768 - 32124


def test_alaw_round_trip_error_is_at_most_half_a_step() -> None:
    codes = alaw_encode(ALL_SAMPLES)
    error = np.abs(alaw_decode(codes).astype(np.int32) - ALL_SAMPLES)
    segment = ((codes.astype(np.int32) ^ 0x55) & 0x70) >> 4
    half_step = 1 << (np.maximum(segment, 1) + 2)

    assert np.all(error <= half_step)
    assert int(error.max()) == 512


@pytest.mark.parametrize("law", [PCMU, PCMA], ids=["PCMU", "PCMA"])
def test_decoding_then_encoding_gives_back_every_code(law: G711) -> None:
    again = law.encode(law.decode(ALL_CODES))

    changed = {int(c) for c in ALL_CODES[again != ALL_CODES]}
    # µ-law has two zeros; the negative one comes back positive
    assert changed == ({0x7F} if law is PCMU else set())


def test_ulaw_is_symmetric_around_zero() -> None:
    positive = np.arange(1, 32768, dtype=np.int16)

    np.testing.assert_array_equal(ulaw_encode(-positive), ulaw_encode(positive) ^ 0x80)


def test_encoding_is_monotonic_in_the_decoded_level() -> None:
    for law in (PCMU, PCMA):
        levels = law.decode(law.encode(ALL_SAMPLES)).astype(np.int32)
        assert np.all(np.diff(levels) >= 0)


# --- the byte API and the codec objects ----------------------------------------------------


def test_a_20_ms_frame_of_bytes_round_trips() -> None:
    tone = (8000 * np.sin(2 * np.pi * 440 * np.arange(FRAME_SAMPLES) / 8000)).astype(np.int16)

    for law in (PCMU, PCMA):
        payload = law.encode_bytes(tone.tobytes())
        pcm = np.frombuffer(law.decode_bytes(payload), dtype=np.int16)

        assert len(payload) == FRAME_SAMPLES
        assert len(pcm) == FRAME_SAMPLES
        assert np.max(np.abs(pcm.astype(np.int32) - tone)) <= 128
        assert law.encode_bytes(law.decode_bytes(payload)) == payload


def test_silence_codes_decode_to_near_zero() -> None:
    assert int(PCMU.decode(np.array([PCMU.silence], dtype=np.uint8))[0]) == 0
    assert abs(int(PCMA.decode(np.array([PCMA.silence], dtype=np.uint8))[0])) == 8


def test_codecs_are_found_by_payload_type_and_name() -> None:
    assert BY_PAYLOAD_TYPE[0] is PCMU
    assert BY_PAYLOAD_TYPE[8] is PCMA
    assert BY_NAME["PCMA"] is PCMA


def test_tables_cannot_be_changed_by_accident() -> None:
    with pytest.raises(ValueError, match="read-only"):
        PCMU.decode_table[0] = 1
