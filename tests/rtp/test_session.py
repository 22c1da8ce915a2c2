"""Per-stream bookkeeping: outgoing numbering, symmetric RTP latching, inactivity."""

from __future__ import annotations

import random

import pytest

from switchboard.rtp.dtmf import DtmfSender
from switchboard.rtp.packet import RtpPacket
from switchboard.rtp.session import (
    InactivityTimer,
    Latch,
    LatchState,
    RtpSender,
    Verdict,
    latch,
)

PHONE = ("192.0.2.10", 40000)
NAT_REBOUND = ("192.0.2.10", 40002)
STRANGER = ("203.0.113.66", 5004)
EXPECTED = frozenset({0, 101})


def rtp(ssrc: int = 0xCAFE, payload_type: int = 0, sequence: int = 1) -> RtpPacket:
    return RtpPacket(payload_type, sequence, 160 * sequence, ssrc, b"\xff" * 160)


# --- sending -------------------------------------------------------------------------------


def test_packets_are_numbered_from_the_initial_values_and_wrap() -> None:
    sender = RtpSender(ssrc=7, sequence=65535, timestamp=(1 << 32) - 160, payload_type=0)

    first = sender.packet(b"\xff" * 160)
    second = sender.packet(b"\xff" * 160)

    assert (first.sequence_number, first.timestamp, first.ssrc) == (65535, (1 << 32) - 160, 7)
    assert (second.sequence_number, second.timestamp) == (0, 0)
    assert (sender.sequence, sender.timestamp) == (1, 160)


def test_the_first_packet_of_each_talkspurt_has_the_marker_bit() -> None:
    sender = RtpSender(ssrc=7, sequence=0, timestamp=0, payload_type=8)

    markers = [sender.packet(b"\xd5" * 160).marker for _ in range(3)]
    sender.skip(1600)  # 200 ms on hold
    markers += [sender.packet(b"\xd5" * 160).marker for _ in range(2)]

    assert markers == [True, False, False, True, False]
    assert sender.timestamp == 5 * 160 + 1600


def test_explicit_samples_marker_and_payload_type_win() -> None:
    sender = RtpSender(ssrc=7, sequence=0, timestamp=0, payload_type=0)

    packet = sender.packet(b"\x00\x0a\x00\xa0", samples=0, marker=False, payload_type=101)

    assert (packet.payload_type, packet.marker) == (101, False)
    assert sender.timestamp == 0


def test_a_seeded_source_gives_reproducible_initial_values() -> None:
    one = RtpSender.from_rng(random.Random(42), payload_type=0)
    two = RtpSender.from_rng(random.Random(42), payload_type=0)
    other = RtpSender.from_rng(random.Random(43), payload_type=0)

    assert (one.ssrc, one.sequence, one.timestamp) == (two.ssrc, two.sequence, two.timestamp)
    assert (one.ssrc, one.sequence, one.timestamp) != (other.ssrc, other.sequence, other.timestamp)


def test_dtmf_takes_its_sequence_numbers_from_the_stream() -> None:
    sender = RtpSender(ssrc=7, sequence=100, timestamp=8000, payload_type=0)
    sender.packet(b"\xff" * 160)
    dtmf = DtmfSender(ssrc=sender.ssrc, interval_ms=20)

    tone = dtmf.tone(
        "5", duration_ms=100, timestamp=sender.timestamp, sequence=sender.sequence, at=1.0
    )
    first = sender.take_sequences(len(tone))
    sender.skip(8 * 100 + 2 * 160)  # the tone and its repeated ends took that long
    after = sender.packet(b"\xff" * 160)

    assert first == tone[0].packet.sequence_number == 101
    assert after.sequence_number == tone[-1].packet.sequence_number + 1
    assert after.timestamp == tone[0].packet.timestamp + 1120
    assert after.marker


def test_out_of_range_initial_values_are_refused() -> None:
    with pytest.raises(ValueError, match="16"):
        RtpSender(ssrc=0, sequence=1 << 16, timestamp=0, payload_type=0)
    with pytest.raises(ValueError, match="32"):
        RtpSender(ssrc=0, sequence=0, timestamp=1 << 32, payload_type=0)
    with pytest.raises(ValueError, match="backwards"):
        RtpSender(ssrc=0, sequence=0, timestamp=0, payload_type=0).skip(-1)


# --- latching --------------------------------------------------------------------------------


def decide(state: LatchState, packet: RtpPacket, source: tuple[str, int], now: float) -> Verdict:
    return latch(state, packet, source, now, payload_types=EXPECTED, relatch_after=0.5).verdict


