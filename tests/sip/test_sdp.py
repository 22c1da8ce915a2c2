"""SDP and offer/answer for G.711 calls: codec choice, telephone-event, hold by
direction or by 0.0.0.0, rejected streams, round trips."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from switchboard.sip import sdp
from switchboard.sip.sdp import Direction, LocalMedia, SdpError

SIPP_OFFER = (
    b"v=0\r\n"
    b"o=user1 53655765 2353687637 IN IP4 127.0.0.1\r\n"
    b"s=-\r\n"
    b"c=IN IP4 127.0.0.1\r\n"
    b"t=0 0\r\n"
    b"m=audio 6000 RTP/AVP 8 0 101\r\n"
    b"a=rtpmap:8 PCMA/8000\r\n"
    b"a=rtpmap:101 telephone-event/8000\r\n"
    b"a=fmtp:101 0-11,16\r\n"
)


def local() -> LocalMedia:
    return LocalMedia(address="127.0.0.1", port=40000, session_id=42)


def test_the_answer_takes_the_offerers_first_common_codec_and_its_dtmf_type() -> None:
    offer = sdp.parse(SIPP_OFFER)
    answer = sdp.answer(offer, local())
    audio = answer.audio()
    assert audio is not None
    assert audio.formats == ["8", "101"]
    assert audio.port == 40000
    assert audio.fmtp["101"] == "0-11,16"
    assert answer.direction_of(audio) is Direction.SENDRECV
    ours = sdp.negotiated(answer, offer)
    assert (ours.address, ours.port, ours.codec, ours.dtmf_payload_type) == (
        "127.0.0.1",
        6000,
        "PCMA",
        101,
    )
    assert not ours.on_hold


def test_a_sendonly_reinvite_is_a_hold_and_the_answer_is_recvonly() -> None:
    held = sdp.parse(SIPP_OFFER.replace(b"a=fmtp:101 0-11,16\r\n", b"a=sendonly\r\n"))
    answer = sdp.answer(held, local())
    audio = answer.audio()
    assert audio is not None
    assert audio.direction is Direction.RECVONLY
    ours = sdp.negotiated(answer, held)
    assert ours.direction is Direction.RECVONLY
    assert ours.on_hold


def test_an_rfc2543_hold_with_a_null_address() -> None:
    held = sdp.parse(SIPP_OFFER.replace(b"c=IN IP4 127.0.0.1", b"c=IN IP4 0.0.0.0"))
    ours = sdp.negotiated(sdp.answer(held, local()), held)
    assert ours.on_hold
    assert not ours.direction.sends


def test_inactive_stays_inactive() -> None:
    offer = sdp.parse(SIPP_OFFER + b"a=inactive\r\n")
    answer = sdp.answer(offer, local())
    audio = answer.audio()
    assert audio is not None
    assert audio.direction is Direction.INACTIVE


def test_we_put_the_far_end_on_hold_by_answering_sendonly() -> None:
    offer = sdp.parse(SIPP_OFFER)
    answer = sdp.answer(offer, local(), hold=True)
    audio = answer.audio()
    assert audio is not None
    assert audio.direction is Direction.SENDONLY


def test_video_is_rejected_with_port_zero_and_the_order_kept() -> None:
    offer = sdp.parse(
        SIPP_OFFER.replace(
            b"m=audio", b"m=video 6002 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\nm=audio"
        )
    )
    answer = sdp.answer(offer, local())
    assert [(m.kind, m.port) for m in answer.media] == [("video", 0), ("audio", 40000)]


def test_no_common_codec_is_refused() -> None:
    offer = sdp.parse(SIPP_OFFER.replace(b"RTP/AVP 8 0 101", b"RTP/AVP 18 101"))
    with pytest.raises(SdpError, match="PCMU or PCMA"):
        sdp.answer(offer, local())


def test_our_offer_and_their_answer_negotiate() -> None:
    ours = local()
    offer = sdp.offer(ours)
    assert offer.session_version == 1
    text = offer.encode()
    assert b"m=audio 40000 RTP/AVP 0 8 101\r\n" in text
    assert b"a=rtpmap:101 telephone-event/8000\r\n" in text
    their_answer = sdp.answer(sdp.parse(text), LocalMedia(address="10.0.0.5", port=7000))
    agreed = sdp.negotiated(offer, their_answer)
    assert (agreed.address, agreed.port, agreed.codec, agreed.payload_type) == (
        "10.0.0.5",
        7000,
        "PCMU",
        0,
    )
    resumed = sdp.with_direction(offer, Direction.SENDONLY, ours)
    assert resumed.session_version == 2


def test_a_description_survives_a_round_trip() -> None:
    text = SIPP_OFFER + b"a=x-unknown:kept\r\n"
    parsed = sdp.parse(text)
    again = sdp.parse(parsed.encode())
    assert again == parsed
    audio = again.audio()
    assert audio is not None
    assert "a=x-unknown:kept" in audio.other


@pytest.mark.parametrize(
    "bad",
    [
        b"",
        b"v=1\r\n",
        b"v=0\r\ns=-\r\n",
        b"v=0\r\no=a b c\r\n",
        b"v=0\r\no=a 1 1 IN IP4 1.2.3.4\r\nm=audio x RTP/AVP 0\r\n",
        b"v=0\r\no=a 1 1 IN IP4 1.2.3.4\r\nm=audio 99999 RTP/AVP 0\r\n",
        b"v=0\r\no=a 1 1 IN IP4 1.2.3.4\r\nc=IN XX 1\r\n",
        b"v=0\r\no=a 1 1 IN IP4 1.2.3.4\r\ngarbage\r\n",
        b"\xff\xfe",
    ],
)
def test_malformed_descriptions_raise_sdp_error(bad: bytes) -> None:
    with pytest.raises(SdpError):
        sdp.parse(bad)


def test_negotiation_without_a_connection_address_is_refused() -> None:
    offer = sdp.parse(SIPP_OFFER.replace(b"c=IN IP4 127.0.0.1\r\n", b""))
    answer = sdp.answer(offer, local())
    with pytest.raises(SdpError, match="connection"):
        sdp.negotiated(answer, offer)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400) | st.text(max_size=400).map(lambda t: ("v=0\r\n" + t).encode()))
def test_any_input_parses_or_raises_sdp_error(data: bytes) -> None:
    try:
        parsed = sdp.parse(data)
    except SdpError:
        return
    assert sdp.parse(parsed.encode()) is not None


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(["0", "8", "18", "101", "96"]), min_size=1, max_size=5),
    st.sampled_from(list(Direction)),
)
def test_an_answer_is_always_negotiable_when_it_exists(formats: list[str], d: Direction) -> None:
    text = SIPP_OFFER.replace(b"RTP/AVP 8 0 101", f"RTP/AVP {' '.join(formats)}".encode())
    offer = sdp.parse(text + f"a={d.value}\r\n".encode())
    try:
        answer = sdp.answer(offer, local())
    except SdpError:
        assert not {"0", "8"} & set(formats)
        return
    agreed = sdp.negotiated(answer, offer)
    assert agreed.codec == {"0": "PCMU", "8": "PCMA"}[next(f for f in formats if f in "08")]
    assert agreed.direction is d.reversed() or d is Direction.INACTIVE
