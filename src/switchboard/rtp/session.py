"""Per-stream bookkeeping for the media engine: numbering what we send, choosing whom
we listen to (symmetric RTP), and noticing when the other side has gone quiet.

Theory of operation of latching
-------------------------------
The address in the remote SDP is often wrong (a phone behind NAT advertises its private
address), so we answer to where the media really comes from (symmetric RTP, RFC 4961):

* Unlatched: the first packet with an expected payload type latches the stream onto its
  source address and SSRC.
* Latched: packets from the latched address are accepted (a new SSRC from there is the
  same peer restarting its stream). A packet from another address is rejected unless
  it brings a new SSRC *and* the latched source has been silent for `relatch_after`
  seconds: then we re-latch onto it (the peer moved, e.g. a NAT rebinding or a
  re-INVITE to another media server). Mid-call hijacking by a stray or hostile source
  ("RTP bleed") is refused while the real peer keeps talking.
* A packet with an unexpected payload type neither latches nor counts as heard.

The decision is the pure function `latch(state, packet, source, now, ...)`; `Latch`
keeps its state for the caller.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from enum import StrEnum

from switchboard.rtp.packet import RtpPacket

Address = tuple[str, int]


# --- sending -----------------------------------------------------------------------------


class RtpSender:
    """Sequence numbers, timestamps and SSRC of one outgoing stream.

    Initial values are the caller's (random per RFC 3550 §5.1: pass
    `random.SystemRandom()` to `RtpSender.from_rng` in production, a seeded
    `random.Random` in tests). The timestamp advances by the samples each packet
    carries, and by `skip()` for the time nothing is sent (hold, DTMF in progress), so
    the receiver sees the real gap. The first packet, and the first after a `skip`,
    gets the marker bit (the start of a talkspurt, RFC 3551 §4.1) unless told otherwise.
    """

    def __init__(
        self,
        *,
        ssrc: int,
        sequence: int,
        timestamp: int,
        payload_type: int,
        clock_rate: int = 8000,
    ) -> None:
        if not (0 <= ssrc <= 0xFFFFFFFF and 0 <= sequence <= 0xFFFF):
            raise ValueError("SSRC is 32 bits, the sequence number 16")
        if not 0 <= timestamp <= 0xFFFFFFFF:
            raise ValueError("the timestamp is 32 bits")
        self.ssrc = ssrc
        self.payload_type = payload_type
        self.clock_rate = clock_rate
        self._sequence = sequence
        self._timestamp = timestamp
        self._talkspurt = True

    @classmethod
    def from_rng(
        cls, rng: random.Random, *, payload_type: int, clock_rate: int = 8000
    ) -> RtpSender:
        """A sender with SSRC, first sequence number and first timestamp drawn from `rng`."""
        return cls(
            ssrc=rng.getrandbits(32),
            sequence=rng.getrandbits(16),
            timestamp=rng.getrandbits(32),
            payload_type=payload_type,
            clock_rate=clock_rate,
        )

    @property
    def sequence(self) -> int:
        """The sequence number of the next packet."""
        return self._sequence

    @property
    def timestamp(self) -> int:
        """The timestamp of the next sample to send."""
        return self._timestamp

    def packet(
        self,
        payload: bytes,
        *,
        samples: int | None = None,
        marker: bool | None = None,
        payload_type: int | None = None,
    ) -> RtpPacket:
        """The next packet, carrying `samples` samples (G.711: one per byte, the default)."""
        packet = RtpPacket(
            payload_type=self.payload_type if payload_type is None else payload_type,
            sequence_number=self._sequence,
            timestamp=self._timestamp,
            ssrc=self.ssrc,
            payload=payload,
            marker=self._talkspurt if marker is None else marker,
        )
        self._talkspurt = False
        self._sequence = (self._sequence + 1) & 0xFFFF
        self._timestamp = (self._timestamp + (len(payload) if samples is None else samples)) & (
            0xFFFFFFFF
        )
        return packet

    def skip(self, samples: int) -> None:
        """Let `samples` of time pass without sending audio."""
        if samples < 0:
            raise ValueError("time does not run backwards")
        if samples:
            self._timestamp = (self._timestamp + samples) & 0xFFFFFFFF
            self._talkspurt = True

    def take_sequences(self, count: int) -> int:
        """Reserve `count` sequence numbers (for DTMF packets built elsewhere); the first."""
        first = self._sequence
        self._sequence = (self._sequence + count) & 0xFFFF
        return first


# --- latching ----------------------------------------------------------------------------


class Verdict(StrEnum):
    LATCHED = "latched"  # first packet: we now answer to its source
    ACCEPTED = "accepted"  # from the latched source
    RELATCHED = "relatched"  # a new source took over after silence, with a new SSRC
    WRONG_PAYLOAD_TYPE = "wrong-payload-type"
    WRONG_SOURCE = "wrong-source"


@dataclass(frozen=True, slots=True)
class LatchState:
    source: Address | None = None
    ssrc: int | None = None
    heard_at: float | None = None


@dataclass(frozen=True, slots=True)
class LatchDecision:
    verdict: Verdict
    state: LatchState

    @property
    def accepted(self) -> bool:
        return self.verdict in (Verdict.LATCHED, Verdict.ACCEPTED, Verdict.RELATCHED)


def latch(
    state: LatchState,
    packet: RtpPacket,
    source: Address,
    now: float,
    *,
    payload_types: frozenset[int],
    relatch_after: float,
) -> LatchDecision:
    """Decide whether to accept `packet` from `source` at `now`, and the next state."""
    if packet.payload_type not in payload_types:
        return LatchDecision(Verdict.WRONG_PAYLOAD_TYPE, state)
    heard = LatchState(source, packet.ssrc, now)
    if state.source is None:
        return LatchDecision(Verdict.LATCHED, heard)
    if source == state.source:
        return LatchDecision(Verdict.ACCEPTED, heard)
    silent = state.heard_at is None or now - state.heard_at >= relatch_after
    if packet.ssrc != state.ssrc and silent:
        return LatchDecision(Verdict.RELATCHED, heard)
    return LatchDecision(Verdict.WRONG_SOURCE, state)


class Latch:
    """Keeps the latching state of one incoming stream (see the module's header)."""

    def __init__(self, payload_types: frozenset[int], *, relatch_after: float = 0.5) -> None:
        self.payload_types = payload_types
        self.relatch_after = relatch_after
        self.state = LatchState()

    @property
    def remote(self) -> Address | None:
        """Where to send our media: the latched source (None: use the SDP address)."""
        return self.state.source

    def check(self, packet: RtpPacket, source: Address, now: float) -> LatchDecision:
        decision = latch(
            self.state,
            packet,
            source,
            now,
            payload_types=self.payload_types,
            relatch_after=self.relatch_after,
        )
        self.state = decision.state
        return decision

    def unlatch(self) -> None:
        """Forget the source (after a re-INVITE that moved the remote media)."""
        self.state = replace(self.state, source=None, ssrc=None)


# --- inactivity --------------------------------------------------------------------------


class InactivityTimer:
    """Reports, once, that no packet was heard for `timeout` seconds.

    Armed from its creation; `heard(now)` re-arms it. While `pause()`d (the remote is
    on hold or inactive, so silence is expected) it has no deadline; `resume(now)`
    re-arms it from `now`.
    """

    def __init__(self, timeout: float, now: float) -> None:
        if timeout <= 0:
            raise ValueError("the inactivity timeout must be positive")
        self.timeout = timeout
        self._heard_at = now
        self._paused = False
        self._timed_out = False

    @property
    def timed_out(self) -> bool:
        return self._timed_out

    def heard(self, now: float) -> None:
        self._heard_at = max(self._heard_at, now)

    def pause(self) -> None:
        self._paused = True

    def resume(self, now: float) -> None:
        self._paused = False
        self._heard_at = now

    def next_deadline(self) -> float | None:
        if self._paused or self._timed_out:
            return None
        return self._heard_at + self.timeout

    def handle_timer(self, now: float) -> bool:
        """True exactly once, the first time this is called at or past the deadline."""
        deadline = self.next_deadline()
        if deadline is None or now < deadline:
            return False
        self._timed_out = True
        return True
