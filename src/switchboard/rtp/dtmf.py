"""RFC 4733 telephone-events: the DTMF payload, a sender and a receiver.

One key press is one *event*: every packet that reports it carries the same RTP
timestamp (the instant the key went down) and a duration that grows as the key stays
down. The first packet has the marker bit; the last has the E bit and is sent three
times (§2.5.1.4), each with a new sequence number (§2.5.1.6). On the receiving side
packets get lost, duplicated, reordered and repeated inside RFC 2198 redundancy, and
the digit must still come out exactly once.

    0                   1                   2                   3
    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
   |     event     |E|R| volume    |          duration             |
   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

Theory of operation of `DtmfReceiver`
-------------------------------------
Events are keyed by their RTP timestamp. At most one event is *open* (DTMF keys are
pressed one at a time); ended events are remembered for `memory` seconds so that their
retransmitted end packets and late updates are recognised and dropped.

* A packet for the open event extends its duration; with the E bit it ends it.
* A packet for a remembered event is a repeat and is dropped, unless it is a fresh
  start (marker bit, no E bit, a sequence number after everything seen for it): a
  sender that replays identical timestamps (sipp's pcaps) pressing the same key again.
* A packet for an unknown timestamp starts a new event (whether or not its start
  packet was lost) and ends the open one, if any, with the duration seen so far.
* An open event that hears nothing for `timeout` seconds ends (`next_deadline()`).
* A new SSRC is a new sender: the open event ends and the memory is cleared.

Each event yields exactly one `DigitStarted` and then exactly one `DigitEnded`, whose
`cause` says how the end was learnt. Only the DTMF events 0-15 are reported.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from switchboard.rtp.packet import RtpError, RtpPacket
from switchboard.rtp.red import parse_red

DIGITS = "0123456789*#ABCD"
CLOCK_RATE = 8000
DEFAULT_PAYLOAD_TYPE = 101
MAX_DURATION = 0xFFFF

_EVENT = struct.Struct("!BBH")


def event_for_digit(digit: str) -> int:
    """The event code of a DTMF digit ('0'-'9', '*', '#', 'A'-'D', any case)."""
    code = DIGITS.find(digit.upper()) if len(digit) == 1 else -1
    if code < 0:
        raise ValueError(f"{digit!r} is not a DTMF digit (0-9, *, #, A-D)")
    return code


def digit_for_event(event: int) -> str | None:
    """The DTMF digit of an event code, or None for the other events (flash, fax tones...)."""
    return DIGITS[event] if 0 <= event < len(DIGITS) else None


@dataclass(frozen=True, slots=True)
class TelephoneEvent:
    """One RFC 4733 event report. `volume` is in -dBm0 (0-63); `duration` in samples."""

    event: int
    end: bool = False
    volume: int = 10
    duration: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.event <= 255:
            raise ValueError(f"event {self.event} is not in 0..255")
        if not 0 <= self.volume <= 63:
            raise ValueError(f"volume {self.volume} is not in 0..63")
        if not 0 <= self.duration <= MAX_DURATION:
            raise ValueError(f"duration {self.duration} is not in 0..65535")

    @property
    def digit(self) -> str | None:
        return digit_for_event(self.event)

    @classmethod
    def parse(cls, payload: bytes) -> TelephoneEvent:
        """Parse an event payload; raise `RtpError` (only) if it is not one.

        Bytes past the first four are ignored, as a tolerant receiver should.
        """
        if len(payload) < 4:
            raise RtpError(f"telephone-event payload is {len(payload)} bytes, expected 4")
        event, flags, duration = _EVENT.unpack_from(payload)
        return cls(event, bool(flags & 0x80), flags & 0x3F, duration)

    def __bytes__(self) -> bytes:
        return _EVENT.pack(self.event, (0x80 if self.end else 0) | self.volume, self.duration)


# --- sending -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScheduledPacket:
    """A packet and the time it should leave."""

    send_at: float
    packet: RtpPacket


class DtmfSender:
    """Lays out the packets of DTMF tones (RFC 4733 §2.5.1) for one RTP stream.

    Pure: it returns every packet of a tone with its send time, and the media layer sends
    them when due (suppressing its audio packets meanwhile). Updates go out every
    `interval_ms` (50 ms by default; many senders use the audio packet time, 20 ms);
    each reports the duration up to the end of its interval, the first with the marker
    bit; the last has the E bit and goes out `end_repeats` times, one interval apart,
    with the same timestamp and new sequence numbers.
    """

    def __init__(
        self,
        *,
        ssrc: int,
        payload_type: int = DEFAULT_PAYLOAD_TYPE,
        clock_rate: int = CLOCK_RATE,
        interval_ms: int = 50,
        volume: int = 10,
        end_repeats: int = 3,
    ) -> None:
        if interval_ms <= 0 or end_repeats < 1:
            raise ValueError("the update interval and the end repeats must be positive")
        self.ssrc = ssrc
        self.payload_type = payload_type
        self.clock_rate = clock_rate
        self.interval_ms = interval_ms
        self.volume = volume
        self.end_repeats = end_repeats

    def samples(self, milliseconds: float) -> int:
        return round(milliseconds * self.clock_rate / 1000)

    def tone(
        self, digit: str, *, duration_ms: int, timestamp: int, sequence: int, at: float
    ) -> list[ScheduledPacket]:
        """Every packet of one tone of `duration_ms`, starting at time `at`.

        Sequence numbers run from `sequence` (modulo 2**16); the next free one is
        `(sequence + len(result)) % 65536`.
        """
        event = event_for_digit(digit)
        total = self.samples(duration_ms)
        if not 0 < total <= MAX_DURATION:
            raise ValueError(
                f"a tone lasts 1 ms to {MAX_DURATION * 1000 // self.clock_rate} ms, "
                f"not {duration_ms} ms (longer events need RFC 4733 segments)"
            )
        step = self.samples(self.interval_ms)
        reports: list[TelephoneEvent] = []
        elapsed = step
        while elapsed < total:
            reports.append(TelephoneEvent(event, False, self.volume, elapsed))
            elapsed += step
        reports += [TelephoneEvent(event, True, self.volume, total)] * self.end_repeats
        return [
            ScheduledPacket(
                at + index * self.interval_ms / 1000,
                RtpPacket(
                    payload_type=self.payload_type,
                    sequence_number=(sequence + index) & 0xFFFF,
                    timestamp=timestamp & 0xFFFFFFFF,
                    ssrc=self.ssrc,
                    payload=bytes(report),
                    marker=index == 0,
                ),
            )
            for index, report in enumerate(reports)
        ]

    def digits(
        self,
        digits: str,
        *,
        duration_ms: int = 100,
        gap_ms: int = 100,
        timestamp: int,
        sequence: int,
        at: float,
    ) -> list[ScheduledPacket]:
        """Several tones in a row, `gap_ms` of silence between one's end and the next.

        Each tone's timestamp is the stream's clock at its start, `timestamp` being the
        clock at `at`; sequence numbers follow on from one tone to the next.
        """
        out: list[ScheduledPacket] = []
        offset_ms = 0
        for digit in digits:
            packets = self.tone(
                digit,
                duration_ms=duration_ms,
                timestamp=timestamp + self.samples(offset_ms),
                sequence=sequence + len(out),
                at=at + offset_ms / 1000,
            )
            out += packets
            offset_ms += len(packets) * self.interval_ms + gap_ms
        return out


# --- receiving ---------------------------------------------------------------------------


class EndCause(StrEnum):
    END = "end"  # an end packet (E bit) arrived
    NEXT = "next"  # the next event began before any end packet arrived
    TIMEOUT = "timeout"  # nothing heard for `timeout` seconds
    RESET = "reset"  # the sender changed (new SSRC)


@dataclass(frozen=True, slots=True)
class DigitStarted:
    digit: str
    timestamp: int
    at: float


@dataclass(frozen=True, slots=True)
class DigitEnded:
    digit: str
    timestamp: int
    duration_ms: float
    at: float
    cause: EndCause


DtmfEvent = DigitStarted | DigitEnded


@dataclass(slots=True)
class _Tone:
    timestamp: int
    event: int
    duration: int
    sequence: int
    heard_at: float
    ended_at: float | None = None


def _newer_sequence(candidate: int, than: int) -> bool:
    return 0 < (candidate - than) & 0xFFFF < 0x8000


class DtmfReceiver:
    """Turns telephone-event packets of one stream into digits, each exactly once.

    See the theory of operation at the top of this module. Feed it every packet whose
    payload type is `payload_type` (or `red_payload_type`, when RFC 2198 redundancy was
    negotiated for events); other packets are ignored.
    """

    def __init__(
        self,
        *,
        payload_type: int = DEFAULT_PAYLOAD_TYPE,
        red_payload_type: int | None = None,
        clock_rate: int = CLOCK_RATE,
        timeout: float = 1.0,
        memory: float = 2.0,
    ) -> None:
        self.payload_type = payload_type
        self.red_payload_type = red_payload_type
        self.clock_rate = clock_rate
        self.timeout = timeout
        self.memory = memory
        self._ssrc: int | None = None
        self._open: _Tone | None = None
        self._ended: dict[int, _Tone] = {}

    def receive(self, packet: RtpPacket, now: float) -> list[DtmfEvent]:
        """Digest one packet received at `now`; return the digit events it completes."""
        out = self.handle_timer(now)
        if packet.payload_type == self.payload_type:
            try:
                reports = [(packet.timestamp, TelephoneEvent.parse(packet.payload), True)]
            except RtpError:
                return out
        elif packet.payload_type == self.red_payload_type:
            try:
                reports = list(self._unpack_red(packet))
            except RtpError:
                return out
        else:
            return out
        if packet.ssrc != self._ssrc:
            if self._ssrc is not None:
                out += self._end_open(now, EndCause.RESET)
                self._ended.clear()
            self._ssrc = packet.ssrc
        for timestamp, report, primary in reports:
            if report.digit is not None:
                start = primary and packet.marker and not report.end
                out += self._on_report(timestamp, report, packet.sequence_number, start, now)
        return out

    def next_deadline(self) -> float | None:
        """When the open event times out, if one is open."""
        return None if self._open is None else self._open.heard_at + self.timeout

    def handle_timer(self, now: float) -> list[DtmfEvent]:
        """End the open event if it timed out; forget old ended ones."""
        out: list[DtmfEvent] = []
        deadline = self.next_deadline()
        if deadline is not None and now >= deadline:
            out = self._end_open(now, EndCause.TIMEOUT)
        horizon = now - self.memory
        for timestamp in [t for t, tone in self._ended.items() if (tone.ended_at or 0) < horizon]:
            del self._ended[timestamp]
        return out

    def _unpack_red(self, packet: RtpPacket) -> Iterable[tuple[int, TelephoneEvent, bool]]:
        blocks = parse_red(packet.payload)
        for index, block in enumerate(blocks):
            if block.payload_type == self.payload_type:
                timestamp = (packet.timestamp - block.offset) & 0xFFFFFFFF
                yield timestamp, TelephoneEvent.parse(block.data), index == len(blocks) - 1

    def _on_report(
        self, timestamp: int, report: TelephoneEvent, sequence: int, start: bool, now: float
    ) -> list[DtmfEvent]:
        tone = self._open
        if tone is not None and tone.timestamp == timestamp:
            if report.event != tone.event:
                return []  # a different key at the same instant: not a valid sender
            tone.duration = max(tone.duration, report.duration)
            tone.heard_at = now
            if _newer_sequence(sequence, tone.sequence):
                tone.sequence = sequence
            return self._end_open(now, EndCause.END) if report.end else []
        ended = self._ended.get(timestamp)
        if ended is not None:
            if not (start and _newer_sequence(sequence, ended.sequence)):
                if _newer_sequence(sequence, ended.sequence):
                    ended.sequence = sequence
                return []
            del self._ended[timestamp]
        out = self._end_open(now, EndCause.NEXT)
        tone = _Tone(timestamp, report.event, report.duration, sequence, now)
        self._open = tone
        out.append(DigitStarted(DIGITS[tone.event], timestamp, now))
        if report.end:
            out += self._end_open(now, EndCause.END)
        return out

    def _end_open(self, now: float, cause: EndCause) -> list[DtmfEvent]:
        tone = self._open
        if tone is None:
            return []
        self._open = None
        tone.ended_at = now
        self._ended[tone.timestamp] = tone
        duration_ms = tone.duration * 1000 / self.clock_rate
        return [DigitEnded(DIGITS[tone.event], tone.timestamp, duration_ms, now, cause)]
