"""What the benchmarks share: what they read about the processes they measure, how a
measured process waits for its parent's orders without blocking its event loop, and
free ports on loopback."""

from __future__ import annotations

import asyncio
import os
import socket
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a process so far, all its threads (/proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kb(pid: int) -> int:
    """A process's resident memory (VmRSS), in KB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


async def pipe_recv(conn: Connection) -> Any:
    """Wait for the parent's next message without blocking the event loop."""
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[None] = loop.create_future()

    def readable() -> None:
        if not ready.done():
            ready.set_result(None)

    loop.add_reader(conn.fileno(), readable)
    try:
        await ready
    finally:
        loop.remove_reader(conn.fileno())
    return conn.recv()


def free_udp_port() -> int:
    """A UDP port free on 127.0.0.1 now (for a peer about to bind it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
