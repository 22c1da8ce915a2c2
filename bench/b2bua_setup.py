"""Call setup through the B2BUA: highest calls/s with no failed call, and CPU per call.

Load: sipp UAC → B2BUA → sipp UAS, everything on 127.0.0.1. A call is INVITE (with
SDP), 100, 180, 200, ACK, a pause (`--hold`, default 1 s), BYE, 200 on both sides of
the B2BUA: 6 messages in and 7 out for the B2BUA per call. No RTP flows: this measures
call setup and teardown, not the relay (that is `bench/media_relay.py`).

B2BUAs measured one after the other, on the same rate ladder in the same run:

* switchboard: `runtime/b2bua.py`'s `B2bua` on `SipEndpoint` and `AsyncioMediaEngine`,
  in a process of its own (this script with `--serve`), routing every call to the sipp
  UAS. Media is anchored as in production: each call opens two RTP endpoints, connects
  them to the SDP of each side and bridges them. Logging at WARNING.
* sippy 2.5.0's `b2bua_simple` (PyPI `sippy`, installed by this script into
  `var/bench/sippy-venv`), run as `b2bua_simple -f -l 127.0.0.1 -p PORT -n
  127.0.0.1:UAS_PORT` with `SIPLOG_BEND=none`: its logger's own switch to log nothing
  (by default it writes every message to stderr; its output goes to a file anyway).
  It relays signalling only: it opens no media port, which favours it.

Each ladder step sends `rate * --seconds` calls at `rate` calls/s (sipp `-r`, open
loop: `-l` is raised to the number of calls so that sipp does not slow down when calls
pile up). A step passes when the UAC and the UAS both count every call successful, none
failed or unfinished (a step overrunning its schedule by 15 s is cut short), and sipp
did start the calls at 95 % of the rate or more (it falls behind when it lacks CPU;
`started/s` shows what it managed). A B2BUA's ladder stops at its first failing step.
When a B2BUA fails even its first step, the ladder goes on while fewer than
`--tolerance` (1 %) of the calls fail, and the report says so: that rate is not a
pass. A short step can pass above what the B2BUA sustains, by queueing: the mean setup
time (INVITE to 200 at the UAC) and the retransmissions show it, and the summary also
gives the highest passing rate whose mean setup stayed under `--setup-limit` (100 ms).
`drops` counts the datagrams the kernel dropped at the B2BUA's SIP socket (its receive
buffer was full: the B2BUA did not read in time), from /proc/net/udp.

CPU per call: utime + stime of the B2BUA process (all its threads) from
/proc/PID/stat, from just before the UAC starts until 0.5 s after it ends (the last
BYE's 200 from the UAS has come back by then), divided by the calls completed. The
process's idle CPU (switchboard's media ticker, sippy's timers) is included; it is
printed before each ladder so that its share at low rates can be judged. The sipp
pair's CPU (both processes) is printed too: on a 2-core machine it competes with the
B2BUA for the cores. `RSS MB` is the B2BUA's resident memory after each step.

The scenarios are sipp's built-in `uac` and `uas` (dumped with `sipp -sd`), changed in
three ways, the same for both B2BUAs:

* the UAS's Contact says `transport=udp`, not sipp's `transport=UDP`: sippy 2.5.0
  compares the transport case-sensitively (RFC 3261 §19.1.4 says it is not) and raises
  `BUG: newTransaction() to unsupported transport: UDP` on the ACK and BYE of every
  call, so that no ACK or BYE reaches the UAS at all (the UAC still counts these calls
  successful: the "0.7 % failed" seen by the UAC alone hid it). sipp's `-t u1` is its
  default already and changes no Contact; lowercase is what RFC 3261 writes anyway;
* the UAC's INVITE is a sipp transaction (`start_txn`/`response_txn`), so that a 180
  that arrives after the 200 is ignored, as RFC 3261 wants, instead of aborting the
  call: sippy sends from 3 threads sharing one queue and so reorders 180 and 200 now
  and then (about 2 % of calls at 100 calls/s), which sipp's stock `uac` counted as
  failed calls;
* the UAS's final `timewait` is 1 s instead of 4 s: it only delays the UAS's exit.

Run: `.venv/bin/python bench/b2bua_setup.py [--rates 25 50 100 ...] [--seconds 6]
[--hold 1] [--only switchboard|sippy]` (about 3 minutes); logs, scenarios and sipp's
statistics and errors of the last run stay in `var/bench/b2bua-setup/`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from support import free_udp_port, process_cpu, rss_kb

HOST = "127.0.0.1"
REPO = Path(__file__).resolve().parent.parent
WORK = REPO / "var" / "bench" / "b2bua-setup"
SIPPY_VENV = REPO / "var" / "bench" / "sippy-venv"
SIPPY = "sippy==2.5.0"
RTP_PORTS = (40000, 49999)  # clear of the 30000s that the tests and demo use
DEFAULT_RATES = [25, 50, 100, 200, 250, 300, 350, 400, 500, 600, 800]
TAIL = 0.5  # seconds after the UAC ends during which the B2BUA's CPU still counts
GRACE = 15.0  # seconds a step may overrun before its calls count as unfinished


# --- the switchboard B2BUA (its own process: `--serve`) ----------------------------------


async def serve(port: int, target_port: int) -> None:
    """Run `B2bua` on 127.0.0.1:`port`, every call to the UAS at `target_port`, until
    stdin closes (the benchmark ends or dies) or SIGTERM."""
    # Imported here: the parent process needs none of it, and its CPU is not measured.
    from switchboard.media.rtp_engine import AsyncioMediaEngine
    from switchboard.runtime.b2bua import B2bua, Target
    from switchboard.runtime.sip_endpoint import SipEndpoint
    from switchboard.sip.transaction import Peer
    from switchboard.sip.ua import UserAgent
    from switchboard.sip.uri import parse_uri

    # As `runtime/server.py` builds them, with a wider port range: at 800 calls/s
    # about 1,000 calls are up at once, two RTP ports each.
    media = AsyncioMediaEngine(HOST, RTP_PORTS, inactivity_timeout=60.0)
    endpoint = SipEndpoint(
        lambda host, bound: UserAgent(host, bound, lambda: secrets.token_hex(8)),
        lambda event: None,
    )
    target = Target(parse_uri(f"sip:uas@{HOST}:{target_port}"), Peer(HOST, target_port))
    b2bua = B2bua(endpoint, media, lambda call: target)
    endpoint.on_event = b2bua.handle
    await media.start()
    await endpoint.start(HOST, port, tcp=False)  # sipp speaks UDP only here
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_reader(sys.stdin.fileno(), stop.set)  # readable at EOF: the parent is gone
    print("ready", flush=True)
    try:
        await stop.wait()
    finally:
        await endpoint.stop()
        await media.stop()


# --- processes ---------------------------------------------------------------------------


def udp_sockets(port: int) -> list[list[str]]:
    """The /proc/net/udp rows of the sockets bound to 127.0.0.1:`port`."""
    wanted = f"0100007F:{port:04X}"
    rows = [line.split() for line in Path("/proc/net/udp").read_text().splitlines()[1:]]
    return [row for row in rows if row[1] == wanted]


def udp_bound(port: int) -> bool:
    """Whether some socket is bound there (sipp says nothing when it is ready)."""
    return bool(udp_sockets(port))


def wait_bound(port: int, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 10
    while not udp_bound(port):
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode} before binding {port}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not bind 127.0.0.1:{port} within 10 s")
        time.sleep(0.05)


def udp_drops(port: int) -> int:
    """Datagrams the kernel dropped for want of room in the receive buffer of the
    socket(s) bound to 127.0.0.1:`port`: a B2BUA that did not read fast enough."""
    return sum(int(row[-1]) for row in udp_sockets(port))


def children_cpu() -> float:
    """CPU of the children this process has waited for (the sipp pairs)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def stop_process(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    """End a process we started, politely first."""
    if process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def running(
    args: list[str],
    log: Path,
    *,
    stdin: int | None = subprocess.DEVNULL,
    env: dict[str, str] | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """A child process that is stopped however the block ends (Ctrl-C included)."""
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 (our own arguments)
            args, stdin=stdin, stdout=out, stderr=subprocess.STDOUT, env=env
        )
        try:
            yield process
        finally:
            stop_process(process)


def ensure_sippy() -> Path:
    """sippy in its own venv (it must not mix with our dependencies); its b2bua_simple."""
    script = SIPPY_VENV / "bin" / "b2bua_simple"
    python = SIPPY_VENV / "bin" / "python"
    if script.exists():
        version = subprocess.run(  # noqa: S603
            [str(python), "-c", "import importlib.metadata as m; print(m.version('sippy'))"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        if f"sippy=={version}" == SIPPY:
            return script
    print(f"installing {SIPPY} into {SIPPY_VENV.relative_to(REPO)} ...", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(SIPPY_VENV)], check=True)  # noqa: S603
    subprocess.run(  # noqa: S603
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", SIPPY],
        check=True,
    )
    return script


# --- scenarios ---------------------------------------------------------------------------


def edit(text: str, changes: list[tuple[str, str]], name: str) -> str:
    for old, new in changes:
        if old not in text:
            raise RuntimeError(f"sipp's built-in {name} changed: {old!r} not found")
        text = text.replace(old, new)
    return text


def builtin_scenario(name: str) -> str:
    # `sipp -sd` exits with 99 ("no call processed"): judge it by what it printed.
    dump = subprocess.run(  # noqa: S603
        ["sipp", "-sd", name],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    if "<scenario" not in dump.stdout:
        raise RuntimeError(f"sipp -sd {name} printed no scenario: {dump.stderr.strip()}")
    return dump.stdout


def write_scenarios(directory: Path) -> tuple[Path, Path]:
    """sipp's own uac and uas, with the three changes the docstring explains."""
    uac_text = edit(
        builtin_scenario("uac"),
        [
            ('<send retrans="500">\n    <![CDATA[\n\n      INVITE',
             '<send retrans="500" start_txn="invite">\n    <![CDATA[\n\n      INVITE'),
            ('<recv response="100"\n        optional="true">',
             '<recv response="100" optional="true" response_txn="invite">'),
            ('<recv response="180" optional="true">',
             '<recv response="180" optional="true" response_txn="invite">'),
            ('<recv response="183" optional="true">',
             '<recv response="183" optional="true" response_txn="invite">'),
            ('<recv response="200" rtd="true">',
             '<recv response="200" rtd="true" response_txn="invite">'),
            ("<send>\n    <![CDATA[\n\n      ACK",
             '<send ack_txn="invite">\n    <![CDATA[\n\n      ACK'),
        ],
        "uac",
    )  # fmt: skip
    uas_text = edit(
        builtin_scenario("uas"),
        [
            ("transport=[transport]", "transport=udp"),
            ('<timewait milliseconds="4000"/>', '<timewait milliseconds="1000"/>'),
        ],
        "uas",
    )
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "uac.xml").write_text(uac_text)
    (directory / "uas.xml").write_text(uas_text)
    return directory / "uac.xml", directory / "uas.xml"


# --- one step of the ladder --------------------------------------------------------------


@dataclass
class SippStats:
    created: int = 0
    successful: int = 0
    failed: int = 0
    retransmissions: int = 0
    setup_ms: float = 0.0  # mean INVITE → 200 (the UAC's response time 1)
    offered: float = 0.0  # calls/s started (meaningful for the UAC)


def _duration(value: str) -> float:
    """sipp's `HH:MM:SS:micro` (or `HH:MM:SS`) as seconds."""
    parts = [int(part) for part in value.split(":")]
    seconds = parts[0] * 3600 + parts[1] * 60 + parts[2]
    return seconds + (parts[3] / 1e6 if len(parts) > 3 else 0.0)


def _epoch(value: str) -> float:
    """sipp's `date<TAB>time<TAB>epoch` timestamps: the epoch."""
    return float(value.split("\t")[-1])


def creation_rate(rows: list[tuple[float, int]], start: float) -> float:
    """Calls/s sipp started, from its periodic rows (time, calls created so far): the
    average up to the last row written while it was still creating calls. sipp lags
    behind `-r` when it lacks CPU, and then the step did not test that rate."""
    final = rows[-1][1]
    during = [(at, created) for at, created in rows if created < final and at > start]
    at, created = during[-1] if during else rows[-1]  # all created in the first period
    return created / (at - start) if at > start else 0.0


def read_stats(csv: Path) -> SippStats:
    """sipp's `-trace_stat` CSV (one row a second, cumulative columns), by header name."""
    if not csv.exists():
        return SippStats()
    lines = [line.split(";") for line in csv.read_text().splitlines() if line.strip()]
    if len(lines) < 2:
        return SippStats()
    header, last = lines[0], lines[-1]
    index = {name: position for position, name in enumerate(header)}

    def column(name: str) -> str:
        return last[index[name]]

    rows = [(_epoch(r[index["CurrentTime"]]), int(r[index["TotalCallCreated"]])) for r in lines[1:]]
    return SippStats(
        created=int(column("TotalCallCreated")),
        successful=int(column("SuccessfulCall(C)")),
        failed=int(column("FailedCall(C)")),
        retransmissions=int(column("Retransmissions(C)")),
        setup_ms=1000 * _duration(column("ResponseTime1(C)")),
        offered=creation_rate(rows, _epoch(column("StartTime"))),
    )


@dataclass
class Step:
    b2bua: str
    rate: int
    calls: int
    uac: SippStats
    uas: SippStats
    cpu_s: float  # the B2BUA's
    window_s: float
    sipp_cpu_percent: float  # UAC + UAS, of one core
    drops: int  # at the B2BUA's SIP socket
    rss_mb: float  # the B2BUA's, after the step
    overran: bool

    @property
    def failed(self) -> int:
        """Calls that did not succeed on both sides (failed, or never finished)."""
        return self.calls - min(self.uac.successful, self.uas.successful)

    @property
    def rate_reached(self) -> bool:
        return self.uac.offered >= 0.95 * self.rate

    @property
    def passed(self) -> bool:
        no_failure = self.failed == 0 and self.uac.failed == 0 and self.uas.failed == 0
        return no_failure and self.rate_reached

    def tolerable(self, percent: float) -> bool:
        """Failed calls under `percent` %, at the rate asked for."""
        return self.failed <= percent / 100 * self.calls and self.rate_reached

    @property
    def verdict(self) -> str:
        if self.passed:
            return "pass"
        reasons = []
        if self.failed or self.uac.failed or self.uas.failed:
            reasons.append(f"{self.failed} calls failed")
        if not self.rate_reached:
            reasons.append(f"sipp started only {self.uac.offered:.0f} calls/s")
        if self.overran:
            reasons.append("cut short")
        return "FAIL: " + ", ".join(reasons)

    @property
    def cpu_ms_per_call(self) -> float:
        return 1000 * self.cpu_s / max(1, self.uac.successful)


def sipp_args(scenario: Path, port: int, calls: int, stats: Path) -> list[str]:
    return [
        "sipp",
        "-sf",
        str(scenario),
        "-i",
        HOST,
        "-p",
        str(port),
        "-mi",
        HOST,
        "-m",
        str(calls),
        "-trace_stat",
        "-stf",
        str(stats),
        "-fd",
        "1",  # statistics every second: a step cut short still has recent ones
        "-trace_err",
        "-error_file",
        str(stats.with_suffix(".errors.log")),
        "-nostdin",
    ]


def wait_or_interrupt(process: subprocess.Popen[bytes], deadline: float) -> bool:
    """Wait for sipp until `deadline`; past it, stop it. True when it overran."""
    try:
        process.wait(max(0.0, deadline - time.monotonic()))
        return False
    except subprocess.TimeoutExpired:
        stop_process(process, signal.SIGINT)  # sipp's Ctrl-C: ends the test, dumps stats
        return True


def run_step(
    name: str, pid: int, b2bua_port: int, uas_port: int, rate: int, args: argparse.Namespace
) -> Step:
    calls = max(1, round(rate * args.seconds))
    directory = WORK / name / f"{rate:04d}"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    uac_args = [
        *sipp_args(args.uac_xml, 0, calls, directory / "uac.csv"),
        *["-r", str(rate), "-d", str(int(args.hold * 1000))],
        *["-l", str(calls)],  # never throttle: a slow B2BUA must show as failed calls
        f"{HOST}:{b2bua_port}",
    ]
    uas_args = sipp_args(args.uas_xml, uas_port, calls, directory / "uas.csv")
    sipp_before, step_started = children_cpu(), time.monotonic()
    with running(uas_args, directory / "uas.out") as uas:
        wait_bound(uas_port, uas, "the sipp UAS")
        expected = calls / rate + args.hold
        started = time.monotonic()
        cpu_before, drops_before = process_cpu(pid), udp_drops(b2bua_port)
        with running(uac_args, directory / "uac.out") as uac:
            overran = wait_or_interrupt(uac, started + expected + GRACE)
        time.sleep(TAIL)
        cpu_after, drops = process_cpu(pid), udp_drops(b2bua_port) - drops_before
        window = time.monotonic() - started
        # the UAS ends 1 s (its timewait) after its last BYE
        overran = wait_or_interrupt(uas, time.monotonic() + 3.0) or overran
    return Step(
        b2bua=name,
        rate=rate,
        calls=calls,
        uac=read_stats(directory / "uac.csv"),
        uas=read_stats(directory / "uas.csv"),
        cpu_s=cpu_after - cpu_before,
        window_s=window,
        sipp_cpu_percent=100 * (children_cpu() - sipp_before) / (time.monotonic() - step_started),
        drops=drops,
        rss_mb=rss_kb(pid) / 1024,
        overran=overran,
    )


# --- the ladders -------------------------------------------------------------------------


@dataclass
class Ladder:
    b2bua: str
    idle_cpu_percent: float
    steps: list[Step]
    best: Step | None  # highest step with no failed call (below all failing steps)
    tolerated: Step | None  # when no step passed: highest one under the tolerance


def climb(name: str, pid: int, b2bua_port: int, uas_port: int, args: argparse.Namespace) -> Ladder:
    before = process_cpu(pid)
    time.sleep(args.idle)
    idle = 100 * (process_cpu(pid) - before) / args.idle
    print(f"{name}: idle CPU {idle:.1f} % of a core", flush=True)
    ladder = Ladder(name, idle, [], None, None)
    for rate in args.rates:
        step = run_step(name, pid, b2bua_port, uas_port, rate, args)
        ladder.steps.append(step)
        print(row(step), flush=True)
        if step.passed and ladder.tolerated is None:
            ladder.best = step
            continue
        if ladder.best is None and step.tolerable(args.tolerance):
            ladder.tolerated = step  # nothing passed yet: climb on while failures stay rare
            continue
        break
    return ladder


def measure_switchboard(uas_port: int, args: argparse.Namespace) -> Ladder:
    port = free_udp_port()
    command = [sys.executable, str(Path(__file__).resolve()), "--serve", str(port), str(uas_port)]
    with running(command, WORK / "switchboard.log", stdin=subprocess.PIPE) as process:
        wait_bound(port, process, "the switchboard B2BUA")
        return climb("switchboard", process.pid, port, uas_port, args)


def measure_sippy(script: Path, uas_port: int, args: argparse.Namespace) -> Ladder:
    port = free_udp_port()
    command = [str(script), "-f", "-l", HOST, "-p", str(port), "-n", f"{HOST}:{uas_port}"]
    environment = {**os.environ, "SIPLOG_BEND": "none"}
    with running(command, WORK / "sippy.log", env=environment) as process:
        wait_bound(port, process, "sippy's b2bua_simple")
        return climb("sippy", process.pid, port, uas_port, args)


# --- report ------------------------------------------------------------------------------

HEADER = (
    f"{'B2BUA':12s} {'rate':>5} {'calls':>6} {'failed':>6} {'started/s':>9} {'setup ms':>8}"
    f" {'retrans':>7} {'drops':>6} {'CPU ms/call':>11} {'CPU %':>5} {'RSS MB':>6}"
    f" {'sipp CPU %':>10}"
)


def row(step: Step) -> str:
    retransmissions = step.uac.retransmissions + step.uas.retransmissions
    return (
        f"{step.b2bua:12s} {step.rate:5d} {step.calls:6d} {step.failed:6d}"
        f" {step.uac.offered:9.1f} {step.uac.setup_ms:8.0f} {retransmissions:7d} {step.drops:6d}"
        f" {step.cpu_ms_per_call:11.2f} {100 * step.cpu_s / step.window_s:5.0f}"
        f" {step.rss_mb:6.0f} {step.sipp_cpu_percent:10.0f}  {step.verdict}"
    )


def describe(ladder: Ladder) -> str:
    if ladder.best is not None:
        best = ladder.best
        return (
            f"{ladder.b2bua}: {best.rate} calls/s with no failed call"
            f" ({best.cpu_ms_per_call:.2f} ms of CPU per call there)"
        )
    if ladder.tolerated is not None:
        worst = ladder.tolerated
        return (
            f"{ladder.b2bua}: NO rate passed with 0 failed calls; highest rate with failures"
            f" under the tolerance: {worst.rate} calls/s ({worst.failed} of {worst.calls}"
            f" failed, {worst.cpu_ms_per_call:.2f} ms of CPU per call)"
        )
    return f"{ladder.b2bua}: no rate passed, even the lowest"


def prompt(ladder: Ladder, limit_ms: float) -> Step | None:
    """The highest passing step whose calls were still set up promptly: past that, the
    B2BUA kept up only by queueing (and retransmissions), which a longer step would
    turn into failed calls."""
    steps = [step for step in ladder.steps if step.passed and step.uac.setup_ms <= limit_ms]
    return steps[-1] if steps else None


def summary(ours: Ladder, theirs: Ladder, limit_ms: float) -> None:
    print()
    print(describe(ours))
    print(describe(theirs))
    mine = ours.best or ours.tolerated
    other = theirs.best or theirs.tolerated
    if mine is not None and other is not None:
        ratio = mine.rate / other.rate
        verdict = "met" if ratio >= 3 else "MISSED"
        caveat = "" if ours.best and theirs.best else " (not both at 0 failed calls)"
        print(f"highest rate switchboard / sippy: {ratio:.2f} (target >= 3: {verdict}){caveat}")
    mine, other = prompt(ours, limit_ms), prompt(theirs, limit_ms)
    if mine is not None and other is not None:
        print(
            f"highest passing rate with a mean setup under {limit_ms:g} ms: switchboard"
            f" {mine.rate}, sippy {other.rate} calls/s; ratio {mine.rate / other.rate:.2f}"
        )
    common = {step.rate: step for step in theirs.steps}
    ratios = [
        f"{step.rate}: {common[step.rate].cpu_ms_per_call / step.cpu_ms_per_call:.2f}"
        for step in ours.steps
        if step.rate in common and step.passed and common[step.rate].passed
    ]
    if ratios:
        print("CPU per call sippy / switchboard, at rates both passed: " + ", ".join(ratios))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", type=int, nargs="+", default=DEFAULT_RATES)
    parser.add_argument("--seconds", type=float, default=6.0, help="of calls per step")
    parser.add_argument("--hold", type=float, default=1.0, help="seconds between ACK and BYE")
    parser.add_argument("--idle", type=float, default=2.0, help="seconds of idle CPU measure")
    parser.add_argument("--tolerance", type=float, default=1.0, help="%% failed, see above")
    parser.add_argument("--setup-limit", type=float, default=100.0, help="ms, see prompt()")
    parser.add_argument("--only", choices=["switchboard", "sippy"])
    parser.add_argument("--serve", type=int, nargs=2, metavar=("PORT", "TARGET_PORT"))
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(*args.serve))
        return
    if shutil.which("sipp") is None:
        sys.exit("sipp is missing: ./scripts/sysdeps.sh (Debian package sip-tester)")
    # Ctrl-C and SIGTERM unwind through the `running` blocks, which stop every process
    # started here (a shell starts a background job with SIGINT ignored: undo that).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        run(args)
    except KeyboardInterrupt:
        sys.exit("interrupted; every process this benchmark started has been stopped")


def run(args: argparse.Namespace) -> None:
    sippy = ensure_sippy() if args.only != "switchboard" else None  # before any measure
    WORK.mkdir(parents=True, exist_ok=True)
    args.uac_xml, args.uas_xml = write_scenarios(WORK)
    uas_port = free_udp_port()
    print(
        f"{args.seconds:g} s of calls per step, {args.hold:g} s between ACK and BYE;"
        f" CPU % of one core; CPU per call includes idle CPU; logs in {WORK.relative_to(REPO)}/"
    )
    print(HEADER)
    ladders: dict[str, Ladder] = {}
    if args.only != "sippy":
        ladders["switchboard"] = measure_switchboard(uas_port, args)
    if sippy is not None:
        ladders["sippy"] = measure_sippy(sippy, uas_port, args)
    if len(ladders) == 2:
        summary(ladders["switchboard"], ladders["sippy"], args.setup_limit)
    else:
        for ladder in ladders.values():
            print(describe(ladder))


if __name__ == "__main__":
    main()
