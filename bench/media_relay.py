"""RTP relay cost: CPU per bridged leg of `AsyncioMediaEngine`, and of rtpengine, same load.

Load: N bridged calls of two legs; the far end of every leg sends 50 packets/s of
20 ms PCMU (172-byte datagrams), as a phone does, and receives what the other leg's
far end sent. All far ends live in one *load generator process* (spawned by this
script), which shares 8 UDP sockets between the legs: an engine endpoint latches onto
the socket its leg's packets come from, and the generator recognises a relayed packet
by the leg number and send time it wrote into the payload (a relay between two PCMU
legs passes payloads unchanged). The legs' send times are spread evenly over the
20 ms, as independent phones would be.

Relays measured, one after the other, on the same load in the same run:

* switchboard: `AsyncioMediaEngine` in this script's main process, whose event loop
  does nothing else; CPU by `time.process_time()` over the window.
* rtpengine (Debian's, userspace forwarding: `--table=-1`), started by this script,
  set up call by call with NG `offer`/`answer` (bencoded dictionaries over UDP) and
  torn down with `delete`; CPU from /proc/PID/stat (all its threads) over the window.
  Skipped with a note when the `rtpengine` binary is not installed
  (`apt-get install rtpengine-daemon`).

Figures, over a fixed window after a warm-up (defaults 10 s after 2 s):

* CPU per leg, in % of one core (and µs per relayed packet);
* late/lost: of the packets the far ends sent during the window, those that did not
  come out of the other leg (lost), and those that took longer than 40 ms (late: two
  packet times, beyond what a phone's jitter buffer absorbs without a glitch);
* the generator's own lag (how far behind schedule it sent), to show the load was
  what it claims; a lagging generator makes the figures meaningless;
* for switchboard, the share of user and system time (system time is the kernel's
  UDP work, the same for any relay that does not forward in the kernel) and the
  ticker's late ticks.

Run: `.venv/bin/python bench/media_relay.py [--calls 100 300 500] [--window 10]`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import resource
import select
import shutil
import socket
import struct
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing import get_context
from multiprocessing.connection import Connection
from typing import Any

from support import process_cpu
from switchboard.media.engine import RemoteMedia
from switchboard.media.rtp_engine import AsyncioMediaEngine

HOST = "127.0.0.1"
SOCKETS = 8
PERIOD = 0.020
LATE_AFTER = 0.040
TAIL = 0.5  # seconds after the window for the last packets to come out
HEADER = struct.Struct("!BBHII")
STAMP = struct.Struct("!dI")
FILL = b"\xff" * (160 - STAMP.size)
NG_ADDRESS = (HOST, 2223)

Target = tuple[int, int]  # (generator socket index, relay port to send to)


# --- the load generator (its own process) ------------------------------------------------


@dataclass
class LoadReport:
    sent: int = 0  # packets sent during the window
    received: int = 0  # of those, how many came out of the relay
    late: int = 0
    misrouted: int = 0  # came out of the wrong leg: a relay bug
    send_errors: int = 0
    max_lag_ms: float = 0.0
    p99_lag_ms: float = 0.0
    p99_latency_ms: float = 0.0
    cpu_seconds: float = 0.0


def _bind(count: int) -> list[socket.socket]:
    sockets = []
    for _ in range(count):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for option in (getattr(socket, "SO_RCVBUFFORCE", None), socket.SO_RCVBUF):
            if option is not None:
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, option, 8 << 20)
                    break
        sock.bind((HOST, 0))
        sock.setblocking(False)
        sockets.append(sock)
    return sockets


def generator(conn: Connection) -> None:
    """Run far ends for every leg: send on schedule, time what comes back."""
    sockets = _bind(SOCKETS)
    conn.send([sock.getsockname()[1] for sock in sockets])
    while True:
        job = conn.recv()
        if job is None:
            break
        conn.send(_drive(sockets, **job))
    for sock in sockets:
        sock.close()


def _drive(
    sockets: list[socket.socket], targets: list[Target], warmup: float, window: float
) -> tuple[float, LoadReport]:
    legs = len(targets)
    out = [(sockets[index], (HOST, port)) for index, port in targets]
    # a packet from leg i must come out of its peer's relay port (i ^ 1)
    expected_port = [targets[leg ^ 1][1] for leg in range(legs)]
    ssrc = [random.getrandbits(32) for _ in range(legs)]
    seq = [random.getrandbits(16) for _ in range(legs)]
    ts = [random.getrandbits(32) for _ in range(legs)]
    spacing = PERIOD / legs
    report = LoadReport()
    lags: list[float] = []
    latencies: list[float] = []
    poller = select.epoll()
    by_fd = {sock.fileno(): sock for sock in sockets}
    for fd in by_fd:
        poller.register(fd, select.EPOLLIN)
    cpu_start = time.process_time()
    t0 = time.monotonic() + 0.1
    window_start, window_end = t0 + warmup, t0 + warmup + window
    stop = window_end + TAIL
    base, leg = t0, 0
    monotonic = time.monotonic
    while True:
        now = monotonic()
        if now >= stop:
            break
        while now < window_end:
            due = base + leg * spacing
            if due > now:
                break
            sock, address = out[leg]
            packet = (
                HEADER.pack(0x80, 0, seq[leg], ts[leg], ssrc[leg]) + STAMP.pack(now, leg) + FILL
            )
            try:
                sock.sendto(packet, address)
            except OSError:
                report.send_errors += 1
            else:
                if window_start <= now < window_end:
                    report.sent += 1
                    lags.append(now - due)
            seq[leg] = (seq[leg] + 1) & 0xFFFF
            ts[leg] = (ts[leg] + 160) & 0xFFFFFFFF
            leg += 1
            if leg == legs:
                leg, base = 0, base + PERIOD
        wait = max(0.0, min(base + leg * spacing, stop) - monotonic())
        for fd, _ in poller.poll(wait):
            sock = by_fd[fd]
            while True:
                try:
                    data, source = sock.recvfrom(2048)
                except BlockingIOError:
                    break
                arrived = monotonic()
                if len(data) < HEADER.size + STAMP.size:
                    continue
                sent, origin = STAMP.unpack_from(data, HEADER.size)
                if not window_start <= sent < window_end:
                    continue
                if origin >= legs or source[1] != expected_port[origin]:
                    report.misrouted += 1
                    continue
                report.received += 1
                latency = arrived - sent
                latencies.append(latency)
                if latency > LATE_AFTER:
                    report.late += 1
    poller.close()
    report.cpu_seconds = time.process_time() - cpu_start
    lags.sort()
    latencies.sort()
    if lags:
        report.max_lag_ms = lags[-1] * 1000
        report.p99_lag_ms = lags[int(len(lags) * 0.99)] * 1000
    if latencies:
        report.p99_latency_ms = latencies[int(len(latencies) * 0.99)] * 1000
    return t0, report


class Generator:
    """The far ends, in a spawned process, driven over a pipe."""

    def __init__(self) -> None:
        context = get_context("spawn")
        self.conn, child = context.Pipe()
        self.process = context.Process(target=generator, args=(child,), daemon=True)
        self.process.start()
        self.ports: list[int] = self.conn.recv()

    def port_for(self, leg: int) -> tuple[int, int]:
        """(socket index, its port) used by the far end of `leg`."""
        index = leg % SOCKETS
        return index, self.ports[index]

    def start(self, targets: list[Target], warmup: float, window: float) -> None:
        self.conn.send({"targets": targets, "warmup": warmup, "window": window})

    async def result(self) -> tuple[float, LoadReport]:
        """Wait (without blocking the loop) for the generator's report."""
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()

        def readable() -> None:
            if not ready.done():
                ready.set_result(None)

        loop.add_reader(self.conn.fileno(), readable)
        try:
            await ready
        finally:
            loop.remove_reader(self.conn.fileno())
        result: tuple[float, LoadReport] = self.conn.recv()
        return result

    def close(self) -> None:
        self.conn.send(None)
        self.process.join(5)


