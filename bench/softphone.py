"""Softphone gateway cost: CPU and memory per Banner agent in a call, of `SoftphoneGateway`.

A Banner agent in a call is one WebRTC session in the gateway (`runtime/softphone.py`:
an aiortc `RTCPeerConnection`, DTLS-SRTP over ICE, bridged to the media engine by
G.711 RTP on loopback), with audio both ways:

* the call's audio: the media engine sends 50 PCMU packets/s (20 ms of a 400 Hz tone)
  to the session's loopback UDP port; the gateway queues them, and aiortc encodes one
  frame every 20 ms (PCMU or Opus) and sends it to the browser over SRTP;
* the agent's voice: the browser sends 50 frames/s (a tone) over SRTP; aiortc decodes
  them, the gateway resamples to 8 kHz if needed and sends them as PCMU RTP to the
  media engine's endpoint.

Processes: the gateway runs in this script's main process, on an event loop that does
nothing else, each offer answered by the real `SoftphoneGateway.answer()` and the
session wired as `CallServer.softphone_offer` does (its `target` set to the engine
endpoint's address). The *browsers* (aiortc peers: an offer, a tone track sent, the
gateway's track read) and the *media engine endpoints* (one UDP socket per agent,
sending PCMU RTP on schedule, the agents' send times spread evenly over the 20 ms)
live in `--workers` load-generator processes (this script with `--worker`, spawned),
the agents dealt out between them; offers, answers and ports go over their stdin and
stdout as JSON lines. The generator does at least the gateway's work per agent (the
same aiortc work, plus the endpoints and the counting): on a 2-core machine it runs
out of CPU before the gateway does, so its CPU and lag are printed with each row, and
a row where it (or the machine) could not keep up says so.

Codecs (`--codecs`): `pcmu`: the browser offers aiortc's list, Opus first as Chromium
does, and the gateway picks PCMU (its `setCodecPreferences`), so no transcoding but
G.711; `opus`: the browser offers Opus only (a browser without G.711), so the gateway
decodes 48 kHz stereo Opus and resamples it, and encodes Opus towards the browser.
Each row prints the codec read from the gateway's SDP answer.

Figures, over a fixed window after a warm-up (defaults 10 s after 2 s):

* CPU of the main process by `time.process_time()` (all its threads: aiortc decodes
  in one thread per session and encodes in the loop's default executor): % of one
  core per agent, and µs per agent per 20 ms, i.e. for one frame each way (the two
  directions are not told apart); the user/system split;
* resident memory per session: VmRSS with the N sessions up, minus VmRSS before they
  were opened (after a full collection), over N. One-off costs (codec libraries' first
  use) are paid by a short round before the first row; a row may reuse memory the
  previous row freed, so the later rows' figures are lower bounds;
* quality, towards the browsers and towards the engine: frames (packets) received per
  agent per second (~50); *heard*: the call's audio the browsers heard (frames carrying
  the tone, not the gateway's silence fill) over the packets the engine sent in the
  window, and the RTP packets the engine received over the frames the browsers sent
  (both counted by when they were sent and arrived; the window's edges move this by
  about ±0.2 %, more when the generator lagged); *lost*: gaps in the RTP timestamps
  (frame pts) of what arrived; *late*: more than 40 ms behind the stream's earliest
  arrival, relative to its timestamps (delay variation beyond what a jitter buffer
  absorbs without a glitch). Arrivals are timed in the generator, so a lagging
  generator shows up here too;
* the generator's CPU (% of one core per process) and lag: how far behind schedule the
  engine endpoints sent and the browsers' voice frames were paced (p99, max); and the
  whole machine's busy cores over the window (/proc/stat), this benchmark's share.
  Flagged: the gateway's process over 90 % of a core (its CPU per agent is then a
  lower bound), a generator process over 90 % of a core or lagging more than 5 ms at
  p99, the machine over 90 % busy: the quality figures are then not the gateway's.

Sizes: in trial runs the gateway took ~5 % of a core per agent and the generator a
little more, so on the 2-core development machine the two fill the cores at about 20
agents: hence the default sizes. `--agents 10 25 50` needs 4 cores or more (and
`--workers 3`); on 2 cores those rows come out flagged.

Run: `.venv/bin/python bench/softphone.py [--agents 5 10 20] [--codecs pcmu opus]
[--window 10] [--warmup 2] [--workers 2]` (about 1.5 minutes with the defaults).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fractions
import gc
import json
import os
import random
import resource
import struct
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import av
import numpy as np
from aiortc import MediaStreamTrack, RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.rtcrtpsender import RTCRtpSender

from support import rss_kb
from switchboard.rtp.g711 import PCMU
from switchboard.runtime.softphone import SoftphoneGateway, restrict_ice_addresses

HOST = "127.0.0.1"
PERIOD = 0.020
LATE_AFTER = 0.040
TAIL = 0.5  # seconds after the window for the last frames to arrive
TONE_HZ = 400  # whole periods in 20 ms at 8 and 48 kHz: one frame repeats seamlessly
AUDIBLE = 1000  # a frame whose peak is above this carries the tone (amplitude 8000)
SATURATED_CPU = 0.9
SATURATED_LAG_MS = 5.0
CONNECT_TIMEOUT = 30.0
RTP_HEADER = struct.Struct("!BBHII")


def tone(rate: int) -> bytes:
    """One 20 ms frame of the test tone, s16 mono."""
    t = np.arange(int(rate * PERIOD)) / rate
    return (8000 * np.sin(2 * np.pi * TONE_HZ * t)).astype("<i2").tobytes()


def machine_busy() -> float:
    """CPU seconds the whole machine has spent busy so far, all cores (/proc/stat)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


