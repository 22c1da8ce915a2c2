"""WAV files in and out: prompts and music loaded as 8 kHz mono, recordings written.

Loading reads the RIFF chunks itself (the `wave` module of Python 3.11 knows neither
G.711 nor WAVE_FORMAT_EXTENSIBLE) and converts whatever it finds to the one form the
engine plays, `int16` samples at 8 kHz, mono:

* sample formats: PCM 8-bit (unsigned), 16, 24 and 32-bit, IEEE float 32 and 64-bit,
  µ-law (format tag 7) and A-law (tag 6) decoded with our G.711 tables, and the same
  inside WAVE_FORMAT_EXTENSIBLE;
* channels are averaged into one;
* other sample rates are resampled by a windowed-sinc (Kaiser) polyphase filter whose
  cutoff sits at 90 % of the lower Nyquist frequency, so 44.1 kHz music loses what a
  telephone cannot carry instead of folding it back as aliases.

Anything else raises `WavError`, whose message names the file and what is wrong with
it. `load_wav` keeps what it loaded by (path, modification time, size), so hold music
shared by a hundred callers is decoded once, and a file replaced on disk is read again.

Writing is plain 16-bit PCM at 8 kHz through `wave`: `write_wav` for a whole array,
`WavWriter` for a recording that grows while the call lasts.
"""

from __future__ import annotations

import math
import struct
import threading
import wave
from collections import OrderedDict
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

import numpy as np
import numpy.typing as npt

from switchboard.rtp.g711 import G711, PCMA, PCMU, SAMPLE_RATE, Samples

Floats = npt.NDArray[np.float64]

_PCM, _FLOAT, _ALAW, _ULAW, _EXTENSIBLE = 1, 3, 6, 7, 0xFFFE
_FORMAT_NAMES = {
    _PCM: "PCM",
    2: "Microsoft ADPCM",
    _FLOAT: "IEEE float",
    _ALAW: "A-law",
    _ULAW: "µ-law",
    0x11: "IMA ADPCM",
    0x31: "GSM 6.10",
    0x55: "MP3",
}
_CONVERT = "convert it, e.g. `sox in.wav -r 8000 -c 1 -b 16 -e signed out.wav`"
_CACHE_SIZE = 64