# --- measuring a relay -------------------------------------------------------------------


@dataclass
class Measure:
    relay: str
    calls: int
    window: float
    cpu_seconds: float
    load: LoadReport
    note: str = ""

    @property
    def legs(self) -> int:
        return 2 * self.calls

    @property
    def cpu_per_leg(self) -> float:
        """% of one core per bridged leg."""
        return 100 * self.cpu_seconds / self.window / self.legs

    @property
    def us_per_packet(self) -> float:
        return 1e6 * self.cpu_seconds / max(1, self.load.sent)

    @property
    def lost_ratio(self) -> float:
        sent = max(1, self.load.sent)
        return (sent - self.load.received) / sent

    @property
    def late_ratio(self) -> float:
        return self.load.late / max(1, self.load.sent)


async def measure_window(
    generator: Generator,
    targets: list[Target],
    warmup: float,
    window: float,
    cpu: Callable[[], float],
) -> tuple[float, LoadReport]:
    """Run the load; return the relay's CPU seconds over the window and the report."""
    loop = asyncio.get_running_loop()
    generator.start(targets, warmup, window)
    report_task = asyncio.ensure_future(generator.result())
    # The generator starts at t0 = its monotonic clock + 0.1 s right after receiving
    # the job; the loop's clock is the same CLOCK_MONOTONIC.
    t0 = time.monotonic() + 0.1
    await asyncio.sleep(max(0.0, t0 + warmup - loop.time()))
    before = cpu()
    await asyncio.sleep(max(0.0, t0 + warmup + window - loop.time()))
    after = cpu()
    started, report = await report_task
    drift = abs(started - t0)
    if drift > 0.05:
        print(f"  (window misaligned by {drift * 1000:.0f} ms)", file=sys.stderr)
    return after - before, report


