"""WAV files: every common format comes out as 8 kHz mono int16; errors say what is wrong."""

from __future__ import annotations

import os
import struct
import wave
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from switchboard.media.wav import (
    WavError,
    WavWriter,
    clear_cache,
    load_wav,
    read_wav,
    resample,
    write_wav,
)
from switchboard.rtp.g711 import PCMA, PCMU, SAMPLE_RATE
from tests.media.farend import band_share, peak_frequency

Floats = npt.NDArray[np.float64]


def sine(frequency: float, rate: int, seconds: float = 0.5, amplitude: float = 0.5) -> Floats:
    t = np.arange(round(seconds * rate)) / rate
    return amplitude * np.sin(2 * np.pi * frequency * t)


def riff(
    tag: int, channels: int, rate: int, bits: int, data: bytes, *, extensible: bool = False
) -> bytes:
    block = channels * bits // 8
    fmt = struct.pack(
        "<HHIIHH", 0xFFFE if extensible else tag, channels, rate, rate * block, block, bits
    )
    if extensible:
        fmt += struct.pack("<HHI", 22, bits, 0) + struct.pack("<H", tag) + bytes(14)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"LIST" + struct.pack("<I", 3) + b"abc\x00"  # an odd-sized chunk to skip
    body += b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def encode(samples: Floats, bits: int, *, tag: int = 1) -> bytes:
    """`samples` in -1..1 as the WAV sample format `tag`/`bits`."""
    if tag == 3:
        return samples.astype("<f4" if bits == 32 else "<f8").tobytes()
    if tag in (6, 7):
        law = PCMA if tag == 6 else PCMU
        return law.encode(np.round(samples * 32767).astype(np.int16)).tobytes()
    if bits == 8:
        return np.round(samples * 127 + 128).astype(np.uint8).tobytes()
    if bits == 24:
        values = np.round(samples * (2**23 - 1)).astype("<i4")
        return values.view(np.uint8).reshape(-1, 4)[:, :3].tobytes()
    scaled = np.round(samples * ((1 << (bits - 1)) - 1))
    return scaled.astype("<i2").tobytes() if bits == 16 else scaled.astype("<i4").tobytes()


@pytest.mark.parametrize(
    ("tag", "bits", "extensible"),
    [
        (1, 8, False),
        (1, 16, False),
        (1, 24, False),
        (1, 32, False),
        (3, 32, False),
        (3, 64, False),
        (7, 8, False),
        (6, 8, False),
        (1, 24, True),
        (7, 8, True),
    ],
)
def test_every_sample_format_loads_as_the_same_8khz_tone(
    tmp_path: Path, tag: int, bits: int, extensible: bool
) -> None:
    path = tmp_path / "tone.wav"
    path.write_bytes(
        riff(
            tag,
            1,
            SAMPLE_RATE,
            bits,
            encode(sine(440, SAMPLE_RATE), bits, tag=tag),
            extensible=extensible,
        )
    )

    sound = read_wav(path)

    assert sound.samples.dtype == np.int16
    assert len(sound.samples) == 4000
    expected = np.round(sine(440, SAMPLE_RATE) * 32767)
    tolerance = {8: 300, 16: 2, 24: 2, 32: 2, 64: 2}[bits] if tag in (1, 3) else 600
    assert np.max(np.abs(sound.samples - expected)) <= tolerance


def test_stereo_is_averaged_into_mono(tmp_path: Path) -> None:
    left, right = sine(440, SAMPLE_RATE, amplitude=0.4), sine(1000, SAMPLE_RATE, amplitude=0.4)
    frames = np.column_stack([left, right]).reshape(-1)
    path = tmp_path / "stereo.wav"
    path.write_bytes(riff(1, 2, SAMPLE_RATE, 16, encode(frames, 16)))

    samples = read_wav(path).samples

    assert len(samples) == 4000
    assert band_share(samples, 440) == pytest.approx(0.5, abs=0.05)
    assert band_share(samples, 1000) == pytest.approx(0.5, abs=0.05)


