"""Audio files for the interop peers."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np


def long_tone(path: Path, frequency: float, seconds: float) -> Path:
    """An 8 kHz mono 16-bit WAV of a sine tone (a phone's microphone)."""
    t = np.arange(int(8000 * seconds)) / 8000.0
    samples = (0.3 * 32767 * np.sin(2 * np.pi * frequency * t)).astype(np.int16)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(samples.tobytes())
    return path
