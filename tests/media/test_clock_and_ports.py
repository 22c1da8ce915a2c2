"""The ticker keeps an exact 20 ms grid and skips after a stall; the socket poller
reads in batches under load and sleeps when idle; ports are even and handed out
round-robin; recordings write one frame per tick."""

from __future__ import annotations

import asyncio
import socket
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from switchboard.media.poller import SocketPoller
from switchboard.media.ports import PortAllocator
from switchboard.media.recorder import Recorder
from switchboard.media.ticker import Ticker
from switchboard.rtp.g711 import FRAME_SAMPLES


def test_ticks_fall_on_an_exact_20ms_grid_and_a_stall_is_skipped_not_burst() -> None:
    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        due: list[float] = []
        skipped: list[int] = []
        reached = {5: asyncio.Event(), 10: asyncio.Event()}

        def tick(at: float) -> None:
            due.append(at)
            if len(due) in reached:
                reached[len(due)].set()

        ticker = Ticker(tick, skipped.append)
        started = loop.time()
        ticker.start()
        await asyncio.wait_for(reached[5].wait(), 1.0)
        time.sleep(0.2)  # the condition under test: the loop is starved for 10 ticks
        await asyncio.wait_for(reached[10].wait(), 1.0)
        await ticker.stop()

        steps = np.diff(due)
        assert np.all(np.isclose(steps % 0.02, 0, atol=1e-9) | np.isclose(steps % 0.02, 0.02))
        assert due[0] == pytest.approx(started + 0.02, abs=0.005)
        assert sum(skipped) == ticker.skipped >= 5
        assert ticker.late >= 1
        assert not ticker.running

    asyncio.run(scenario())


def test_a_failing_tick_is_logged_and_the_clock_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> int:
        count = 0
        third = asyncio.Event()

        def tick(_: float) -> None:
            nonlocal count
            count += 1
            if count == 3:
                third.set()
            raise RuntimeError("broken conference")

        ticker = Ticker(tick, lambda _: None)
        ticker.start()
        await asyncio.wait_for(third.wait(), 1.0)
        await ticker.stop()
        return count

    assert asyncio.run(scenario()) >= 3
    assert "media tick failed" in caplog.text


def test_the_poller_reads_what_arrived_in_one_batch_then_polls_then_goes_idle() -> None:
    async def scenario() -> None:
        poller = SocketPoller(asyncio.get_running_loop(), interval=0.002, idle_after=5)
        with (
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as rx,
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as tx,
        ):
            rx.bind(("127.0.0.1", 0))
            rx.setblocking(False)
            got: list[bytes] = []
            arrived = asyncio.Event()

            def readable() -> None:
                got.append(rx.recvfrom(2048)[0])
                arrived.set()

            poller.add(rx.fileno(), readable)
            idle = asyncio.Event()
            poller.on_idle = idle.set
            assert not poller.polling
            for index in range(3):
                tx.sendto(bytes([index]), rx.getsockname())
            await asyncio.wait_for(arrived.wait(), 1.0)

            assert got == [b"\x00", b"\x01", b"\x02"]
            assert poller.batches == 1  # one wake-up for the three datagrams
            assert poller.polling
            await asyncio.wait_for(idle.wait(), 1.0)  # after five empty batches
            assert not poller.polling
            assert 5 <= poller.batches - 1 <= 10
            tx.sendto(b"again", rx.getsockname())
            arrived.clear()
            await asyncio.wait_for(arrived.wait(), 1.0)
            assert got[-1] == b"again"
            poller.remove(rx.fileno())
        poller.close()

    asyncio.run(scenario())


def test_ports_are_even_and_handed_out_round_robin() -> None:
    ports = PortAllocator(30001, 30007)

    first = next(ports.candidates())
    ports.take(first)
    second = next(ports.candidates())
    ports.take(second)
    ports.release(first)

    assert (first, second) == (30002, 30004)
    assert list(ports.candidates()) == [30006, 30002]  # the released port comes last
    with pytest.raises(ValueError, match="no even port"):
        PortAllocator(30001, 30001)


def test_a_recording_is_on_disk_every_second_and_exact_in_duration(tmp_path: Path) -> None:
    path = tmp_path / "rec.wav"
    recorder = Recorder(path, 2, stereo=True)
    tone = np.full(FRAME_SAMPLES, 1000, np.int16)

    for _ in range(60):
        recorder.write([tone, None])
    with wave.open(str(path), "rb") as so_far:  # the call is still going on
        assert so_far.getnframes() == 50 * FRAME_SAMPLES
    recorder.write_silence(5)
    recorder.close()

    with wave.open(str(path), "rb") as wav:
        assert wav.getnframes() == 65 * FRAME_SAMPLES
        frames = np.frombuffer(wav.readframes(wav.getnframes()), "<i2").reshape(-1, 2)
    assert frames[0].tolist() == [1000, 0]
    assert not frames[60 * FRAME_SAMPLES :].any()
    assert recorder.duration == pytest.approx(1.3)