@pytest.mark.parametrize("rate", [11025, 16000, 22050, 44100, 48000, 6000])
def test_other_rates_are_resampled_keeping_the_pitch_and_the_duration(
    tmp_path: Path, rate: int
) -> None:
    path = tmp_path / f"{rate}.wav"
    path.write_bytes(riff(1, 1, rate, 16, encode(sine(1000, rate, seconds=0.5), 16)))

    samples = read_wav(path).samples

    assert abs(len(samples) - 4000) <= 1
    assert peak_frequency(samples) == pytest.approx(1000, abs=3)
    assert band_share(samples, 1000) > 0.99
    middle = samples[400:-400].astype(np.float64)  # away from the edges of the filter
    assert np.sqrt(np.mean(middle**2)) == pytest.approx(0.5 * 32767 / np.sqrt(2), rel=0.02)


def test_what_a_telephone_cannot_carry_is_filtered_out_not_folded_back() -> None:
    music = sine(6000, 44100, seconds=0.5) + sine(1000, 44100, seconds=0.5)

    out = resample(music * 16000, 44100, SAMPLE_RATE)

    # 6 kHz would alias to 2 kHz at 8 kHz: it must be (nearly) gone
    assert band_share(out.astype(np.int16), 2000) < 1e-4
    assert band_share(out.astype(np.int16), 1000) > 0.99


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "not a WAV file"),
        (b"RIFF\x04\x00\x00\x00WAVE", "no fmt chunk"),
        (riff(1, 1, 8000, 16, b"")[:36], "no data chunk"),
        (
            riff(2, 1, 8000, 4, b"\x00" * 10),
            "Microsoft ADPCM \\(format tag 2\\) is not supported: convert it",
        ),
        (riff(3, 1, 8000, 16, b"\x00" * 10), "IEEE float with 16-bit samples"),
        (riff(1, 0, 8000, 16, b"\x00" * 10), "0 channels"),
    ],
)
def test_a_bad_file_raises_a_wav_error_naming_the_file_and_the_problem(
    tmp_path: Path, content: bytes, problem: str
) -> None:
    path = tmp_path / "bad.wav"
    path.write_bytes(content)

    with pytest.raises(WavError, match=problem) as caught:
        read_wav(path)
    assert str(caught.value).startswith(str(path))


def test_a_missing_file_raises_a_wav_error(tmp_path: Path) -> None:
    with pytest.raises(WavError, match="cannot be read"):
        load_wav(tmp_path / "nowhere.wav")


def test_loaded_files_are_cached_until_they_change_on_disk(tmp_path: Path) -> None:
    clear_cache()
    path = tmp_path / "music.wav"
    write_wav(path, np.full(800, 1000, np.int16))

    first = load_wav(path)
    assert load_wav(path) is first

    write_wav(path, np.full(1600, -1000, np.int16))
    os.utime(path, ns=(0, 10**18))
    second = load_wav(path)
    assert second is not first
    assert len(second.samples) == 1600
    assert second.codes(PCMU) == PCMU.encode(second.samples).tobytes()


def test_a_truncated_data_chunk_plays_what_it_has(tmp_path: Path) -> None:
    data = encode(sine(440, SAMPLE_RATE), 16)
    path = tmp_path / "streamed.wav"
    path.write_bytes(riff(1, 1, SAMPLE_RATE, 16, data)[:-1001])  # cut mid-sample

    assert len(read_wav(path).samples) == (len(data) - 1001) // 2


def test_written_files_are_16_bit_8khz_mono_or_stereo_and_valid_while_growing(
    tmp_path: Path,
) -> None:
    path = tmp_path / "call.wav"
    writer = WavWriter(path, channels=2)
    writer.append(np.zeros((1600, 2), np.int16))

    with wave.open(str(path), "rb") as partial:  # readable before the end of the call
        assert partial.getnframes() == 1600
    writer.append(np.ones((800, 2), np.int16))
    writer.close()

    with wave.open(str(path), "rb") as final:
        assert (final.getnchannels(), final.getsampwidth(), final.getframerate()) == (2, 2, 8000)
        assert final.getnframes() == 2400
    with WavWriter(tmp_path / "x.wav", 2) as other, pytest.raises(ValueError, match="1 channels"):
        other.append(np.zeros(10, np.int16))
