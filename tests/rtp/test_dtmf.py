"""RFC 4733 telephone-events: the payload, the sender's packets, and a receiver that
reports each key press exactly once, on sipp's captures and on handmade trouble."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from switchboard.rtp.dtmf import (
    DIGITS,
    DigitEnded,
    DigitStarted,
    DtmfEvent,
    DtmfReceiver,
    DtmfSender,
    EndCause,
    TelephoneEvent,
    digit_for_event,
    event_for_digit,
)
from switchboard.rtp.packet import RtpError, RtpPacket
from switchboard.rtp.red import RedBlock, build_red, parse_red
from tests.rtp.pcap import SIPP_PCAPS, read_udp, sipp_pcap

FUZZ_EXAMPLES = 5000 if os.environ.get("CI") else 500
SSRC = 0x5EED
PT = 101
RED_PT = 100

SIPP_DIGITS = {f"dtmf_2833_{d}.pcap": d for d in "0123456789"} | {
    "dtmf_2833_pound.pcap": "#",
    "dtmf_2833_star.pcap": "*",
}


def event_packet(
    event: int,
    *,
    timestamp: int,
    sequence: int,
    duration: int,
    end: bool = False,
    marker: bool = False,
    ssrc: int = SSRC,
) -> RtpPacket:
    return RtpPacket(
        payload_type=PT,
        sequence_number=sequence & 0xFFFF,
        timestamp=timestamp,
        ssrc=ssrc,
        payload=bytes(TelephoneEvent(event, end, 10, duration)),
        marker=marker,
    )


def tone_packets(digit: str, *, timestamp: int, sequence: int) -> list[RtpPacket]:
    """A 100 ms tone as a phone sends it: start, updates every 20 ms, three ends."""
    event = event_for_digit(digit)
    packets = [
        event_packet(event, timestamp=timestamp, sequence=sequence + i, duration=160 * (i + 1))
        for i in range(4)
    ]
    packets[0] = replace(packets[0], marker=True)
    packets += [
        event_packet(event, timestamp=timestamp, sequence=sequence + 4 + i, duration=800, end=True)
        for i in range(3)
    ]
    return packets


def feed(receiver: DtmfReceiver, packets: list[RtpPacket], start: float = 0.0) -> list[DtmfEvent]:
    events: list[DtmfEvent] = []
    for index, packet in enumerate(packets):
        events += receiver.receive(packet, start + index * 0.02)
    return events


def ended(events: list[DtmfEvent]) -> str:
    return "".join(e.digit for e in events if isinstance(e, DigitEnded))


def started(events: list[DtmfEvent]) -> str:
    return "".join(e.digit for e in events if isinstance(e, DigitStarted))


# --- the payload -------------------------------------------------------------------------


def test_an_event_payload_parses_and_serializes() -> None:
    payload = bytes.fromhex("0b8a08c0")

    event = TelephoneEvent.parse(payload)

    assert event == TelephoneEvent(event=11, end=True, volume=10, duration=2240)
    assert event.digit == "#"
    assert bytes(event) == payload


def test_the_reserved_bit_and_trailing_bytes_are_ignored() -> None:
    assert TelephoneEvent.parse(bytes.fromhex("05ca0140ffff")) == TelephoneEvent(5, True, 10, 320)


def test_a_short_payload_is_an_rtp_error() -> None:
    with pytest.raises(RtpError, match="3 bytes"):
        TelephoneEvent.parse(b"\x01\x0a\x00")


def test_digits_map_to_events_0_to_15() -> None:
    assert [event_for_digit(d) for d in DIGITS] == list(range(16))
    assert event_for_digit("a") == 12
    assert digit_for_event(16) is None  # flash
    with pytest.raises(ValueError, match="not a DTMF digit"):
        event_for_digit("x")


@pytest.mark.parametrize(
    "fields", [{"event": 256}, {"volume": 64}, {"duration": 65536}, {"duration": -1}]
)
def test_event_fields_out_of_range_are_refused(fields: dict[str, int]) -> None:
    values = {"event": 1, "volume": 10, "duration": 0} | fields
    with pytest.raises(ValueError, match="is not in"):
        TelephoneEvent(event=values["event"], volume=values["volume"], duration=values["duration"])


@settings(max_examples=FUZZ_EXAMPLES, deadline=None)
@given(st.binary(max_size=12))
def test_arbitrary_payloads_parse_or_raise_rtp_error_only(payload: bytes) -> None:
    try:
        event = TelephoneEvent.parse(payload)
    except RtpError:
        assert len(payload) < 4
        return
    assert bytes(event) == bytes([payload[0], payload[1] & 0xBF]) + payload[2:4]


@settings(max_examples=FUZZ_EXAMPLES // 2, deadline=None)
@given(
    st.builds(
        TelephoneEvent,
        st.integers(0, 255),
        st.booleans(),
        st.integers(0, 63),
        st.integers(0, 0xFFFF),
    )
)
def test_any_event_round_trips(event: TelephoneEvent) -> None:
    assert TelephoneEvent.parse(bytes(event)) == event


# --- RFC 2198 redundancy -----------------------------------------------------------------


def test_red_blocks_round_trip_oldest_first() -> None:
    blocks = [
        RedBlock(PT, 1600, bytes.fromhex("058a0320")),
        RedBlock(PT, 0, bytes.fromhex("07000000")),
    ]

    payload = build_red(blocks)

    assert payload == bytes.fromhex("e519000465058a032007000000")
    assert parse_red(payload) == blocks


@pytest.mark.parametrize(
    "payload", [b"", bytes.fromhex("e5"), bytes.fromhex("e51900"), bytes.fromhex("e519000465")]
)
def test_malformed_red_is_an_rtp_error(payload: bytes) -> None:
    with pytest.raises(RtpError, match="RED"):
        parse_red(payload)


@settings(max_examples=FUZZ_EXAMPLES, deadline=None)
@given(st.binary(max_size=40))
def test_arbitrary_red_payloads_parse_or_raise_rtp_error_only(payload: bytes) -> None:
    try:
        blocks = parse_red(payload)
    except RtpError:
        return
    assert build_red(blocks) == payload


# --- sipp's captures ---------------------------------------------------------------------


def sipp_packets(path: Path) -> list[tuple[float, RtpPacket]]:
    return [(d.time, RtpPacket.parse(d.payload)) for d in read_udp(path)]


@pytest.mark.parametrize(("name", "digit"), SIPP_DIGITS.items())
def test_each_sipp_capture_is_one_key_press(name: str, digit: str) -> None:
    receiver = DtmfReceiver(payload_type=PT)

    events: list[DtmfEvent] = []
    for time, packet in sipp_packets(sipp_pcap(name)):
        events += receiver.receive(packet, time)

    assert len(events) == 2
    begin, end = events
    assert isinstance(begin, DigitStarted)
    assert isinstance(end, DigitEnded)
    assert begin.digit == end.digit == digit
    assert end.cause is EndCause.END
    assert end.duration_ms == 280  # 2240 samples
    assert receiver.next_deadline() is None


def test_sipp_captures_payloads_are_what_rfc_4733_describes() -> None:
    packets = [p for _, p in sipp_packets(sipp_pcap("dtmf_2833_5.pcap"))]
    events = [TelephoneEvent.parse(p.payload) for p in packets]

    assert {p.timestamp for p in packets} == {packets[0].timestamp}
    assert [p.marker for p in packets] == [True] + [False] * 9
    assert [e.end for e in events] == [False] * 7 + [True] * 3
    assert [e.duration for e in events] == [0, 320, 640, 960, 1280, 1600, 1920, 2240, 2240, 2240]
    assert {e.volume for e in events} == {10}
    # sipp repeats its end packet with the same sequence number; RFC 4733 says to
    # increment it, and the receiver copes either way
    assert len({p.sequence_number for p in packets[-3:]}) == 1


def test_all_twelve_sipp_digits_in_a_row_come_out_in_order() -> None:
    if not SIPP_PCAPS.exists():
        pytest.skip(f"{SIPP_PCAPS} is missing: install Debian's sip-tester")
    receiver = DtmfReceiver(payload_type=PT)
    events: list[DtmfEvent] = []
    now = 0.0
    for name in SIPP_DIGITS:
        for _, packet in sipp_packets(sipp_pcap(name)):
            now += 0.02
            events += receiver.receive(packet, now)
        now += 0.2

    assert ended(events) == "0123456789#*"
    assert started(events) == "0123456789#*"


def test_a_sipp_capture_replayed_with_later_sequence_numbers_is_a_second_press() -> None:
    packets = [p for _, p in sipp_packets(sipp_pcap("dtmf_2833_1.pcap"))]
    again = [replace(p, sequence_number=p.sequence_number + 20) for p in packets]
    receiver = DtmfReceiver(payload_type=PT)

    events = feed(receiver, packets) + feed(receiver, again, start=0.5)

    assert ended(events) == "11"


def test_a_sipp_capture_replayed_verbatim_soon_after_is_a_repeat() -> None:
    packets = [p for _, p in sipp_packets(sipp_pcap("dtmf_2833_1.pcap"))]
    receiver = DtmfReceiver(payload_type=PT)

    events = feed(receiver, packets) + feed(receiver, packets, start=0.5)

    assert ended(events) == "1"


# --- the sender ----------------------------------------------------------------------------


def test_a_100_ms_tone_every_50_ms_is_one_update_then_three_ends() -> None:
    sender = DtmfSender(ssrc=SSRC, payload_type=PT, interval_ms=50)

    scheduled = sender.tone("5", duration_ms=100, timestamp=48000, sequence=65534, at=10.0)

    assert [s.send_at for s in scheduled] == [10.0, 10.05, 10.1, 10.15]
    packets = [s.packet for s in scheduled]
    assert [p.sequence_number for p in packets] == [65534, 65535, 0, 1]
    assert {p.timestamp for p in packets} == {48000}
    assert {p.ssrc for p in packets} == {SSRC}
    assert [p.marker for p in packets] == [True, False, False, False]
    assert [TelephoneEvent.parse(p.payload) for p in packets] == [
        TelephoneEvent(5, False, 10, 400),
        TelephoneEvent(5, True, 10, 800),
        TelephoneEvent(5, True, 10, 800),
        TelephoneEvent(5, True, 10, 800),
    ]


def test_updates_at_the_packet_time_report_the_cumulative_duration() -> None:
    sender = DtmfSender(ssrc=SSRC, interval_ms=20)

    scheduled = sender.tone("#", duration_ms=60, timestamp=0, sequence=0, at=0.0)

    durations = [TelephoneEvent.parse(s.packet.payload).duration for s in scheduled]
    assert durations == [160, 320, 480, 480, 480]


def test_a_tone_too_long_for_one_event_is_refused() -> None:
    sender = DtmfSender(ssrc=SSRC)

    with pytest.raises(ValueError, match="segments"):
        sender.tone("1", duration_ms=9000, timestamp=0, sequence=0, at=0.0)


def test_several_digits_follow_each_other_with_their_own_timestamps() -> None:
    sender = DtmfSender(ssrc=SSRC, interval_ms=50)

    scheduled = sender.digits("12", duration_ms=100, gap_ms=100, timestamp=1000, sequence=7, at=0.0)

    assert [s.packet.sequence_number for s in scheduled] == list(range(7, 15))
    assert [s.packet.timestamp for s in scheduled] == [1000] * 4 + [1000 + 8 * 300] * 4
    assert scheduled[4].send_at == pytest.approx(0.3)
    assert scheduled[4].packet.marker


def test_what_the_sender_sends_the_receiver_hears() -> None:
    sender = DtmfSender(ssrc=SSRC, payload_type=PT, interval_ms=20)
    receiver = DtmfReceiver(payload_type=PT)

    events: list[DtmfEvent] = []
    for s in sender.digits(DIGITS, timestamp=0, sequence=0, at=0.0):
        events += receiver.receive(s.packet, s.send_at)

    assert ended(events) == DIGITS
    assert all(e.cause is EndCause.END for e in events if isinstance(e, DigitEnded))
    assert {e.duration_ms for e in events if isinstance(e, DigitEnded)} == {100}


# --- the receiver under trouble -------------------------------------------------------------


def test_retransmitted_end_packets_make_one_digit() -> None:
    receiver = DtmfReceiver(payload_type=PT)

    events = feed(receiver, tone_packets("7", timestamp=8000, sequence=1))

    assert events == [
        DigitStarted("7", 8000, 0.0),
        DigitEnded("7", 8000, 100.0, 0.08, EndCause.END),
    ]


def test_a_lost_start_packet_still_makes_the_digit() -> None:
    receiver = DtmfReceiver(payload_type=PT)

    events = feed(receiver, tone_packets("3", timestamp=0, sequence=1)[2:])

    assert started(events) == ended(events) == "3"


def test_only_an_end_packet_is_enough() -> None:
    receiver = DtmfReceiver(payload_type=PT)

    events = feed(receiver, tone_packets("9", timestamp=0, sequence=1)[-1:])

    assert [type(e) for e in events] == [DigitStarted, DigitEnded]
    assert ended(events) == "9"


def test_updates_arriving_after_the_end_are_ignored() -> None:
    packets = tone_packets("4", timestamp=0, sequence=1)
    receiver = DtmfReceiver(payload_type=PT)

    events = feed(receiver, [packets[0], packets[4], packets[2], packets[3], packets[5]])

    assert ended(events) == "4"
    assert events[-1] == DigitEnded("4", 0, 100.0, 0.02, EndCause.END)


def test_a_new_key_ends_the_one_whose_end_was_lost() -> None:
    first = tone_packets("1", timestamp=0, sequence=1)[:4]  # no end packets
    second = tone_packets("2", timestamp=2400, sequence=8)
    receiver = DtmfReceiver(payload_type=PT)

    events = feed(receiver, first + second)

    assert ended(events) == "12"
    causes = [e.cause for e in events if isinstance(e, DigitEnded)]
    assert causes == [EndCause.NEXT, EndCause.END]
    assert events[1] == DigitEnded("1", 0, 80.0, 0.08, EndCause.NEXT)


def test_the_previous_keys_late_end_after_the_next_key_began_is_ignored() -> None:
    first = tone_packets("1", timestamp=0, sequence=1)
    second = tone_packets("2", timestamp=2400, sequence=8)
    receiver = DtmfReceiver(payload_type=PT)

    events = feed(receiver, first[:4] + second[:2] + first[4:] + second[2:])

    assert ended(events) == "12"


def test_a_key_whose_end_never_comes_times_out() -> None:
    receiver = DtmfReceiver(payload_type=PT, timeout=1.0)
    events = feed(receiver, tone_packets("6", timestamp=0, sequence=1)[:3])  # last at 0.04

    assert started(events) == "6"
    assert receiver.next_deadline() == pytest.approx(1.04)
    assert receiver.handle_timer(1.0) == []
    assert receiver.handle_timer(1.04) == [DigitEnded("6", 0, 60.0, 1.04, EndCause.TIMEOUT)]
    assert receiver.next_deadline() is None
    assert receiver.handle_timer(5.0) == []


def test_a_late_end_after_the_timeout_is_not_a_second_digit() -> None:
    packets = tone_packets("6", timestamp=0, sequence=1)
    receiver = DtmfReceiver(payload_type=PT, timeout=0.5)
    feed(receiver, packets[:3])

    assert ended(receiver.handle_timer(0.6)) == "6"
    assert receiver.receive(packets[5], 0.7) == []


def test_a_new_sender_ends_the_open_key_and_starts_afresh() -> None:
    receiver = DtmfReceiver(payload_type=PT)
    feed(receiver, tone_packets("1", timestamp=0, sequence=1)[:2])

    events = feed(
        receiver, [replace(p, ssrc=0xBEEF) for p in tone_packets("1", timestamp=0, sequence=1)]
    )

    assert [(type(e).__name__, e.digit) for e in events] == [
        ("DigitEnded", "1"),
        ("DigitStarted", "1"),
        ("DigitEnded", "1"),
    ]
    assert isinstance(events[0], DigitEnded)
    assert events[0].cause is EndCause.RESET


def test_red_carries_the_previous_end_beside_the_next_start() -> None:
    # The packet announcing "2" also repeats the end of "1", 2400 samples earlier: the
    # packets of "1" that carried its end were all lost.
    receiver = DtmfReceiver(payload_type=PT, red_payload_type=RED_PT)
    feed(receiver, tone_packets("1", timestamp=0, sequence=1)[:2])
    red = RtpPacket(
        payload_type=RED_PT,
        sequence_number=10,
        timestamp=2400,
        ssrc=SSRC,
        marker=True,
        payload=build_red(
            [
                RedBlock(PT, 2400, bytes(TelephoneEvent(1, True, 10, 800))),
                RedBlock(PT, 0, bytes(TelephoneEvent(2, False, 10, 160))),
            ]
        ),
    )

    events = receiver.receive(red, 0.5)

    assert events == [
        DigitEnded("1", 0, 100.0, 0.5, EndCause.END),
        DigitStarted("2", 2400, 0.5),
    ]


def test_other_payload_types_events_and_garbage_are_ignored() -> None:
    receiver = DtmfReceiver(payload_type=PT, red_payload_type=RED_PT)
    flash = event_packet(16, timestamp=0, sequence=1, duration=800, end=True)
    audio = RtpPacket(0, 2, 160, SSRC, b"\xff" * 160)
    short = replace(flash, sequence_number=3, payload=b"\x01")
    bad_red = replace(flash, sequence_number=4, payload_type=RED_PT, payload=b"\xe5")

    assert feed(receiver, [flash, audio, short, bad_red]) == []


@st.composite
def troubled_arrivals(draw: st.DrawFn) -> tuple[str, list[RtpPacket]]:
    digits = draw(st.text(alphabet=DIGITS, min_size=1, max_size=6))
    arrivals: list[RtpPacket] = []
    sequence = draw(st.integers(0, 0xFFFF))
    timestamp = draw(st.integers(0, 0xFFFFFFFF))
    for digit in digits:
        packets = tone_packets(digit, timestamp=timestamp & 0xFFFFFFFF, sequence=sequence)
        kept = draw(st.lists(st.sampled_from(packets), min_size=1, max_size=12))
        arrivals += draw(st.permutations(kept))
        sequence += len(packets)
        timestamp += 2400
    return digits, arrivals


@settings(max_examples=FUZZ_EXAMPLES // 2, deadline=None)
@given(troubled_arrivals())
def test_loss_duplication_and_reordering_inside_a_key_still_give_each_digit_once(
    case: tuple[str, list[RtpPacket]],
) -> None:
    digits, arrivals = case
    receiver = DtmfReceiver(payload_type=PT)

    events = feed(receiver, arrivals)
    events += receiver.handle_timer(1e9)

    assert started(events) == digits
    assert ended(events) == digits
    assert receiver.next_deadline() is None
