"""A softphone worker process: `python -m switchboard.runtime.softphone_worker [ADDR...]`.

One `SoftphoneGateway` on its own event loop, driven by the call server over this
process's stdin and stdout, one JSON object per line (`softphone_workers.py` is the
other end and says why the softphones live here):

    worker → server  {"ready": true}                                  (aiortc loaded)
    server → worker  {"op": "answer", "id": 7, "agent": "alice", "sdp": "v=0..."}
                     {"op": "target", "session": "ab12cd34", "port": 40002}
                     {"op": "hang_up", "agent": "alice"}
                     {"op": "close", "session": "ab12cd34"}   (answered too late)
    worker → server  {"id": 7, "agent": "alice", "session": "ab12cd34", "port": 40123,
                      "sdp": "v=0..."}
                     {"id": 7, "refused": "the offer has no audio"}    (an unusable offer)
                     {"id": 7, "error": "[Errno 98] ..."}             (anything else)
                     {"closed": "ab12cd34", "agent": "alice"}          (a session ended)

ADDR are the addresses its ICE offers (`--webrtc-address`); none: aioice's default.
The worker ends when its stdin does (the server stopped or died), closing every
session, so no peer connection outlives the server. It ignores SIGINT and SIGTERM,
which reach the whole process group on Ctrl-C or a service stop: the server's
graceful stop keeps the agents' audio until its calls end. Its protocol has a copy
of file descriptor 1 to itself; fd 1 then points at stderr, so that a stray print
from a library cannot corrupt the lines.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
from typing import Any

from switchboard.runtime.softphone import (
    SoftphoneGateway,
    SoftphoneSession,
    restrict_ice_addresses,
)

log = logging.getLogger(__name__)


class Worker:
    def __init__(self, out: asyncio.StreamWriter) -> None:
        self.gateway = SoftphoneGateway()
        self.out = out
        self.by_id: dict[str, SoftphoneSession] = {}

    def say(self, message: dict[str, Any]) -> None:
        self.out.write(json.dumps(message).encode() + b"\n")

    async def handle(self, message: dict[str, Any]) -> None:
        op = message.get("op")
        if op == "answer":
            await self._answer(message["id"], message["agent"], message["sdp"])
        elif op == "target":
            session = self.by_id.get(message["session"])
            if session is not None:
                session.target = ("127.0.0.1", int(message["port"]))
        elif op == "hang_up":
            await self.gateway.hang_up(message["agent"])
        elif op == "close":
            session = self.by_id.get(message["session"])
            if session is not None:
                await session.close()
        else:
            log.error("softphone worker: unknown message %r", message)

    async def _answer(self, request: int, agent_id: str, sdp: str) -> None:
        try:
            session, answer = await self.gateway.answer(agent_id, sdp)
        except ValueError as error:  # aiortc: an offer it cannot read or answer
            self.say({"id": request, "refused": str(error)})
            return
        except Exception as error:  # a socket that cannot bind, an aiortc failure
            log.exception("softphone worker: no answer for %s", agent_id)
            self.say({"id": request, "error": str(error) or type(error).__name__})
            return
        self.by_id[session.id] = session

        def closed(ended: SoftphoneSession) -> None:
            self.by_id.pop(ended.id, None)
            self.say({"closed": ended.id, "agent": ended.agent_id})

        session.on_closed = closed
        self.say(
            {
                "id": request,
                "agent": agent_id,
                "session": session.id,
                "port": session.port,
                "sdp": answer,
            }
        )


async def serve(addresses: list[str]) -> None:
    if addresses:
        restrict_ice_addresses(addresses)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 20)  # an SDP offer is a few KB
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    lines = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)  # print() and libraries write to stderr from now on
    transport, protocol = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin, lines)
    out = asyncio.StreamWriter(transport, protocol, None, loop)
    worker = Worker(out)
    worker.say({"ready": True})
    try:
        while line := await reader.readline():
            try:
                message = json.loads(line)
            except ValueError:
                log.error("softphone worker: unreadable line %r", line[:80])
                continue
            try:
                await worker.handle(message)
            except Exception:  # one bad request must not end every agent's audio
                log.exception("softphone worker: %s failed", message.get("op"))
            await out.drain()
    finally:
        await worker.gateway.close()
        with contextlib.suppress(ConnectionError):  # the server may be gone
            await out.drain()


def main() -> None:
    for stop in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop, signal.SIG_IGN)
    logging.basicConfig(level=logging.WARNING, format="softphone worker: %(message)s")
    asyncio.run(serve(sys.argv[1:]))


if __name__ == "__main__":
    main()
