"""The endpointer on synthetic frames: a caller's answer is a tone burst (or several,
the words), the line a noise floor, a click one loud frame. The frame count is the
clock: every frame is 20 ms."""

from __future__ import annotations

import numpy as np
import pytest

from switchboard.media.endpointer import (
    FRAME_SECONDS,
    Endpointer,
    Endpointing,
    SpeechEvent,
    SpeechState,
)
from switchboard.rtp.g711 import FRAME_SAMPLES, SAMPLE_RATE, Samples

Frames = list[Samples | None]
_rng = np.random.default_rng(11)


def frames_of(signal: np.typing.NDArray[np.float64]) -> Frames:
    whole = len(signal) // FRAME_SAMPLES * FRAME_SAMPLES
    clipped = np.clip(np.round(signal[:whole]), -32768, 32767).astype(np.int16)
    return list(clipped.reshape(-1, FRAME_SAMPLES))


def amplitude(dbfs: float) -> float:
    """The peak of a sine wave whose RMS level is `dbfs`."""
    return float(32768 * 10 ** (dbfs / 20) * np.sqrt(2))


def word(seconds: float, *, dbfs: float = -20.0, frequency: float = 300.0) -> Frames:
    """A voiced stretch: a tone with a little vibrato, at `dbfs` RMS."""
    t = np.arange(round(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    phase = 2 * np.pi * frequency * t + 3 * np.sin(2 * np.pi * 5 * t)
    return frames_of(amplitude(dbfs) * np.sin(phase))


def line(seconds: float, *, dbfs: float = -60.0) -> Frames:
    """The line between words: white noise at `dbfs` RMS."""
    level = 32768 * 10 ** (dbfs / 20)
    return frames_of(_rng.normal(0.0, level, round(seconds * SAMPLE_RATE)))


def nothing(seconds: float) -> Frames:
    """Frames where no packet arrived."""
    return [None] * round(seconds / FRAME_SECONDS)


def click(*, dbfs: float = -6.0) -> Frames:
    """One frame with a loud pop in it."""
    frame = np.zeros(FRAME_SAMPLES)
    frame[40:56] = amplitude(dbfs) * np.hanning(16)
    return [*frames_of(frame)]


def run(frames: Frames, endpointer: Endpointer | None = None) -> list[tuple[float, SpeechEvent]]:
    """Feed the frames; each event with the time it was reported (the end of the frame
    that made it)."""
    endpointer = endpointer or Endpointer()
    events = []
    for index, frame in enumerate(frames):
        event = endpointer.feed(frame)
        if event is not None:
            events.append((round((index + 1) * FRAME_SECONDS, 3), event))
    return events


def test_an_answer_ends_after_seven_hundred_ms_of_silence() -> None:
    endpointer = Endpointer()
    frames = [*line(0.5), *word(0.6), *line(2.0)]

    events = run(frames, endpointer)

    # Heard after 100 ms of voice; over 700 ms after its last voiced frame.
    assert events == [(0.6, SpeechEvent.STARTED), (1.8, SpeechEvent.ENDED)]
    assert endpointer.started_at == pytest.approx(0.5)
    assert endpointer.ended_at == pytest.approx(1.1)
    assert endpointer.state is SpeechState.ENDED


def test_pauses_between_words_do_not_end_the_answer() -> None:
    """Pauses of 300 and 640 ms, under 700: "I want ... to talk ... to sales"."""
    frames = [
        *line(0.3),
        *word(0.4),
        *line(0.3),
        *word(0.5, dbfs=-25.0, frequency=220.0),
        *line(0.64),
        *word(0.3),
        *line(1.5),
    ]
    assert run(frames) == [(0.4, SpeechEvent.STARTED), (3.14, SpeechEvent.ENDED)]


def test_nothing_said_is_never_reported() -> None:
    """Only the listener's timeout ends a silent answer."""
    endpointer = Endpointer()
    assert run([*line(3.0), *nothing(3.0), *line(3.0, dbfs=-45.0)], endpointer) == []
    assert endpointer.state is SpeechState.QUIET
    assert endpointer.started_at is None and endpointer.ended_at is None
    assert endpointer.fed == pytest.approx(9.0)


def test_clicks_and_short_blips_are_not_speech() -> None:
    blip = word(0.08, dbfs=-10.0, frequency=941.0)  # 80 ms: a short in-band key tone
    frames = [*line(0.5), *click(), *line(0.5), *click(), *click(), *line(0.5), *blip]
    assert run([*frames, *line(1.0)]) == []


def test_a_click_in_the_silence_after_the_answer_does_not_put_the_end_off() -> None:
    frames = [*line(0.2), *word(0.5), *line(0.4), *click(), *line(1.0)]
    assert run(frames) == [(0.3, SpeechEvent.STARTED), (1.4, SpeechEvent.ENDED)]


def test_a_caller_whose_phone_stops_sending_has_fallen_silent() -> None:
    """Phones with silence suppression send nothing between talkspurts."""
    frames = [*nothing(0.3), *word(0.4), *nothing(1.0)]
    assert run(frames) == [(0.4, SpeechEvent.STARTED), (1.4, SpeechEvent.ENDED)]


def test_a_fading_last_syllable_still_counts_as_speech() -> None:
    """-38 dBFS is too quiet to start an answer, loud enough to go on with one."""
    assert run([*line(0.5), *word(0.6, dbfs=-38.0), *line(1.0)]) == []
    frames = [*line(0.5), *word(0.3), *word(0.4, dbfs=-38.0), *line(1.0)]
    assert run(frames) == [(0.6, SpeechEvent.STARTED), (1.9, SpeechEvent.ENDED)]


def test_a_caller_already_talking_when_the_listening_starts_is_heard() -> None:
    assert run([*word(0.5), *line(1.0)]) == [(0.1, SpeechEvent.STARTED), (1.2, SpeechEvent.ENDED)]


def test_a_voice_is_heard_over_a_line_that_got_noisier_but_not_the_noise() -> None:
    """The hiss grows from -60 to -30 dBFS in 15 s, past the absolute threshold: the
    floor follows it, so only the voice 18 dB above it is speech."""
    seconds = 15.0
    t = np.arange(round(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    level = 32768 * 10 ** ((-60 + 30 * t / seconds) / 20)
    growing = frames_of(_rng.normal(0.0, 1.0, len(t)) * level)
    speech = [*word(0.5, dbfs=-12.0), *line(0.3, dbfs=-30.0), *word(0.4, dbfs=-14.0)]
    frames = [*growing, *speech, *line(1.5, dbfs=-30.0)]
    assert run(frames) == [(15.1, SpeechEvent.STARTED), (16.9, SpeechEvent.ENDED)]


def test_a_loud_noise_is_never_taken_for_an_answer_that_ended() -> None:
    """Hiss at -30 dBFS from the start passes for a voice; taken for speech, it must not
    end it by the floor catching up: the listener's timeout ends the listening."""
    endpointer = Endpointer()
    assert run(line(10.0, dbfs=-30.0), endpointer) == [(0.1, SpeechEvent.STARTED)]
    assert endpointer.state is SpeechState.SPEAKING


def test_the_end_silence_is_configurable() -> None:
    quick = Endpointer(Endpointing(end_silence=0.4))
    assert run([*line(0.2), *word(0.5), *line(1.0)], quick) == [
        (0.3, SpeechEvent.STARTED),
        (1.1, SpeechEvent.ENDED),
    ]
    assert quick.end_frames == 20


def test_an_ended_answer_stays_ended() -> None:
    endpointer = Endpointer()
    run([*word(0.2), *line(0.1), *word(0.3), *line(0.8)], endpointer)
    assert endpointer.state is SpeechState.ENDED
    assert run([*word(1.0), *line(1.0)], endpointer) == []


@pytest.mark.parametrize(
    "settings",
    [{"end_silence": 0.0}, {"start": -0.1}, {"margin": -3.0}, {"resume": 0.0}],
)
def test_nonsense_settings_are_refused(settings: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="endpointing"):
        Endpointing(**settings)
