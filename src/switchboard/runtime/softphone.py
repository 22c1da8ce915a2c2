"""The Banner's softphone: one WebRTC session per agent, bridged to our RTP.

Theory of operation
-------------------
The Banner opens an `RTCPeerConnection` and posts its offer; the server answers
with aiortc. Each session is an *RTP gateway* on the loopback interface:

    browser ──WebRTC (DTLS-SRTP, ICE)── aiortc ── G.711 RTP on 127.0.0.1 ── media engine
                                                                            endpoint
                                                                            "{agent}/webrtc{n}"

* towards the agent: the media engine sends the call's audio, as to any phone, to
  the gateway's UDP socket; `CallAudio` (an aiortc track) hands aiortc one 20 ms
  frame every 20 ms: the newest packets from a short queue, or silence;
* from the agent: aiortc decodes what the browser sends (PCMU preferred, so at
  8 kHz already; anything else is resampled) and the gateway sends it as PCMU RTP
  to the endpoint, which the telephony wires like a SIP phone's line.

So the media engine does not know a softphone from a desk phone: the line of a
Banner agent is simply always up while its page is open. DTMF from the Banner
goes through the API (aiortc has no telephone-event).

Only the gateway's own socket and aiortc live here; which endpoint a session feeds
and which calls it joins belong to the telephony (`Telephony.attach_softphone`).
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import logging
import random
import secrets
from collections import deque
from collections.abc import Callable, Sequence

import aioice.ice
import av
from aiortc import MediaStreamTrack, RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.rtcrtpsender import RTCRtpSender

from switchboard.rtp.g711 import FRAME_SAMPLES, PCMU, SAMPLE_RATE
from switchboard.rtp.packet import RtpError, RtpPacket
from switchboard.rtp.session import RtpSender

log = logging.getLogger(__name__)

FRAME_SECONDS = FRAME_SAMPLES / SAMPLE_RATE
QUEUE_FRAMES = 6
"""Frames from the media engine kept for the browser (120 ms): beyond, the oldest go,
so a stall never turns into a growing delay."""


def restrict_ice_addresses(addresses: Sequence[str]) -> None:
    """Offer only these host addresses as ICE candidates (aioice otherwise offers
    every interface but loopback). Tests use 127.0.0.1; a server behind NAT gives
    its reachable address. aioice reads this at each gathering, process-wide."""
    chosen = list(addresses)
    aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: list(chosen)


class CallAudio(MediaStreamTrack):
    """The call's audio towards the browser: 20 ms frames, paced by the clock."""

    kind = "audio"

    def __init__(self) -> None:
        super().__init__()
        self.frames: deque[bytes] = deque(maxlen=QUEUE_FRAMES)
        self._pts = 0
        self._start: float | None = None
        self._silence = bytes(FRAME_SAMPLES * 2)

    async def recv(self) -> av.AudioFrame:
        loop = asyncio.get_running_loop()
        if self._start is None:
            self._start = loop.time()
        else:
            self._pts += FRAME_SAMPLES
            wait = self._start + self._pts / SAMPLE_RATE - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
        pcm = self.frames.popleft() if self.frames else self._silence
        frame = av.AudioFrame(format="s16", layout="mono", samples=FRAME_SAMPLES)
        frame.planes[0].update(pcm)
        frame.sample_rate = SAMPLE_RATE
        frame.pts = self._pts
        frame.time_base = fractions.Fraction(1, SAMPLE_RATE)
        return frame


class _Socket(asyncio.DatagramProtocol):
    def __init__(self, session: SoftphoneSession) -> None:
        self.session = session

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.session.from_engine(data)


