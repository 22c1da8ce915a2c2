"""RTP packets: captured and handmade wire bytes round-trip, and nothing but RtpError
comes out of the parser, whatever the bytes."""

from __future__ import annotations

import contextlib
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from switchboard.rtp.packet import RtpError, RtpExtension, RtpPacket, is_rtcp
from tests.rtp.pcap import read_udp, sipp_pcap

FUZZ_EXAMPLES = 5000 if os.environ.get("CI") else 500

# V=2 P X CC=2, M PT=0, seq 0x1234, ts 0xdeadbeef, SSRC 0x01020304, two CSRCs, a
# one-byte-header extension (0xBEDE, 1 word: id 1 len 1 value 0xff), a 4-byte payload
# and 3 bytes of padding.
EVERYTHING = bytes.fromhex("b2801234deadbeef010203041111111122222222bede000110ff0000ffffffff000003")
# An RTCP receiver report (PT 201) and a sender report (PT 200), as they arrive on a
# muxed port.
RTCP_RR = bytes.fromhex("81c900070e05384e010203040000000000001f3700000000" * 3)
RTCP_SR = bytes.fromhex("80c800060e05384e" + "00" * 20)


def test_a_packet_with_every_optional_part_parses_and_serializes_back() -> None:
    packet = RtpPacket.parse(EVERYTHING)

    assert packet == RtpPacket(
        payload_type=0,
        sequence_number=0x1234,
        timestamp=0xDEADBEEF,
        ssrc=0x01020304,
        payload=b"\xff" * 4,
        marker=True,
        csrc=(0x11111111, 0x22222222),
        extension=RtpExtension(0xBEDE, bytes.fromhex("10ff0000")),
        padding=3,
    )
    assert bytes(packet) == EVERYTHING


def test_sipp_g711a_capture_round_trips_byte_for_byte() -> None:
    datagrams = read_udp(sipp_pcap("g711a.pcap"))

    packets = [RtpPacket.parse(d.payload) for d in datagrams]

    assert len(packets) == 236
    assert all(bytes(p) == d.payload for p, d in zip(packets, datagrams, strict=True))
    assert {p.payload_type for p in packets} == {8}
    assert {len(p.payload) for p in packets} == {240}  # 30 ms of PCMA
    assert packets[0].marker and not any(p.marker for p in packets[1:])
    assert [p.sequence_number for p in packets[:3]] == [0xE6FD, 0xE6FE, 0xE6FF]
    assert packets[1].timestamp - packets[0].timestamp == 240


def test_sipp_dtmf_capture_round_trips_byte_for_byte() -> None:
    datagrams = read_udp(sipp_pcap("dtmf_2833_1.pcap"))

    packets = [RtpPacket.parse(d.payload) for d in datagrams]

    assert [bytes(p) for p in packets] == [d.payload for d in datagrams]
    first = packets[0]
    assert (first.payload_type, first.marker, first.timestamp, first.ssrc) == (
        101,
        True,
        0x33E0,
        0x0E05384E,
    )


def test_the_smallest_packet_is_a_bare_header() -> None:
    packet = RtpPacket.parse(bytes.fromhex("800000000000000000000000"))

    assert packet == RtpPacket(0, 0, 0, 0)
    assert bytes(packet) == bytes.fromhex("800000000000000000000000")


@pytest.mark.parametrize(
    ("data", "complaint"),
    [
        (b"", "too short"),
        (bytes.fromhex("8000000000000000000000"), "too short"),
        (bytes.fromhex("000000000000000000000000"), "version 0"),
        (bytes.fromhex("400000000000000000000000"), "version 1"),
        (bytes.fromhex("c00000000000000000000000"), "version 3"),
        (bytes.fromhex("810000000000000000000000"), "CSRC"),
        (bytes.fromhex("8f0000000000000000000000" + "00" * 56), "CSRC"),
        (bytes.fromhex("900000000000000000000000"), "extension"),
        (bytes.fromhex("900000000000000000000000bede000200000000"), "extension"),
        (bytes.fromhex("a0000000000000000000000000"), "padding"),
        (bytes.fromhex("a000000000000000000000000003"), "padding"),
        (RTCP_RR, "RTCP"),
    ],
)
def test_invalid_packets_raise_rtp_error_saying_why(data: bytes, complaint: str) -> None:
    with pytest.raises(RtpError, match=complaint):
        RtpPacket.parse(data)


