"""Memory per bridged call: resident memory of the process holding N calls, over a soak.

Target (DESIGN §6): at most 100 KB per bridged call, flat over a 5-minute soak.

A bridged call is a customer on the phone with an agent, audio both ways through our
media engine. Setup, on loopback, every process started (and stopped) by this script:

* the *process measured*, spawned: `--target server` (default), the `CallServer` as
  `switchboard serve` runs it, with a generated tenant of agents on SIP phones, all
  logged in (the HTTP API and its WebSockets are left out: they hold state per agent,
  not per call), its store a SQLite file; or `--target b2bua`, `runtime/b2bua.py`
  bridging every call to one outbound leg, as in the interop tests. Either way each
  call has two SIP legs and two media endpoints, bridged;
* the *agents' phones*: sipp's built-in UAS with `-rtp_echo`, which sends every RTP
  packet back. For the server, every agent's extension is first registered (digest
  auth, by our own SIP user agent) from the UDP port sipp then listens on, so the
  server rings the agents there, and sipp answers at once;
* the *customers*: sipp (UAC) calling the queue's number, each call streaming 20 ms
  PCMU (`rtp_stream`, a looped tone) for `--hold` seconds, then hanging up. sipp keeps
  `--calls` calls up (`-l`): by default each call lasts the whole soak; a shorter
  `--hold` makes calls end and new ones replace them (churn: what shows a leak per
  call).

Phases: 5 warm-up calls (one-off costs, imports and first-use caches, land in the
baseline) and a full garbage collection, the baseline; the calls placed at `--rate`/s;
the soak (`--seconds`, 300 by default) from the moment they are all up; the hang-ups,
`--settle` seconds (40: SIP keeps a finished UDP transaction 32 s) and a full
collection, then the "after" figure. Every `--interval` seconds: the process's VmRSS
(/proc/PID/status), the calls up, and the RTP packets/s its media engine received,
to show the audio flowed both ways (counted on the endpoints open at both samples:
with churn, it reads low).

Figures: (mean RSS over the soak - baseline) / calls = KB per call; the RSS slope
over the soak (least squares, KB/min); RSS after the hang-ups against the baseline.
`--tracemalloc` adds the Python heap (traced in the measured process) per call, its
slope, and the source lines where it grew most; it triples the CPU and its own
bookkeeping inflates RSS, so take the RSS figures from a run without it. Kernel
socket buffers (two UDP sockets per call) are kernel memory, outside RSS.

Run: `.venv/bin/python bench/call_memory.py [--target server|b2bua] [--calls 100]
[--seconds 300] [--hold S] [--tracemalloc]`; a quick run: `--calls 20 --seconds 30`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import itertools
import logging
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from multiprocessing import get_context
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import numpy as np

from support import pipe_recv, process_cpu, rss_kb
from switchboard.config.model import Tenant
from switchboard.config.passwords import sip_credentials
from switchboard.core import commands as cmd
from switchboard.core.call import CallState
from switchboard.media.engine import MediaError
from switchboard.media.rtp_engine import AsyncioMediaEngine
from switchboard.rtp.g711 import PCMU
from switchboard.runtime.b2bua import B2bua, Target
from switchboard.runtime.server import CallServer, ServerOptions
from switchboard.runtime.sip_endpoint import SipEndpoint
from switchboard.sip.registration import RegistrationChanged
from switchboard.sip.transaction import Peer
from switchboard.sip.ua import IncomingCall, UserAgent
from switchboard.sip.uri import parse_uri
from switchboard.store.store import Store

HOST = "127.0.0.1"
RTP_PORTS = (22000, 23999)  # below the ephemeral ports, clear of the other benchmarks
TARGET_KB = 100.0
WARMUP_CALLS = 5
QUEUE_NUMBER = "+18005550100"
PHONE_PASSWORD = "phone-pw"  # noqa: S105 (every generated agent's phone, on loopback)

CUSTOMER = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="customer on the phone">
  <send retrans="500"><![CDATA[
INVITE sip:SERVICE@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "Customer" <sip:+3361[call_number]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:SERVICE@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:sipp@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000
]]></send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rtd="true"/>
  <send><![CDATA[
ACK sip:SERVICE@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "Customer" <sip:+3361[call_number]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:SERVICE@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0
]]></send>
  <nop><action><exec rtp_stream="TONE,-1,0"/></action></nop>
  <pause milliseconds="HOLD_MS"/>
  <send retrans="500"><![CDATA[
BYE sip:SERVICE@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "Customer" <sip:+3361[call_number]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:SERVICE@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 2 BYE
Max-Forwards: 70
Content-Length: 0
]]></send>
  <recv response="200"/>
</scenario>
"""


