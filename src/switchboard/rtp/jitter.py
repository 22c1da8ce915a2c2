"""A jitter buffer for 8 kHz G.711 audio: packets in as they arrive, 20 ms frames out.

Theory of operation
-------------------
The buffer keeps received payloads by their *extended* RTP timestamp (unwrapped past
2**32, as sequence numbers are unwrapped past 2**16) and plays them from a *cursor*,
the timestamp of the next frame. The media layer calls `get(now)` once per frame time
(every 20 ms) and gets the next frame: audio, a `Concealment` marker when nothing
covers that frame, or None when there is nothing to play at all.

States:

* IDLE: nothing received yet (or since `reset()`); `get` returns None.
* BUFFERING: packets are collected until they span the *target depth*; `get` returns
  None meanwhile. Then the cursor is set to the first one and the state is PLAYING.
* PLAYING: each `get` returns the frame at the cursor and advances it by one frame,
  with three exceptions that move the delay:
  - *underrun*: the buffer is empty, so the next packet is late, not lost. Conceal
    without advancing, which adds a frame of delay. After `stall_frames` empty frames
    in a row the sender has stopped (hold, silence suppression): back to BUFFERING.
  - *stretch*: over the last half second the depth never reached the target: conceal
    once without advancing.
  - *shrink*: over the last half second the depth never fell under target + one frame:
    drop the frame at the cursor. (The frame of hysteresis between stretch and shrink
    keeps them from undoing each other.) Beyond `max_depth` (a burst), drop down to the target
    at once.

A packet whose samples all lie before the cursor arrived too late: it is dropped and
counted, and the target grows by a frame (up to `max_depth`). After `relax_after`
seconds without a late packet the target shrinks by a frame, down to what the RFC 3550
interarrival jitter estimate asks for, never under `min_depth`.

Duplicates are recognised by extended sequence number. Losses are counted as RFC 3550
does (expected from the sequence numbers, minus received). A sequence jump of more than
3000 (or back by more than 100) is taken as a restart of the sender only when the next
packet follows it, as in RFC 3550 A.1; a new SSRC restarts the timeline at once (what the old
sender left unplayed is discarded). Both keep the cumulative statistics.

Packets need not be 20 ms: a frame is cut from whatever packets cover its samples (the
`g711a.pcap` of sipp sends 30 ms), and samples no packet covers are filled with the
codec's silence code.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sortedcontainers import SortedDict

from switchboard.rtp.packet import RtpPacket

MAX_DROPOUT = 3000
MAX_MISORDER = 100
_SEEN_WINDOW = 1024


class BufferState(StrEnum):
    IDLE = "idle"
    BUFFERING = "buffering"
    PLAYING = "playing"


@dataclass(frozen=True, slots=True)
class AudioFrame:
    """One frame of audio; `timestamp` is the RTP timestamp of its first sample."""

    timestamp: int
    payload: bytes


@dataclass(frozen=True, slots=True)
class Concealment:
    """No audio for this frame: the media layer repeats, fades or plays silence."""

    timestamp: int
    samples: int


Frame = AudioFrame | Concealment


@dataclass(frozen=True, slots=True)
class JitterStats:
    """Counters since creation (they survive SSRC changes) and the current depths."""

    received: int  # distinct packets, late ones included (RFC 3550 counts them)
    lost: int  # expected from the sequence numbers, never received
    late: int  # received after their time: dropped
    duplicates: int
    discarded: int  # dropped to cut the delay, or after a sequence jump
    played: int  # frames with audio
    concealed: int  # frames without
    resets: int  # new SSRC or sender restart
    depth_ms: float
    target_ms: float
    jitter_ms: float

    @property
    def expected(self) -> int:
        return self.received + self.lost

    @property
    def late_or_lost_ratio(self) -> float:
        """The DESIGN §6 figure: share of expected packets that were lost or came late."""
        return (self.late + self.lost) / self.expected if self.expected else 0.0


def _unwrap(value: int, reference: int, bits: int) -> int:
    """The extended value nearest to `reference` whose low `bits` are `value`."""
    modulo = 1 << bits
    delta = (value - reference) % modulo
    if delta >= modulo >> 1:
        delta -= modulo
    return reference + delta


class JitterBuffer:
    """A jitter buffer for one incoming stream. See the theory of operation above."""

    # The timeline of the current sender, cleared on reset (see `_clear`).
    _state: BufferState
    _store: SortedDict[int, bytes]  # extended timestamp -> payload
    _cursor: int | None  # extended timestamp of the next frame to play
    _max_seq: int | None  # highest extended sequence number
    _base_seq: int
    _bad_seq: int | None  # the sequence number that would confirm a jump
    _seen: set[int]  # recent extended sequence numbers, for duplicates
    _received: int
    _max_ts: int | None
    _transit: float | None
    _jitter: float  # RFC 3550 interarrival jitter, in samples
    _empty_frames: int
    _window_low: int
    _window_high: int
    _window_count: int

    def __init__(
        self,
        *,
        clock_rate: int = 8000,
        frame_ms: int = 20,
        min_depth_ms: int = 40,
        initial_depth_ms: int = 60,
        max_depth_ms: int = 200,
        silence: int = 0xFF,
        relax_after: float = 10.0,
        stall_frames: int = 10,
        window_frames: int = 25,
    ) -> None:
        if not 0 < min_depth_ms <= initial_depth_ms <= max_depth_ms:
            raise ValueError("depths must satisfy 0 < min <= initial <= max")
        self.clock_rate = clock_rate
        self.frame = clock_rate * frame_ms // 1000
        self.min_depth = clock_rate * min_depth_ms // 1000
        self.initial_depth = clock_rate * initial_depth_ms // 1000
        self.max_depth = clock_rate * max_depth_ms // 1000
        self.silence = bytes((silence,))
        self.relax_after = relax_after
        self.stall_frames = stall_frames
        self.window_frames = window_frames
        self.target = self.initial_depth
        # cumulative counters
        self._late = self._duplicates = self._discarded = 0
        self._played = self._concealed = self._resets = 0
        self._lost_before = self._received_before = 0
        self._ssrc: int | None = None
        self._calm_since: float | None = None  # since when no packet came late
        self._clear()

    # --- public API ----------------------------------------------------------------------

    @property
    def state(self) -> BufferState:
        return self._state

    def reset(self) -> None:
        """Forget the stream (not the statistics), as for a new sender."""
        self._fold_run()
        self._ssrc = None
        self._clear()

    def put(self, packet: RtpPacket, arrival: float, *, audio: bool = True) -> None:
        """Take one packet of this stream, received at time `arrival` (seconds).

        Packets of the stream that carry no audio to play (telephone-events, comfort
        noise) share its sequence numbers: pass them with `audio=False` so that they
        count as received rather than lost.
        """
        if packet.ssrc != self._ssrc:
            if self._ssrc is not None:
                self._restart()
            self._ssrc = packet.ssrc
        if self._max_seq is None:
            self._start_run(packet)
        assert self._max_seq is not None
        seq = _unwrap(packet.sequence_number, self._max_seq, 16)
        delta = seq - self._max_seq
        if delta > MAX_DROPOUT or delta < -MAX_MISORDER:
            if packet.sequence_number != self._bad_seq:
                self._bad_seq = (packet.sequence_number + 1) & 0xFFFF
                self._discarded += 1
                return
            self._restart()  # two in a row: the sender restarted its numbering
            self._start_run(packet)
            seq = packet.sequence_number
        if seq in self._seen:
            self._duplicates += 1
            return
        self._bad_seq = None
        self._seen.add(seq)
        self._received += 1
        self._max_seq = max(self._max_seq, seq)
        if len(self._seen) > 2 * _SEEN_WINDOW:
            horizon = self._max_seq - _SEEN_WINDOW
            self._seen = {s for s in self._seen if s > horizon}
        if self._calm_since is None:
            self._calm_since = arrival
        if not audio:
            return

        assert self._max_ts is not None
        ts = _unwrap(packet.timestamp, self._max_ts, 32)
        self._max_ts = max(self._max_ts, ts)
        self._update_jitter(ts, arrival)
        if self._state is BufferState.IDLE:
            self._state = BufferState.BUFFERING
        if self._cursor is not None and ts + len(packet.payload) <= self._cursor:
            self._late += 1
            self._calm_since = arrival
            self.target = min(self.max_depth, self.target + self.frame)
            return
        if not packet.payload or ts in self._store:
            return
        self._store[ts] = packet.payload

    def get(self, now: float) -> Frame | None:
        """The next frame to play at `now` (call once per frame time)."""
        self._relax(now)
        if self._state is BufferState.IDLE:
            return None
        if self._state is BufferState.BUFFERING and not self._start_playing():
            return None
        assert self._cursor is not None
        depth = self._depth()
        if depth == 0:
            self._empty_frames += 1
            if self._empty_frames >= self.stall_frames:
                self._state = BufferState.BUFFERING
            return self._conceal()
        self._empty_frames = 0
        if depth > self.max_depth:
            self._skip_to(self._high_end() - self.target)
            depth = self._depth()
        self._window_low = min(self._window_low, depth)
        self._window_high = max(self._window_high, depth)
        self._window_count += 1
        if self._window_count >= self.window_frames:
            low, high = self._window_low, self._window_high
            self._window_low, self._window_high, self._window_count = 1 << 62, 0, 0
            if high < self.target:
                return self._conceal()
            if low >= self.target + self.frame:
                self._skip_to(self._cursor + self.frame)
        return self._play()

    def stats(self) -> JitterStats:
        expected = 0 if self._max_seq is None else self._max_seq - self._base_seq + 1
        return JitterStats(
            received=self._received_before + self._received,
            lost=self._lost_before + max(0, expected - self._received),
            late=self._late,
            duplicates=self._duplicates,
            discarded=self._discarded,
            played=self._played,
            concealed=self._concealed,
            resets=self._resets,
            depth_ms=self._depth() * 1000 / self.clock_rate,
            target_ms=self.target * 1000 / self.clock_rate,
            jitter_ms=self._jitter * 1000 / self.clock_rate,
        )

    # --- internals -----------------------------------------------------------------------

    def _clear(self) -> None:
        self._state = BufferState.IDLE
        self._store = SortedDict()
        self._cursor = None
        self._max_seq = None
        self._base_seq = 0
        self._bad_seq = None
        self._seen = set()
        self._received = 0
        self._max_ts = None
        self._transit = None
        self._jitter = 0.0
        self._empty_frames = 0
        self._window_low, self._window_high, self._window_count = 1 << 62, 0, 0
        self.target = self.initial_depth

    def _start_run(self, packet: RtpPacket) -> None:
        self._max_seq = self._base_seq = packet.sequence_number
        self._max_seq -= 1
        self._max_ts = packet.timestamp

    def _fold_run(self) -> None:
        if self._max_seq is not None:
            expected = self._max_seq - self._base_seq + 1
            self._lost_before += max(0, expected - self._received)
            self._received_before += self._received

    def _restart(self) -> None:
        self._fold_run()
        self._discarded += len(self._store)  # the old sender's unplayed audio
        self._resets += 1
        self._clear()

    def _update_jitter(self, ts: int, arrival: float) -> None:
        transit = arrival * self.clock_rate - ts
        if self._transit is not None:
            self._jitter += (abs(transit - self._transit) - self._jitter) / 16
        self._transit = transit

    def _relax(self, now: float) -> None:
        if self._calm_since is None or now - self._calm_since < self.relax_after:
            return
        wanted = self.frame + -(-int(3 * self._jitter) // self.frame) * self.frame
        floor = max(self.min_depth, min(self.max_depth, wanted))
        if self.target > floor:
            self.target = max(floor, self.target - self.frame)
            self._calm_since = now

    def _high_end(self) -> int:
        ts, payload = self._store.peekitem(-1)
        return ts + len(payload)

    def _depth(self) -> int:
        if not self._store or self._cursor is None:
            return 0
        return max(0, self._high_end() - self._cursor)

    def _start_playing(self) -> bool:
        if not self._store:
            return False
        first = self._store.peekitem(0)[0]
        start = first if self._cursor is None else max(self._cursor, first)
        if self._high_end() - start < self.target:
            return False
        self._cursor = start
        self._state = BufferState.PLAYING
        self._empty_frames = 0
        return True

    def _skip_to(self, cursor: int) -> None:
        assert self._cursor is not None
        if cursor <= self._cursor:
            return
        self._cursor = cursor
        self._discarded += self._purge()

    def _purge(self) -> int:
        """Drop the packets wholly before the cursor; return how many."""
        assert self._cursor is not None
        dropped = 0
        while self._store:
            ts, payload = self._store.peekitem(0)
            if ts + len(payload) > self._cursor:
                break
            self._store.popitem(0)
            dropped += 1
        return dropped

    def _conceal(self) -> Concealment:
        assert self._cursor is not None
        self._concealed += 1
        return Concealment(self._cursor & 0xFFFFFFFF, self.frame)

    def _play(self) -> Frame:
        assert self._cursor is not None
        start, end = self._cursor, self._cursor + self.frame
        ts, payload = self._store.peekitem(0) if self._store else (start - 1, b"")
        if ts == start and len(payload) == self.frame:  # the usual case: one packet, one frame
            self._store.popitem(0)
            self._cursor = end
            self._played += 1
            return AudioFrame(start & 0xFFFFFFFF, payload)
        frame = bytearray(self.silence * self.frame)
        covered = 0
        first = max(0, self._store.bisect_right(start) - 1)
        for ts in self._store.islice(first):
            if ts >= end:
                break
            payload = self._store[ts]
            low, high = max(ts, start), min(ts + len(payload), end)
            if low < high:
                frame[low - start : high - start] = payload[low - ts : high - ts]
                covered += high - low
        self._cursor = end
        self._purge()
        if not covered:
            self._concealed += 1
            return Concealment(start & 0xFFFFFFFF, self.frame)
        self._played += 1
        return AudioFrame(start & 0xFFFFFFFF, bytes(frame))
