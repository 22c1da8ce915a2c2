"""End of speech in a caller's answer: 20 ms frames in, "started" and "ended" out.

A menu or an ask node that listens for a spoken answer records the caller until the
node's timeout at the latest. The endpointer lets it stop as soon as the caller has
said something and then fallen silent, instead of making whoever says "support" in
0.6 s wait the whole window. It is pure: frames are fed in order, one per 20 ms tick
(None where nothing arrived), and the frame count is its clock.

Theory of operation
-------------------
Each frame is *voiced* when its level (RMS, in dB relative to full scale) is above
both an absolute threshold (`Endpointing.threshold`, -35 dBFS by default: speech
on a telephone line is around -26 dBFS, a quiet line under -55) and the estimated
noise floor plus a margin (`margin`, 10 dB), so that a noisy line does not pass for
someone talking. The noise floor starts where a quiet line would be (the threshold
less the margin, -45 dBFS) and follows the quietest frames: it drops at once to a
quieter frame and, while nobody speaks, rises by at most `floor_rise` dB a second,
so that a line getting noisier is followed; while speaking it only drops, so that
what was taken for a voice cannot end by the floor catching up with it. A frame
where nothing arrived (silence suppression, the jitter buffer filling) is silence,
but says nothing of the line's noise and leaves the floor alone.

The one mistake that costs the caller is ending too early, cutting an answer off.
Every other mistake leaves the listener's timeout to end the listening, as it would
without us: a noise loud enough to pass for a voice (a line already at -30 dBFS)
starts "speech" that never ends; an answer too quiet or too short never starts. What
energy alone cannot tell is a cough or an "erm" from an answer: one followed by more
than `end_silence` of thought ends the listening before the answer comes.

States:

* QUIET: nothing said yet. `start` seconds of voiced frames in a row (100 ms) make
  speech: the state becomes SPEAKING and `feed` returns `STARTED`. A click, a pop or
  a short key tone is ignored. If the caller never speaks the endpointer
  stays QUIET forever: "nothing said" is the listener's overall timeout, not ours.
* SPEAKING: once speaking, the absolute threshold drops by `hold` dB (6 dB), so that
  weak consonants and a fading last syllable still count as voice. Unvoiced frames
  are counted; `end_silence` seconds of them in a row (700 ms: longer than the
  pauses between words of one answer) end the speech: the state becomes ENDED and
  `feed` returns `ENDED`. Voice resumes, and the count starts again, only after
  `resume` seconds of voiced frames in a row (40 ms), so a lone click in the
  silence after the answer does not put the end off.
* ENDED: final; `feed` ignores what follows.

`started_at` and `ended_at` say where the speech lay, in seconds from the first
frame fed: the start of its first voiced frame, the end of its last one.

Cost: one float32 dot product of 160 samples and a few comparisons per frame (under
two microseconds), since the engine runs it on every tick for each endpoint
being listened to. Levels are compared as mean-square energies; decibels are turned
into energies once, in the constructor.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from switchboard.rtp.g711 import FRAME_SAMPLES, SAMPLE_RATE, Samples

FRAME_SECONDS = FRAME_SAMPLES / SAMPLE_RATE
FULL_SCALE = 32768.0
_QUIETEST = -100.0  # dBFS: digital silence counts as this, so the floor can rise from it


@dataclass(frozen=True, slots=True)
class Endpointing:
    """How the endpointer decides; the defaults suit a caller answering a menu."""

    threshold: float = -35.0
    """dBFS: quieter frames are never voice."""
    margin: float = 10.0
    """dB above the noise floor a frame must be to be voice."""
    hold: float = 6.0
    """dB the absolute threshold drops by once speech has started."""
    start: float = 0.1
    """Seconds of voice in a row that make speech."""
    end_silence: float = 0.7
    """Seconds without voice that end the speech."""
    resume: float = 0.04
    """Seconds of voice in a row that make speech go on after a pause."""
    floor_rise: float = 3.0
    """dB per second the noise-floor estimate may rise."""

    def __post_init__(self) -> None:
        for name in ("start", "end_silence", "resume"):
            if getattr(self, name) <= 0:
                raise ValueError(f"endpointing {name} must be positive seconds")
        if self.margin < 0 or self.hold < 0 or self.floor_rise < 0:
            raise ValueError("endpointing margin, hold and floor_rise cannot be negative")


class SpeechState(StrEnum):
    QUIET = "quiet"
    SPEAKING = "speaking"
    ENDED = "ended"


class SpeechEvent(StrEnum):
    STARTED = "started"
    ENDED = "ended"


def _energy(dbfs: float) -> float:
    """The mean-square energy of a frame whose RMS level is `dbfs`."""
    return (FULL_SCALE * 10 ** (dbfs / 20)) ** 2


def _frames(seconds: float) -> int:
    return max(1, math.ceil(round(seconds / FRAME_SECONDS, 6)))


class Endpointer:
    """See the module's theory of operation."""

    __slots__ = (
        "_ended_at",
        "_floor",
        "_frames",
        "_last_voice",
        "_margin",
        "_quiet_threshold",
        "_quietest",
        "_rise",
        "_run",
        "_silent",
        "_speaking_threshold",
        "_started_at",
        "end_frames",
        "resume_frames",
        "settings",
        "start_frames",
        "state",
    )

    def __init__(self, settings: Endpointing | None = None) -> None:
        self.settings = settings = settings or Endpointing()
        self.start_frames = _frames(settings.start)
        self.end_frames = _frames(settings.end_silence)
        self.resume_frames = _frames(settings.resume)
        self.state = SpeechState.QUIET
        self._quiet_threshold = _energy(settings.threshold)
        self._speaking_threshold = _energy(settings.threshold - settings.hold)
        self._margin = 10 ** (settings.margin / 10)
        self._rise = 10 ** (settings.floor_rise * FRAME_SECONDS / 10)
        self._quietest = _energy(_QUIETEST)
        self._floor = _energy(settings.threshold - settings.margin)
        self._frames = 0  # frames fed
        self._run = 0  # voiced frames in a row, up to the last one fed
        self._silent = 0  # frames since the last voice (SPEAKING)
        self._last_voice = 0  # index of the frame after the last voiced one
        self._started_at: int | None = None
        self._ended_at: int | None = None

    @property
    def started_at(self) -> float | None:
        """Seconds from the first frame to the start of the speech, once started."""
        return None if self._started_at is None else self._started_at * FRAME_SECONDS

    @property
    def ended_at(self) -> float | None:
        """Seconds from the first frame to the end of the speech's last voiced frame,
        once ended (reported `end_silence` later)."""
        return None if self._ended_at is None else self._ended_at * FRAME_SECONDS

    @property
    def fed(self) -> float:
        """Seconds of frames fed so far."""
        return self._frames * FRAME_SECONDS

    def feed(self, samples: Samples | None) -> SpeechEvent | None:
        """Take the next 20 ms frame (None: nothing arrived, silence); say whether the
        speech started or ended with it."""
        state = self.state
        if state is SpeechState.ENDED:
            return None
        index = self._frames
        self._frames = index + 1
        if samples is None or not len(samples):
            voiced = False  # nothing arrived: silence, but no news of the line's noise
        else:
            values = samples.astype(np.float32)
            energy = max(float(np.dot(values, values)) / len(values), self._quietest)
            if state is SpeechState.QUIET:
                floor = self._floor = min(self._floor * self._rise, energy)
                voiced = energy > self._quiet_threshold and energy > floor * self._margin
            else:
                floor = self._floor = min(self._floor, energy)
                voiced = energy > self._speaking_threshold and energy > floor * self._margin
        self._run = self._run + 1 if voiced else 0
        if state is SpeechState.QUIET:
            if self._run >= self.start_frames:
                self.state = SpeechState.SPEAKING
                self._started_at = index + 1 - self._run
                self._last_voice = index + 1
                self._silent = 0
                return SpeechEvent.STARTED
            return None
        if self._run >= self.resume_frames:
            self._silent = 0
            self._last_voice = index + 1
            return None
        self._silent += 1
        if self._silent >= self.end_frames:
            self.state = SpeechState.ENDED
            self._ended_at = self._last_voice
            return SpeechEvent.ENDED
        return None
