"""Ringback: the European 425 Hz, 1 s on / 4 s off by default, other cadences on demand."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from switchboard.media.tones import (
    EUROPEAN_RINGBACK,
    NORTH_AMERICAN_RINGBACK,
    UK_RINGBACK,
    Tone,
    frames,
    ringback,
)
from switchboard.rtp.g711 import FRAME_SAMPLES, SAMPLE_RATE
from tests.media.farend import band_share, rms


def test_european_ringback_is_425_hz_one_second_on_four_off() -> None:
    period = EUROPEAN_RINGBACK.period()

    assert len(period) == 5 * SAMPLE_RATE
    on, off = period[:SAMPLE_RATE], period[SAMPLE_RATE:]
    assert band_share(on, 425) > 0.99
    assert rms(on) > 5000
    assert not off.any()
    assert ringback() == EUROPEAN_RINGBACK


def test_bursts_ramp_in_and_out_instead_of_clicking() -> None:
    on = EUROPEAN_RINGBACK.burst(1.0)

    assert abs(int(on[0])) < 100 and abs(int(on[-1])) < 100
    assert np.max(np.abs(on)) <= 32767 * 10 ** (-12 / 20) + 1


def test_other_countries_cadences_and_frequencies() -> None:
    uk = UK_RINGBACK.period()
    assert len(uk) == round(3.0 * SAMPLE_RATE)
    first, gap, second = uk[:3200], uk[3200:4800], uk[4800:8000]
    assert band_share(first, 400) > 0.4 and band_share(first, 450) > 0.4
    assert not gap.any() and rms(second) > 1000
    us = NORTH_AMERICAN_RINGBACK.period()
    assert band_share(us[: 2 * SAMPLE_RATE], 440) > 0.4
    assert ringback(440, 2.0, 4.0).period_seconds == 6.0


def test_frames_cut_20ms_and_loop_without_losing_the_cadence() -> None:
    tone = Tone((425.0,), ((0.05, 0.0525),))  # not a whole number of frames
    period = tone.period()

    looped = np.concatenate(list(itertools.islice(frames(period, loop=True), 41)))
    once = list(frames(period))

    assert len(period) == 820
    assert np.array_equal(looped[: 820 * 8], np.tile(period, 8))
    assert len(once) == 6 and not once[-1][20:].any()
    assert all(len(frame) == FRAME_SAMPLES for frame in once)


@pytest.mark.parametrize(
    "arguments",
    [((), ((1.0, 1.0),)), ((5000.0,), ((1.0, 1.0),)), ((425.0,), ()), ((425.0,), ((-1.0, 1.0),))],
)
def test_impossible_tones_are_refused(
    arguments: tuple[tuple[float, ...], tuple[tuple[float, float], ...]],
) -> None:
    with pytest.raises(ValueError, match=r"tone frequencies|cadence"):
        Tone(*arguments)
