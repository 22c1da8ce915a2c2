"""Endpoints on real sockets: ports, symmetric RTP latching, inactivity, statistics."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest

from switchboard.media.engine import Flow, MediaError, RemoteMedia
from tests.media.farend import HOST, running_engine


def test_latching_follows_the_real_source_instead_of_the_sdp_address() -> None:
    async def scenario() -> None:
        async with running_engine() as h:
            engine = h.engine
            advertised = await h.phone(name="private address in the SDP")
            behind_nat = await h.phone(name="where its packets really come from")
            agent = await h.leg("agent")
            port = await engine.open("caller")
            engine.connect("caller", advertised.remote())
            behind_nat.engine_port = port
            engine.bridge("caller", "agent")

            await agent.stream(agent.tone(1000, 3), interval=0.002)
            await advertised.wait_packets(3)  # not latched yet: the SDP address
            await behind_nat.stream(behind_nat.tone(440, 3), interval=0.002)
            await agent.wait_packets(3)
            await agent.stream(agent.tone(1000, 3), interval=0.002)
            await behind_nat.wait_packets(3)  # latched: the source address

            assert len(advertised.received) == 3
            assert {r.source[1] for r in behind_nat.received} == {port}

    asyncio.run(scenario())


def test_a_reinvite_to_another_address_unlatches_and_sends_there() -> None:
    async def scenario() -> None:
        async with running_engine() as h:
            caller = await h.leg("caller")
            agent = await h.leg("agent")
            moved = await h.phone(name="the caller's new media server")
            h.engine.bridge("caller", "agent")
            await caller.stream(caller.tone(440, 2), interval=0.002)
            await agent.wait_packets(2)

            h.engine.connect("caller", moved.remote())
            await agent.stream(agent.tone(1000, 3), interval=0.002)

            assert len(await moved.wait_packets(3)) == 3
            assert caller.received == []

    asyncio.run(scenario())


def test_a_stranger_cannot_take_over_a_latched_stream() -> None:
    async def scenario() -> None:
        async with running_engine() as h:
            caller = await h.leg("caller")
            agent = await h.leg("agent")
            stranger = await h.phone(name="RTP bleed")
            stranger.engine_port = caller.engine_port
            h.engine.bridge("caller", "agent")

            await caller.stream(caller.tone(440, 3), interval=0.002)
            await stranger.stream(stranger.tone(2000, 3), interval=0.002)
            await caller.stream(caller.tone(440, 3), interval=0.002)
            await agent.wait_packets(6)

            assert stranger.received == []
            assert h.engine.stats("caller").packets_in == 6

    asyncio.run(scenario())


def test_silence_from_a_far_end_times_out_once_but_not_while_on_hold() -> None:
    async def scenario() -> None:
        async with running_engine(inactivity_timeout=0.15) as h:
            timeouts: asyncio.Queue[str] = asyncio.Queue()
            h.engine.on_timeout = timeouts.put_nowait
            caller = await h.leg("caller")
            await h.leg("held")
            h.engine.set_flow("held", Flow.NONE)
            started = asyncio.get_running_loop().time()

            await caller.stream(caller.tone(440, 5), interval=0.02)
            assert await asyncio.wait_for(timeouts.get(), 1.0) == "caller"
            waited = asyncio.get_running_loop().time() - started
            assert 0.08 + 0.15 <= waited < 0.08 + 0.15 + 0.25
            # No second timeout can come: the caller's timer fired for good and the
            # held leg's is paused, so no endpoint has a silence check armed.
            armed = [e.id for e in h.engine._endpoints.values() if e.inactivity_handle]
            assert armed == []
            assert timeouts.empty()

    asyncio.run(scenario())


def test_ports_are_even_skip_ports_in_use_and_are_released() -> None:
    async def scenario() -> None:
        squatter = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            squatter.bind((HOST, 32000))
            async with running_engine(ports=(31999, 32005)) as h:
                engine = h.engine
                ports = {await engine.open("a"), await engine.open("b")}
                assert ports == {32002, 32004}
                with pytest.raises(MediaError, match="no free RTP port in 32000-32005"):
                    await engine.open("c")
                with pytest.raises(MediaError, match="already open"):
                    await engine.open("a")
                engine.close("a")
                engine.close("a")  # idempotent
                assert await engine.open("c") in ports
        finally:
            squatter.close()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as again:
            again.bind((HOST, 32002))  # stop() released everything
            again.close()

    asyncio.run(scenario())


def test_statistics_count_packets_losses_and_when_the_last_one_came() -> None:
    async def scenario() -> None:
        async with running_engine() as h:
            caller = await h.leg("caller")
            agent = await h.leg("agent")
            h.engine.bridge("caller", "agent")
            packets = caller.tone(440, 10)

            await caller.stream(packets[:4] + packets[6:], interval=0.002)
            await agent.wait_packets(8)

            stats = h.engine.stats("caller")
            assert (stats.packets_in, stats.lost, stats.late) == (8, 2, 0)
            assert stats.last_packet_at == pytest.approx(time.time(), abs=0.5)
            assert h.engine.stats("agent").packets_out == 8
            with pytest.raises(MediaError):
                h.engine.stats("nobody")

    asyncio.run(scenario())


def test_operations_before_start_or_on_unknown_endpoints_say_what_is_wrong() -> None:
    async def scenario() -> None:
        async with running_engine() as h:
            await h.leg("caller")
            with pytest.raises(MediaError, match="no media endpoint ghost"):
                h.engine.bridge("caller", "ghost")
            with pytest.raises(MediaError, match="itself"):
                h.engine.bridge("caller", "caller")
            with pytest.raises(MediaError, match=r"not G\.711"):
                h.engine.connect("caller", RemoteMedia(HOST, 4000, 18))
            with pytest.raises(MediaError, match="no recording"):
                h.engine.stop_recording("r1")

    asyncio.run(scenario())
