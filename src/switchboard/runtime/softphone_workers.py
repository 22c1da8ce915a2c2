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

* The workers start with the server and say when they have loaded aiortc; an
  agent's new session goes to the worker with the fewest sessions; an agent who
  offers again (a reloaded page) has its old session hung up first, wherever it was.
* `RemoteSession` stands for a session in a worker: its id and loopback port, and
  `target`, which the telephony sets once the agent's line exists, passed on.
* A worker that dies, or whose output cannot be read, closes its sessions here
  (each `on_closed` fires, so the telephony drops their lines and the Banner
  reconnects); the next offer it is chosen for starts it again. Answers wait at
  most `ANSWER_TIMEOUT`; a session answered after its offer gave up is closed.
* Workers ignore SIGINT and SIGTERM: during the server's graceful stop (Ctrl-C,
  systemd) the agents keep their audio; a worker ends when the server closes its
  stdin, or with the server's process.
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
START_TIMEOUT = 30.0
"""Seconds a new worker has to load aiortc and say it is ready."""


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
        answer_sdp: str,
        forget: Callable[[RemoteSession], None],
    ) -> None:
        self.worker = worker
        self.answer_sdp = answer_sdp
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

    def __init__(self, addresses: Sequence[str], forget: Callable[[RemoteSession], None]) -> None:
        self.addresses = list(addresses)
        self.forget = forget
        self.process: asyncio.subprocess.Process | None = None
        self.sessions: dict[str, RemoteSession] = {}
        self.pending: dict[int, tuple[asyncio.Future[RemoteSession], str]] = {}
        """Request id → (its answer, the agent it is for)."""
        self._reader: asyncio.Task[None] | None = None
        self._starting = asyncio.Lock()
        self.opening = 0
        """Offers on their way to this worker."""

    @property
    def alive(self) -> bool:
        return (
            self.process is not None
            and self.process.returncode is None
            and self._reader is not None
            and not self._reader.done()
        )

    async def ensure_started(self) -> None:
        """Start the process unless it runs; wait until it has loaded aiortc and says
        it is ready (so that an answer's time limit is not spent on imports)."""
        async with self._starting:  # two offers at once start one process
            if self.alive:
                return
            await self._kill()
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "switchboard.runtime.softphone_worker",
                *self.addresses,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                limit=1 << 20,  # an SDP answer is a few KB
            )
            self.process = process
            assert process.stdout is not None
            try:
                ready = await asyncio.wait_for(process.stdout.readline(), START_TIMEOUT)
            except TimeoutError:
                ready = b""
            if json.loads(ready or b"{}").get("ready") is not True:
                await self._kill()
                raise SoftphoneUnavailable("the softphone worker did not start")
            self._reader = asyncio.get_running_loop().create_task(self._read(process))

    async def answer(self, request: int, agent_id: str, offer_sdp: str) -> RemoteSession:
        reply: asyncio.Future[RemoteSession] = asyncio.get_running_loop().create_future()
        self.pending[request] = (reply, agent_id)
        try:
            self.send({"op": "answer", "id": request, "agent": agent_id, "sdp": offer_sdp})
            return await asyncio.wait_for(reply, ANSWER_TIMEOUT)
        except TimeoutError:
            raise SoftphoneUnavailable("the softphone worker did not answer in time") from None
        finally:
            self.pending.pop(request, None)

    def send(self, message: dict[str, Any]) -> None:
        process = self.process
        if process is None or process.stdin is None or process.returncode is not None:
            return
        with contextlib.suppress(ConnectionError):
            process.stdin.write(json.dumps(message).encode() + b"\n")

    async def _read(self, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None
        try:
            while line := await process.stdout.readline():
                self._received(json.loads(line))
        except Exception:  # unreadable output: the worker cannot be trusted any more
            log.exception("softphone worker %s: unreadable reply", process.pid)
        finally:
            self._gone()
            if process.returncode is None:
                process.kill()

    def _received(self, message: dict[str, Any]) -> None:
        if "closed" in message:
            session = self.sessions.pop(message["closed"], None)
            if session is not None:
                session.ended()
            return
        waiting = self.pending.pop(message["id"], None)
        if "session" in message:
            # Registered here, before anyone awaits it: a "closed" for it may be the
            # very next line.
            session = RemoteSession(
                self,
                message["agent"],
                message["session"],
                int(message["port"]),
                message["sdp"],
                self.forget,
            )
            self.sessions[session.id] = session
            if waiting is None or waiting[0].done():  # its offer gave up waiting
                self.send({"op": "close", "session": session.id})
                return
            waiting[0].set_result(session)
        elif waiting is not None and not waiting[0].done():
            if "refused" in message:
                waiting[0].set_exception(ValueError(message["refused"]))
            else:
                error = message.get("error", "no reason given")
                waiting[0].set_exception(
                    SoftphoneUnavailable(f"the softphone worker failed: {error}")
                )

    def _gone(self) -> None:
        """The worker's output ended: it exited or was stopped. Its sessions are over."""
        for waiter, _ in self.pending.values():
            if not waiter.done():
                waiter.set_exception(SoftphoneUnavailable("the softphone worker stopped"))
        self.pending.clear()
        sessions, self.sessions = self.sessions, {}
        for session in sessions.values():
            session.ended()

    async def _kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()

    async def stop(self) -> None:
        process = self.process
        if process is None:
            return
        if process.stdin is not None:
            process.stdin.close()  # the worker closes its sessions and exits
        try:
            await asyncio.wait_for(process.wait(), 5.0)
        except TimeoutError:
            await self._kill()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader


class SoftphoneWorkers:
    """`SoftphoneGateway`'s interface, its sessions spread over worker processes."""

    def __init__(self, count: int, addresses: Sequence[str] | None = None) -> None:
        if count < 1:
            raise ValueError("at least one softphone worker")
        self.workers = [_Worker(addresses or (), self._forget) for _ in range(count)]
        self._requests = itertools.count(1)
        self._closed = False
        self.sessions: dict[str, RemoteSession] = {}
        """Agent id → its current session."""

    async def start(self) -> None:
        """Start every worker now, so that the first offers do not wait for one."""
        await asyncio.gather(*(w.ensure_started() for w in self.workers))

    async def answer(self, agent_id: str, offer_sdp: str) -> tuple[RemoteSession, str]:
        """A session for the agent's offer, and the SDP answer to send back. Raises
        `ValueError` for an offer aiortc cannot answer, `SoftphoneUnavailable` when no
        worker could."""
        if self._closed:
            raise SoftphoneUnavailable("the server is stopping")
        await self.hang_up(agent_id)  # a reloaded page: its old session goes first
        # Counted at once, offers still being answered included: a burst of offers
        # (every Banner reconnecting) spreads too.
        worker = min(self.workers, key=lambda w: len(w.sessions) + w.opening)
        worker.opening += 1
        try:
            await worker.ensure_started()  # (again, if it died)
            session = await worker.answer(next(self._requests), agent_id, offer_sdp)
        finally:
            worker.opening -= 1
        self.sessions[agent_id] = session
        return session, session.answer_sdp

    def _forget(self, ended: RemoteSession) -> None:
        if self.sessions.get(ended.agent_id) is ended:
            del self.sessions[ended.agent_id]

    async def hang_up(self, agent_id: str) -> None:
        session = self.sessions.pop(agent_id, None)
        if session is not None:
            session.worker.send({"op": "hang_up", "agent": agent_id})

    async def close(self) -> None:
        self._closed = True
        await asyncio.gather(*(w.stop() for w in self.workers))