# --- the load generator (its own processes) ---------------------------------------------


@dataclass
class Window:
    start: float
    end: float

    def __contains__(self, moment: float) -> bool:
        return self.start <= moment < self.end


class Arrivals:
    """One stream's arrivals during the window: when, and where in the stream (its
    timestamp), to count gaps and delay variation."""

    def __init__(self) -> None:
        self.arrived: list[float] = []
        self.stamps: list[float] = []  # stream time (s) relative to the first arrival's
        self.audible = 0
        self._first: int | None = None
        self._modulo = 1 << 32

    def add(self, arrived: float, timestamp: int, clock_rate: float) -> None:
        if self._first is None:
            self._first = timestamp
        offset = (timestamp - self._first) % self._modulo
        if offset >= self._modulo // 2:
            offset -= self._modulo  # reordered before the first: negative
        self.arrived.append(arrived)
        self.stamps.append(offset / clock_rate)

    def summary(self) -> dict[str, int]:
        if not self.arrived:
            return {"received": 0, "expected": 0, "late": 0, "audible": 0, "dead": 1}
        expected = round((max(self.stamps) - min(self.stamps)) / PERIOD) + 1
        delays = [a - s for a, s in zip(self.arrived, self.stamps, strict=True)]
        earliest = min(delays)
        late = sum(1 for d in delays if d - earliest > LATE_AFTER)
        return {
            "received": len(self.arrived),
            "expected": expected,
            "late": late,
            "audible": self.audible,
            "dead": 0,
        }


class Voice(MediaStreamTrack):
    """The browser's microphone: a tone, one frame per 20 ms, paced like `CallAudio`."""

    kind = "audio"

    def __init__(self, rate: int, meter: VoiceMeter) -> None:
        super().__init__()
        self.rate = rate
        self.samples = int(rate * PERIOD)
        self.pcm = tone(rate)
        self.meter = meter
        self._pts = 0
        self._start: float | None = None

    async def recv(self) -> av.AudioFrame:
        loop = asyncio.get_running_loop()
        if self._start is None:
            self._start = loop.time()
        else:
            self._pts += self.samples
            due = self._start + self._pts / self.rate
            if due > loop.time():
                await asyncio.sleep(due - loop.time())
            self.meter.frame(due, loop.time() - due)
        frame = av.AudioFrame(format="s16", layout="mono", samples=self.samples)
        frame.planes[0].update(self.pcm)
        frame.sample_rate = self.rate
        frame.pts = self._pts
        frame.time_base = fractions.Fraction(1, self.rate)
        return frame


@dataclass
class VoiceMeter:
    """The browsers' voice frames sent during the window, and how late their pacing was."""

    window: Window | None = None
    sent: int = 0
    lags: list[float] = field(default_factory=list)

    def frame(self, due: float, lag: float) -> None:
        if self.window is None:
            return
        if due + lag in self.window:  # counted when sent: what can arrive in the window
            self.sent += 1
        if due in self.window:
            self.lags.append(lag)