async def bench_switchboard(
    generator: Generator, calls: int, warmup: float, window: float
) -> Measure:
    engine = AsyncioMediaEngine(HOST, (30000, 39999), inactivity_timeout=None)
    await engine.start()
    try:
        targets: list[Target] = []
        for call in range(calls):
            names = (f"call{call}-a", f"call{call}-b")
            for offset, name in enumerate(names):
                leg = 2 * call + offset
                index, far_port = generator.port_for(leg)
                port = await engine.open(name)
                engine.connect(name, RemoteMedia(HOST, far_port, 0))
                targets.append((index, port))
            engine.bridge(*names)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        cpu, report = await measure_window(generator, targets, warmup, window, time.process_time)
        after = resource.getrusage(resource.RUSAGE_SELF)
        user = after.ru_utime - usage.ru_utime
        system = after.ru_stime - usage.ru_stime
        note = (
            f"late ticks {engine.late_ticks}, "
            f"user/system {100 * user / (user + system):.0f}/{100 * system / (user + system):.0f}"
        )
    finally:
        await engine.stop()
    return Measure("switchboard", calls, window, cpu, report, note)


# --- rtpengine -----------------------------------------------------------------------------


def bencode(value: object) -> bytes:
    if isinstance(value, bytes):
        return b"%d:%s" % (len(value), value)
    if isinstance(value, str):
        return bencode(value.encode())
    if isinstance(value, int):
        return b"i%de" % value
    if isinstance(value, list):
        return b"l" + b"".join(bencode(item) for item in value) + b"e"
    if isinstance(value, dict):
        items = sorted((k.encode() if isinstance(k, str) else k, v) for k, v in value.items())
        return b"d" + b"".join(bencode(k) + bencode(v) for k, v in items) + b"e"
    raise TypeError(f"cannot bencode {type(value).__name__}")


def bdecode(data: bytes) -> Any:
    def parse(position: int) -> tuple[Any, int]:
        head = data[position : position + 1]
        if head == b"i":
            end = data.index(b"e", position)
            return int(data[position + 1 : end]), end + 1
        if head in (b"l", b"d"):
            items: list[Any] = []
            position += 1
            while data[position : position + 1] != b"e":
                item, position = parse(position)
                items.append(item)
            if head == b"l":
                return items, position + 1
            pairs = zip(items[::2], items[1::2], strict=True)
            return {k.decode(): v for k, v in pairs}, position + 1
        colon = data.index(b":", position)
        length = int(data[position:colon])
        return data[colon + 1 : colon + 1 + length], colon + 1 + length

    return parse(0)[0]


