"""A recording: one 20 ms frame per endpoint per tick, into a growing WAV file.

Theory of operation
-------------------
The engine's ticker calls `write(frames)` every 20 ms with one frame per recorded
endpoint, taken from that endpoint's jitter buffer: its far end's audio, or None
where nothing arrived (written as silence). So the file's duration is exactly the
number of ticks the recording lasted, whatever the network did, and the parties
stay aligned with each other.

Mixed (mono) recordings write the clipped sum of the frames; `stereo` ones write one
channel per endpoint, in the order given (two endpoints: a stereo file; more: one
channel each).

Frames are held in memory and appended to the file every `flush_ticks` ticks (one
second by default): `WavWriter` rewrites the header at each append, so the file on
disk is always a valid WAV and a crash loses at most that second. `close()` writes
what is left and returns the path.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from switchboard.media.mixer import interleave, mix
from switchboard.media.wav import WavWriter
from switchboard.rtp.g711 import FRAME_SAMPLES, Samples


class Recorder:
    def __init__(
        self, path: Path, channels: int, *, stereo: bool = False, flush_ticks: int = 50
    ) -> None:
        if channels < 1:
            raise ValueError("a recording needs at least one endpoint")
        self.path = path
        self.stereo = stereo
        self.channels = channels
        self.flush_ticks = flush_ticks
        self.ticks = 0
        self._pending: list[Samples] = []
        self._writer = WavWriter(path, channels if stereo else 1)

    @property
    def duration(self) -> float:
        return self.ticks * FRAME_SAMPLES / 8000

    def set_channels(self, channels: int) -> None:
        """A mono recording takes frames from another number of endpoints from now on
        (zero: silence); a stereo file's channels cannot change."""
        if self.stereo and channels != self.channels:
            raise ValueError("a stereo recording keeps its channels")
        if channels < 0:
            raise ValueError("a negative number of endpoints")
        self.channels = channels

    def write(self, frames: Sequence[Samples | None]) -> None:
        """Record one tick: a frame (or None) per endpoint."""
        if len(frames) != self.channels:
            raise ValueError(f"{len(frames)} frames for {self.channels} endpoints")
        self._pending.append(interleave(frames) if self.stereo else mix(frames))
        self.ticks += 1
        if len(self._pending) >= self.flush_ticks:
            self.flush()

    def write_silence(self, ticks: int) -> None:
        """Record `ticks` ticks of silence (the ticker skipped them)."""
        shape = (ticks * FRAME_SAMPLES, self.channels) if self.stereo else ticks * FRAME_SAMPLES
        self._pending.append(np.zeros(shape, np.int16))
        self.ticks += ticks
        self.flush()

    def flush(self) -> None:
        if self._pending:
            self._writer.append(np.concatenate(self._pending))
            self._pending.clear()

    def close(self) -> Path:
        self.flush()
        self._writer.close()
        return self.path