class EngineEndpoint(asyncio.DatagramProtocol):
    """The media engine's endpoint of one agent's line: receives the agent's voice."""

    def __init__(self) -> None:
        self.transport: asyncio.DatagramTransport | None = None
        self.window: Window | None = None
        self.arrivals = Arrivals()

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        arrived = time.monotonic()
        if self.window is None or arrived not in self.window or len(data) < RTP_HEADER.size:
            return
        _, payload_type, _, timestamp, _ = RTP_HEADER.unpack_from(data)
        if payload_type & 0x7F == PCMU.payload_type:
            self.arrivals.add(arrived, timestamp, 8000)


class Agent:
    """One Banner agent, as the server sees it from outside: the browser's peer
    connection and the media engine's endpoint for its line."""

    def __init__(self, codec: str, meter: VoiceMeter) -> None:
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.voice = Voice(48000 if codec == "opus" else 8000, meter)
        transceiver = self.pc.addTransceiver(self.voice, direction="sendrecv")
        if codec == "opus":
            codecs = RTCRtpSender.getCapabilities("audio").codecs
            transceiver.setCodecPreferences([c for c in codecs if c.mimeType == "audio/opus"])
        self.endpoint = EngineEndpoint()
        self.gateway: tuple[str, int] | None = None  # the session's port, for the call's audio
        self.heard = Arrivals()
        self.window: Window | None = None
        self._reader: asyncio.Task[None] | None = None

        @self.pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            self._reader = asyncio.get_running_loop().create_task(self._listen(track))

    async def _listen(self, track: MediaStreamTrack) -> None:
        with contextlib.suppress(Exception):  # MediaStreamError when the session ends
            while True:
                frame = await track.recv()
                arrived = time.monotonic()
                if not isinstance(frame, av.AudioFrame) or self.window is None:
                    continue
                if arrived not in self.window or frame.pts is None or frame.time_base is None:
                    continue
                self.heard.add(arrived, frame.pts, float(1 / frame.time_base))
                if int(frame.to_ndarray().max()) > AUDIBLE:
                    self.heard.audible += 1

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
        if self.endpoint.transport is not None:
            self.endpoint.transport.close()
        await self.pc.close()


