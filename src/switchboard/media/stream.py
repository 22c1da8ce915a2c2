"""Our RTP stream towards one far end: one SSRC and one timeline, whatever feeds it.

What we send to a far end comes from several sources over a call: packets relayed
from the bridged leg, frames from the ticker (a player, ringback, a conference), RFC
4733 events. The far end must see *one* continuous stream (RFC 3550): one SSRC,
sequence numbers that follow on, timestamps that advance with time. Phones that see
a new SSRC or a timestamp jump at every hold or transfer reset their jitter buffer
at best, and go silent at worst.

Theory of operation
-------------------
The stream keeps the next sequence number `seq`, the timestamp just after the last
sample sent `ts_end`, and the loop time that sample stands for, `end_at`.
`clock_at(t)` is the stream's timestamp at time t: `ts_end` plus the whole frames
elapsed since `end_at` (never less than `ts_end`: the timeline does not go back).

Audio is sent in *runs*. A run is one source: the ticker, or one incoming SSRC of
one bridged endpoint.

* Ticker frames are stamped `clock_at(due)`; consecutive ticks follow on exactly.
* A relayed packet that starts a run fixes two offsets: sequence number and
  timestamp of the incoming stream are mapped onto `seq` and `clock_at(arrival)`.
  The following packets of the run keep those offsets, so the far end's own timing,
  gaps and reordering pass through untouched while the header carries our SSRC.
  A sequence jump (more than 3000 ahead or 100 back) starts a new run.
* The first packet of each run has the marker bit (a new talkspurt).
* DTMF (`reserve_events`) takes a block of sequence numbers, pauses audio until the
  last event packet is sent, and moves the timeline past it; the next audio starts
  a new run.

Relaying rewrites the 12-byte header in place of parsing the packet: it is the path
every bridged packet takes ("≥ 500 bridged calls per core"), so it costs a struct
unpack, a struct pack and a `sendto`. A packet with CSRCs, a header extension or
padding is rebuilt without them (they described the other leg).
"""

from __future__ import annotations

import socket
import struct

import numpy as np

from switchboard.rtp.g711 import FRAME_SAMPLES, G711, PCMA, PCMU, SAMPLE_RATE
from switchboard.rtp.packet import RtpError, RtpPacket
from switchboard.rtp.session import Address

_HEADER = struct.Struct("!BBHII")
_SEQ_TS_SSRC = struct.Struct("!HII")
_FRAMES_PER_SECOND = SAMPLE_RATE / FRAME_SAMPLES
_TICKER = object()  # the run source of frames made by the ticker


def translation(source: G711, target: G711) -> bytes | None:
    """A `bytes.translate` table turning `source` codes into `target` codes (None: same)."""
    if source is target:
        return None
    return target.encode(source.decode(np.arange(256, dtype=np.uint8))).tobytes()


