"""Bridged calls on real sockets: relay both ways, transcoding, mute, hold, players,
ringback, and one continuous outgoing stream across all of them."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

import numpy as np
import pytest

from switchboard.media.engine import Flow, MediaEngine
from switchboard.media.rtp_engine import AsyncioMediaEngine
from switchboard.media.tones import Tone
from switchboard.media.wav import write_wav
from switchboard.rtp.g711 import FRAME_SAMPLES, PCMA, PCMU, SAMPLE_RATE
from switchboard.rtp.packet import RtpPacket
from tests.media.farend import band_share, peak_frequency, rms, running_engine


def assert_one_continuous_stream(packets: list[RtpPacket]) -> None:
    """What a far end received is one RTP stream: one SSRC, sequence numbers that
    follow on, timestamps that only move forward."""
    assert len({p.ssrc for p in packets}) == 1
    for before, after in itertools.pairwise(packets):
        assert after.sequence_number == (before.sequence_number + 1) & 0xFFFF
        assert (after.timestamp - before.timestamp) & 0xFFFFFFFF >= len(before.payload)
        assert (after.timestamp - before.timestamp) & 0xFFFFFFFF < SAMPLE_RATE


def tone_wav(path: Path, frequency: float, seconds: float) -> Path:
    t = np.arange(round(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    write_wav(path, np.round(9000 * np.sin(2 * np.pi * frequency * t)).astype(np.int16))
    return path


def test_the_engine_implements_the_media_engine_interface() -> None:
    engine: MediaEngine = AsyncioMediaEngine()

    assert engine.on_dtmf is None


def test_two_bridged_endpoints_relay_each_others_audio_both_ways() -> None:
    async def scenario() -> None:
        async with running_engine() as h:
            engine = h.engine
            alice = await h.leg("alice")
            bob = await h.leg("bob")
            engine.bridge("alice", "bob")

            alice.send(bytes([0x80, 200, 0, 1]) + bytes(4))  # RTCP on the RTP port: skipped
            await asyncio.gather(
                alice.stream(alice.tone(440, 25), interval=0.004),
                bob.stream(bob.tone(1000, 25), interval=0.004),
            )
            at_bob = await bob.wait_packets(25)
            at_alice = await alice.wait_packets(25)

            assert peak_frequency(bob.audio()) == pytest.approx(440, abs=5)
            assert peak_frequency(alice.audio()) == pytest.approx(1000, abs=5)
            assert_one_continuous_stream(at_bob)
            assert_one_continuous_stream(at_alice)
            assert at_bob[0].ssrc != alice.ssrc  # the engine's own stream, not a copy
            assert [p.marker for p in at_bob[:2]] == [True, False]
            stats = engine.stats("alice")
            assert (stats.packets_in, stats.packets_out, stats.lost) == (25, 25, 0)
            assert stats.bytes_in == 25 * (12 + FRAME_SAMPLES)
            assert bob.junk == 0 and len(bob.received) == 25

    asyncio.run(scenario())


def test_pcmu_and_pcma_endpoints_are_transcoded_in_a_bridge() -> None:
    async def scenario() -> None:
        async with running_engine() as h:
            engine = h.engine
            alice = await h.leg("alice", payload_type=PCMU.payload_type)
            bob = await h.leg("bob", payload_type=PCMA.payload_type)
            engine.bridge("alice", "bob")

            await asyncio.gather(
                alice.stream(alice.tone(440, 20), interval=0.004),
                bob.stream(bob.tone(1000, 20), interval=0.004),
            )
            at_bob = await bob.wait_packets(20)
            at_alice = await alice.wait_packets(20)

            assert {p.payload_type for p in at_bob} == {PCMA.payload_type}
            assert {p.payload_type for p in at_alice} == {PCMU.payload_type}
            assert band_share(bob.audio(), 440) > 0.95
            assert band_share(alice.audio(), 1000) > 0.95

    asyncio.run(scenario())


def test_a_muted_endpoint_is_not_heard_but_still_hears() -> None:
    async def scenario() -> None:
        async with running_engine() as h:
            engine = h.engine
            agent = await h.leg("agent")
            caller = await h.leg("caller")
            engine.bridge("agent", "caller")
            engine.set_flow("agent", Flow.SEND_ONLY)

            await agent.stream(agent.tone(440, 10), interval=0.002)
            await caller.stream(caller.tone(1000, 10), interval=0.002)
            await agent.wait_packets(10)  # the caller's audio went through, after the agent's

            assert caller.received == []
            engine.set_flow("agent", Flow.BOTH)
            await agent.stream(agent.tone(440, 10), interval=0.002)
            assert len(await caller.wait_packets(10)) == 10

    asyncio.run(scenario())


def test_hold_plays_music_to_the_held_party_and_forwards_nothing(tmp_path: Path) -> None:
    music = tone_wav(tmp_path / "music.wav", 600, 0.5)

    async def scenario() -> None:
        async with running_engine() as h:
            engine = h.engine
            caller = await h.leg("caller")
            agent = await h.leg("agent")
            engine.bridge("caller", "agent")
            await caller.stream(caller.tone(440, 5), interval=0.002)
            await agent.wait_packets(5)

            engine.unbridge("caller")  # hold
            engine.play("caller", music, loop=True)
            await asyncio.gather(
                caller.stream(caller.tone(440, 10), interval=0.01),
                agent.stream(agent.tone(1000, 10), interval=0.01),
            )
            on_hold = await caller.wait_packets(15)

            assert len(agent.received) == 5  # nothing more reached the agent
            assert band_share(caller.audio(), 600) > 0.95  # music only, no agent

            engine.stop_playing("caller")  # resume
            engine.bridge("caller", "agent")
            sent_so_far = engine.stats("caller").packets_out
            assert sent_so_far >= len(on_hold)
            await agent.stream(agent.tone(1000, 10), interval=0.002)
            after = await caller.wait_packets(sent_so_far + 10)
            assert_one_continuous_stream(after)
            resumed = b"".join(p.payload for p in after[-10:])
            assert band_share(PCMU.decode(np.frombuffer(resumed, np.uint8)), 1000) > 0.95

    asyncio.run(scenario())


def test_a_prompt_played_once_ends_and_the_bridge_resumes_in_the_same_stream(
    tmp_path: Path,
) -> None:
    prompt = tone_wav(tmp_path / "prompt.wav", 700, 0.1)  # 5 frames

    async def scenario() -> None:
        async with running_engine() as h:
            engine = h.engine
            ended: asyncio.Queue[str] = asyncio.Queue()
            engine.on_play_end = ended.put_nowait
            caller = await h.leg("caller")
            agent = await h.leg("agent")
            engine.bridge("caller", "agent")
            await agent.stream(agent.tone(1000, 10), interval=0.002)
            await caller.wait_packets(10)

            engine.play("caller", prompt)
            assert await asyncio.wait_for(ended.get(), 1.0) == "caller"
            await agent.stream(agent.tone(1000, 10), interval=0.002)
            received = await caller.wait_packets(25)

            assert len(received) == 25
            assert_one_continuous_stream(received)
            prompt_audio = PCMU.decode(
                np.frombuffer(b"".join(p.payload for p in received[10:15]), np.uint8)
            )
            assert band_share(prompt_audio, 700) > 0.9
            assert received[10].marker and received[15].marker  # a new talkspurt each time

    asyncio.run(scenario())


def test_music_preloaded_in_a_thread_is_played_from_the_cache(tmp_path: Path) -> None:
    music = tone_wav(tmp_path / "music.wav", 500, 0.2)

    async def scenario() -> None:
        async with running_engine() as h:
            await h.engine.preload(music)
            caller = await h.leg("caller")
            h.engine.play("caller", music, loop=True)
            await caller.wait_packets(12)  # 0.24 s: the 0.2 s file looped
            h.engine.stop_playing("caller")

            assert band_share(caller.audio(), 500) > 0.95

    asyncio.run(scenario())


def test_ringback_follows_its_cadence() -> None:
    quick = Tone((425.0,), ((0.2, 0.2),))

    async def scenario() -> None:
        async with running_engine(ringback_tone=quick) as h:
            engine = h.engine
            caller = await h.leg("caller")
            engine.ringback("caller")
            await caller.wait_packets(30)
            engine.stop_playing("caller")

            audio = caller.audio()[: 30 * FRAME_SAMPLES]
            on, off, on_again = audio[:1600], audio[1600:3200], audio[3200:4800]
            assert band_share(on, 425) > 0.9 and rms(on) > 1000
            assert rms(off) == 0
            assert band_share(on_again, 425) > 0.9

    asyncio.run(scenario())
