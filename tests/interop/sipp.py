"""sipp as a customer's phone or a trunk: runs one scenario file, waits for its end,
and reports whether its call succeeded (from sipp's exit status and statistics)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from switchboard.rtp.g711 import PCMU

SCENARIOS = Path(__file__).parent / "scenarios"


@dataclass(frozen=True)
class SippResult:
    returncode: int
    successful: int
    failed: int
    log: str


def ulaw_tone(path: Path, frequency: float, seconds: float) -> Path:
    """A µ-law WAV (format 7) of a tone, that sipp's rtp_stream sends as PCMU."""
    t = np.arange(int(8000 * seconds)) / 8000.0
    return ulaw_wav(path, (0.3 * 32767 * np.sin(2 * np.pi * frequency * t)).astype(np.int16))


def ulaw_wav(path: Path, samples: npt.NDArray[np.int16]) -> Path:
    """8 kHz samples as a µ-law WAV (format 7), that sipp's rtp_stream sends as PCMU."""
    codes = PCMU.encode(samples).tobytes()
    fmt = (7).to_bytes(2, "little") + (1).to_bytes(2, "little") + (8000).to_bytes(4, "little")
    fmt += (8000).to_bytes(4, "little") + (1).to_bytes(2, "little") + (8).to_bytes(2, "little")
    fmt += (0).to_bytes(2, "little")
    chunks = b"fmt " + len(fmt).to_bytes(4, "little") + fmt
    chunks += b"fact" + (4).to_bytes(4, "little") + len(codes).to_bytes(4, "little")
    chunks += b"data" + len(codes).to_bytes(4, "little") + codes
    path.write_bytes(b"RIFF" + (4 + len(chunks)).to_bytes(4, "little") + b"WAVE" + chunks)
    return path


async def run_sipp(
    scenario: str,
    server_port: int,
    service: str,
    workdir: Path,
    *,
    files: Mapping[str, Path | str] | None = None,
    timeout: float = 30.0,
) -> SippResult:
    args = [
        "sipp",
        f"127.0.0.1:{server_port}",
        "-sf",
        str(_scenario_copy(scenario, workdir, files)),
        "-s",
        service,
        "-p",
        "0",
        "-l",
        "1",
    ]
    return await _run(args, workdir, timeout)


def _scenario_copy(scenario: str, workdir: Path, values: Mapping[str, Path | str] | None) -> Path:
    """The scenario with `[name]` replaced by its value: sipp does not expand keywords
    inside <exec rtp_stream=...> or verifyauth, so file paths and accounts go in here."""
    workdir.mkdir(parents=True, exist_ok=True)
    text = (SCENARIOS / f"{scenario}.xml").read_text()
    for name, value in (values or {}).items():
        text = text.replace(f"[{name}]", str(value))
    copy = workdir / f"{scenario}.xml"
    copy.write_text(text)
    return copy


async def _run(args: list[str], workdir: Path, timeout: float) -> SippResult:
    """Run sipp for one call on loopback, with its statistics and errors in `workdir`."""
    args = [
        *args,
        "-i",
        "127.0.0.1",
        "-mi",
        "127.0.0.1",
        "-m",
        "1",
        "-timeout",
        f"{int(timeout)}s",
        "-timeout_error",
        "-trace_stat",
        "-stf",
        str(workdir / "stat.csv"),
        "-trace_err",
        "-error_file",
        str(workdir / "errors.log"),
        "-nostdin",
    ]
    process = await asyncio.create_subprocess_exec(
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        stdin=asyncio.subprocess.DEVNULL,
        cwd=str(workdir),
    )
    out, _ = await asyncio.wait_for(process.communicate(), timeout=timeout + 10)
    log = out.decode("utf-8", "replace")
    errors = workdir / "errors.log"
    if errors.exists():
        log += errors.read_text(errors="replace")
    successful = failed = 0
    stat = workdir / "stat.csv"
    if stat.exists():
        lines = [line for line in stat.read_text().splitlines() if line.strip()]
        header = lines[0].split(";")
        last = lines[-1].split(";")
        successful = int(last[header.index("SuccessfulCall(C)")])
        failed = int(last[header.index("FailedCall(C)")])
    return SippResult(process.returncode or 0, successful, failed, log)


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def run_sipp_uas(
    port: int,
    workdir: Path,
    *,
    scenario: str | None = None,
    values: dict[str, str] | None = None,
    timeout: float = 30.0,
) -> SippResult:
    """sipp as a server on `port` for one call: its built-in UAS echoing RTP, or one of
    our scenarios (with `[name]` placeholders filled from `values`)."""
    workdir.mkdir(parents=True, exist_ok=True)
    if scenario is None:
        args = ["sipp", "-sn", "uas", "-p", str(port), "-rtp_echo"]
    else:
        args = ["sipp", "-sf", str(_scenario_copy(scenario, workdir, values)), "-p", str(port)]
    return await _run(args, workdir, timeout)
