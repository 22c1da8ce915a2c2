"""G.711 speed: encode and decode one 20 ms frame (160 samples), both laws.

Times the numpy lookup tables of `switchboard.rtp.g711` on arrays and on bytes (the
form RTP payloads and WAV frames come in), best of several runs, in µs per frame.
A bridged call decodes and encodes 50 frames per second per direction, so at 500
calls per core every microsecond here is 5 % of that core.

Run: `.venv/bin/python bench/g711.py [--frames N]`.
"""

from __future__ import annotations

import argparse
import timeit
from collections.abc import Callable

import numpy as np

from switchboard.rtp.g711 import FRAME_SAMPLES, G711, PCMA, PCMU, Samples


def per_frame_us(work: Callable[[], object], number: int, repeat: int = 5) -> float:
    return min(timeit.repeat(work, number=number, repeat=repeat)) / number * 1e6


def measure(law: G711, samples: Samples, pcm: bytes, frames: int) -> list[float]:
    codes = law.encode(samples)
    payload = codes.tobytes()
    return [
        per_frame_us(lambda: law.encode(samples), frames),
        per_frame_us(lambda: law.decode(codes), frames),
        per_frame_us(lambda: law.encode_bytes(pcm), frames),
        per_frame_us(lambda: law.decode_bytes(payload), frames),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=100_000, help="frames per run")
    args = parser.parse_args()

    t = np.arange(FRAME_SAMPLES) / 8000
    samples = (12000 * np.sin(2 * np.pi * 440 * t)).astype(np.int16)
    pcm = samples.tobytes()
    print(f"one frame = {FRAME_SAMPLES} samples; best of 5 runs of {args.frames} frames")
    print(f"{'law':5} {'encode':>9} {'decode':>9} {'encode b':>9} {'decode b':>9}  (µs/frame)")
    for law in (PCMU, PCMA):
        timings = measure(law, samples, pcm, args.frames)
        print(f"{law.name:5} " + " ".join(f"{value:9.2f}" for value in timings))


if __name__ == "__main__":
    main()