# --- the process measured -----------------------------------------------------------------


def memory_tenant(agents: int, password: str) -> Tenant:
    """One queue, `agents` agents on SIP phones (all reached at sipp's UAS), a short
    post-interaction so that agents are free again soon after a call."""
    realm = "switchboard"
    return Tenant.model_validate(
        {
            "settings": {"sip_realm": realm, "sip_digest": ["MD5"]},
            "profiles": [
                {
                    "id": "agent",
                    "name": "Agent",
                    "post_interaction": 1,
                    "auto_pause_after_misses": None,
                }
            ],
            "queues": [{"id": "sales", "name": "Sales", "offer_timeout": 30}],
            "agents": [
                {
                    "id": f"agent{i:03d}",
                    "name": f"Agent {i}",
                    # Nobody logs in over the API here: any argon2 hash will do.
                    "password_hash": "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA",
                    "extension": str(3000 + i),
                    "profile": "agent",
                    "device": "sip_phone",
                    "queues": [{"queue": "sales"}],
                    "sip": sip_credentials(str(3000 + i), realm, password).model_dump(),
                }
                for i in range(agents)
            ],
            "inbound_numbers": [{"number": QUEUE_NUMBER, "queue": "sales"}],
        }
    )


def server_sample(server: CallServer) -> dict[str, Any]:
    telephony = server.telephony
    endpoints = [m.remote.endpoint for m in telephony.calls.values() if m.remote is not None]
    endpoints += [line.endpoint for line in telephony.lines.values()]
    calls = server.center.calls.values()
    return {
        "up": sum(1 for c in calls if c.state is CallState.CONNECTED),
        "known": len(server.center.calls),
        "packets": packets_in(server.media, endpoints),
    }


def b2bua_sample(b2bua: B2bua, media: AsyncioMediaEngine) -> dict[str, Any]:
    live = [c for c in b2bua.calls if not c.ended]
    return {
        "up": sum(1 for c in live if c.answered),
        "known": len(b2bua.calls),
        "packets": packets_in(media, [e for c in live for e in (c.endpoint_in, c.endpoint_out)]),
    }


def packets_in(media: AsyncioMediaEngine, endpoints: list[str]) -> dict[str, int]:
    counts = {}
    for endpoint in endpoints:
        with contextlib.suppress(MediaError):  # not open yet, or just closed
            counts[endpoint] = media.stats(endpoint).packets_in
    return counts


async def answer_samples(conn: Connection, sample: Callable[[], dict[str, Any]]) -> None:
    """Answer the parent: "sample"; "collect" (a full GC); with tracemalloc on, "mark"
    (keep a snapshot) and "growth" (where the heap grew most since the mark); None ends."""
    mark: tracemalloc.Snapshot | None = None
    while (request := await pipe_recv(conn)) is not None:
        if request == "collect":
            conn.send(gc.collect())
        elif request == "mark":
            mark = tracemalloc.take_snapshot() if tracemalloc.is_tracing() else None
            conn.send(None)
        elif request == "growth":
            conn.send(heap_growth(mark))
        else:
            reply = sample()
            tracing = tracemalloc.is_tracing()
            reply["traced"] = tracemalloc.get_traced_memory()[0] if tracing else None
            conn.send(reply)


def heap_growth(mark: tracemalloc.Snapshot | None) -> list[str]:
    """The source lines whose allocations still alive grew most since `mark`."""
    if mark is None or not tracemalloc.is_tracing():
        return []
    ignore = [tracemalloc.Filter(False, tracemalloc.__file__)]
    now = tracemalloc.take_snapshot().filter_traces(ignore)
    stats = now.compare_to(mark.filter_traces(ignore), "lineno")
    return [str(stat) for stat in stats[:12] if stat.size_diff > 0]


