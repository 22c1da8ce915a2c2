"""baresip as an agent's SIP phone, driven over its ctrl_tcp module.

A `Baresip` runs `baresip -f DIR` with a generated configuration: one account for an
extension that registers with digest auth at the server under test, G.711 only, an
8 kHz WAV file as microphone (longer than any test: baresip hangs up when its file
ends) and no speaker. Commands and events travel as netstrings (`LEN:JSON,`) on the
ctrl_tcp port: `accept`, `hangup`, `sndcode`, `dial`; events such as
`REGISTER_OK`, `CALL_INCOMING`, `CALL_ESTABLISHED`, `CALL_DTMF_START`, `CALL_CLOSED`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Baresip:
    def __init__(
        self,
        workdir: Path,
        *,
        extension: str,
        password: str,
        server_port: int,
        microphone: Path,
        answer_mode: str = "manual",
        register_interval: int = 60,
    ) -> None:
        self.dir = workdir
        self.extension = extension
        self.sip_port = free_port()
        self.ctrl_port = free_port()
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / "config").write_text(
            "\n".join(
                [
                    f"sip_listen 127.0.0.1:{self.sip_port}",
                    "net_interface 127.0.0.1",
                    "audio_player aufile,/dev/null",
                    f"audio_source aufile,{microphone}",
                    "audio_alert aufile,/dev/null",
                    "module_path /usr/lib/baresip/modules",
                    "module g711.so",
                    "module aufile.so",
                    "module_app account.so",
                    "module_app menu.so",
                    "module_app ctrl_tcp.so",
                    f"ctrl_tcp_listen 127.0.0.1:{self.ctrl_port}",
                    "rtp_ports 20000-20999",
                    "",
                ]
            )
        )
        (self.dir / "accounts").write_text(
            f"<sip:{extension}@127.0.0.1:{server_port}>;auth_pass={password};"
            f"regint={register_interval};answermode={answer_mode};"
            "audio_codecs=PCMU/8000/1,PCMA/8000/1\n"
        )
        self.process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self.events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.seen: list[dict[str, Any]] = []
        """Every event so far, in order (`events` is consumed by `wait_for`)."""
        self._pump: asyncio.Task[None] | None = None
        self._logger: asyncio.Task[None] | None = None
        self.log = self.dir / "baresip.log"

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            "baresip",
            "-f",
            str(self.dir),
            "-v",
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        ready = asyncio.Event()
        self._logger = asyncio.get_running_loop().create_task(self._copy_log(ready))
        try:
            await asyncio.wait_for(ready.wait(), timeout=10)
        except TimeoutError:
            raise RuntimeError(f"baresip did not get ready; see {self.log}") from None
        self._reader, self._writer = await asyncio.open_connection("127.0.0.1", self.ctrl_port)
        self._pump = asyncio.get_running_loop().create_task(self._read_events())

    async def _copy_log(self, ready: asyncio.Event) -> None:
        """Keep baresip's output in its log file; its "ready" line means the control
        port is listening."""
        assert self.process is not None and self.process.stdout is not None
        with self.log.open("wb") as log:
            async for line in self.process.stdout:
                log.write(line)
                log.flush()
                if b"baresip is ready" in line:
                    ready.set()

    async def stop(self) -> None:
        if self._writer is not None:
            with contextlib.suppress(Exception):
                await self.command("quit")
            self._writer.close()
        if self._pump is not None:
            self._pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), timeout=5)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        if self._logger is not None:
            await asyncio.wait_for(self._logger, timeout=5)

    async def command(self, command: str, params: str | None = None) -> None:
        assert self._writer is not None
        body = json.dumps({"command": command, "params": params, "token": command}).encode()
        self._writer.write(f"{len(body)}:".encode() + body + b",")
        await self._writer.drain()

    async def _read_events(self) -> None:
        assert self._reader is not None
        while True:
            length = await self._reader.readuntil(b":")
            payload = await self._reader.readexactly(int(length[:-1]))
            await self._reader.readexactly(1)  # the trailing comma
            message = json.loads(payload)
            if message.get("event"):
                self.seen.append(message)
                await self.events.put(message)

    async def wait_for(self, kind: str, timeout: float = 10.0) -> dict[str, Any]:
        """The next event of this type; other events before it are discarded."""
        async with asyncio.timeout(timeout):
            while True:
                event = await self.events.get()
                if event.get("type") == kind:
                    return event
