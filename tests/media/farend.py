"""A fake far end for the media tests: a phone's RTP side on a real UDP socket.

It sends packets built with `rtp/packet.py` (a G.711 sine wave, RFC 4733 events) to
an engine endpoint and keeps what comes back, so a test can count packets, look at
their headers, and decode the audio to check its frequencies with an FFT. Waiting is
always on an event with a bound (`wait_packets`), never a bare sleep.
"""

from __future__ import annotations

import asyncio
import math
import random
import zlib
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import cast

import numpy as np
import numpy.typing as npt

from switchboard.media.engine import RemoteMedia
from switchboard.media.rtp_engine import AsyncioMediaEngine
from switchboard.media.tones import EUROPEAN_RINGBACK, Tone
from switchboard.rtp.g711 import BY_PAYLOAD_TYPE, FRAME_SAMPLES, SAMPLE_RATE, Samples
from switchboard.rtp.packet import RtpError, RtpPacket
from switchboard.rtp.session import Address

HOST = "127.0.0.1"
PORTS = (30000, 31999)
DTMF_PT = 101


@dataclass
class Received:
    packet: RtpPacket
    source: Address
    at: float


@dataclass
class FarEnd(asyncio.DatagramProtocol):
    """One phone: `send` to the engine endpoint, `received` what the engine sent."""

    name: str
    payload_type: int = 0
    ssrc: int = 0x1000
    sequence: int = 1000
    timestamp: int = 160_000
    phase: float = 0.0
    received: list[Received] = field(default_factory=list)
    transport: asyncio.DatagramTransport | None = None
    engine_port: int = 0
    junk: int = 0
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)

    # --- socket --------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast("asyncio.DatagramTransport", transport)

    def datagram_received(self, data: bytes, addr: Address) -> None:
        loop = asyncio.get_running_loop()
        try:
            packet = RtpPacket.parse(data)
        except RtpError:
            self.junk += 1
            return
        self.received.append(Received(packet, addr, loop.time()))
        self._arrived.set()

    @property
    def address(self) -> Address:
        assert self.transport is not None
        host, port = self.transport.get_extra_info("sockname")[:2]
        return host, port

    def remote(self, *, dtmf: int | None = DTMF_PT) -> RemoteMedia:
        """What this phone's SDP tells the engine."""
        host, port = self.address
        return RemoteMedia(host, port, self.payload_type, dtmf)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    # --- sending -------------------------------------------------------------------------

    def send(self, packet: RtpPacket | bytes) -> None:
        assert self.transport is not None
        self.transport.sendto(bytes(packet), (HOST, self.engine_port))

    def tone(self, frequency: float, frames: int, *, amplitude: float = 8000.0) -> list[RtpPacket]:
        """The next `frames` packets of a sine wave, continuing this phone's stream."""
        law = BY_PAYLOAD_TYPE[self.payload_type]
        packets = []
        for _ in range(frames):
            n = np.arange(FRAME_SAMPLES)
            angle = self.phase + 2 * math.pi * frequency * n / SAMPLE_RATE
            self.phase = (self.phase + 2 * math.pi * frequency * FRAME_SAMPLES / SAMPLE_RATE) % (
                2 * math.pi
            )
            samples = np.round(amplitude * np.sin(angle)).astype(np.int16)
            packets.append(self.packet(law.encode(samples).tobytes()))
        return packets

    def packet(self, payload: bytes, *, payload_type: int | None = None) -> RtpPacket:
        packet = RtpPacket(
            payload_type=self.payload_type if payload_type is None else payload_type,
            sequence_number=self.sequence & 0xFFFF,
            timestamp=self.timestamp & 0xFFFFFFFF,
            ssrc=self.ssrc,
            payload=payload,
        )
        self.sequence += 1
        self.timestamp += len(payload)
        return packet

    async def stream(self, packets: Sequence[RtpPacket], *, interval: float = 0.020) -> None:
        """Send `packets` paced on an absolute schedule, as a phone would."""
        loop = asyncio.get_running_loop()
        start = loop.time()
        for index, packet in enumerate(packets):
            delay = start + index * interval - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            self.send(packet)

    # --- receiving -----------------------------------------------------------------------

    async def wait_packets(
        self,
        count: int,
        *,
        timeout: float = 2.0,
        where: Callable[[RtpPacket], bool] = lambda packet: True,
    ) -> list[RtpPacket]:
        """Wait until `count` packets (matching `where`) have arrived; return them."""

        async def enough() -> list[RtpPacket]:
            while True:
                matching = [r.packet for r in self.received if where(r.packet)]
                if len(matching) >= count:
                    return matching
                self._arrived.clear()
                await self._arrived.wait()

        return await asyncio.wait_for(enough(), timeout)

    def audio(self, *, payload_type: int | None = None) -> Samples:
        """The decoded audio of what arrived, in arrival order."""
        pt = self.payload_type if payload_type is None else payload_type
        law = BY_PAYLOAD_TYPE[pt]
        payloads = b"".join(r.packet.payload for r in self.received if r.packet.payload_type == pt)
        return law.decode(np.frombuffer(payloads, np.uint8))


