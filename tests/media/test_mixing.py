"""What goes through the ticker on real sockets: recordings (mixed and stereo, and
following the parties of a call as they change) and a conference where each hears
the others."""

from __future__ import annotations

import asyncio
import wave
from pathlib import Path

import numpy as np
import pytest

from switchboard.media.engine import MediaError
from switchboard.rtp.g711 import SAMPLE_RATE, Samples
from tests.media.farend import band_share, running_engine, sounding


def read_channels(path: Path) -> tuple[Samples, float]:
    with wave.open(str(path), "rb") as wav:
        assert (wav.getframerate(), wav.getsampwidth()) == (SAMPLE_RATE, 2)
        frames = np.frombuffer(wav.readframes(wav.getnframes()), "<i2")
        channels = wav.getnchannels()
        return frames.reshape(-1, channels), wav.getnframes() / SAMPLE_RATE


def heard_in_order(samples: Samples, tones: tuple[float, ...]) -> list[float]:
    """The tones that dominate the sounding 100 ms windows, in order, repeats merged."""
    heard: list[float] = []
    for start in range(0, len(samples) - 800, 800):
        window = samples[start : start + 800]
        if np.sqrt(np.mean(window.astype(np.float64) ** 2)) < 300:
            continue
        tone = next((t for t in tones if band_share(window, t) > 0.6), None)
        if tone is not None and (not heard or heard[-1] != tone):
            heard.append(tone)
    return heard


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


def test_a_recording_follows_the_parties_that_join_and_leave_the_call(tmp_path: Path) -> None:
    """An agent's line moves to a consultation: the customer's recording stops taking
    its voice and takes the colleague's who replaces it."""

    async def scenario() -> None:
        async with running_engine() as h:
            engine = h.engine
            caller = await h.leg("caller")
            agent = await h.leg("agent")
            colleague = await h.leg("colleague")
            engine.start_recording("call", ("caller", "agent"), tmp_path / "call.wav")
            engine.start_recording("both", ("caller", "agent"), tmp_path / "s.wav", stereo=True)
            await agent.stream(agent.tone(1000, 20))
            engine.record_from("call", ("caller", "colleague"))
            await colleague.stream(colleague.tone(440, 20))
            await agent.stream(agent.tone(1000, 20))  # now elsewhere: not recorded
            engine.record_from("call", ())
            await caller.stream(caller.tone(700, 20))  # nobody recorded: silence
            with pytest.raises(MediaError):
                engine.record_from("both", ("caller",))
            with pytest.raises(MediaError):
                engine.record_from("nothing", ("caller",))
            samples, _ = read_channels(engine.stop_recording("call"))
            engine.stop_recording("both")
            assert heard_in_order(samples[:, 0], (1000.0, 440.0, 700.0)) == [1000.0, 440.0]

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