async def run_server(conn: Connection, job: dict[str, Any]) -> None:
    """`CallServer` as `switchboard serve` runs it (without the HTTP API, which holds
    nothing per call), every agent logged in."""
    workdir = Path(job["workdir"])
    tenant = memory_tenant(job["agents"], PHONE_PASSWORD)
    store = Store.open(f"sqlite:///{workdir / 'memory.db'}")
    server = CallServer(
        tenant,
        store,
        ServerOptions(
            sip_host=HOST, sip_port=0, rtp_ports=RTP_PORTS, recordings=workdir / "recordings"
        ),
    )
    try:
        await server.start()
        for agent in tenant.agents:
            await server.submit(cmd.Login(agent.id))
        conn.send({"sip": server.sip_port})
        await answer_samples(conn, lambda: server_sample(server))
    finally:
        await server.stop(grace=2.0)
        store.close()


async def run_b2bua(conn: Connection, job: dict[str, Any]) -> None:
    """`runtime/b2bua.py`: every call bridged to sipp's UAS."""
    callee_port = job["callee_port"]
    target = Target(parse_uri(f"sip:agent@{HOST}:{callee_port}"), Peer(HOST, callee_port))

    def route(_: IncomingCall) -> Target:
        return target

    media = AsyncioMediaEngine(HOST, RTP_PORTS, inactivity_timeout=None)
    await media.start()
    endpoint = SipEndpoint(
        lambda host, port: UserAgent(host, port, lambda: secrets.token_hex(8)),
        lambda event: b2bua.handle(event),
    )
    b2bua = B2bua(endpoint, media, route)
    try:
        _, port = await endpoint.start(HOST, 0, tcp=False)
        conn.send({"sip": port})
        await answer_samples(conn, lambda: b2bua_sample(b2bua, media))
    finally:
        await endpoint.stop()
        await media.stop()


def target_main(conn: Connection, job: dict[str, Any]) -> None:
    logging.basicConfig(
        filename=Path(job["workdir"]) / "measured.log",
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if job["tracemalloc"]:
        tracemalloc.start()
    run = run_server if job["target"] == "server" else run_b2bua
    asyncio.run(run(conn, job))


class Measured:
    """The process measured, spawned, driven over a pipe."""

    def __init__(self, job: dict[str, Any]) -> None:
        context = get_context("spawn")
        self.conn, child = context.Pipe()
        self.process = context.Process(target=target_main, args=(child, job), daemon=True)
        self.process.start()
        if not self.conn.poll(60):
            raise RuntimeError("the measured process did not start")
        self.sip_port: int = self.conn.recv()["sip"]

    @property
    def pid(self) -> int:
        assert self.process.pid is not None
        return self.process.pid

    def sample(self) -> dict[str, Any]:
        self.conn.send("sample")
        if not self.conn.poll(30):
            raise RuntimeError("the measured process did not answer")
        sample: dict[str, Any] = self.conn.recv()
        sample["rss_kb"] = rss_kb(self.pid)
        sample["cpu"] = process_cpu(self.pid)
        sample["at"] = time.monotonic()
        return sample

    def ask(self, request: str) -> Any:
        self.conn.send(request)
        if not self.conn.poll(60):
            raise RuntimeError(f"the measured process did not answer {request!r}")
        return self.conn.recv()

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.send(None)
        self.process.join(15)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5)


async def port_released(port: int) -> None:
    """Wait until the UDP port can be bound (asyncio closes a socket a moment after
    its transport is closed)."""
    for _ in range(100):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            try:
                sock.bind((HOST, port))
            except OSError:
                await asyncio.sleep(0.05)
                continue
            return
    raise RuntimeError(f"UDP port {port} stays taken")


async def register_phones(server_port: int, phone_port: int, agents: int) -> None:
    """Register every agent's extension from `phone_port`, where sipp's UAS will then
    answer for all of them: the server calls an agent at the address its REGISTER
    came from."""
    ids = itertools.count()
    pending = {str(3000 + i) for i in range(agents)}
    done = asyncio.Event()

    def on_event(event: object) -> None:
        if isinstance(event, RegistrationChanged) and event.registered:
            user = getattr(event.registration.aor, "user", None)
            pending.discard(str(user))
            if not pending:
                done.set()

    endpoint = SipEndpoint(lambda h, p: UserAgent(h, p, lambda: f"reg{next(ids)}"), on_event)
    await endpoint.start(HOST, phone_port, tcp=False)
    try:
        assert endpoint.ua is not None
        for extension in sorted(pending):
            _, outputs = endpoint.ua.register(
                parse_uri(f"sip:{extension}@{HOST}"),
                parse_uri(f"sip:{HOST}:{server_port}"),
                Peer(HOST, server_port),
                endpoint.clock.now(),
                credentials=(extension, PHONE_PASSWORD),
            )
            endpoint.run(outputs)
        await asyncio.wait_for(done.wait(), 30)
    finally:
        await endpoint.stop()


