"""The Banner's softphones in worker processes, off the call server's event loop.

Theory of operation
-------------------
An agent in a call on the Banner costs its WebRTC session about 5 % of a core
(aiortc: ICE, DTLS-SRTP and a codec pass per 20 ms frame in Python; measured by
`bench/softphone.py`), a hundred times what relaying a SIP phone's leg costs. In the
server's own process, twenty such agents would take most of the core that also
runs the contact center's single writer and the media relay. The gateway meets the
media engine only through RTP on loopback, so it can live in other processes without
the telephony noticing: `SoftphoneWorkers` has `SoftphoneGateway`'s interface and
sends each session to a worker process (`softphone_worker.py`, which documents the
JSON lines they exchange).

* An agent's new session goes to the worker with the fewest sessions; an agent who
  offers again (a reloaded page) has its old session hung up first, wherever it was.
* `RemoteSession` stands for a session in a worker: its id and loopback port, and
  `target`, which the telephony sets once the agent's line exists, passed on.
* A worker that dies closes its sessions here (each `on_closed` fires, so the
  telephony drops their lines and the Banner reconnects); the next offer starts
  it again. Answers wait at most `ANSWER_TIMEOUT`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import sys
from collections.abc import Callable, Sequence
from typing import Any

log = logging.getLogger(__name__)

ANSWER_TIMEOUT = 10.0
"""Seconds a worker has to answer an offer (aiortc gathers its candidates first)."""


class SoftphoneUnavailable(RuntimeError):
    """No worker could answer: it died or did not answer in time."""


class RemoteSession:
    """A Banner agent's WebRTC session, living in a worker process."""

    def __init__(
        self,
        worker: _Worker,
        agent_id: str,
        session_id: str,
        port: int,
        forget: Callable[[RemoteSession], None],
    ) -> None:
        self.worker = worker
        self._forget = forget
        self.agent_id = agent_id
        self.id = session_id
        self.port = port
        """The worker's UDP port on loopback, where the media engine sends the call."""
        self._target: tuple[str, int] | None = None
        self.on_closed: Callable[[RemoteSession], None] | None = None
        self.closed = False

    @property
    def target(self) -> tuple[str, int] | None:
        """The agent's line in the media engine, where the agent's voice goes."""
        return self._target

    @target.setter
    def target(self, address: tuple[str, int] | None) -> None:
        self._target = address
        if address is not None and not self.closed:
            self.worker.send({"op": "target", "session": self.id, "port": address[1]})

    def ended(self) -> None:
        """The worker closed the session (or is gone)."""
        if self.closed:
            return
        self.closed = True
        self._forget(self)
        if self.on_closed is not None:
            self.on_closed(self)


class _Worker:
    """One worker process and the sessions it holds."""

    def __init__(self, addresses: Sequence[str]) -> None:
        self.addresses = list(addresses)
        self.process: asyncio.subprocess.Process | None = None
        self.sessions: dict[str, RemoteSession] = {}
        self.pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._reader: asyncio.Task[None] | None = None

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "switchboard.runtime.softphone_worker",
            *self.addresses,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=1 << 20,  # an SDP answer is a few KB
        )
        self._reader = asyncio.get_running_loop().create_task(self._read(self.process))

    def send(self, message: dict[str, Any]) -> None:
        if self.process is None or self.process.stdin is None or not self.alive:
            return
        with contextlib.suppress(ConnectionError):
            self.process.stdin.write(json.dumps(message).encode() + b"\n")

    async def _read(self, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None
        try:
            while line := await process.stdout.readline():
                message = json.loads(line)
                if "closed" in message:
                    session = self.sessions.pop(message["closed"], None)
                    if session is not None:
                        session.ended()
                    continue
                waiter = self.pending.pop(message.get("id", -1), None)
                if waiter is not None and not waiter.done():
                    waiter.set_result(message)
        except (ValueError, ConnectionError) as error:
            log.error("softphone worker %s: unreadable reply (%s)", process.pid, error)
        finally:
            self._gone()

    def _gone(self) -> None:
        """The worker's output ended: it exited or was stopped. Its sessions are over."""
        for waiter in self.pending.values():
            if not waiter.done():
                waiter.set_exception(SoftphoneUnavailable("the softphone worker stopped"))
        self.pending.clear()
        sessions, self.sessions = self.sessions, {}
        for session in sessions.values():
            session.ended()

    async def stop(self) -> None:
        process = self.process
        if process is None:
            return
        if process.stdin is not None:
            process.stdin.close()  # the worker closes its sessions and exits
        try:
            await asyncio.wait_for(process.wait(), 5.0)
        except TimeoutError:
            process.kill()
            await process.wait()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader


class SoftphoneWorkers:
    """`SoftphoneGateway`'s interface, its sessions spread over worker processes."""

    def __init__(self, count: int, addresses: Sequence[str] | None = None) -> None:
        if count < 1:
            raise ValueError("at least one softphone worker")
        self.workers = [_Worker(addresses or ()) for _ in range(count)]
        self._requests = itertools.count(1)
        self.sessions: dict[str, RemoteSession] = {}
        """Agent id → its current session."""

    async def answer(self, agent_id: str, offer_sdp: str) -> tuple[RemoteSession, str]:
        """A session for the agent's offer, and the SDP answer to send back. Raises
        `ValueError` for an offer aiortc cannot answer, `SoftphoneUnavailable` when no
        worker could."""
        await self.hang_up(agent_id)  # a reloaded page: its old session goes first
        worker = min(self.workers, key=lambda w: (not w.alive, len(w.sessions)))
        if not worker.alive:
            await worker.start()
        request = next(self._requests)
        reply: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        worker.pending[request] = reply
        worker.send({"op": "answer", "id": request, "agent": agent_id, "sdp": offer_sdp})
        try:
            message = await asyncio.wait_for(reply, ANSWER_TIMEOUT)
        except TimeoutError:
            worker.pending.pop(request, None)
            raise SoftphoneUnavailable("the softphone worker did not answer in time") from None
        if "refused" in message:
            raise ValueError(message["refused"])
        session = RemoteSession(
            worker, agent_id, message["session"], int(message["port"]), self._forget
        )
        worker.sessions[session.id] = session
        self.sessions[agent_id] = session
        return session, message["sdp"]

    def _forget(self, ended: RemoteSession) -> None:
        if self.sessions.get(ended.agent_id) is ended:
            del self.sessions[ended.agent_id]

    async def hang_up(self, agent_id: str) -> None:
        session = self.sessions.pop(agent_id, None)
        if session is not None:
            session.worker.send({"op": "hang_up", "agent": agent_id})

    async def close(self) -> None:
        for worker in self.workers:
            await worker.stop()
