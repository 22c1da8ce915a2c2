"""The 49 RFC 4475 messages sent over UDP to a running SIP endpoint: each gets the
answer the manifest names, or none at all.

After each message the test sends an OPTIONS probe; the probe's 200 coming back
proves that everything the endpoint had to say about the message already arrived
(loopback UDP keeps order), so a "drop" is checked without waiting on the clock.
"""

from __future__ import annotations

import asyncio
import itertools

from switchboard.runtime.sip_endpoint import SipEndpoint
from switchboard.sip.limits import MalformedLimiter
from switchboard.sip.message import Response, make_response
from switchboard.sip.parser import parse_message
from switchboard.sip.ua import Event, OtherRequest, UserAgent
from tests.sip.test_rfc4475_manifest import CHOICES, MANIFEST
from tests.sip.torture import NAMES, load

FIRST_ANSWER = {"INVITE": 100, "OPTIONS": 200, "REGISTER": 200}


def expected(name: str) -> list[int]:
    outcome: str = CHOICES.get(name) or MANIFEST[name]
    if outcome == "drop":
        return []
    if outcome.startswith("reject "):
        return [int(outcome.split()[1])]
    message = parse_message(load(name))
    if isinstance(message, Response):
        return []  # a response to nothing we sent: discarded
    to = message.headers.to()
    if message.method == "INVITE" and to is not None and to.tag is not None:
        return [100, 481]  # a re-INVITE for a dialog we never had
    return [FIRST_ANSWER.get(message.method, 481)]


def probe(n: int, port: int) -> bytes:
    return (
        f"OPTIONS sip:switchboard@127.0.0.1:{port} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKprobe{n}\r\n"
        "Max-Forwards: 70\r\n"
        "From: <sip:probe@127.0.0.1>;tag=p\r\n"
        "To: <sip:switchboard@127.0.0.1>\r\n"
        f"Call-ID: probe-{n}\r\n"
        "CSeq: 1 OPTIONS\r\n"
        "Content-Length: 0\r\n\r\n"
    ).encode()


def status_and_call_id(data: bytes) -> tuple[int, str | None]:
    """Read a response's status and Call-ID without the full parser: an error
    response copies the request's broken fields (badaspec's To), as it must."""
    head = data.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace").split("\r\n")
    version, status, *_ = head[0].split(" ")
    assert version == "SIP/2.0"
    call_ids = [
        line.split(":", 1)[1].strip()
        for line in head[1:]
        if line.lower().startswith(("call-id:", "i:"))
    ]
    return int(status), (call_ids[0] if call_ids else None)


class _Client(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.inbox: asyncio.Queue[bytes] = asyncio.Queue()

    def datagram_received(self, data: bytes, addr: object) -> None:
        self.inbox.put_nowait(data)


async def exchange() -> dict[str, list[int]]:
    counter = itertools.count()
    endpoint: SipEndpoint

    def on_event(event: Event) -> None:
        # A registrar would challenge; here any REGISTER that parses is accepted.
        if isinstance(event, OtherRequest) and endpoint.ua is not None:
            response = make_response(event.request, 200, to_tag="reg")
            endpoint.run(endpoint.ua.respond(event.transaction, response, endpoint.clock.now()))

    endpoint = SipEndpoint(
        lambda h, p: UserAgent(h, p, lambda: f"id{next(counter)}"),
        on_event,
        limiter=MalformedLimiter(burst=1000),  # this test is one very bad peer on purpose
    )
    host, port = await endpoint.start("127.0.0.1", 0, tcp=False)
    loop = asyncio.get_running_loop()
    transport, client = await loop.create_datagram_endpoint(_Client, local_addr=("127.0.0.1", 0))
    results: dict[str, list[int]] = {}
    try:
        for n, name in enumerate(NAMES):
            transport.sendto(load(name), (host, port))
            transport.sendto(probe(n, port), (host, port))
            statuses: list[int] = []
            while True:
                data = await asyncio.wait_for(client.inbox.get(), timeout=5)
                status, call_id = status_and_call_id(data)
                if call_id == f"probe-{n}":
                    assert status == 200
                    break
                statuses.append(status)
            results[name] = statuses
    finally:
        transport.close()
        await endpoint.stop()
    return results


def test_every_torture_message_gets_the_manifest_answer_over_udp() -> None:
    results = asyncio.run(exchange())
    assert {name: results[name] for name in NAMES} == {name: expected(name) for name in NAMES}
    assert len(results) == 49