# --- sipp ------------------------------------------------------------------------------------


def free_port_pair() -> int:
    """An even UDP port free along with port + 2 (sipp's media and its echo's video)."""
    for _ in range(100):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as first:
            first.bind((HOST, 0))
            port: int = first.getsockname()[1]
            if port % 2 or port > 65000:
                continue
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as second:
                try:
                    second.bind((HOST, port + 2))
                except OSError:
                    continue
            return port
    raise RuntimeError("no free pair of UDP ports")


def ulaw_tone(path: Path, frequency: float, seconds: float) -> Path:
    """A µ-law WAV (format 7), which sipp's rtp_stream sends as PCMU."""
    t = np.arange(int(8000 * seconds)) / 8000.0
    codes = PCMU.encode((0.3 * 32767 * np.sin(2 * np.pi * frequency * t)).astype(np.int16))
    data = codes.tobytes()
    fmt = b"".join(
        (
            (7).to_bytes(2, "little"),  # µ-law
            (1).to_bytes(2, "little"),
            (8000).to_bytes(4, "little"),
            (8000).to_bytes(4, "little"),
            (1).to_bytes(2, "little"),
            (8).to_bytes(2, "little"),
            (0).to_bytes(2, "little"),
        )
    )
    chunks = b"fmt " + len(fmt).to_bytes(4, "little") + fmt
    chunks += b"fact" + (4).to_bytes(4, "little") + len(data).to_bytes(4, "little")
    chunks += b"data" + len(data).to_bytes(4, "little") + data
    path.write_bytes(b"RIFF" + (4 + len(chunks)).to_bytes(4, "little") + b"WAVE" + chunks)
    return path


