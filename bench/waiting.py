"""The waiting experience and speech: what announcements and spoken answers cost.

Three measures:

* **announcements in the core**: N callers wait in one queue that announces every
  30 s (arrivals spread over one period); each announcement is one timer of
  `ContactCenter.handle_timer()` (position in line, estimated wait, the effect). The
  p50/p99 of one announcement, and the core's CPU share for a whole period.
* **announcement audio**: rendering one sentence with espeak-ng (first time) and
  finding it again in the cache (every later time).
* **a spoken answer**: Whisper tiny.en (faster-whisper, int8, one thread) on a
  4-second listening window holding "support" (flite through G.711), as a menu
  hears it; and the model's load time.

Run: `.venv/bin/python bench/waiting.py` (`--callers 1000` for a quicker run).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

from switchboard.config.model import Agent, InboundNumber, Membership, Profile, Queue, Tenant
from switchboard.core import commands as cmd
from switchboard.core import effects as fx
from switchboard.core.center import ContactCenter
from switchboard.media.wav import read_wav
from switchboard.rtp.g711 import PCMU
from switchboard.runtime.waiting_room import announcement
from switchboard.speech.stt import WhisperTranscriber, menu_hint
from switchboard.speech.tts import PromptCache

HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"
PERIOD = 30.0
NUMBER = "+18005550100"


def _center() -> ContactCenter:
    tenant = Tenant(
        profiles=[Profile(id="p", name="P")],
        queues=[
            Queue(id="q", name="Q", announce_every=PERIOD, voicemail_key="1", callback_key="2")
        ],
        agents=[
            Agent(
                id=f"a{i}",
                name=f"Agent {i}",
                password_hash=HASH,
                extension=str(1000 + i),
                profile="p",
                queues=[Membership(queue="q")],
            )
            for i in range(50)
        ],
        inbound_numbers=[InboundNumber(number=NUMBER, queue="q")],
    )
    return ContactCenter(tenant)


def core_announcements(callers: int) -> None:
    cc = _center()
    now = 0.0
    for i in range(50):
        cc.handle(cmd.Login(f"a{i}"), now)
        cc.handle(cmd.InboundCall(f"busy{i}", f"+3360000{i:04d}", NUMBER), now)
        cc.handle(cmd.Accept(f"a{i}", next(iter(cc.offers))), now)
    for i in range(callers):
        now = PERIOD * i / callers
        cc.handle(cmd.InboundCall(f"w{i}", f"+3361{i:07d}", NUMBER), now)
        cc.handle_timer(now)  # the first announcement, at once
    samples: list[float] = []
    said = 0
    start_cpu = time.process_time()
    end = now + PERIOD
    while (deadline := cc.next_deadline()) is not None and deadline <= end:
        t0 = time.perf_counter()
        effects = cc.handle_timer(deadline)
        samples.append(time.perf_counter() - t0)
        said += sum(isinstance(e, fx.AnnounceWait) for e in effects)
    cpu = time.process_time() - start_cpu
    samples.sort()
    p50 = statistics.median(samples) * 1e6
    p99 = samples[int(len(samples) * 0.99)] * 1e6
    print(
        f"core: {callers:,} callers, {said:,} announcements in one {PERIOD:.0f} s period: "
        f"p50 {p50:.1f} µs, p99 {p99:.1f} µs, {cpu * 1000:.0f} ms CPU "
        f"({cpu / PERIOD * 100:.2f}% of a core)"
    )


async def announcement_audio() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cache = PromptCache(Path(tmp))
        cold: list[float] = []
        for position in range(2, 12):
            text = announcement(position, position * 95.0, "1", "2")
            t0 = time.perf_counter()
            await cache.render(text)
            cold.append(time.perf_counter() - t0)
        warm: list[float] = []
        for position in range(2, 12):
            text = announcement(position, position * 95.0, "1", "2")
            t0 = time.perf_counter()
            await cache.render(text)
            warm.append(time.perf_counter() - t0)
    print(
        f"audio: espeak-ng renders a sentence in {statistics.median(cold) * 1000:.0f} ms "
        f"(median of {len(cold)}, max {max(cold) * 1000:.0f} ms); "
        f"cached: {statistics.median(warm) * 1e6:.0f} µs"
    )


async def spoken_answer() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        voice = await PromptCache(Path(tmp), engine="flite").render("support")
        spoken = read_wav(voice).samples
        window = np.zeros(8000 * 4, dtype=np.int16)
        window[4000 : 4000 + len(spoken)] = PCMU.decode(PCMU.encode(spoken))[:28000]
        path = Path(tmp) / "answer.wav"
        with wave.open(str(path), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(8000)
            out.writeframes(window.tobytes())
        transcriber = WhisperTranscriber()
        t0 = time.perf_counter()
        first = await transcriber.transcribe(path, hint=menu_hint(("sales", "support")))
        load_and_first = time.perf_counter() - t0
        runs: list[float] = []
        for _ in range(5):
            t0 = time.perf_counter()
            text = await transcriber.transcribe(path, hint=menu_hint(("sales", "support")))
            runs.append(time.perf_counter() - t0)
        transcriber.close()
    print(
        f"speech: Whisper tiny.en hears {text!r} in {statistics.median(runs):.2f} s "
        f"(median of {len(runs)}); the first answer, model load included, "
        f"{load_and_first:.2f} s ({first!r})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--callers", type=int, default=10_000)
    args = parser.parse_args()
    core_announcements(args.callers)
    asyncio.run(announcement_audio())
    asyncio.run(spoken_answer())


if __name__ == "__main__":
    main()
