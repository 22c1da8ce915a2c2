"""What goes through the ticker on real sockets: recordings (mixed and stereo) and
a conference where each hears the others."""

from __future__ import annotations

import asyncio
import wave
from pathlib import Path

import numpy as np

from switchboard.rtp.g711 import SAMPLE_RATE, Samples
from tests.media.farend import band_share, running_engine, sounding


def read_channels(path: Path) -> tuple[Samples, float]:
    with wave.open(str(path), "rb") as wav:
        assert (wav.getframerate(), wav.getsampwidth()) == (SAMPLE_RATE, 2)
        frames = np.frombuffer(wav.readframes(wav.getnframes()), "<i2")
        channels = wav.getnchannels()
        return frames.reshape(-1, channels), wav.getnframes() / SAMPLE_RATE


def test_a_call_is_recorded_mixed_and_in_stereo_for_its_exact_duration(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running_engine() as h:
            engine = h.engine
            loop = asyncio.get_running_loop()
            caller = await h.leg("caller")
            agent = await h.leg("agent", payload_type=8)
            engine.bridge("caller", "agent")

            started = loop.time()
            engine.start_recording("mixed", ("caller", "agent"), tmp_path / "mixed.wav")
            engine.start_recording(
                "stereo", ("caller", "agent"), tmp_path / "stereo.wav", stereo=True
            )
            await asyncio.gather(
                caller.stream(caller.tone(440, 30)), agent.stream(agent.tone(1000, 30))
            )
            await agent.wait_packets(30)
            await caller.wait_packets(30)
            mixed_path = engine.stop_recording("mixed")
            stereo_path = engine.stop_recording("stereo")
            elapsed = loop.time() - started

            mixed, mixed_seconds = read_channels(mixed_path)
            stereo, stereo_seconds = read_channels(stereo_path)
            assert mixed.shape[1] == 1 and stereo.shape[1] == 2
            assert abs(mixed_seconds - elapsed) <= 0.041
            assert abs(stereo_seconds - elapsed) <= 0.041
            assert band_share(mixed[:, 0], 440) > 0.3
            assert band_share(mixed[:, 0], 1000) > 0.3
            assert band_share(stereo[:, 0], 440) > 0.95
            assert band_share(stereo[:, 0], 1000) < 0.001
            assert band_share(stereo[:, 1], 1000) > 0.95
            assert band_share(stereo[:, 1], 440) < 0.001
            assert len(agent.received) == len(caller.received) == 30  # still relayed

    asyncio.run(scenario())


def test_in_a_conference_of_three_each_hears_the_two_others_but_not_itself() -> None:
    tones = {"caller": 440.0, "agent": 700.0, "expert": 1100.0}

    async def scenario() -> None:
        async with running_engine() as h:
            phones = {
                name: await h.leg(name, payload_type=8 if name == "agent" else 0) for name in tones
            }
            h.engine.conference("merge", tuple(tones))

            await asyncio.gather(
                *(phone.stream(phone.tone(tones[name], 25)) for name, phone in phones.items())
            )
            # Each member's mix plays out of the jitter buffers after the last frame
            for phone in phones.values():
                await phone.wait_packets(24, where=sounding)

            for name, phone in phones.items():
                heard = phone.audio()
                others = [f for other, f in tones.items() if other != name]
                assert all(band_share(heard, f) > 0.2 for f in others), name
                assert band_share(heard, tones[name]) < 0.002, name

    asyncio.run(scenario())


def test_a_member_leaving_a_conference_leaves_the_others_together() -> None:
    async def scenario() -> None:
        async with running_engine() as h:
            caller, _agent, expert = [await h.leg(n) for n in ("caller", "agent", "expert")]
            h.engine.conference("merge", ("caller", "agent", "expert"))
            h.engine.close("agent")

            await caller.stream(caller.tone(440, 15))
            await expert.wait_packets(14, where=sounding)

            assert band_share(expert.audio(), 440) > 0.9
            assert band_share(caller.audio(), 440) < 0.002

    asyncio.run(scenario())
