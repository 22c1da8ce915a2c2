"""A player hands out a sound to one endpoint, one 20 ms frame of G.711 codes per tick.

The sound is encoded once per law (`Sound.codes`, shared by every player of the same
file), so a tick costs a slice of bytes. Looping wraps around mid-frame, so music
and ringback cadences keep their exact length; played once, the last frame is padded
with the law's silence and then `next_frame` returns None: the engine removes the
player and reports the end.
"""

from __future__ import annotations

from switchboard.media.wav import Sound
from switchboard.rtp.g711 import FRAME_SAMPLES, G711


class Player:
    def __init__(self, sound: Sound, *, loop: bool = False) -> None:
        self.sound = sound
        self.loop = loop
        self.position = 0  # in samples

    @property
    def finished(self) -> bool:
        return not self.loop and self.position >= len(self.sound.samples)

    def next_frame(self, law: G711) -> bytes | None:
        """The next frame's payload in `law`, or None once a non-looping sound ended."""
        codes = self.sound.codes(law)
        size = len(codes)
        if size == 0 or self.finished:
            return None
        start = self.position
        end = start + FRAME_SAMPLES
        if end <= size:
            self.position = end if end < size or not self.loop else 0
            return codes[start:end]
        if not self.loop:
            self.position = size
            return codes[start:] + bytes((law.silence,)) * (end - size)
        out = codes[start:]
        while len(out) < FRAME_SAMPLES:
            out += codes[: FRAME_SAMPLES - len(out)]
        self.position = (end - size) % size
        return out

    def skip(self, frames: int) -> None:
        """Let `frames` frames pass unplayed (the ticker fell behind)."""
        size = len(self.sound.samples)
        self.position += frames * FRAME_SAMPLES
        if self.loop and size:
            self.position %= size