def test_padding_may_take_the_whole_payload() -> None:
    packet = RtpPacket.parse(bytes.fromhex("a0000000000000000000000000000004"))

    assert packet.payload == b""
    assert packet.padding == 4


def test_rtcp_on_the_rtp_port_is_recognised_and_rtp_is_not() -> None:
    assert is_rtcp(RTCP_RR)
    assert is_rtcp(RTCP_SR)
    assert not is_rtcp(EVERYTHING)
    assert not is_rtcp(b"\x80")
    # payload type 72 without the marker bit is not in the RTCP range
    assert not is_rtcp(bytes.fromhex("804800000000000000000000"))
    assert RtpPacket.parse(bytes.fromhex("804800000000000000000000")).payload_type == 72


@pytest.mark.parametrize(
    "fields",
    [
        {"payload_type": 128},
        {"sequence_number": 65536},
        {"timestamp": -1},
        {"ssrc": 1 << 32},
        {"csrc": tuple(range(16))},
        {"padding": 256},
    ],
)
def test_fields_out_of_range_are_refused_at_construction(fields: dict[str, object]) -> None:
    values: dict[str, object] = {
        "payload_type": 0,
        "sequence_number": 0,
        "timestamp": 0,
        "ssrc": 0,
    }
    values.update(fields)
    with pytest.raises(ValueError):  # noqa: PT011 - each case names its field
        RtpPacket(**values)  # type: ignore[arg-type]


def test_an_extension_must_be_whole_words() -> None:
    with pytest.raises(ValueError, match="multiple of 4"):
        RtpExtension(0xBEDE, b"\x00")


# --- properties --------------------------------------------------------------------------

u32 = st.integers(0, 0xFFFFFFFF)


@st.composite
def rtp_packets(draw: st.DrawFn) -> RtpPacket:
    marker = draw(st.booleans())
    # with the marker bit, payload types 64..95 put the second octet in RTCP's range
    payload_type = draw(st.integers(0, 127).filter(lambda pt: not (marker and 64 <= pt <= 95)))
    extension = draw(
        st.none()
        | st.builds(
            RtpExtension,
            st.integers(0, 0xFFFF),
            st.integers(0, 8).flatmap(
                lambda words: st.binary(min_size=4 * words, max_size=4 * words)
            ),
        )
    )
    return RtpPacket(
        payload_type=payload_type,
        sequence_number=draw(st.integers(0, 0xFFFF)),
        timestamp=draw(u32),
        ssrc=draw(u32),
        payload=draw(st.binary(max_size=300)),
        marker=marker,
        csrc=tuple(draw(st.lists(u32, max_size=15))),
        extension=extension,
        padding=draw(st.integers(0, 255)),
    )


@settings(max_examples=FUZZ_EXAMPLES, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_parse_or_raise_rtp_error_only(data: bytes) -> None:
    try:
        packet = RtpPacket.parse(data)
    except RtpError:
        return
    assert bytes(packet) == data or packet.padding  # padding bytes other than the count
    assert RtpPacket.parse(bytes(packet)) == packet


@settings(max_examples=FUZZ_EXAMPLES, deadline=None)
@given(st.binary(min_size=12, max_size=80).map(lambda b: bytes([0x80 | (b[0] & 0x3F)]) + b[1:]))
def test_version_2_garbage_parses_or_raises_rtp_error_only(data: bytes) -> None:
    with contextlib.suppress(RtpError):
        RtpPacket.parse(data)


@settings(max_examples=FUZZ_EXAMPLES // 2, deadline=None)
@given(rtp_packets())
def test_any_valid_packet_round_trips(packet: RtpPacket) -> None:
    data = bytes(packet)

    assert RtpPacket.parse(data) == packet
    assert not is_rtcp(data)


@settings(max_examples=FUZZ_EXAMPLES // 2, deadline=None)
@given(rtp_packets(), st.data())
def test_truncated_or_corrupted_packets_raise_rtp_error_only(
    packet: RtpPacket, data: st.DataObject
) -> None:
    wire = bytearray(bytes(packet))
    cut = data.draw(st.integers(0, len(wire)))
    position = data.draw(st.integers(0, len(wire) - 1))
    wire[position] ^= data.draw(st.integers(1, 255))
    for candidate in (bytes(wire), bytes(packet)[:cut]):
        with contextlib.suppress(RtpError):
            RtpPacket.parse(candidate)
