"""Players and the mixer: frames handed out per tick, sums clipped to 16 bits."""

from __future__ import annotations

import numpy as np

from switchboard.media.mixer import interleave, mix, mix_minus
from switchboard.media.player import Player
from switchboard.media.wav import Sound
from switchboard.rtp.g711 import FRAME_SAMPLES, PCMA, PCMU


def ramp(count: int) -> Sound:
    return Sound((np.arange(count) * 7 % 20000).astype(np.int16))


def test_a_prompt_played_once_pads_its_last_frame_and_ends() -> None:
    sound = ramp(400)  # 2.5 frames
    player = Player(sound)

    payloads = [player.next_frame(PCMA) for _ in range(4)]

    codes = sound.codes(PCMA)
    assert payloads[:2] == [codes[:160], codes[160:320]]
    assert payloads[2] == codes[320:] + bytes([PCMA.silence]) * 80
    assert payloads[3] is None and player.finished


def test_looped_music_wraps_around_mid_frame() -> None:
    sound = ramp(400)
    player = Player(sound, loop=True)

    played = b"".join(player.next_frame(PCMU) or b"" for _ in range(5))  # 800 samples

    assert played == sound.codes(PCMU) * 2
    assert not player.finished
    player.skip(3)
    assert player.position == (800 + 3 * FRAME_SAMPLES) % 400


def test_an_empty_sound_plays_nothing() -> None:
    assert Player(Sound(np.zeros(0, np.int16)), loop=True).next_frame(PCMU) is None


def test_mix_minus_gives_each_the_clipped_sum_of_the_others() -> None:
    a = np.full(FRAME_SAMPLES, 20000, np.int16)
    b = np.full(FRAME_SAMPLES, 20000, np.int16)
    c = np.full(FRAME_SAMPLES, -5000, np.int16)

    to_a, to_b, to_c, to_silent = mix_minus([a, b, c, None])

    assert to_a[0] == to_b[0] == 15000
    assert to_c[0] == 32767  # 40000, clipped
    assert to_silent[0] == 32767
    assert mix([a, b])[0] == 32767 and mix([None, None])[0] == 0
    assert mix_minus([None, None])[0][0] == 0


def test_interleave_puts_one_endpoint_per_channel() -> None:
    a = np.full(FRAME_SAMPLES, 3, np.int16)

    both = interleave([a, None])

    assert both.shape == (FRAME_SAMPLES, 2)
    assert both[0].tolist() == [3, 0]