class NgClient:
    """rtpengine's control protocol: `cookie bencoded-dict` over UDP."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.settimeout(2.0)

    def command(self, **fields: object) -> dict[str, Any]:
        cookie = uuid.uuid4().hex[:12].encode()
        self.sock.sendto(cookie + b" " + bencode(fields), NG_ADDRESS)
        while True:
            data = self.sock.recv(65535)
            got, _, body = data.partition(b" ")
            if got == cookie:
                reply: dict[str, Any] = bdecode(body)
                if reply.get("result") not in (b"ok", b"pong"):
                    raise RuntimeError(f"rtpengine {fields.get('command')}: {reply}")
                return reply

    def close(self) -> None:
        self.sock.close()


def sdp(port: int, session: int) -> str:
    return (
        f"v=0\r\no=- {session} 1 IN IP4 {HOST}\r\ns=-\r\nc=IN IP4 {HOST}\r\nt=0 0\r\n"
        f"m=audio {port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n"
    )


def sdp_port(text: bytes) -> int:
    for line in text.decode().splitlines():
        if line.startswith("m=audio "):
            return int(line.split()[1])
    raise RuntimeError(f"no m=audio line in rtpengine's SDP: {text!r}")


async def bench_rtpengine(
    generator: Generator, calls: int, warmup: float, window: float, binary: str
) -> Measure:
    process = subprocess.Popen(  # noqa: S603 (our own arguments)
        [
            binary,
            "--config-file=none",
            "--foreground",
            "--table=-1",
            f"--interface={HOST}",
            f"--listen-ng={NG_ADDRESS[0]}:{NG_ADDRESS[1]}",
            "--port-min=30000",
            "--port-max=39999",
            "--log-level=4",
            "--log-stderr",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    ng = NgClient()
    try:
        for _ in range(50):
            try:
                ng.command(command="ping")
                break
            except (TimeoutError, ConnectionRefusedError, OSError):
                await asyncio.sleep(0.1)
        else:
            raise RuntimeError("rtpengine did not answer NG pings")
        targets: list[Target] = []
        call_ids = []
        for call in range(calls):
            call_id, from_tag, to_tag = f"bench-{call}", f"a{call}", f"b{call}"
            index_a, port_a = generator.port_for(2 * call)
            index_b, port_b = generator.port_for(2 * call + 1)
            offer = ng.command(
                command="offer", sdp=sdp(port_a, call), **{"call-id": call_id, "from-tag": from_tag}
            )
            answer = ng.command(
                command="answer",
                sdp=sdp(port_b, call),
                **{"call-id": call_id, "from-tag": from_tag, "to-tag": to_tag},
            )
            call_ids.append((call_id, from_tag))
            # leg a sends to the port rtpengine offered to a (in the answer), b likewise
            targets += [(index_a, sdp_port(answer["sdp"])), (index_b, sdp_port(offer["sdp"]))]
        cpu, report = await measure_window(
            generator, targets, warmup, window, lambda: process_cpu(process.pid)
        )
        for call_id, from_tag in call_ids:
            ng.command(command="delete", **{"call-id": call_id, "from-tag": from_tag})
    finally:
        ng.close()
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
    return Measure("rtpengine", calls, window, cpu, report, "userspace, --table=-1")


# --- report ------------------------------------------------------------------------------


def line(m: Measure) -> str:
    load = m.load
    return (
        f"{m.calls:6d} {m.legs:5d}  {m.relay:12s} {m.cpu_per_leg:8.3f} % {m.us_per_packet:8.1f}"
        f" {100 * m.late_ratio:7.3f} % {100 * m.lost_ratio:7.3f} % {load.p99_latency_ms:8.2f}"
        f"   gen lag p99 {load.p99_lag_ms:.1f} ms, gen CPU {load.cpu_seconds:.1f} s"
        + (f", misrouted {load.misrouted}" if load.misrouted else "")
        + (f", send errors {load.send_errors}" if load.send_errors else "")
        + (f"; {m.note}" if m.note else "")
    )


async def main_async(args: argparse.Namespace) -> None:
    generator = Generator()
    binary = None if args.no_rtpengine else shutil.which("rtpengine")
    print(
        f"{SOCKETS} far-end sockets in one generator process; {args.warmup:g} s warm-up, "
        f"{args.window:g} s window; late = more than {LATE_AFTER * 1000:.0f} ms through the relay"
    )
    print(
        f"{'calls':>6} {'legs':>5}  {'relay':12s} {'CPU/leg':>10} {'µs/pkt':>8}"
        f" {'late':>9} {'lost':>9} {'p99 ms':>8}"
    )
    try:
        for calls in args.calls:
            ours = await bench_switchboard(generator, calls, args.warmup, args.window)
            print(line(ours), flush=True)
            per_core = 100 / (2 * ours.cpu_per_leg) if ours.cpu_per_leg else float("inf")
            print(f"{'':14}switchboard at this cost: ~{per_core:.0f} bridged calls per core")
            if binary is None:
                print("       rtpengine: not installed (apt-get install rtpengine-daemon)")
                continue
            theirs = await bench_rtpengine(generator, calls, args.warmup, args.window, binary)
            print(line(theirs), flush=True)
            ratio = ours.cpu_seconds / theirs.cpu_seconds if theirs.cpu_seconds else float("inf")
            print(f"{'':14}CPU ratio switchboard / rtpengine: {ratio:.2f} (target <= 2)")
    finally:
        generator.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, nargs="+", default=[100, 300, 500])
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--window", type=float, default=10.0)
    parser.add_argument("--no-rtpengine", action="store_true")
    args = parser.parse_args()
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
