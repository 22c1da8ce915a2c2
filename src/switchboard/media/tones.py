"""Call-progress tones: ringback as 8 kHz `int16` samples, by numpy.

A tone is one or more frequencies summed, switched on and off by a *cadence*: a
sequence of (on, off) durations in seconds that repeats. The European ringback of
ETSI TR 101 041 / ITU-T E.180 is 425 Hz, 1 s on and 4 s off; North America's is
440 + 480 Hz, 2 s on and 4 s off; the UK's 400 + 450 Hz, 0.4 on, 0.2 off, 0.4 on,
2 off. Each burst starts and ends with a 5 ms ramp, so switching makes no click.

`Tone.period()` gives one whole cadence period; the engine encodes it once per law and
loops it, so a hundred ringing calls cost a hundred slices, not a hundred syntheses.
`frames()` cuts any sample array into 20 ms frames for whoever wants them one by one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from switchboard.rtp.g711 import FRAME_SAMPLES, SAMPLE_RATE, Samples

RAMP_SECONDS = 0.005


@dataclass(frozen=True, slots=True)
class Tone:
    """Frequencies in Hz, a cadence of (on, off) seconds, and a peak level in dBFS."""

    frequencies: tuple[float, ...]
    cadence: tuple[tuple[float, float], ...]
    level_dbfs: float = -12.0

    def __post_init__(self) -> None:
        if not self.frequencies or not all(0 < f < SAMPLE_RATE / 2 for f in self.frequencies):
            raise ValueError(f"tone frequencies must lie in 0..{SAMPLE_RATE // 2} Hz")
        if not self.cadence or any(on < 0 or off < 0 for on, off in self.cadence):
            raise ValueError("a cadence is one or more (on, off) pairs of seconds >= 0")
        if sum(on + off for on, off in self.cadence) <= 0:
            raise ValueError("a cadence must last some time")
        if self.level_dbfs > 0:
            raise ValueError("the level is at most 0 dBFS")

    def burst(self, seconds: float) -> Samples:
        """`seconds` of the tone, with its ramps."""
        count = round(seconds * SAMPLE_RATE)
        t = np.arange(count) / SAMPLE_RATE
        wave = sum(np.sin(2 * np.pi * f * t) for f in self.frequencies) / len(self.frequencies)
        ramp = min(round(RAMP_SECONDS * SAMPLE_RATE), count // 2)
        envelope = np.ones(count)
        if ramp:
            envelope[:ramp] = np.linspace(0, 1, ramp, endpoint=False)
            envelope[count - ramp :] = np.linspace(1, 0, ramp, endpoint=False)
        peak = 32767 * 10 ** (self.level_dbfs / 20)
        return np.round(peak * wave * envelope).astype(np.int16)

    def period(self) -> Samples:
        """One whole cadence: every burst followed by its silence."""
        parts: list[Samples] = []
        for on, off in self.cadence:
            parts.append(self.burst(on))
            parts.append(np.zeros(round(off * SAMPLE_RATE), np.int16))
        return np.concatenate(parts)

    @property
    def period_seconds(self) -> float:
        return sum(on + off for on, off in self.cadence)


EUROPEAN_RINGBACK = Tone((425.0,), ((1.0, 4.0),))
NORTH_AMERICAN_RINGBACK = Tone((440.0, 480.0), ((2.0, 4.0),))
UK_RINGBACK = Tone((400.0, 450.0), ((0.4, 0.2), (0.4, 2.0)))


def ringback(
    frequency: float = 425.0, on: float = 1.0, off: float = 4.0, *, level_dbfs: float = -12.0
) -> Tone:
    """A single-frequency ringback with a simple cadence (the European one by default)."""
    return Tone((frequency,), ((on, off),), level_dbfs)


def frames(samples: Samples, *, loop: bool = False) -> Iterator[Samples]:
    """Cut `samples` into 20 ms frames (the last padded with silence), forever if `loop`."""
    count = len(samples)
    if count == 0:
        return
    padded = np.concatenate([samples, np.zeros(-count % FRAME_SAMPLES, np.int16)])
    while True:
        if loop and count % FRAME_SAMPLES:
            # keep the cadence exact across periods: wrap around instead of padding
            position = 0
            while True:
                index = np.arange(position, position + FRAME_SAMPLES) % count
                yield samples[index]
                position = (position + FRAME_SAMPLES) % count
        for start in range(0, len(padded), FRAME_SAMPLES):
            yield padded[start : start + FRAME_SAMPLES]
        if not loop:
            return
