"""Generate `hold-music.wav`, the demo tenant's hold music.

A few seconds of a music-box arpeggio (C, F, G, back to C) written as telephone
audio: 8 kHz, mono, 16-bit PCM, the format the media engine plays to callers
without converting. The file is generated rather than downloaded so the demo
carries no third-party recording and its licence question; the same script always
writes the same bytes.

    python examples/media/make_hold_music.py [OUTPUT]
"""

from __future__ import annotations

import math
import struct
import sys
import wave
from pathlib import Path

RATE = 8_000
NOTE = 0.3
"""Seconds between two notes."""

# (note name, beats): C major, F major, G major, then home to C.
MELODY = [
    ("C4", 1), ("E4", 1), ("G4", 1), ("C5", 1), ("G4", 1), ("E4", 1),
    ("F4", 1), ("A4", 1), ("C5", 1), ("A4", 1),
    ("G4", 1), ("B4", 1), ("D5", 1), ("B4", 1),
    ("C5", 3),
]  # fmt: skip

_SEMITONES = {"C": -9, "D": -7, "E": -5, "F": -4, "G": -2, "A": 0, "B": 2}


def frequency(name: str) -> float:
    """Equal temperament from A4 = 440 Hz: `"C4"` → 261.63."""
    semitones = _SEMITONES[name[0]] + 12 * (int(name[1:]) - 4)
    return 440.0 * math.pow(2.0, semitones / 12)


def render() -> list[float]:
    """The melody as samples in [-1, 1]; each note rings on under the next ones."""
    total = sum(beats for _, beats in MELODY) * NOTE + 0.6
    samples = [0.0] * int(total * RATE)
    start = 0.0
    for name, beats in MELODY:
        pitch = frequency(name)
        first = int(start * RATE)
        for i in range(len(samples) - first):
            t = i / RATE
            # Fast attack, then an exponential fade: a plucked, music-box note.
            envelope = min(1.0, t / 0.015) * math.exp(-3.0 * t)
            tone = (
                math.sin(2 * math.pi * pitch * t)
                + 0.3 * math.sin(4 * math.pi * pitch * t)
                + 0.1 * math.sin(6 * math.pi * pitch * t)
            )
            samples[first + i] += 0.22 * envelope * tone
        start += beats * NOTE
    # A short fade-out so the loop restarts without a click.
    fade = int(0.25 * RATE)
    for i in range(fade):
        samples[-1 - i] *= i / fade
    return samples


def write(path: Path) -> None:
    samples = render()
    peak = max(abs(s) for s in samples)
    scale = 0.5 * 32_767 / peak
    frames = struct.pack(f"<{len(samples)}h", *(round(s * scale) for s in samples))
    with wave.open(str(path), "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(RATE)
        audio.writeframes(frames)


if __name__ == "__main__":
    output = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("hold-music.wav")
    write(output)
    print(f"wrote {output} ({output.stat().st_size} bytes)")