def test_the_first_valid_packet_latches_onto_its_source() -> None:
    decision = latch(LatchState(), rtp(), PHONE, 10.0, payload_types=EXPECTED, relatch_after=0.5)

    assert decision.verdict is Verdict.LATCHED
    assert decision.accepted
    assert decision.state == LatchState(PHONE, 0xCAFE, 10.0)


def test_a_packet_of_an_unexpected_payload_type_does_not_latch() -> None:
    decision = latch(
        LatchState(), rtp(payload_type=18), PHONE, 10.0, payload_types=EXPECTED, relatch_after=0.5
    )

    assert decision.verdict is Verdict.WRONG_PAYLOAD_TYPE
    assert not decision.accepted
    assert decision.state == LatchState()


LATCHED = LatchState(PHONE, 0xCAFE, 10.0)


@pytest.mark.parametrize(
    ("packet", "source", "now", "verdict"),
    [
        (rtp(), PHONE, 10.02, Verdict.ACCEPTED),
        (rtp(payload_type=101), PHONE, 10.02, Verdict.ACCEPTED),
        (rtp(ssrc=0xD00D), PHONE, 10.02, Verdict.ACCEPTED),  # the phone restarted its stream
        (rtp(payload_type=8), PHONE, 10.02, Verdict.WRONG_PAYLOAD_TYPE),
        (rtp(), STRANGER, 10.02, Verdict.WRONG_SOURCE),  # same SSRC, elsewhere: a copy
        (rtp(), STRANGER, 60.0, Verdict.WRONG_SOURCE),  # even after silence
        (rtp(ssrc=0xBAD), STRANGER, 10.3, Verdict.WRONG_SOURCE),  # the phone still talks
        (rtp(ssrc=0xBEEF), NAT_REBOUND, 10.5, Verdict.RELATCHED),  # silent 500 ms, new SSRC
    ],
    ids=[
        "audio",
        "dtmf",
        "new-ssrc-same-source",
        "unexpected-pt",
        "same-ssrc-elsewhere",
        "same-ssrc-elsewhere-later",
        "hijack-while-talking",
        "moved-after-silence",
    ],
)
def test_once_latched(
    packet: RtpPacket, source: tuple[str, int], now: float, verdict: Verdict
) -> None:
    assert decide(LATCHED, packet, source, now) is verdict


def test_the_latch_object_keeps_the_state_and_says_where_to_send() -> None:
    stream = Latch(EXPECTED, relatch_after=0.5)
    assert stream.remote is None

    verdicts = [
        stream.check(rtp(), PHONE, 1.0).verdict,
        stream.check(rtp(ssrc=0xBAD), STRANGER, 1.02).verdict,
        stream.check(rtp(), PHONE, 1.04).verdict,
        stream.check(rtp(ssrc=0xBEEF), NAT_REBOUND, 1.6).verdict,
    ]

    assert verdicts == [Verdict.LATCHED, Verdict.WRONG_SOURCE, Verdict.ACCEPTED, Verdict.RELATCHED]
    assert stream.remote == NAT_REBOUND
    stream.unlatch()
    assert stream.remote is None
    assert stream.check(rtp(), STRANGER, 1.62).verdict is Verdict.LATCHED


# --- inactivity ------------------------------------------------------------------------------


def test_silence_for_the_timeout_is_reported_once() -> None:
    timer = InactivityTimer(30.0, now=100.0)
    timer.heard(110.0)

    assert timer.next_deadline() == 140.0
    assert not timer.handle_timer(139.9)
    assert timer.handle_timer(140.0)
    assert timer.timed_out
    assert timer.next_deadline() is None
    assert not timer.handle_timer(200.0)


def test_no_packet_at_all_times_out_from_the_start() -> None:
    timer = InactivityTimer(5.0, now=0.0)

    assert timer.handle_timer(5.0)


def test_a_paused_timer_has_no_deadline_and_resumes_from_then() -> None:
    timer = InactivityTimer(30.0, now=0.0)
    timer.pause()  # we put the caller on hold; they may send nothing

    assert timer.next_deadline() is None
    assert not timer.handle_timer(1000.0)
    timer.resume(1000.0)
    assert timer.next_deadline() == 1030.0


def test_an_old_arrival_does_not_pull_the_deadline_back() -> None:
    timer = InactivityTimer(10.0, now=0.0)
    timer.heard(5.0)
    timer.heard(4.0)

    assert timer.next_deadline() == 15.0


def test_the_timeout_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        InactivityTimer(0.0, now=0.0)
