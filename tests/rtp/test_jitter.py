"""The jitter buffer, driven by a manual timeline: packets arrive at given times, the
media clock asks for a frame every 20 ms."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from switchboard.rtp.jitter import (
    AudioFrame,
    BufferState,
    Concealment,
    Frame,
    JitterBuffer,
    JitterStats,
)
from switchboard.rtp.packet import RtpPacket
from tests.rtp.pcap import read_udp, sipp_pcap

PROPERTY_EXAMPLES = 1000 if os.environ.get("CI") else 150
SSRC = 0xA0D10
FRAME = 160
TICK = 0.02


def payload_of(index: int) -> bytes:
    return index.to_bytes(4, "big") * (FRAME // 4)


def audio(
    index: int, *, seq0: int = 1000, ts0: int = 80000, ssrc: int = SSRC, size: int = FRAME
) -> RtpPacket:
    """The index-th 20 ms packet of a stream; its payload says which one it is."""
    return RtpPacket(
        payload_type=0,
        sequence_number=(seq0 + index) & 0xFFFF,
        timestamp=(ts0 + index * size) & 0xFFFFFFFF,
        ssrc=ssrc,
        payload=payload_of(index)[:size] if size <= FRAME else bytes(size),
    )


def steady(count: int, *, start: float = 0.0, **kwargs: int) -> list[tuple[float, RtpPacket]]:
    """`count` packets arriving exactly every 20 ms."""
    return [(start + i * TICK, audio(i, **kwargs)) for i in range(count)]


def run(
    arrivals: Iterable[tuple[float, RtpPacket]],
    until: float,
    buffer: JitterBuffer | None = None,
    *,
    phase: float = 0.005,
) -> tuple[JitterBuffer, list[Frame | None]]:
    """Feed arrivals and ask for a frame every 20 ms (at `phase` past each tick)."""
    buffer = buffer or JitterBuffer()
    timeline: list[tuple[float, int, RtpPacket | None]] = [
        (at, 0, packet) for at, packet in arrivals
    ]
    timeline += [(phase + k * TICK, 1, None) for k in range(int(until / TICK))]
    timeline.sort(key=lambda e: (e[0], e[1]))
    frames: list[Frame | None] = []
    for at, kind, packet in timeline:
        if kind == 0:
            assert packet is not None
            buffer.put(packet, at)
        else:
            frames.append(buffer.get(at))
    return buffer, frames


def played(frames: list[Frame | None]) -> list[bytes]:
    return [f.payload for f in frames if isinstance(f, AudioFrame)]


def sketch(frames: list[Frame | None]) -> str:
    """One character per frame: A audio, c concealment, . nothing."""
    return "".join(
        "A" if isinstance(f, AudioFrame) else "c" if isinstance(f, Concealment) else "."
        for f in frames
    )


# --- the ordinary case -----------------------------------------------------------------------


def test_a_steady_stream_plays_every_packet_in_order_after_the_target_depth() -> None:
    buffer, frames = run(steady(50), until=1.2)

    assert sketch(frames).startswith("..AAAA")  # 60 ms gathered before the first frame
    assert played(frames) == [payload_of(i) for i in range(50)]
    assert [f.timestamp for f in frames if isinstance(f, AudioFrame)][:2] == [80000, 80160]
    stats = buffer.stats()
    assert (stats.received, stats.lost, stats.late, stats.duplicates) == (50, 0, 0, 0)
    assert stats.played == 50
    assert stats.target_ms == 60


def test_nothing_to_play_before_the_first_packet() -> None:
    buffer = JitterBuffer()

    assert buffer.get(0.0) is None
    assert buffer.state is BufferState.IDLE
    assert buffer.stats() == JitterStats(0, 0, 0, 0, 0, 0, 0, 0, 0.0, 60.0, 0.0)
    assert buffer.stats().late_or_lost_ratio == 0.0


def test_reordered_packets_within_the_depth_play_in_order() -> None:
    arrivals = steady(30)
    arrivals[10], arrivals[11] = (
        (arrivals[10][0], arrivals[11][1]),
        (arrivals[11][0], arrivals[10][1]),
    )

    buffer, frames = run(arrivals, until=0.8)

    assert played(frames) == [payload_of(i) for i in range(30)]
    assert buffer.stats().late == 0


def test_a_duplicate_is_counted_and_played_once() -> None:
    arrivals = [*steady(30), (0.25, audio(12))]

    buffer, frames = run(arrivals, until=0.8)

    assert played(frames) == [payload_of(i) for i in range(30)]
    assert buffer.stats().duplicates == 1
    assert buffer.stats().received == 30


def test_a_lost_packet_is_concealed_in_its_place_and_counted() -> None:
    arrivals = [a for a in steady(30) if a[1].sequence_number != 1010]

    buffer, frames = run(arrivals, until=0.8)

    audio_or_gap = [f for f in frames if f is not None]
    assert isinstance(audio_or_gap[10], Concealment)
    assert audio_or_gap[10].timestamp == 80000 + 10 * FRAME
    assert played(frames) == [payload_of(i) for i in range(30) if i != 10]
    stats = buffer.stats()
    assert (stats.received, stats.lost, stats.late) == (29, 1, 0)
    assert stats.late_or_lost_ratio == pytest.approx(1 / 30)


def test_a_late_packet_is_dropped_counted_and_grows_the_target() -> None:
    arrivals = steady(40)
    arrivals[10] = (0.5, arrivals[10][1])  # 300 ms late

    buffer, frames = run(arrivals, until=1.0)

    assert payload_of(10) not in played(frames)
    stats = buffer.stats()
    assert (stats.late, stats.lost) == (1, 0)
    assert stats.target_ms == 80


# --- wrap-around, senders, sequence jumps --------------------------------------------------


def test_sequence_numbers_and_timestamps_wrap_around_seamlessly() -> None:
    arrivals = steady(30, seq0=65530, ts0=(1 << 32) - 5 * FRAME)

    buffer, frames = run(arrivals, until=0.8)

    assert played(frames) == [payload_of(i) for i in range(30)]
    timestamps = [f.timestamp for f in frames if isinstance(f, AudioFrame)]
    assert timestamps[4:7] == [(1 << 32) - FRAME, 0, FRAME]
    assert (buffer.stats().lost, buffer.stats().late) == (0, 0)


def test_a_new_ssrc_restarts_the_timeline_but_keeps_the_statistics() -> None:
    first = steady(20)
    second = steady(20, start=0.4, seq0=7, ts0=123456, ssrc=0xB)

    buffer, frames = run(first + second, until=1.2)

    stats = buffer.stats()
    from_first = 20 - stats.discarded  # what was still buffered is dropped at the switch
    assert played(frames) == [payload_of(i) for i in range(from_first)] + [
        payload_of(i) for i in range(20)
    ]
    assert 1 <= stats.discarded <= 3
    assert (stats.resets, stats.received, stats.lost, stats.late) == (1, 40, 0, 0)


def test_one_stray_sequence_jump_is_discarded() -> None:
    arrivals = steady(30)
    stray = audio(0, seq0=1000 + 5000, ts0=999)
    arrivals.insert(12, (0.235, stray))

    buffer, frames = run(arrivals, until=0.8)

    assert played(frames) == [payload_of(i) for i in range(30)]
    stats = buffer.stats()
    assert (stats.discarded, stats.resets, stats.lost) == (1, 0, 0)


def test_a_sequence_jump_confirmed_by_the_next_packet_is_a_restart() -> None:
    arrivals = steady(20) + steady(20, start=0.6, seq0=40000, ts0=5)

    buffer, frames = run(arrivals, until=1.4)

    # the first packet after the jump is dropped: only the next one confirms it
    assert played(frames) == [payload_of(i) for i in range(20)] + [
        payload_of(i) for i in range(1, 20)
    ]
    stats = buffer.stats()
    assert (stats.resets, stats.discarded, stats.lost, stats.late) == (1, 1, 0, 0)


def test_packets_without_audio_count_as_received() -> None:
    buffer = JitterBuffer()
    for i in range(10):
        buffer.put(audio(i), i * TICK, audio=i % 3 != 0)

    assert (buffer.stats().received, buffer.stats().lost) == (10, 0)


# --- delay: stalls, spikes, bursts, adaptation ----------------------------------------------


def test_when_the_sender_stops_the_buffer_conceals_a_while_then_waits() -> None:
    # 20 packets, 500 ms of silence (on hold), then the stream resumes 4000 samples on
    arrivals = steady(20) + steady(20, start=0.9, seq0=1020, ts0=80000 + 20 * FRAME + 4000)

    buffer, frames = run(arrivals, until=1.6)

    assert re.fullmatch(r"\.\.A{20}c{10}\.+A{20}c{10}\.*", sketch(frames))
    assert played(frames) == [payload_of(i) for i in range(20)] * 2
    stats = buffer.stats()
    assert (stats.lost, stats.late, stats.discarded) == (0, 0, 0)


def test_a_delay_spike_is_absorbed_by_waiting_not_by_dropping() -> None:
    # packets 10..14 are held up 100 ms by the network, then arrive together
    arrivals = [(at + (0.1 if 10 <= i < 15 else 0.0), p) for i, (at, p) in enumerate(steady(60))]
    arrivals[10:15] = [(0.3, p) for _, p in arrivals[10:15]]

    buffer, frames = run(arrivals, until=1.6)

    assert sketch(frames).startswith("..A" + "A" * 9 + "ccc" + "A")  # 3 frames of stall
    stats = buffer.stats()
    assert (stats.late, stats.lost) == (0, 0)
    # later, the extra delay is shed a frame at a time
    assert stats.discarded == 1
    assert len(played(frames)) == 59


def test_a_burst_beyond_the_maximum_depth_is_cut_down_to_the_target() -> None:
    buffer = JitterBuffer(max_depth_ms=200)
    for i in range(30):  # 600 ms of audio at once
        buffer.put(audio(i), 0.0)

    frames = [buffer.get(0.001 + k * TICK) for k in range(3)]

    assert played(frames) == [payload_of(i) for i in (27, 28, 29)]
    assert buffer.stats().discarded == 27


def test_a_buffer_too_deep_for_its_target_sheds_a_frame_per_half_second() -> None:
    buffer = JitterBuffer(initial_depth_ms=100, min_depth_ms=40, relax_after=1.0)

    buffer, frames = run(steady(200), until=4.2, buffer=buffer)

    stats = buffer.stats()
    assert stats.target_ms == 40
    assert stats.discarded >= 2
    assert stats.late == stats.lost == 0
    assert len(played(frames)) == 200 - stats.discarded


def test_the_target_stays_between_its_bounds() -> None:
    buffer = JitterBuffer(min_depth_ms=40, initial_depth_ms=40, max_depth_ms=80)
    arrivals = steady(100)
    for i in range(20, 100, 10):  # every tenth packet very late
        arrivals[i] = (arrivals[i][0] + 0.5, arrivals[i][1])

    buffer, _ = run(arrivals, until=2.5, buffer=buffer)

    assert buffer.stats().target_ms == 80
    assert buffer.stats().late >= 3


def test_the_target_relaxes_after_a_calm_period() -> None:
    buffer = JitterBuffer(relax_after=2.0)
    arrivals = steady(300)
    arrivals[10] = (0.6, arrivals[10][1])

    buffer, _ = run(arrivals, until=0.7, buffer=buffer)
    assert buffer.stats().target_ms == 80

    buffer, _ = run([a for a in arrivals if a[0] > 0.7], until=6.0, buffer=buffer)
    assert buffer.stats().target_ms == 40


def test_the_depths_must_be_ordered() -> None:
    with pytest.raises(ValueError, match="depths"):
        JitterBuffer(min_depth_ms=60, initial_depth_ms=40)


# --- packets of other sizes: sipp's 30 ms PCMA -----------------------------------------------


def test_sipp_30_ms_packets_come_out_as_the_same_audio_in_20_ms_frames() -> None:
    captured = [(d.time, RtpPacket.parse(d.payload)) for d in read_udp(sipp_pcap("g711a.pcap"))]
    start = captured[0][0]
    arrivals = [(at - start, packet) for at, packet in captured]

    buffer, frames = run(arrivals, until=8.0, buffer=JitterBuffer(silence=0xD5))

    audio_frames = [f for f in frames if isinstance(f, AudioFrame)]
    assert all(len(f.payload) == FRAME for f in audio_frames)
    assert b"".join(f.payload for f in audio_frames) == b"".join(p.payload for _, p in captured)
    assert sketch(frames).strip(".").rstrip("c") == "A" * 354
    stats = buffer.stats()
    assert (stats.received, stats.lost, stats.late, stats.discarded) == (236, 0, 0, 0)


def test_a_gap_inside_a_frame_is_filled_with_the_silence_code() -> None:
    buffer = JitterBuffer(min_depth_ms=20, initial_depth_ms=20, silence=0xD5)
    buffer.put(audio(0, size=80), 0.0)  # 10 ms packets; the second is lost
    buffer.put(audio(2, size=80), 0.02)
    buffer.put(audio(3, size=80), 0.03)

    frame = buffer.get(0.03)

    assert isinstance(frame, AudioFrame)
    assert frame.payload == payload_of(0)[:80] + b"\xd5" * 80


# --- properties ------------------------------------------------------------------------------


@st.composite
def troubled_streams(draw: st.DrawFn) -> list[tuple[float, RtpPacket]]:
    count = draw(st.integers(1, 120))
    seq0 = draw(st.integers(0, 0xFFFF))
    ts0 = draw(st.integers(0, 0xFFFFFFFF))
    arrivals: list[tuple[float, RtpPacket]] = []
    for i in range(count):
        if draw(st.integers(0, 19)) == 0:
            continue  # lost
        delay = draw(st.sampled_from([0.0, 0.0, 0.0, 0.005, 0.03, 0.07, 0.2]))
        copies = draw(st.sampled_from([1, 1, 1, 2]))
        arrivals += [
            (i * TICK + delay + c * 0.001, audio(i, seq0=seq0, ts0=ts0)) for c in range(copies)
        ]
    return arrivals


@settings(max_examples=PROPERTY_EXAMPLES, deadline=None)
@given(troubled_streams(), st.floats(0.0, 0.0199))
def test_every_packet_is_played_at_most_once_and_in_order(
    arrivals: list[tuple[float, RtpPacket]], phase: float
) -> None:
    buffer, frames = run(arrivals, until=3.0, phase=phase)

    indices = [int.from_bytes(p[:4], "big") for p in played(frames)]
    assert indices == sorted(set(indices))
    sent = {int.from_bytes(p.payload[:4], "big") for _, p in arrivals}
    assert set(indices) <= sent
    timestamps = [f.timestamp for f in frames if f is not None]
    ts0 = timestamps[0] if timestamps else 0
    unwrapped = [(t - ts0) % (1 << 32) for t in timestamps]
    assert unwrapped == sorted(unwrapped)  # stalls repeat a timestamp, never go back
    stats = buffer.stats()
    assert stats.received == len(sent)
    assert stats.played == len(indices)
    assert stats.received - stats.late - stats.discarded >= stats.played
