"""`switchboard serve` and `switchboard demo`: the call server and its HTTP API in one
process, on one event loop.

uvicorn serves the FastAPI app on the same loop as the call server's single writer,
so API handlers hand commands to the writer without threads. uvicorn catches SIGINT
and SIGTERM and returns from `serve()`; the call server then shuts down gracefully
(new calls refused, calls in progress given `grace` seconds, every record written).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from switchboard.api.app import create_app
from switchboard.config.model import Tenant
from switchboard.runtime.server import CallServer, ServerOptions
from switchboard.store.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServeOptions:
    config_path: Path
    sip: tuple[str, int] = ("127.0.0.1", 5060)
    http: tuple[str, int] = ("127.0.0.1", 8080)
    database: str = "sqlite:///var/switchboard.db"
    recordings: Path = Path("var/recordings")
    rtp_ports: tuple[int, int] = (30000, 30999)
    grace: float = 30.0
    webrtc_addresses: tuple[str, ...] | None = None
    softphone_workers: int = 1


def parse_listen(value: str, default_port: int) -> tuple[str, int]:
    """`HOST:PORT`, `HOST` or `:PORT` → (host, port); ValueError with a clear message."""
    host, sep, port_text = value.rpartition(":")
    if not sep:
        host, port_text = value, str(default_port)
    host = host or "127.0.0.1"
    if not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise ValueError(f"{value!r} is not HOST:PORT (a port is 0 to 65535)")
    return host, int(port_text)


def parse_port_range(value: str) -> tuple[int, int]:
    low, sep, high = value.partition("-")
    if not sep or not low.isdigit() or not high.isdigit() or not 1024 <= int(low) < int(high):
        raise ValueError(f"{value!r} is not a port range such as 30000-30999")
    return int(low), int(high)


def trunk_password(tenant: Tenant) -> str | None:
    trunk = tenant.trunk
    if trunk is None:
        return None
    if trunk.password_env is not None:
        return os.environ.get(trunk.password_env)
    return trunk.password


def music_files(tenant: Tenant, config_path: Path) -> dict[str, Path]:
    base = config_path.parent
    return {m.id: (base / m.file).resolve() for m in tenant.hold_music}


def ensure_sqlite_dir(url: str) -> None:
    """Create the directory of a `sqlite:///path` database (the demo's `./var`)."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and url != prefix + ":memory:":
        Path(url[len(prefix) :]).parent.mkdir(parents=True, exist_ok=True)


def settle_heap() -> None:
    """Once started: what startup allocated (modules, the tenant, the app, ~140,000
    objects) leaves the cyclic GC's sight, and full collections run at most every 100
    generation-1 ones instead of 10. Full collections walked the whole heap in
    115-180 ms every few seconds under load, the worst of the popups' latency
    (bench/offer_latency.py: max 196 → 62 ms)."""
    gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, 100)


async def serve(tenant: Tenant, options: ServeOptions, *, banner: list[str] | None = None) -> None:
    ensure_sqlite_dir(options.database)
    # The API's socket listens before anything starts: a port in use stops us before
    # any call can arrive, and once the banner says where we listen, clients may
    # connect at once (the kernel queues them until uvicorn accepts).
    listener = listen_tcp(*options.http)
    try:
        await _serve_on(listener, tenant, options, banner)
    finally:
        listener.close()


async def _serve_on(
    listener: socket.socket, tenant: Tenant, options: ServeOptions, banner: list[str] | None
) -> None:
    store = Store.open(options.database)
    server = CallServer(
        tenant,
        store,
        ServerOptions(
            sip_host=options.sip[0],
            sip_port=options.sip[1],
            rtp_ports=options.rtp_ports,
            recordings=options.recordings,
            music=music_files(tenant, options.config_path),
            trunk_password=trunk_password(tenant),
            config_dir=options.config_path.parent.resolve(),
            prompt_cache=options.recordings.parent / "prompts",
            voicemail=options.recordings.parent / "voicemail",
            webrtc_addresses=options.webrtc_addresses,
            softphone_workers=options.softphone_workers,
        ),
    )
    await server.start()
    app = create_app(server)
    settle_heap()
    http = _HttpServer(
        uvicorn.Config(
            app,
            host=options.http[0],
            port=options.http[1],
            log_level="warning",
            lifespan="off",
            ws="websockets-sansio",
        )
    )
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, http.request_exit)
    for line in banner or []:
        print(line, flush=True)
    print(
        f"Switchboard: SIP on {options.sip[0]}:{server.sip_port}, "
        f"API on http://{options.http[0]}:{options.http[1]}/api/v1 (Ctrl-C stops)",
        flush=True,
    )
    try:
        await http.serve(sockets=[listener])
    finally:
        print("Switchboard: stopping; calls in progress may finish...", flush=True)
        await server.stop(grace=options.grace)
        store.close()


def listen_tcp(host: str, port: int) -> socket.socket:
    """A listening TCP socket for the API. Made with IPPROTO_TCP named: asyncio turns
    Nagle's algorithm off only on such sockets' connections, and a popup sent right
    after another message would otherwise wait ~40 ms for the client's delayed ACK."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock


class _HttpServer(uvicorn.Server):
    """uvicorn without its own signal handling: on SIGTERM uvicorn re-raises the
    signal once it has stopped, which would kill the process before the calls in
    progress are given their grace and their records written. The call server's
    loop handles the signals instead (`request_exit`)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    def request_exit(self) -> None:
        self.should_exit = True


def run(tenant: Tenant, options: ServeOptions, *, banner: list[str] | None = None) -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        asyncio.run(serve(tenant, options, banner=banner))
    except OSError as error:
        print(f"switchboard: cannot start: {error}")
        return 1
    except KeyboardInterrupt:
        pass
    return 0
