"""SIP over UDP and TCP with asyncio: bytes in, bytes out, nothing else.

The transports know no SIP beyond framing: a UDP datagram is one message; a TCP
stream is cut by `StreamFramer` (Content-Length, size limit). Each complete
message goes to `on_message(data, peer)`; `send(data, peer)` picks the socket: the
UDP socket, or the TCP connection to that peer (reused, or opened on demand).

A source that keeps sending garbage is cut off by `MalformedLimiter`: the owner calls
`malformed(peer)` when a message does not parse; once banned, its datagrams are
dropped unread and its TCP connections closed. Oversized datagrams and framing
errors count as malformed here directly.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Callable

from switchboard.sip.errors import SipParseError
from switchboard.sip.framer import StreamFramer
from switchboard.sip.limits import MalformedLimiter
from switchboard.sip.transaction import Peer

log = logging.getLogger(__name__)

MAX_DATAGRAM = 65_507
MAX_TCP_MESSAGE = 65_535
UDP_RECEIVE_BUFFER = 4 << 20
"""What the kernel may hold for us while the loop is busy elsewhere (a full garbage
collection with thousands of live transactions takes 100-300 ms). Linux charges each
datagram its buffer's true size, about 2 KB for a SIP message, so its default 208 KB
holds only ~90 messages: a few tens of ms at 200 calls/s, and what does not fit is
dropped and retransmitted. The kernel caps this at net.core.rmem_max."""

OnMessage = Callable[[bytes, Peer], None]


class _Udp(asyncio.DatagramProtocol):
    def __init__(self, owner: SipTransport) -> None:
        self.owner = owner

    def datagram_received(
        self, data: bytes, addr: tuple[str, int] | tuple[str, int, int, int]
    ) -> None:
        self.owner._datagram(data, Peer(addr[0], addr[1], "UDP"))

    def error_received(self, exc: Exception) -> None:
        log.debug("UDP error: %s", exc)


class SipTransport:
    def __init__(
        self,
        on_message: OnMessage,
        clock: Callable[[], float],
        limiter: MalformedLimiter | None = None,
    ) -> None:
        self.on_message = on_message
        self.clock = clock
        self.limiter = limiter or MalformedLimiter()
        self._udp: asyncio.DatagramTransport | None = None
        self._tcp_server: asyncio.Server | None = None
        self._connections: dict[tuple[str, int], asyncio.StreamWriter] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.udp_address: tuple[str, int] | None = None
        self.tcp_address: tuple[str, int] | None = None

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self, host: str, port: int, *, tcp: bool = True) -> None:
        """Listen on UDP and (with `tcp`) TCP, on the same port.

        Port 0 picks a free UDP port; the same number may be taken for TCP by another
        socket (an outgoing connection's ephemeral port), so then we try another one.
        """
        attempts = 20 if port == 0 else 1
        for attempt in range(attempts):
            await self._start_udp(host, port)
            if not tcp:
                return
            try:
                await self._start_tcp(host)
                return
            except OSError:
                assert self._udp is not None
                self._udp.close()
                self._udp = None
                await asyncio.sleep(0)  # the transport closes its socket on the next turn
                if attempt == attempts - 1:
                    raise

    async def _start_udp(self, host: str, port: int) -> None:
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _Udp(self), local_addr=(host, port)
        )
        self._udp = transport
        with contextlib.suppress(OSError):
            sock = transport.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, UDP_RECEIVE_BUFFER)
        sockname = transport.get_extra_info("sockname")
        self.udp_address = (sockname[0], sockname[1])

    async def _start_tcp(self, host: str) -> None:
        assert self.udp_address is not None
        self._tcp_server = await asyncio.start_server(
            self._accept, host, self.udp_address[1], limit=MAX_TCP_MESSAGE
        )
        tcp_sock = self._tcp_server.sockets[0].getsockname()
        self.tcp_address = (tcp_sock[0], tcp_sock[1])

    async def stop(self) -> None:
        if self._udp is not None:
            self._udp.close()
        if self._tcp_server is not None:
            self._tcp_server.close()
            await self._tcp_server.wait_closed()
        for writer in list(self._connections.values()):
            writer.close()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, ConnectionError):
                await task
        self._connections.clear()

    # -- input ---------------------------------------------------------------------------

    def malformed(self, peer: Peer) -> None:
        """The owner could not use a message from `peer`."""
        if self.limiter.malformed(peer.host, self.clock()):
            log.warning("ignoring %s for a while: too many malformed messages", peer.host)
            writer = self._connections.pop((peer.host, peer.port), None)
            if writer is not None:
                writer.close()

    def _datagram(self, data: bytes, peer: Peer) -> None:
        if self.limiter.banned(peer.host, self.clock()):
            return
        if len(data) > MAX_DATAGRAM:
            self.malformed(peer)
            return
        if data.strip(b"\r\n") == b"":
            return  # keep-alive
        self.on_message(data, peer)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        host, port = writer.get_extra_info("peername")[:2]
        peer = Peer(host, port, "TCP")
        if self.limiter.banned(host, self.clock()):
            writer.close()
            return
        self._connections[(host, port)] = writer
        await self._read(reader, writer, peer)

    async def _read(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, peer: Peer
    ) -> None:
        framer = StreamFramer(MAX_TCP_MESSAGE)
        try:
            while not reader.at_eof():
                chunk = await reader.read(16_384)
                if not chunk:
                    break
                if self.limiter.banned(peer.host, self.clock()):
                    break
                try:
                    messages = framer.feed(chunk)
                except SipParseError:
                    self.malformed(peer)
                    break
                for message in messages:
                    self.on_message(message, peer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            if self._connections.get((peer.host, peer.port)) is writer:
                del self._connections[(peer.host, peer.port)]
            writer.close()

    # -- output --------------------------------------------------------------------------

    def send(self, data: bytes, peer: Peer) -> None:
        if not peer.reliable:
            if self._udp is not None:
                self._udp.sendto(data, (peer.host, peer.port))
            return
        writer = self._connections.get((peer.host, peer.port))
        if writer is not None and not writer.is_closing():
            writer.write(data)
            return
        task = asyncio.get_running_loop().create_task(self._connect_and_send(data, peer))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _connect_and_send(self, data: bytes, peer: Peer) -> None:
        try:
            reader, writer = await asyncio.open_connection(peer.host, peer.port)
        except OSError as exc:
            log.info("cannot reach %s:%s over TCP: %s", peer.host, peer.port, exc)
            return
        self._connections[(peer.host, peer.port)] = writer
        writer.write(data)
        await self._read(reader, writer, peer)