def sipp(args: list[str], workdir: Path, name: str) -> subprocess.Popen[bytes]:
    """sipp on loopback; what it prints goes to `workdir/NAME.log`."""
    executable = shutil.which("sipp")
    assert executable is not None
    with (workdir / f"{name}.log").open("wb") as log:
        return subprocess.Popen(  # noqa: S603 (our own arguments)
            [
                executable,
                *args,
                "-i",
                HOST,
                "-mi",
                HOST,
                "-nostdin",
                "-trace_err",
                "-error_file",
                str(workdir / f"{name}-errors.log"),
            ],
            cwd=workdir,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def sipp_said(workdir: Path, name: str) -> str:
    text = ""
    for path in (workdir / f"{name}.log", workdir / f"{name}-errors.log"):
        if path.exists():
            text += path.read_text(errors="replace")
    return text[-2000:]


def callers(
    workdir: Path, b2bua_port: int, calls: int, total: int, rate: float, hold: float
) -> subprocess.Popen[bytes]:
    """sipp placing `total` calls, at most `calls` at once, each up `hold` seconds."""
    tone = ulaw_tone(workdir / "tone.wav", 1000.0, 10.0)
    scenario = workdir / "customer.xml"
    text = CUSTOMER.replace("TONE", str(tone)).replace("HOLD_MS", str(int(hold * 1000)))
    text = text.replace("SERVICE", QUEUE_NUMBER)
    scenario.write_text(text)
    args = [f"{HOST}:{b2bua_port}", "-sf", str(scenario), "-p", "0"]
    args += ["-mp", str(free_port_pair()), "-r", f"{rate:g}", "-l", str(calls)]
    args += ["-m", str(total)]
    return sipp(args, workdir, f"uac-{total}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- the run ---------------------------------------------------------------------------------

Sample = dict[str, Any]


def slope_per_minute(samples: list[Sample], key: str) -> float:
    """Least-squares slope of `key` over time, per minute."""
    if len(samples) < 3:
        return float("nan")
    t = np.array([s["at"] for s in samples])
    y = np.array([float(s[key]) for s in samples])
    return float(np.polyfit(t - t[0], y, 1)[0] * 60)


def mean(samples: list[Sample], key: str) -> float:
    return float(np.mean([float(s[key]) for s in samples]))


def rtp_rate(before: Sample, after: Sample) -> float:
    """RTP packets/s the media engine received between two samples (the endpoints
    open at both)."""
    first: dict[str, int] = before["packets"]
    last: dict[str, int] = after["packets"]
    packets = sum(last[e] - first[e] for e in first.keys() & last.keys())
    return packets / max(1e-9, float(after["at"] - before["at"]))


class Watch:
    def __init__(self, measured: Measured) -> None:
        self.measured = measured
        self.started = time.monotonic()
        self.last: Sample | None = None

    def sample(self) -> Sample:
        sample = self.measured.sample()
        rate = rtp_rate(self.last, sample) if self.last is not None else 0.0
        sample["rtp_rate"] = rate
        self.last = sample
        traced = sample["traced"]
        heap = f", heap {traced / 1024:7.0f} KB" if traced is not None else ""
        print(
            f"  {sample['at'] - self.started:6.0f} s  RSS {sample['rss_kb']:7d} KB{heap}, "
            f"calls up {sample['up']:4d}, RTP in {rate:6.0f}/s",
            flush=True,
        )
        return sample

    async def over(self, seconds: float, interval: float) -> list[Sample]:
        """Samples every `interval` over `seconds` (at least one)."""
        until = time.monotonic() + seconds
        samples = [self.sample()]
        while time.monotonic() + interval <= until:
            await asyncio.sleep(interval)
            samples.append(self.sample())
        return samples


async def run(args: argparse.Namespace, workdir: Path) -> None:
    callee_port = free_port_pair()
    measured = Measured(
        {
            "target": args.target,
            "tracemalloc": args.tracemalloc,
            "callee_port": callee_port,
            "agents": args.agents or args.calls + 20,
            "workdir": str(workdir),
        }
    )
    processes: list[subprocess.Popen[bytes]] = []
    try:
        if args.target == "server":
            await register_phones(measured.sip_port, callee_port, args.agents or args.calls + 20)
        await port_released(callee_port)
        uas = ["-sn", "uas", "-rtp_echo", "-p", str(callee_port), "-mp", str(free_port_pair())]
        processes.append(sipp(uas, workdir, "uas"))
        await asyncio.sleep(1.0)
        if processes[-1].poll() is not None:
            raise RuntimeError(f"sipp's UAS stopped: {sipp_said(workdir, 'uas')}")
        watch = Watch(measured)
        print(f"{args.target}: {WARMUP_CALLS} warm-up calls, then the baseline:")
        warmup = callers(workdir, measured.sip_port, WARMUP_CALLS, WARMUP_CALLS, 10, 2.0)
        processes.append(warmup)
        await asyncio.to_thread(warmup.wait, 60)
        await asyncio.sleep(args.settle)
        measured.ask("collect")
        baseline = await watch.over(2 * args.interval, args.interval)
        measured.ask("mark")
        soak = await place_and_soak(args, workdir, watch, processes)
        # SIP keeps a finished transaction 32 s (UDP, RFC 3261 timers J and K), and
        # the cyclic GC frees cycles when it gets round to it: wait, and collect, so
        # that what is left is what the process keeps for good.
        print(f"{args.settle:g} s after the hang-ups, and a full GC:")
        await asyncio.sleep(args.settle)
        measured.ask("collect")
        after = await watch.over(args.interval, args.interval)
        report(args, baseline, soak, after)
        growth = measured.ask("growth")
        if growth:
            print("  where the heap grew most since the baseline (tracemalloc):")
            for line in growth:
                print(f"    {line}")
    finally:
        for process in processes:
            stop(process)
        measured.stop()


async def place_and_soak(
    args: argparse.Namespace,
    workdir: Path,
    watch: Watch,
    processes: list[subprocess.Popen[bytes]],
) -> list[Sample]:
    """Place the calls, wait until they are all up, sample over the soak, wait for
    the last hang-up; the soak's samples."""
    ramp = args.calls / args.rate
    hold = args.hold or args.seconds + ramp + 2 * args.interval
    total = args.calls * max(1, round((args.seconds + ramp) / hold))
    print(f"placing {args.calls} calls at {args.rate:g}/s, {hold:.0f} s each, {total} in all:")
    customers = callers(workdir, watch.measured.sip_port, args.calls, total, args.rate, hold)
    processes.append(customers)
    deadline = time.monotonic() + ramp + 30
    while watch.measured.sample()["up"] < args.calls:
        if time.monotonic() > deadline or customers.poll() is not None:
            name = f"uac-{total}"
            raise RuntimeError(f"the calls did not all come up; sipp: {sipp_said(workdir, name)}")
        await asyncio.sleep(0.5)
    print(f"all {args.calls} calls up; soak of {args.seconds:g} s:")
    soak = await watch.over(args.seconds, args.interval)
    cpu = soak[-1]["cpu"] - soak[0]["cpu"]
    span = soak[-1]["at"] - soak[0]["at"]
    rates = [s["rtp_rate"] for s in soak[1:]]
    print(
        f"soak: {100 * cpu / max(span, 1e-9):.0f} % of a core; RTP received "
        f"{np.mean(rates) if rates else 0:.0f} packets/s "
        f"({args.calls * 2 * 50} with every call up and audio both ways)"
    )
    await asyncio.to_thread(customers.wait, hold + 120)
    return soak


def report(
    args: argparse.Namespace, baseline: list[Sample], soak: list[Sample], after: list[Sample]
) -> None:
    base_rss = mean(baseline, "rss_kb")
    up_rss = mean(soak, "rss_kb")
    per_call = (up_rss - base_rss) / args.calls
    end_rss = mean(after, "rss_kb")
    churn = f", each call {args.hold:g} s" if args.hold else ", held throughout"
    print(f"\n{args.target}: {args.calls} bridged calls{churn}; soak {args.seconds:g} s")
    print(f"  baseline RSS             {base_rss / 1024:8.1f} MB")
    print(f"  RSS with the calls up    {up_rss / 1024:8.1f} MB (mean over the soak)")
    verdict = "met" if per_call <= TARGET_KB else "MISSED"
    print(f"  per bridged call         {per_call:8.1f} KB (target <= {TARGET_KB:g} KB: {verdict})")
    print(f"  RSS slope over the soak  {slope_per_minute(soak, 'rss_kb'):8.1f} KB/min")
    late = soak[len(soak) // 2 :]
    print(f"  ... over its second half {slope_per_minute(late, 'rss_kb'):8.1f} KB/min")
    print(
        f"  after the hang-ups       {end_rss / 1024:8.1f} MB "
        f"({(end_rss - base_rss) / 1024:+.1f} MB from the baseline; "
        f"calls still referenced: {after[-1]['known']})"
    )
    if baseline[0]["traced"] is not None:
        print("  (tracemalloc on: its bookkeeping is in the RSS figures above)")
        base_heap = mean(baseline, "traced") / 1024
        heap = (mean(soak, "traced") / 1024 - base_heap) / args.calls
        print(f"  Python heap per call     {heap:8.1f} KB (tracemalloc)")
        heap_slope = slope_per_minute(soak, "traced") / 1024
        print(f"  heap slope over the soak {heap_slope:8.1f} KB/min")
        left = mean(after, "traced") / 1024 - base_heap
        print(f"  heap after the hang-ups  {left:+8.1f} KB from the baseline")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100, help="calls up at once")
    parser.add_argument("--seconds", type=float, default=300.0, help="soak duration")
    parser.add_argument(
        "--hold", type=float, default=None, help="seconds each call lasts (default: the soak)"
    )
    parser.add_argument("--rate", type=float, default=20.0, help="calls placed per second")
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between samples")
    parser.add_argument(
        "--settle", type=float, default=40.0, help="seconds to wait after the hang-ups"
    )
    parser.add_argument("--target", choices=["server", "b2bua"], default="server")
    parser.add_argument("--agents", type=int, default=None, help="server: default calls + 20")
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="trace the Python heap too (triples the CPU; its bookkeeping inflates RSS)",
    )
    args = parser.parse_args()
    if shutil.which("sipp") is None:
        sys.exit("sipp is not installed (apt-get install sip-tester)")
    workdir = Path(tempfile.mkdtemp(prefix="call-memory-"))
    try:
        asyncio.run(run(args, workdir))
    except BaseException:
        print(f"sipp's files kept in {workdir}", file=sys.stderr)
        raise
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
