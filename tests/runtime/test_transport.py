"""The SIP transports on real sockets: UDP and TCP answered, TCP framing of several
messages in one write, and a flooding source cut off while others are served."""

from __future__ import annotations

import asyncio
import itertools
import socket
from pathlib import Path

import pytest

from switchboard.runtime.sip_endpoint import SipEndpoint
from switchboard.runtime.transport import UDP_RECEIVE_BUFFER
from switchboard.sip.limits import MalformedLimiter
from switchboard.sip.ua import UserAgent
from tests.sip.torture import load


def options(n: int) -> bytes:
    return (
        "OPTIONS sip:switchboard@127.0.0.1 SIP/2.0\r\n"
        f"Via: SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bKopt{n}\r\n"
        "Max-Forwards: 70\r\n"
        "From: <sip:probe@127.0.0.1>;tag=p\r\n"
        "To: <sip:switchboard@127.0.0.1>\r\n"
        f"Call-ID: opt-{n}\r\n"
        "CSeq: 1 OPTIONS\r\n"
        "Content-Length: 0\r\n\r\n"
    ).encode()


async def endpoint(limiter: MalformedLimiter | None = None) -> tuple[SipEndpoint, int]:
    counter = itertools.count()
    ep = SipEndpoint(
        lambda h, p: UserAgent(h, p, lambda: f"id{next(counter)}"), lambda e: None, limiter=limiter
    )
    _, port = await ep.start("127.0.0.1", 0)
    return ep, port


async def read_responses(reader: asyncio.StreamReader, count: int) -> list[bytes]:
    out = []
    for _ in range(count):
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=5)
        out.append(head.split(b"\r\n", 1)[0])
    return out


def test_tcp_messages_in_one_write_are_each_answered() -> None:
    async def scenario() -> list[bytes]:
        ep, port = await endpoint()
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(options(1) + b"\r\n" + options(2) + options(3)[:40])
            await writer.drain()
            first = await read_responses(reader, 2)
            writer.write(options(3)[40:])
            first += await read_responses(reader, 1)
            writer.close()
            return first
        finally:
            await ep.stop()

    assert asyncio.run(scenario()) == [b"SIP/2.0 200 OK"] * 3


class _Udp(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.inbox: asyncio.Queue[bytes] = asyncio.Queue()

    def datagram_received(self, data: bytes, addr: object) -> None:
        self.inbox.put_nowait(data)


def test_a_source_sending_garbage_is_cut_off_and_others_still_served() -> None:
    async def scenario() -> tuple[list[bytes], bytes]:
        ep, port = await endpoint(MalformedLimiter(burst=10, per_second=0.1))
        loop = asyncio.get_running_loop()
        try:
            bad, bad_inbox = await loop.create_datagram_endpoint(_Udp, local_addr=("127.0.0.2", 0))
            good, good_inbox = await loop.create_datagram_endpoint(
                _Udp, local_addr=("127.0.0.1", 0)
            )
            garbage = load("ncl")  # a negative Content-Length: 400 Bad Request
            for _ in range(30):
                bad.sendto(garbage, ("127.0.0.1", port))
            # Once banned, even a good message from that source is not answered...
            bad.sendto(options(99).replace(b"TCP", b"UDP"), ("127.0.0.1", port))
            # ...while another source is answered at once.
            good.sendto(options(1).replace(b"TCP", b"UDP"), ("127.0.0.1", port))
            answer = await asyncio.wait_for(good_inbox.inbox.get(), timeout=5)
            good.sendto(options(2).replace(b"TCP", b"UDP"), ("127.0.0.1", port))
            await asyncio.wait_for(good_inbox.inbox.get(), timeout=5)
            to_bad = []
            while not bad_inbox.inbox.empty():
                to_bad.append(bad_inbox.inbox.get_nowait().split(b"\r\n", 1)[0])
            bad.close()
            good.close()
            return to_bad, answer.split(b"\r\n", 1)[0]
        finally:
            await ep.stop()

    to_bad, first_good = asyncio.run(scenario())
    assert first_good == b"SIP/2.0 200 OK"
    # The flooder got its burst of 400s, then silence: not even its OPTIONS was answered.
    assert to_bad == [b"SIP/2.0 400 Bad Request"] * len(to_bad)
    assert 5 <= len(to_bad) <= 11


def test_a_burst_arriving_while_the_loop_is_busy_waits_in_the_kernel() -> None:
    """500 OPTIONS over UDP while the loop is blocked (as by a long garbage collection):
    every one is answered once the loop is back, none was dropped by the kernel."""
    if int(Path("/proc/sys/net/core/rmem_max").read_text()) < UDP_RECEIVE_BUFFER:
        pytest.skip("net.core.rmem_max caps UDP receive buffers below what this needs")

    async def scenario() -> int:
        ep, port = await endpoint()
        loop = asyncio.get_running_loop()
        try:
            client, inbox = await loop.create_datagram_endpoint(_Udp, local_addr=("127.0.0.1", 0))
            client.get_extra_info("socket").setsockopt(
                socket.SOL_SOCKET, socket.SO_RCVBUF, UDP_RECEIVE_BUFFER
            )
            answered = 0
            for n in range(500):  # the loop runs nothing while this sends
                client.sendto(options(n).replace(b"TCP", b"UDP"), ("127.0.0.1", port))
            while answered < 500:
                await asyncio.wait_for(inbox.inbox.get(), timeout=5)
                answered += 1
            client.close()
            return answered
        finally:
            await ep.stop()

    assert asyncio.run(scenario()) == 500


def test_a_port_taken_for_tcp_is_refused_and_frees_its_udp_port() -> None:
    """`--sip-listen` on a port whose TCP side is in use fails at start, and leaves
    nothing bound; with port 0 the endpoint picks a port free on both."""

    async def scenario() -> tuple[bool, bool, int]:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            ep = SipEndpoint(lambda h, p: UserAgent(h, p, lambda: "x"), lambda e: None)
            refused = False
            try:
                await ep.start("127.0.0.1", port)
            except OSError:
                refused = True
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                udp.bind(("127.0.0.1", port))  # raises if the endpoint kept it
                udp_free = True
        ep, chosen = await endpoint()
        try:
            assert ep.transport.tcp_address is not None
            tcp_port = ep.transport.tcp_address[1]
        finally:
            await ep.stop()
        return refused, udp_free, chosen - tcp_port

    assert asyncio.run(scenario()) == (True, True, 0)