class Generator:
    """A load-generator process's agents, driven by the main process's requests."""

    def __init__(self) -> None:
        self.agents: dict[str, Agent] = {}
        self.meter = VoiceMeter()

    async def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        op = request["op"]
        if op == "offer":
            return await self.offer(request["agent"], request["codec"])
        if op == "answer":
            agent = self.agents[request["agent"]]
            agent.gateway = (HOST, request["port"])
            await agent.pc.setRemoteDescription(
                RTCSessionDescription(sdp=request["sdp"], type="answer")
            )
            return {}
        if op == "connected":
            return {"connected": await self.connected(request["timeout"])}
        if op == "run":
            return await self.run(request["t0"], request["warmup"], request["window"])
        if op == "close":
            await asyncio.gather(*(agent.close() for agent in self.agents.values()))
            self.agents.clear()
            self.meter = VoiceMeter()
            return {}
        raise ValueError(f"unknown request {op!r}")

    async def offer(self, name: str, codec: str) -> dict[str, Any]:
        agent = Agent(codec, self.meter)
        self.agents[name] = agent
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: agent.endpoint, local_addr=(HOST, 0)
        )
        agent.endpoint.transport = transport
        await agent.pc.setLocalDescription(await agent.pc.createOffer())
        return {
            "sdp": agent.pc.localDescription.sdp,
            "port": transport.get_extra_info("sockname")[1],
        }

    async def connected(self, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            states = [agent.pc.connectionState for agent in self.agents.values()]
            if all(state == "connected" for state in states):
                break
            await asyncio.sleep(0.05)
        return sum(1 for a in self.agents.values() if a.pc.connectionState == "connected")

    async def run(self, t0: float, warmup: float, length: float) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        window = Window(t0 + warmup, t0 + warmup + length)
        self.meter.window = window
        for agent in self.agents.values():
            agent.window = window
            agent.endpoint.window = window
        send_lags: list[float] = []
        sent = [0]
        sender = loop.create_task(self.send_call_audio(t0, window, send_lags, sent))
        await asyncio.sleep(max(0.0, window.start - loop.time()))
        cpu = time.process_time()
        await asyncio.sleep(max(0.0, window.end - loop.time()))
        cpu = time.process_time() - cpu
        await asyncio.sleep(max(0.0, window.end + TAIL - loop.time()))
        await sender
        heard = [agent.heard.summary() for agent in self.agents.values()]
        engine = [agent.endpoint.arrivals.summary() for agent in self.agents.values()]
        return {
            "cpu": cpu,
            "sent": sent[0],
            "send_lag_p99": percentile(send_lags, 0.99) * 1000,
            "send_lag_max": max(send_lags, default=0.0) * 1000,
            "voice_sent": self.meter.sent,
            "voice_lag_p99": percentile(self.meter.lags, 0.99) * 1000,
            "voice_lag_max": max(self.meter.lags, default=0.0) * 1000,
            "heard": {key: sum(s[key] for s in heard) for key in heard[0]},
            "engine": {key: sum(s[key] for s in engine) for key in engine[0]},
        }

    async def send_call_audio(
        self, t0: float, window: Window, lags: list[float], sent: list[int]
    ) -> None:
        """The media engine's side of the calls: each endpoint sends a PCMU packet every
        20 ms to its session's port, the endpoints' send times spread over the 20 ms.
        Counts in `sent` the packets sent during the window, in `lags` how late those
        due in it went out."""
        agents = list(self.agents.values())
        payload = PCMU.encode_bytes(tone(8000))
        ssrc = [random.getrandbits(32) for _ in agents]
        seq = [random.getrandbits(16) for _ in agents]
        ts = [random.getrandbits(32) for _ in agents]
        spacing = PERIOD / len(agents)
        base, index = t0, 0
        while True:
            now = time.monotonic()
            while (due := base + index * spacing) <= now:
                if due >= window.end:
                    return
                agent = agents[index]
                header = RTP_HEADER.pack(
                    0x80, PCMU.payload_type, seq[index], ts[index], ssrc[index]
                )
                assert agent.endpoint.transport is not None and agent.gateway is not None
                agent.endpoint.transport.sendto(header + payload, agent.gateway)
                if due in window:
                    lags.append(now - due)
                if now in window:
                    sent[0] += 1
                seq[index] = (seq[index] + 1) & 0xFFFF
                ts[index] = (ts[index] + 160) & 0xFFFFFFFF
                index += 1
                if index == len(agents):
                    index, base = 0, base + PERIOD
            await asyncio.sleep(max(0.0, base + index * spacing - time.monotonic()))


async def worker_main() -> None:
    """A load-generator process: JSON requests on stdin, one JSON reply line each."""
    restrict_ice_addresses([HOST])
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    generator = Generator()
    while line := await reader.readline():
        reply = await generator.handle(json.loads(line))
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()
    await generator.handle({"op": "close"})


# --- the measured process ------------------------------------------------------------------


class Worker:
    """A spawned load-generator process, driven over its stdin/stdout."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lock = asyncio.Lock()

    @classmethod
    async def spawn(cls) -> Worker:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(Path(__file__).resolve()),
            "--worker",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        return cls(process)

    async def call(self, **request: Any) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        async with self.lock:
            self.process.stdin.write(json.dumps(request).encode() + b"\n")
            await self.process.stdin.drain()
            line = await self.process.stdout.readline()
        if not line:
            raise RuntimeError("a load-generator process died (see its stderr above)")
        reply: dict[str, Any] = json.loads(line)
        return reply

    async def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            await asyncio.wait_for(self.process.wait(), 10)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


def negotiated_codec(answer: str) -> str:
    """The codec the answer's audio m-line puts first: the one both sides send."""
    lines = answer.splitlines()
    media = next(line for line in lines if line.startswith("m=audio "))
    first = media.split()[3]
    for line in lines:
        if line.startswith(f"a=rtpmap:{first} "):
            return line.split()[1]
    return f"payload type {first}"


@dataclass
class Row:
    codec: str
    negotiated: str
    agents: int
    window: float
    cpu: float
    user: float
    system: float
    rss_kb: int
    threads: int
    setup: float
    machine: float  # CPU seconds, all cores, all processes, over the window
    workers: list[dict[str, Any]]

    def total(self, side: str, key: str) -> int:
        return sum(int(worker[side][key]) for worker in self.workers)

    @property
    def cpu_per_agent(self) -> float:
        """% of one core per agent."""
        return 100 * self.cpu / self.window / self.agents

    @property
    def us_per_period(self) -> float:
        """CPU µs per agent per 20 ms: one frame each way."""
        return 1e6 * self.cpu / (self.agents * self.window / PERIOD)

    def per_second(self, side: str) -> float:
        return self.total(side, "received") / self.agents / self.window

    def share(self, side: str, key: str) -> float:
        if key == "lost":
            expected = self.total(side, "expected")
            return 100 * (expected - self.total(side, "received")) / max(1, expected)
        return 100 * self.total(side, key) / max(1, self.total(side, "received"))


async def measure(
    all_workers: list[Worker], codec: str, agents: int, warmup: float, window: float
) -> Row:
    """N sessions in the gateway, the load run over them, the gateway's cost measured."""
    workers = all_workers[:agents]  # every generator process used has agents
    gc.collect()
    rss_before = rss_kb(os.getpid())
    gateway = SoftphoneGateway()
    negotiated: set[str] = set()
    started = time.monotonic()
    try:
        for number in range(agents):
            worker = workers[number % len(workers)]
            name = f"agent{number}"
            offer = await worker.call(op="offer", agent=name, codec=codec)
            # as CallServer.softphone_offer: answer, then wire the line to its endpoint
            session, answer = await gateway.answer(name, offer["sdp"])
            session.target = (HOST, offer["port"])
            negotiated.add(negotiated_codec(answer))
            await worker.call(op="answer", agent=name, sdp=answer, port=session.port)
        replies = await asyncio.gather(
            *(worker.call(op="connected", timeout=CONNECT_TIMEOUT) for worker in workers)
        )
        connected = sum(reply["connected"] for reply in replies)
        if connected < agents:
            raise RuntimeError(f"only {connected} of {agents} sessions connected")
        setup = time.monotonic() - started
        loop = asyncio.get_running_loop()
        t0 = time.monotonic() + 0.2  # CLOCK_MONOTONIC: the same clock in every process
        runs = [
            asyncio.ensure_future(worker.call(op="run", t0=t0, warmup=warmup, window=window))
            for worker in workers
        ]
        await asyncio.sleep(max(0.0, t0 + warmup - loop.time()))
        cpu, usage = time.process_time(), resource.getrusage(resource.RUSAGE_SELF)
        machine = machine_busy()
        await asyncio.sleep(max(0.0, t0 + warmup + window - loop.time()))
        cpu, after = time.process_time() - cpu, resource.getrusage(resource.RUSAGE_SELF)
        machine = machine_busy() - machine
        rss = rss_kb(os.getpid())
        threads = threading.active_count()
        reports = await asyncio.gather(*runs)
    finally:
        await gateway.close()
        await asyncio.gather(*(worker.call(op="close") for worker in workers))
    return Row(
        codec=codec,
        negotiated="/".join(sorted(negotiated)),
        agents=agents,
        window=window,
        cpu=cpu,
        user=after.ru_utime - usage.ru_utime,
        system=after.ru_stime - usage.ru_stime,
        rss_kb=rss - rss_before,
        threads=threads,
        setup=setup,
        machine=machine,
        workers=reports,
    )


HEADER = (
    f"{'codec':6} {'negotiated':13} {'agents':>6} {'CPU/agent':>9} {'µs/20ms':>8}"
    f" {'RSS/agent':>10} | {'frames/s':>8} {'heard':>7} {'lost':>7} {'late':>7}"
    f" | {'pkts/s':>6} {'heard':>7} {'lost':>7} {'late':>7}"
)
SUPERHEADER = f"{'':30}{'the gateway (main process)':<38}| {'to the browsers':<32}| to the engine"


def report(row: Row) -> list[str]:
    """The row's table line, a line of details, and warnings when the load was off."""
    workers = row.workers
    gen_cpu = [100 * w["cpu"] / row.window for w in workers]
    main_cpu = 100 * row.cpu / row.window
    send_p99 = max(w["send_lag_p99"] for w in workers)
    voice_p99 = max(w["voice_lag_p99"] for w in workers)
    lag = max(send_p99, voice_p99)
    # the call's audio the browsers heard, of what the engine sent; the browsers' voice
    # the engine received, of what the browsers sent
    audio = 100 * row.total("heard", "audible") / max(1, sum(w["sent"] for w in workers))
    voice = 100 * row.total("engine", "received") / max(1, sum(w["voice_sent"] for w in workers))
    ours = (row.cpu + sum(w["cpu"] for w in workers)) / row.window
    cores = os.cpu_count() or 1
    busy = row.machine / row.window
    user_share = 100 * row.user / max(1e-9, row.user + row.system)
    lines = [
        f"{row.codec:6} {row.negotiated:13} {row.agents:6d} {row.cpu_per_agent:7.3f} %"
        f" {row.us_per_period:8.1f} {row.rss_kb / row.agents:7.0f} KB"
        f" | {row.per_second('heard'):8.1f} {audio:5.1f} % {row.share('heard', 'lost'):5.2f} %"
        f" {row.share('heard', 'late'):5.2f} %"
        f" | {row.per_second('engine'):6.1f} {voice:5.1f} % {row.share('engine', 'lost'):5.2f} %"
        f" {row.share('engine', 'late'):5.2f} %",
        f"{'':7}main {main_cpu:.0f} % of a core (user/system"
        f" {user_share:.0f}/{100 - user_share:.0f},"
        f" {row.threads} threads, {row.agents} sessions set up in {row.setup:.1f} s);"
        f" generator {' + '.join(f'{c:.0f}' for c in gen_cpu)} % of a core, lag p99"
        f" {send_p99:.1f} ms (engine sends, max {max(w['send_lag_max'] for w in workers):.1f}),"
        f" {voice_p99:.1f} ms (browser voice, max {max(w['voice_lag_max'] for w in workers):.1f});"
        f" machine {busy:.2f} of {cores} cores busy, {ours:.2f} by this benchmark",
    ]
    dead = row.total("heard", "dead") + row.total("engine", "dead")
    if dead:
        lines.append(f"{'':7}{dead} stream(s) received nothing during the window")
    if main_cpu > 100 * SATURATED_CPU:
        lines.append(
            f"{'':7}GATEWAY SATURATED: its process used {main_cpu:.0f} % of a core; the CPU per"
            " agent is a lower bound and the quality figures show what the agents would hear"
        )
    if max(gen_cpu) > 100 * SATURATED_CPU:
        lines.append(
            f"{'':7}GENERATOR SATURATED (a process over {100 * SATURATED_CPU:.0f} % of a core):"
            " the quality figures are not the gateway's; give it more --workers (and cores)"
        )
    elif lag > SATURATED_LAG_MS:
        lines.append(
            f"{'':7}GENERATOR LAGGING ({lag:.0f} ms at p99, over {SATURATED_LAG_MS:g}) with CPU to"
            " spare: it waited for a core; the quality figures are not the gateway's"
        )
    if busy > SATURATED_CPU * cores:
        others = max(0.0, busy - ours)
        lines.append(
            f"{'':7}MACHINE SATURATED: {busy:.2f} of {cores} cores busy ({others:.2f} by other"
            " processes): every figure is inflated by the shared cores"
        )
    return lines


async def main_async(args: argparse.Namespace) -> None:
    restrict_ice_addresses([HOST])
    workers = [await Worker.spawn() for _ in range(args.workers)]
    try:
        # One-off costs (codec libraries' first use, aiortc's lazy imports) before any row.
        for codec in args.codecs:
            await measure(workers, codec, 2, 0.5, 0.5)
        print(
            f"{args.workers} load-generator process(es); {args.warmup:g} s warm-up,"
            f" {args.window:g} s window; late = over {LATE_AFTER * 1000:.0f} ms behind the"
            " stream's earliest arrival"
        )
        print(SUPERHEADER)
        print(HEADER)
        for codec in args.codecs:
            for agents in args.agents:
                row = await measure(workers, codec, agents, args.warmup, args.window)
                print("\n".join(report(row)), flush=True)
    finally:
        for worker in workers:
            await worker.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, nargs="+", default=[5, 10, 20])
    parser.add_argument("--codecs", nargs="+", choices=["pcmu", "opus"], default=["pcmu", "opus"])
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--window", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2, help="load-generator processes")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    asyncio.run(worker_main() if args.worker else main_async(args))


if __name__ == "__main__":
    main()
