"""Security at the edges: what a caller puts in its display name stays data, and a
source guessing SIP passwords is banned, even once it finds the right one."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path
from typing import Any

from switchboard.sip.digest import Challenge, answer_challenge
from switchboard.sip.message import Response
from switchboard.sip.parser import parse_message

from .harness import running_api, running_server

NASTY = "<script>alert('x')</script> & Co; DROP TABLE interactions;--"


def test_a_callers_display_name_is_passed_on_as_text(tmp_path: Path) -> None:
    async def scenario() -> dict[str, Any]:
        async with running_api(tmp_path) as api:
            token = await api.login("alice")
            await api.call(token, "POST", "/status", {"state": "available"})
            caller = api.running.customer("caller_named", display=NASTY)
            async with api.events(token) as stream:
                view = await stream.until(lambda v: v["popup"] is not None)
                offer_id = view["popup"]["offer_id"]
                accepted = await api.call(token, "POST", f"/offers/{offer_id}/accept")
                call = accepted.json()["calls"][0]
                await api.call(token, "POST", f"/calls/{call['call_id']}/hangup")
            await caller
            record = await asyncio.wait_for(api.running.persisted.get(), timeout=10)
            history = (await api.call(token, "GET", "/history")).json()
            return {"popup": view["popup"], "call": call, "record": record, "history": history}

    out = asyncio.run(scenario())
    assert out["popup"]["contact_name"] == NASTY  # the very text, for the Banner to show
    assert out["call"]["caller_name"] == NASTY
    assert out["history"][0]["id"] == out["record"].id  # the table is still there
    assert out["history"][0]["caller_name"] == NASTY  # kept as text, for the history


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.queue: asyncio.Queue[bytes] = asyncio.Queue()

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        self.queue.put_nowait(data)


def test_repeated_failed_registrations_ban_the_source(tmp_path: Path) -> None:
    seq = itertools.count(1)

    async def register(
        transport: asyncio.DatagramTransport, inbox: _Datagrams, port: int, password: str
    ) -> int:
        """One phone's attempt: REGISTER, the 401, REGISTER with an answer."""
        local = transport.get_extra_info("sockname")[1]
        authorization = None
        for _ in range(2):
            n = next(seq)
            lines = [
                "REGISTER sip:127.0.0.1 SIP/2.0",
                f"Via: SIP/2.0/UDP 127.0.0.1:{local};branch=z9hG4bK-guess{n}",
                "Max-Forwards: 70",
                "From: <sip:1001@127.0.0.1>;tag=guesser",
                "To: <sip:1001@127.0.0.1>",
                "Call-ID: guess-1",
                f"CSeq: {n} REGISTER",
                f"Contact: <sip:1001@127.0.0.1:{local}>",
                "Expires: 600",
            ]
            if authorization:
                lines.append(f"Authorization: {authorization}")
            message = "\r\n".join(lines) + "\r\nContent-Length: 0\r\n\r\n"
            transport.sendto(message.encode(), ("127.0.0.1", port))
            response = parse_message(await asyncio.wait_for(inbox.queue.get(), 5))
            assert isinstance(response, Response)
            if response.status != 401:
                return response.status
            (header,) = [a for a in response.headers.www_authenticate() if a.is_digest]
            challenge = Challenge.from_params(header.param_dict())
            assert challenge is not None
            authorization = answer_challenge(
                challenge, "1001", password, "REGISTER", "sip:127.0.0.1", cnonce=f"c{n}"
            )
        return 401

    async def scenario() -> list[int]:
        async with running_server(tmp_path) as s:
            loop = asyncio.get_running_loop()
            transport, inbox = await loop.create_datagram_endpoint(
                _Datagrams, local_addr=("127.0.0.1", 0)
            )
            try:
                statuses = [await register(transport, inbox, s.port, "guess") for _ in range(5)]
                statuses.append(await register(transport, inbox, s.port, "pw-1001"))
                return statuses
            finally:
                transport.close()

    statuses = asyncio.run(scenario())
    assert statuses[:5] == [401] * 5  # wrong: challenged again, five times
    assert statuses[5:] == [403]  # banned: even the right password does not help now