class SoftphoneSession:
    """One agent's WebRTC session and its loopback RTP socket."""

    def __init__(self, agent_id: str, pc: RTCPeerConnection) -> None:
        self.agent_id = agent_id
        self.pc = pc
        self.id = secrets.token_hex(4)
        self.audio = CallAudio()
        self.port = 0
        """The gateway's UDP port, where the media engine sends the call's audio."""
        self.target: tuple[str, int] | None = None
        """The media engine endpoint's address, where the agent's voice goes."""
        self._transport: asyncio.DatagramTransport | None = None
        self._sender = RtpSender.from_rng(random.SystemRandom(), payload_type=PCMU.payload_type)
        self._resampler: av.AudioResampler | None = None
        self._pending = b""
        self._reader: asyncio.Task[None] | None = None
        self.on_closed: Callable[[SoftphoneSession], None] | None = None
        self.closed = False

    async def bind(self) -> None:
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _Socket(self), local_addr=("127.0.0.1", 0)
        )
        self._transport = transport
        self.port = transport.get_extra_info("sockname")[1]

    # -- the call's audio, towards the browser ----------------------------------------------

    def from_engine(self, data: bytes) -> None:
        try:
            packet = RtpPacket.parse(data)
        except RtpError:
            return
        if packet.payload_type != PCMU.payload_type:
            return  # a telephone-event (the agent's own keypad echo) or noise
        self.audio.frames.append(PCMU.decode_bytes(packet.payload))

    # -- the agent's voice, towards the media engine ------------------------------------------

    def listen(self, track: MediaStreamTrack) -> None:
        self._reader = asyncio.get_running_loop().create_task(self._read(track))

    async def _read(self, track: MediaStreamTrack) -> None:
        with contextlib.suppress(Exception):  # MediaStreamError when the browser goes
            while True:
                frame = await track.recv()
                if isinstance(frame, av.AudioFrame):
                    self._send(self._pcm8k(frame))

    def _pcm8k(self, frame: av.AudioFrame) -> bytes:
        if frame.sample_rate == SAMPLE_RATE and frame.layout.name == "mono":
            return bytes(frame.planes[0])[: frame.samples * 2]
        if self._resampler is None:
            self._resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
        return b"".join(
            bytes(out.planes[0])[: out.samples * 2] for out in self._resampler.resample(frame)
        )

    def _send(self, pcm: bytes) -> None:
        self._pending += pcm
        size = FRAME_SAMPLES * 2
        while len(self._pending) >= size:
            chunk, self._pending = self._pending[:size], self._pending[size:]
            if self._transport is None or self.target is None:
                continue  # not wired yet: the first words before the line exists are lost
            packet = self._sender.packet(PCMU.encode_bytes(chunk))
            self._transport.sendto(bytes(packet), self.target)

    async def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self._reader is not None:
            self._reader.cancel()
        if self._transport is not None:
            self._transport.close()
        await self.pc.close()
        if self.on_closed is not None:
            self.on_closed(self)


class SoftphoneGateway:
    """The WebRTC sessions of the Banner agents, one per agent (a new offer from the
    same agent, a reloaded page, replaces the old session)."""

    def __init__(self) -> None:
        self.sessions: dict[str, SoftphoneSession] = {}

    async def answer(self, agent_id: str, offer_sdp: str) -> tuple[SoftphoneSession, str]:
        """A session for the agent's offer, and the SDP answer to send back."""
        # No STUN or TURN server: the browser and the server reach each other
        # directly (aiortc's default, a public STUN server, needs the Internet).
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        session = SoftphoneSession(agent_id, pc)
        try:
            await session.bind()
            transceiver = pc.addTransceiver(session.audio, direction="sendrecv")
            codecs = RTCRtpSender.getCapabilities("audio").codecs
            # G.711 first: no transcoding between the browser and the trunk.
            preferred = [c for c in codecs if c.mimeType.lower() == "audio/pcmu"]
            preferred += [c for c in codecs if c.mimeType.lower() == "audio/pcma"]
            preferred += [c for c in codecs if c not in preferred]
            transceiver.setCodecPreferences(preferred)

            @pc.on("track")
            def on_track(track: MediaStreamTrack) -> None:
                if track.kind == "audio":
                    session.listen(track)

            @pc.on("connectionstatechange")
            async def on_state() -> None:
                if pc.connectionState in ("failed", "closed"):
                    await self._ended(session)

            await pc.setRemoteDescription(RTCSessionDescription(sdp=offer_sdp, type="offer"))
            await pc.setLocalDescription(await pc.createAnswer())
        except BaseException:
            await session.close()
            raise
        old = self.sessions.get(agent_id)
        self.sessions[agent_id] = session
        if old is not None:
            await old.close()
        return session, pc.localDescription.sdp

    async def _ended(self, session: SoftphoneSession) -> None:
        if self.sessions.get(session.agent_id) is session:
            del self.sessions[session.agent_id]
        await session.close()

    async def hang_up(self, agent_id: str) -> None:
        session = self.sessions.pop(agent_id, None)
        if session is not None:
            await session.close()

    async def close(self) -> None:
        for agent_id in list(self.sessions):
            await self.hang_up(agent_id)
