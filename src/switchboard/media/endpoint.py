"""One endpoint: a local RTP port, the far end behind it, and what arrives from there.

The endpoint owns a non-blocking UDP socket watched by the engine's `SocketPoller`:
each readiness event reads one datagram with a 2 KiB buffer and hands it to
`datagram_received`. (asyncio's datagram transport reads into a 256 KiB buffer per
datagram, which made it cost three times as much per relayed packet.) Where the
audio goes is decided beforehand by
the engine, which sets three fields whenever bridges, flows, players, conferences
or recordings change (`AsyncioMediaEngine._rewire`):

* `relay_to`: the bridged endpoint's `OutStream`, when this endpoint's audio is to
  be forwarded now (with `relay_table` to transcode it), else None;
* `jitter`: a jitter buffer, when a conference, a recording or a speech watch takes
  this endpoint's audio on the ticker, else None;
* `listening`: False while the flow drops what the far end says (mute, hold).

Receive path, in order:

1. not RTP version 2 or shorter than a header: dropped; RTCP on the RTP port
   (rtcp-mux, `is_rtcp`): skipped;
2. latching (`rtp/session.py`): a packet from the latched source with a negotiated
   payload type passes at once; anything else goes through `Latch.check`, which may
   latch, re-latch or reject it. Once latched we send to the source address, not the
   SDP one (NAT);
3. statistics: packets, bytes, losses from the sequence numbers (RFC 3550 A.3);
4. the DTMF payload type goes to the `DtmfReceiver`, which reports each key press
   once; audio goes to the jitter buffer and/or is relayed, if `listening`.

Inactivity: the `InactivityTimer` is checked by a lazy loop timer: instead of being
re-armed at every packet, it wakes at the deadline computed from the last packet it
knew, catches up with `heard_at`, and sleeps again, or reports the timeout once.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import struct
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from switchboard.media.engine import Flow, MediaError, RemoteMedia
from switchboard.media.poller import SocketPoller
from switchboard.media.stream import TRANSLATIONS, OutStream
from switchboard.rtp.dtmf import DigitStarted, DtmfReceiver
from switchboard.rtp.g711 import BY_PAYLOAD_TYPE, G711, Samples
from switchboard.rtp.jitter import AudioFrame, JitterBuffer
from switchboard.rtp.packet import RtpError, RtpPacket, is_rtcp
from switchboard.rtp.session import Address, InactivityTimer, Latch

log = logging.getLogger(__name__)

_SEQ_TS_SSRC = struct.Struct("!HII")
_UNSPECIFIED = ("0.0.0.0", "::")  # noqa: S104 - an SDP address that means "do not send" (RFC 3264 §8.4)

LISTENS = frozenset({Flow.BOTH, Flow.RECEIVE_ONLY})
SENDS = frozenset({Flow.BOTH, Flow.SEND_ONLY})


MAX_DATAGRAM = 2048  # RTP of 20-60 ms G.711 is 172-492 bytes


class Endpoint:
    __slots__ = (
        "_loop",
        "accepted",
        "audio_pt",
        "base_seq",
        "bytes_in",
        "conference",
        "dtmf_handles",
        "dtmf_pt",
        "dtmf_rx",
        "flow",
        "heard_at",
        "id",
        "in_ssrc",
        "inactivity",
        "inactivity_handle",
        "jitter",
        "latch",
        "late_before",
        "law",
        "listening",
        "lost_before",
        "max_seq",
        "on_digit",
        "on_silence",
        "out",
        "packets_in",
        "peer",
        "poller",
        "port",
        "received",
        "recordings",
        "rejected",
        "relatch_after",
        "relay_table",
        "relay_to",
        "remote",
        "rtcp_in",
        "sock",
        "source",
        "timeout",
        "watches",
    )

    def __init__(
        self,
        endpoint_id: str,
        sock: socket.socket,
        out: OutStream,
        *,
        loop: asyncio.AbstractEventLoop,
        timeout: float | None,
        relatch_after: float,
        on_digit: Callable[[Endpoint, str], None],
        on_silence: Callable[[Endpoint], None],
    ) -> None:
        self.id = endpoint_id
        self.sock: socket.socket | None = sock
        self.port: int = sock.getsockname()[1]
        self.out = out
        out.sock = sock
        self.poller: SocketPoller | None = None
        self._loop = loop
        self.timeout = timeout
        self.relatch_after = relatch_after
        self.on_digit = on_digit
        self.on_silence = on_silence
        # the far end, from the SDP
        self.remote: RemoteMedia | None = None
        self.law: G711 | None = None
        self.audio_pt = -1
        self.dtmf_pt = -1
        self.accepted: frozenset[int] = frozenset()
        self.latch: Latch | None = None
        self.source: Address | None = None  # the latched source (mirrors `latch.remote`)
        self.dtmf_rx: DtmfReceiver | None = None
        # wiring, set by the engine
        self.flow = Flow.BOTH
        self.listening = True
        self.peer: Endpoint | None = None
        self.conference: str | None = None
        self.recordings = 0
        self.watches = 0  # speech watches (`AsyncioMediaEngine.watch_speech`)
        self.relay_to: OutStream | None = None
        self.relay_table: bytes | None = None
        self.jitter: JitterBuffer | None = None
        self.dtmf_handles: list[asyncio.TimerHandle] = []
        # inactivity
        self.inactivity: InactivityTimer | None = None
        self.inactivity_handle: asyncio.TimerHandle | None = None
        # statistics
        self.packets_in = 0
        self.bytes_in = 0
        self.rejected = 0
        self.rtcp_in = 0
        self.heard_at: float | None = None
        self.in_ssrc = -1
        self.base_seq = 0
        self.max_seq = 0
        self.received = 0
        self.lost_before = 0
        self.late_before = 0

    # --- socket --------------------------------------------------------------------------

    def start(self, poller: SocketPoller) -> None:
        """Start reading the socket."""
        assert self.sock is not None
        self.poller = poller
        poller.add(self.sock.fileno(), self.readable)

    def readable(self) -> None:
        sock = self.sock
        if sock is None:
            return
        try:
            data, addr = sock.recvfrom(MAX_DATAGRAM)
        except OSError as exc:  # a spurious wake-up, or an ICMP error from a far end gone
            if not isinstance(exc, BlockingIOError):
                log.debug("RTP endpoint %s: %s", self.id, exc)
            return
        self.datagram_received(data, addr)

    def datagram_received(self, data: bytes, addr: Any) -> None:
        if len(data) < 12 or data[0] & 0xC0 != 0x80:
            self.rejected += 1
            return
        if is_rtcp(data):
            self.rtcp_in += 1
            return
        now = self._loop.time()
        pt = data[1] & 0x7F
        if (addr != self.source or pt not in self.accepted) and not self._latch(data, addr, now):
            return
        self.heard_at = now
        self.packets_in += 1
        self.bytes_in += len(data)
        seq, _, ssrc = _SEQ_TS_SSRC.unpack_from(data, 2)
        if ssrc != self.in_ssrc:
            self._new_sender(ssrc, seq)
        else:
            delta = (seq - self.max_seq) & 0xFFFF
            if delta < 0x8000:
                self.max_seq += delta
        self.received += 1
        if pt != self.audio_pt:
            if pt == self.dtmf_pt:
                self._dtmf(data, now)
            return
        if not self.listening:
            return
        if self.jitter is not None:
            try:
                self.jitter.put(RtpPacket.parse(data), now)
            except RtpError:
                self.rejected += 1
                return
        out = self.relay_to
        if out is not None:
            out.relay(self, data, now, self.relay_table)

    # --- receive path helpers ------------------------------------------------------------

    def _latch(self, data: bytes, source: Address, now: float) -> bool:
        latch = self.latch
        if latch is None:  # not connected yet: we do not know what to expect
            self.rejected += 1
            return False
        try:
            packet = RtpPacket.parse(data)
        except RtpError:
            self.rejected += 1
            return False
        if latch.state.source is not None and self.heard_at is not None:
            # the fast path does not update the latch on every packet: catch it up
            latch.state = replace(latch.state, heard_at=self.heard_at, ssrc=self.in_ssrc)
        if not latch.check(packet, source, now).accepted:
            self.rejected += 1
            return False
        self.source = latch.remote
        self.out.dest = self.source
        return True

    def _new_sender(self, ssrc: int, seq: int) -> None:
        self.lost_before = self.lost
        self.in_ssrc = ssrc
        self.base_seq = self.max_seq = seq
        self.received = 0

    def _dtmf(self, data: bytes, now: float) -> None:
        receiver = self.dtmf_rx
        if receiver is None:
            return
        try:
            packet = RtpPacket.parse(data)
        except RtpError:
            self.rejected += 1
            return
        if self.jitter is not None:
            self.jitter.put(packet, now, audio=False)
        for event in receiver.receive(packet, now):
            if isinstance(event, DigitStarted):
                self.on_digit(self, event.digit)

    # --- for the engine ------------------------------------------------------------------

    @property
    def lost(self) -> int:
        if self.in_ssrc < 0:
            return self.lost_before
        return self.lost_before + max(0, self.max_seq - self.base_seq + 1 - self.received)

    @property
    def late(self) -> int:
        return self.late_before + (0 if self.jitter is None else self.jitter.stats().late)

    def connect(self, remote: RemoteMedia, now: float) -> None:
        """Take the far end's (new) SDP: codec, DTMF payload type, address."""
        law = BY_PAYLOAD_TYPE.get(remote.payload_type)
        if law is None:
            raise MediaError(
                f"endpoint {self.id}: payload type {remote.payload_type} is not G.711 "
                "(0 PCMU, 8 PCMA)"
            )
        previous = self.remote
        moved = previous is not None and (previous.address, previous.port) != (
            remote.address,
            remote.port,
        )
        dtmf = remote.dtmf_payload_type
        self.remote = remote
        if law is not self.law and self.jitter is not None:
            self.set_buffered(False)
            self.law = law
            self.set_buffered(True)
        self.law = law
        self.audio_pt = law.payload_type
        self.dtmf_pt = -1 if dtmf is None else dtmf
        self.accepted = frozenset({law.payload_type} if dtmf is None else {law.payload_type, dtmf})
        if self.latch is None:
            self.latch = Latch(self.accepted, relatch_after=self.relatch_after)
        else:
            self.latch.payload_types = self.accepted
            if moved:
                self.latch.unlatch()
                self.source = None
        if dtmf is None:
            self.dtmf_rx = None
        elif self.dtmf_rx is None or self.dtmf_rx.payload_type != dtmf:
            self.dtmf_rx = DtmfReceiver(payload_type=dtmf)
        self.out.payload_type = law.payload_type
        if self.source is not None:
            self.out.dest = self.source
        elif remote.address in _UNSPECIFIED or remote.port == 0:
            self.out.dest = None
        else:
            self.out.dest = (remote.address, remote.port)
        if self.timeout is not None:
            if self.inactivity is None:
                self.inactivity = InactivityTimer(self.timeout, now)
                if self.flow is not Flow.BOTH:
                    self.inactivity.pause()
            else:
                self.inactivity.heard(now)
            self.arm_inactivity()

    def set_flow(self, flow: Flow, now: float) -> None:
        self.flow = flow
        self.listening = flow in LISTENS
        timer = self.inactivity
        if timer is not None and not timer.timed_out:
            if flow is Flow.BOTH:
                if timer.next_deadline() is None:
                    timer.resume(now)
            else:
                timer.pause()
            self.arm_inactivity()

    def wire(self, relay_to: Endpoint | None) -> None:
        """Forward what arrives here to `relay_to`'s far end (None: to nobody)."""
        if relay_to is None or self.law is None or relay_to.law is None:
            self.relay_to = None
            self.relay_table = None
            return
        self.relay_to = relay_to.out
        self.relay_table = TRANSLATIONS[self.law.payload_type, relay_to.law.payload_type]

    def set_buffered(self, buffered: bool) -> None:
        if buffered and self.jitter is None:
            silence = 0xFF if self.law is None else self.law.silence
            self.jitter = JitterBuffer(silence=silence)
        elif not buffered and self.jitter is not None:
            self.late_before += self.jitter.stats().late
            self.jitter = None

    def pull(self, now: float) -> Samples | None:
        """The next 20 ms of what the far end said (from the jitter buffer), if any."""
        jitter, law = self.jitter, self.law
        if jitter is None or law is None:
            return None
        frame = jitter.get(now)
        if isinstance(frame, AudioFrame):
            return law.decode(np.frombuffer(frame.payload, np.uint8))
        return None

    def arm_inactivity(self) -> None:
        if self.inactivity_handle is not None:
            self.inactivity_handle.cancel()
            self.inactivity_handle = None
        timer = self.inactivity
        deadline = None if timer is None else timer.next_deadline()
        if deadline is not None:
            self.inactivity_handle = self._loop.call_at(deadline, self._check_inactivity)

    def _check_inactivity(self) -> None:
        self.inactivity_handle = None
        timer = self.inactivity
        if timer is None:
            return
        if self.heard_at is not None:
            timer.heard(self.heard_at)
        if timer.handle_timer(self._loop.time()):
            self.on_silence(self)
        else:
            self.arm_inactivity()

    def close(self) -> None:
        for handle in self.dtmf_handles:
            handle.cancel()
        self.dtmf_handles.clear()
        if self.inactivity_handle is not None:
            self.inactivity_handle.cancel()
            self.inactivity_handle = None
        self.inactivity = None
        self.relay_to = None
        self.jitter = None
        self.out.enabled = False
        self.out.sock = None
        sock, self.sock = self.sock, None
        if sock is not None:
            if self.poller is not None:
                self.poller.remove(sock.fileno())
            sock.close()