class OutStream:
    __slots__ = (
        "bytes_out",
        "dest",
        "enabled",
        "end_at",
        "packets_out",
        "paused_until",
        "payload_type",
        "run_last_seq",
        "run_source",
        "run_ssrc",
        "send_errors",
        "seq",
        "seq_offset",
        "sock",
        "ssrc",
        "ts_end",
        "ts_offset",
    )

    def __init__(self, *, ssrc: int, sequence: int, timestamp: int) -> None:
        self.ssrc = ssrc
        self.seq = sequence
        self.ts_end = timestamp
        self.end_at: float | None = None
        self.payload_type = PCMU.payload_type
        self.enabled = False  # connected, and the flow lets us send
        self.paused_until = float("-inf")  # DTMF events are being sent until then
        self.sock: socket.socket | None = None
        self.dest: Address | None = None
        self.run_source: object = None
        self.run_ssrc = -1
        self.run_last_seq = 0
        self.seq_offset = 0
        self.ts_offset = 0
        self.packets_out = 0
        self.bytes_out = 0
        self.send_errors = 0

    def clock_at(self, now: float) -> int:
        """Our timestamp at loop time `now`: after the last sample sent, whole frames on."""
        if self.end_at is None:
            return self.ts_end
        frames = round((now - self.end_at) * _FRAMES_PER_SECOND)
        return (self.ts_end + FRAME_SAMPLES * frames) & 0xFFFFFFFF if frames > 0 else self.ts_end

    def send_frame(self, payload: bytes, now: float) -> None:
        """Send one frame made by the ticker, due at `now`."""
        if not self.enabled or now < self.paused_until or self.dest is None:
            return
        ts = self.clock_at(now)
        marker = 0x80 if self.run_source is not _TICKER or ts != self.ts_end else 0
        self.run_source = _TICKER
        self._send(
            _HEADER.pack(0x80, marker | self.payload_type, self.seq, ts, self.ssrc) + payload
        )
        self.seq = (self.seq + 1) & 0xFFFF
        self.ts_end = (ts + len(payload)) & 0xFFFFFFFF
        self.end_at = now + len(payload) / SAMPLE_RATE

    def relay(self, source: object, data: bytes, now: float, table: bytes | None) -> None:
        """Send a packet received from the bridged endpoint `source` at `now`, under our
        header; `table` translates the payload to our law (transcoding), if needed."""
        if not self.enabled or now < self.paused_until or self.dest is None:
            return
        seq, ts, ssrc = _SEQ_TS_SSRC.unpack_from(data, 2)
        marker = data[1] & 0x80
        if (
            source is not self.run_source
            or ssrc != self.run_ssrc
            or not -100 < ((seq - self.run_last_seq + 0x8000) & 0xFFFF) - 0x8000 < 3000
        ):
            self.run_source = source
            self.run_ssrc = ssrc
            self.run_last_seq = seq
            self.seq_offset = (self.seq - seq) & 0xFFFF
            self.ts_offset = (self.clock_at(now) - ts) & 0xFFFFFFFF
            marker = 0x80
        elif (seq - self.run_last_seq) & 0xFFFF < 0x8000:
            self.run_last_seq = seq
        if data[0] & 0x3F:  # CSRCs, extension or padding: rebuild from the parsed packet
            try:
                payload = RtpPacket.parse(data).payload
            except RtpError:
                return
        else:
            payload = data[12:]
        if table is not None:
            payload = payload.translate(table)
        out_seq = (seq + self.seq_offset) & 0xFFFF
        out_ts = (ts + self.ts_offset) & 0xFFFFFFFF
        self._send(
            _HEADER.pack(0x80, marker | self.payload_type, out_seq, out_ts, self.ssrc) + payload
        )
        if (out_seq - self.seq) & 0xFFFF < 0x8000:  # not older than what we sent last
            self.seq = (out_seq + 1) & 0xFFFF
        end = (out_ts + len(payload)) & 0xFFFFFFFF
        if (end - self.ts_end) & 0xFFFFFFFF < 0x80000000:
            self.ts_end = end
            self.end_at = now + len(payload) / SAMPLE_RATE

    def reserve_events(self, count: int, start: float, end: float) -> tuple[int, int]:
        """Make room for `count` RFC 4733 packets sent from `start` to `end` (loop time):
        return (first sequence number, timestamp at `start`). Audio pauses until `end`."""
        first_seq = self.seq
        timestamp = self.clock_at(start)
        self.seq = (self.seq + count) & 0xFFFF
        self.ts_end = (timestamp + round((end - start) * SAMPLE_RATE)) & 0xFFFFFFFF
        self.end_at = end
        self.paused_until = max(self.paused_until, end)
        self.run_source = None
        return first_seq, timestamp

    def send_raw(self, packet: bytes) -> None:
        """Send a packet built elsewhere (an RFC 4733 event), if the flow allows."""
        if self.enabled and self.dest is not None:
            self._send(packet)

    def _send(self, packet: bytes) -> None:
        sock, dest = self.sock, self.dest
        if sock is None or dest is None:
            return
        try:
            sock.sendto(packet, dest)
        except OSError:  # send buffer full (RTP is dropped, not queued), ICMP error
            self.send_errors += 1
            return
        self.packets_out += 1
        self.bytes_out += len(packet)


# Tables for transcoding while relaying, by (from, to) payload type.
TRANSLATIONS: dict[tuple[int, int], bytes | None] = {
    (a.payload_type, b.payload_type): translation(a, b) for a in (PCMU, PCMA) for b in (PCMU, PCMA)
}
