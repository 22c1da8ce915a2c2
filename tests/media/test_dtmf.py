"""RFC 4733 DTMF on real sockets: digits received once however often their end
packets repeat, and digits sent as well-formed events that pause the audio."""

from __future__ import annotations

import asyncio

import pytest

from switchboard.media.engine import MediaError
from switchboard.rtp.dtmf import DtmfSender, TelephoneEvent
from switchboard.rtp.packet import RtpPacket
from tests.media.farend import DTMF_PT, running_engine


def test_each_key_press_is_reported_once_despite_repeated_end_packets() -> None:
    async def scenario() -> None:
        async with running_engine() as h:
            digits: list[tuple[str, str]] = []
            h.engine.on_dtmf = lambda endpoint, digit: digits.append((endpoint, digit))
            caller = await h.leg("caller")
            agent = await h.leg("agent")
            h.engine.bridge("caller", "agent")
            sender = DtmfSender(ssrc=caller.ssrc, payload_type=DTMF_PT)

            for digit in "19":
                await caller.stream(caller.tone(440, 2), interval=0.001)
                packets = sender.tone(
                    digit,
                    duration_ms=120,
                    timestamp=caller.timestamp,
                    sequence=caller.sequence,
                    at=0.0,
                )
                caller.sequence += len(packets)
                caller.timestamp += 960
                events = [scheduled.packet for scheduled in packets]
                # the start arrives again late, the end is retransmitted twice more
                await caller.stream([*events, events[0], events[-1], events[-1]], interval=0.001)
            await caller.stream(caller.tone(440, 3), interval=0.001)
            await agent.wait_packets(7)  # everything the caller sent has been handled

            assert digits == [("caller", "1"), ("caller", "9")]
            assert all(r.packet.payload_type == 0 for r in agent.received)  # events not relayed

    asyncio.run(scenario())


def events_of(packets: list[RtpPacket]) -> list[TelephoneEvent]:
    return [TelephoneEvent.parse(p.payload) for p in packets]


def test_sent_digits_are_well_formed_rfc4733_events_and_pause_the_audio() -> None:
    async def scenario() -> None:
        async with running_engine() as h:
            agent = await h.leg("agent")
            caller = await h.leg("caller")
            h.engine.bridge("agent", "caller")
            talking = asyncio.create_task(agent.stream(agent.tone(440, 35), interval=0.02))
            await caller.wait_packets(5)

            h.engine.send_dtmf("caller", "5#")
            events = await caller.wait_packets(8, where=lambda p: p.payload_type == DTMF_PT)
            last_event = events[-1].sequence_number
            await talking
            await caller.wait_packets(
                1, where=lambda p: p.payload_type == 0 and p.sequence_number > last_event
            )

            first, second = events[:4], events[4:]
            for packets, digit in ((first, 5), (second, 11)):
                reports = events_of(packets)
                assert {r.event for r in reports} == {digit}
                assert [r.end for r in reports] == [False, True, True, True]
                assert [p.marker for p in packets] == [True, False, False, False]
                assert len({p.timestamp for p in packets}) == 1  # one event, one timestamp
                assert reports[0].duration < reports[1].duration == reports[3].duration == 800
            assert second[0].timestamp - first[0].timestamp >= 800

            stream = [r.packet for r in caller.received]
            assert len({p.ssrc for p in stream}) == 1
            sequence = [p.sequence_number for p in sorted(stream, key=lambda p: p.sequence_number)]
            assert sequence == list(range(sequence[0], sequence[0] + len(stream)))
            times = [r.at for r in caller.received if r.packet.payload_type == DTMF_PT]
            during = [
                r
                for r in caller.received
                if r.packet.payload_type == 0 and times[0] < r.at < times[-1]
            ]
            assert during == []  # no audio while the events were sent
            after = [
                p
                for p in stream
                if p.payload_type == 0 and p.sequence_number > events[-1].sequence_number
            ]
            assert after and after[0].timestamp - events[-1].timestamp >= 800

    asyncio.run(scenario())


def test_sending_dtmf_needs_a_negotiated_telephone_event() -> None:
    async def scenario() -> None:
        async with running_engine() as h:
            await h.leg("trunk", dtmf=None)

            with pytest.raises(MediaError, match="telephone-event"):
                h.engine.send_dtmf("trunk", "1")
            with pytest.raises(MediaError, match="no media endpoint"):
                h.engine.send_dtmf("nobody", "1")

    asyncio.run(scenario())