class WavError(Exception):
    """A WAV file that cannot be played: missing, unreadable or in an unknown format."""

    def __init__(self, path: Path | str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = Path(path)
        self.problem = problem


class Sound:
    """Audio ready to play: 8 kHz mono `int16` samples, and their G.711 codes per law
    (encoded on first use, then kept)."""

    def __init__(self, samples: Samples) -> None:
        samples = np.ascontiguousarray(samples, dtype=np.int16)
        samples.flags.writeable = False
        self.samples = samples
        self._codes: dict[int, bytes] = {}

    @property
    def duration(self) -> float:
        return len(self.samples) / SAMPLE_RATE

    def codes(self, law: G711) -> bytes:
        """The whole sound encoded in `law`, one byte per sample."""
        codes = self._codes.get(law.payload_type)
        if codes is None:
            codes = self._codes[law.payload_type] = law.encode(self.samples).tobytes()
        return codes


# --- reading -----------------------------------------------------------------------------


def _chunks(data: bytes, path: Path) -> dict[bytes, bytes]:
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise WavError(path, "not a WAV file (no RIFF/WAVE header)")
    chunks: dict[bytes, bytes] = {}
    offset = 12
    while offset + 8 <= len(data):
        name = data[offset : offset + 4]
        (size,) = struct.unpack_from("<I", data, offset + 4)
        body = data[offset + 8 : offset + 8 + size]  # a streamed file may say more than it has
        chunks.setdefault(name, body)
        offset += 8 + size + (size & 1)
    return chunks


def _decode(fmt: bytes, body: bytes, path: Path) -> tuple[Floats, int]:
    """The samples of a data chunk as floats on the int16 scale, one column per channel."""
    if len(fmt) < 16:
        raise WavError(path, "its fmt chunk is too short")
    tag, channels, rate, _, block, bits = struct.unpack_from("<HHIIHH", fmt)
    if tag == _EXTENSIBLE:
        if len(fmt) < 26:
            raise WavError(path, "WAVE_FORMAT_EXTENSIBLE without its sub-format")
        (tag,) = struct.unpack_from("<H", fmt, 24)
    name = _FORMAT_NAMES.get(tag, "format")
    if tag not in (_PCM, _FLOAT, _ALAW, _ULAW):
        raise WavError(path, f"{name} (format tag {tag}) is not supported: {_CONVERT}")
    if channels == 0 or rate == 0:
        raise WavError(path, f"{channels} channels at {rate} Hz is not audio")
    width = bits // 8
    if bits % 8 or width == 0 or block != width * channels:
        raise WavError(
            path, f"{name} with {bits}-bit samples in {block}-byte blocks is not supported"
        )
    usable = len(body) - len(body) % block
    raw = body[:usable]
    samples: Floats
    if tag == _PCM and width == 1:
        samples = (np.frombuffer(raw, np.uint8).astype(np.float64) - 128.0) * 256.0
    elif tag == _PCM and width == 2:
        samples = np.frombuffer(raw, "<i2").astype(np.float64)
    elif tag == _PCM and width == 3:
        triples = np.frombuffer(raw, np.uint8).reshape(-1, 3).astype(np.int32)
        value = triples[:, 0] | triples[:, 1] << 8 | triples[:, 2] << 16
        value = np.where(value >= 1 << 23, value - (1 << 24), value)
        samples = value.astype(np.float64) / 256.0
    elif tag == _PCM and width == 4:
        samples = np.frombuffer(raw, "<i4").astype(np.float64) / 65536.0
    elif tag == _FLOAT and width in (4, 8):
        floats = np.frombuffer(raw, "<f4" if width == 4 else "<f8").astype(np.float64)
        samples = np.nan_to_num(floats) * 32768.0
    elif tag in (_ALAW, _ULAW) and width == 1:
        law = PCMA if tag == _ALAW else PCMU
        samples = law.decode(np.frombuffer(raw, np.uint8)).astype(np.float64)
    else:
        raise WavError(path, f"{name} with {bits}-bit samples is not supported: {_CONVERT}")
    return samples.reshape(-1, channels), rate


def read_wav(path: Path | str) -> Sound:
    """Read a WAV file and convert it to 8 kHz mono (no cache; see `load_wav`)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise WavError(path, f"cannot be read ({exc.strerror or exc})") from exc
    chunks = _chunks(data, path)
    if b"fmt " not in chunks:
        raise WavError(path, "no fmt chunk: the file is truncated or not a WAV file")
    if b"data" not in chunks:
        raise WavError(path, "no data chunk: the file has no audio")
    frames, rate = _decode(chunks[b"fmt "], chunks[b"data"], path)
    mono = frames.mean(axis=1) if frames.shape[1] > 1 else frames[:, 0]
    if rate != SAMPLE_RATE:
        mono = resample(mono, rate, SAMPLE_RATE)
    return Sound(np.clip(np.round(mono), -32768, 32767).astype(np.int16))


_cache: OrderedDict[tuple[str, int, int], Sound] = OrderedDict()
_cache_lock = threading.Lock()  # `preload` reads files in a worker thread


def load_wav(path: Path | str) -> Sound:
    """`read_wav`, remembered by (path, modification time, size) for the last 64 files."""
    path = Path(path)
    try:
        status = path.stat()
        key = (str(path.resolve()), status.st_mtime_ns, status.st_size)
    except OSError as exc:
        raise WavError(path, f"cannot be read ({exc.strerror or exc})") from exc
    with _cache_lock:
        sound = _cache.get(key)
        if sound is not None:
            _cache.move_to_end(key)
            return sound
    sound = read_wav(path)
    with _cache_lock:
        _cache[key] = sound
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return sound


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


# --- resampling --------------------------------------------------------------------------


def resample(
    samples: Floats, rate_in: int, rate_out: int, *, zero_crossings: int = 16, beta: float = 7.0
) -> Floats:
    """Resample by a Kaiser-windowed sinc, evaluated only at the output instants.

    The ratio is reduced to `up/down`; output sample n sits at input position
    n*down/up, whose fractional part takes only `up` values, so the filter weights are
    computed once per phase (polyphase) and every output sample is one dot product.
    """
    if rate_in <= 0 or rate_out <= 0:
        raise ValueError("sample rates must be positive")
    if rate_in == rate_out or len(samples) == 0:
        return np.asarray(samples, dtype=np.float64)
    g = math.gcd(rate_in, rate_out)
    up, down = rate_out // g, rate_in // g
    cutoff = 0.45 * min(rate_in, rate_out) / rate_in  # cycles per input sample
    half = math.ceil(zero_crossings / (2 * cutoff))  # kernel half-width, in input samples
    taps = np.arange(-half + 1, half + 1)
    phases = np.arange(up) / up
    distance = phases[:, None] - taps[None, :]  # t - (floor(t) + k)
    window = np.i0(beta * np.sqrt(np.clip(1 - (distance / half) ** 2, 0, None))) / np.i0(beta)
    weights = np.sinc(2 * cutoff * distance) * window
    weights /= weights.sum(axis=1, keepdims=True)  # unity gain at DC in every phase

    count = len(samples) * up // down
    padded = np.concatenate([np.zeros(half), np.asarray(samples, np.float64), np.zeros(half)])
    out = np.empty(count)
    chunk = max(1, (1 << 21) // len(taps))  # ~16 MB of gathered samples at a time
    for start in range(0, count, chunk):
        n = np.arange(start, min(count, start + chunk))
        position = n * down
        base, phase = position // up, position % up
        gathered = padded[base[:, None] + taps[None, :] + half]
        out[start : start + len(n)] = np.einsum("ij,ij->i", gathered, weights[phase])
    return out


# --- writing -----------------------------------------------------------------------------


def write_wav(path: Path | str, samples: Samples) -> None:
    """Write 16-bit 8 kHz PCM: `samples` 1-D (mono) or (frames, channels)."""
    with WavWriter(path, 1 if samples.ndim == 1 else samples.shape[1]) as writer:
        writer.append(samples)


class WavWriter:
    """A 16-bit 8 kHz WAV file written in pieces.

    Every `append` goes to disk (written and flushed) with the header updated to
    match, so a crash loses nothing that was appended before it.
    """

    def __init__(self, path: Path | str, channels: int = 1) -> None:
        if channels < 1:
            raise ValueError("a WAV file has at least one channel")
        self.path = Path(path)
        self.channels = channels
        self.frames = 0
        self._file: BinaryIO = open(self.path, "wb")  # noqa: SIM115 (closed by close())
        self._wave = wave.open(self._file, "wb")  # noqa: SIM115
        self._wave.setnchannels(channels)
        self._wave.setsampwidth(2)
        self._wave.setframerate(SAMPLE_RATE)

    def append(self, samples: Samples) -> None:
        """Append samples: 1-D for one channel, else (frames, channels)."""
        array = np.asarray(samples, dtype=np.int16)
        if array.ndim == 1:
            array = array[:, None]
        if array.shape[1] != self.channels:
            raise ValueError(f"{array.shape[1]} channels given, the file has {self.channels}")
        self._wave.writeframes(array.astype("<i2").tobytes())
        self._file.flush()
        self.frames += len(array)

    @property
    def duration(self) -> float:
        return self.frames / SAMPLE_RATE

    def close(self) -> None:
        if not self._file.closed:
            self._wave.close()
            self._file.close()

    def __enter__(self) -> WavWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
