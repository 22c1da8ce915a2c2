"""Mixing 20 ms frames of `int16` samples: sums clipped to 16 bits.

A conference sends each member the sum of the *others* ("mix-minus"), so nobody hears
their own echo. It is computed as the total minus one's own frame, so N members cost
one sum and N subtractions, not N sums of N-1 frames. A member with nothing to say
this tick contributes silence (`None`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from switchboard.rtp.g711 import FRAME_SAMPLES, Samples

_SILENCE: Samples = np.zeros(FRAME_SAMPLES, np.int16)
_SILENCE.flags.writeable = False


def _clip(wide: npt.NDArray[np.int32]) -> Samples:
    return np.clip(wide, -32768, 32767).astype(np.int16)


def _total(frames: Sequence[Samples | None]) -> npt.NDArray[np.int32] | None:
    present = [frame for frame in frames if frame is not None]
    if not present:
        return None
    total: npt.NDArray[np.int32] = np.sum(present, axis=0, dtype=np.int32)
    return total


def mix(frames: Sequence[Samples | None]) -> Samples:
    """The clipped sum of the frames (silence when there are none)."""
    total = _total(frames)
    return _SILENCE if total is None else _clip(total)


def mix_minus(frames: Sequence[Samples | None]) -> list[Samples]:
    """For each frame, the clipped sum of all the others."""
    total = _total(frames)
    if total is None:
        return [_SILENCE] * len(frames)
    return [_clip(total if own is None else total - own) for own in frames]


def interleave(frames: Sequence[Samples | None]) -> Samples:
    """One channel per frame, as (samples, channels); silence where a frame is None."""
    return np.column_stack([_SILENCE if frame is None else frame for frame in frames])