def sounding(packet: RtpPacket) -> bool:
    """Whether a packet carries sound rather than a silence frame (one repeated code)."""
    return len(set(packet.payload)) > 1


async def open_far_end(name: str, *, payload_type: int = 0) -> FarEnd:
    loop = asyncio.get_running_loop()
    far = FarEnd(name, payload_type=payload_type, ssrc=zlib.crc32(name.encode()))
    await loop.create_datagram_endpoint(lambda: far, local_addr=(HOST, 0))
    return far


@dataclass
class Harness:
    """A running engine and the phones opened against it (closed at the end)."""

    engine: AsyncioMediaEngine
    phones: list[FarEnd] = field(default_factory=list)

    async def phone(self, *, payload_type: int = 0, name: str = "phone") -> FarEnd:
        """A far end that is not (yet) behind any endpoint."""
        far = await open_far_end(name, payload_type=payload_type)
        self.phones.append(far)
        return far

    async def leg(self, name: str, *, payload_type: int = 0, dtmf: int | None = DTMF_PT) -> FarEnd:
        """Open an engine endpoint and a phone behind it, connected both ways."""
        far = await self.phone(payload_type=payload_type, name=name)
        far.engine_port = await self.engine.open(name)
        self.engine.connect(name, far.remote(dtmf=dtmf))
        return far


@asynccontextmanager
async def running_engine(
    *,
    inactivity_timeout: float | None = 30.0,
    ringback_tone: Tone = EUROPEAN_RINGBACK,
    ports: tuple[int, int] = PORTS,
) -> AsyncIterator[Harness]:
    engine = AsyncioMediaEngine(
        HOST, ports, inactivity_timeout, ringback_tone=ringback_tone, rng=random.Random(7)
    )
    await engine.start()
    harness = Harness(engine)
    try:
        yield harness
    finally:
        await engine.stop()
        for far in harness.phones:
            far.close()
        await asyncio.sleep(0)  # let the transports finish closing


# --- spectrum ----------------------------------------------------------------------------


def band_share(samples: Samples, frequency: float, *, width: float = 25.0) -> float:
    """The share of the signal's energy within `width` Hz of `frequency`."""
    signal = samples.astype(np.float64)
    if len(signal) < FRAME_SAMPLES or not np.any(signal):
        return 0.0
    spectrum: npt.NDArray[np.float64] = np.abs(np.fft.rfft(signal * np.hanning(len(signal)))) ** 2
    freqs = np.fft.rfftfreq(len(signal), 1 / SAMPLE_RATE)
    band = np.abs(freqs - frequency) <= width
    return float(spectrum[band].sum() / spectrum.sum())


def peak_frequency(samples: Samples) -> float:
    signal = samples.astype(np.float64)
    spectrum = np.abs(np.fft.rfft(signal * np.hanning(len(signal))))
    freqs = np.fft.rfftfreq(len(signal), 1 / SAMPLE_RATE)
    return float(freqs[int(np.argmax(spectrum))])


def rms(samples: Samples) -> float:
    return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2))) if len(samples) else 0.0
