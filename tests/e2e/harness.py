"""A running call server for end-to-end tests, with baresip phones for its agents and
everything it does observable: effects, stored records, registrations."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import uvicorn
import websockets

from switchboard.api.app import create_app
from switchboard.config.loader import load_tenant
from switchboard.core import effects as fx
from switchboard.core.records import InteractionRecord
from switchboard.runtime.server import CallServer, ServerOptions
from switchboard.store.store import Store
from tests.interop.baresip import Baresip
from tests.interop.media import long_tone
from tests.interop.sipp import SippResult, run_sipp, ulaw_tone

E = TypeVar("E", bound=fx.Effect)
TENANT = Path(__file__).parent / "tenant.yaml"
REPO = Path(__file__).resolve().parents[2]
EXTENSIONS = {"alice": "1001", "bruno": "1002", "carla": "1003"}
QUEUE_NUMBER = {"sales": "+18005550100", "support": "+18005550101"}


@dataclass
class Running:
    server: CallServer
    store: Store
    tmp: Path
    effects: list[fx.Effect] = field(default_factory=list)
    persisted: asyncio.Queue[InteractionRecord] = field(default_factory=asyncio.Queue)
    registered: asyncio.Queue[str] = field(default_factory=asyncio.Queue)
    phones: dict[str, Baresip] = field(default_factory=dict)

    @property
    def port(self) -> int:
        return self.server.sip_port

    async def phone(self, agent: str, *, answer_mode: str = "manual") -> Baresip:
        """Start the agent's baresip phone and wait until it is registered."""
        extension = EXTENSIONS[agent]
        phone = Baresip(
            self.tmp / f"phone-{agent}",
            extension=extension,
            password=f"pw-{extension}",
            server_port=self.port,
            microphone=long_tone(self.tmp / f"mic-{agent}.wav", 440.0, 120.0),
            answer_mode=answer_mode,
        )
        await phone.start()
        self.phones[agent] = phone
        while await asyncio.wait_for(self.registered.get(), timeout=10) != extension:
            pass
        return phone

    def customer(
        self, scenario: str = "caller_waits", *, queue: str = "sales", **values: str
    ) -> asyncio.Task[SippResult]:
        """A customer (sipp) calling the queue's number and streaming a 1 kHz tone;
        `values` fill the scenario's other `[name]` placeholders."""
        tone = ulaw_tone(self.tmp / "tone.wav", 1000.0, 30.0)
        return asyncio.get_running_loop().create_task(
            run_sipp(
                scenario,
                self.port,
                QUEUE_NUMBER[queue],
                self.tmp / f"sipp-{scenario}",
                files={"tone": tone, **values},
            )
        )

    def of(self, kind: type[E]) -> list[E]:
        return [e for e in self.effects if isinstance(e, kind)]


@asynccontextmanager
async def running_server(
    tmp: Path, *, rtp_ports: tuple[int, int] = (33000, 33999)
) -> AsyncIterator[Running]:
    tenant = load_tenant(TENANT)
    store = Store.open(f"sqlite:///{tmp / 'switchboard.db'}")
    server = CallServer(
        tenant,
        store,
        ServerOptions(
            sip_host="127.0.0.1",
            sip_port=0,
            rtp_ports=rtp_ports,
            recordings=tmp / "recordings",
            music={"hold": long_tone(tmp / "music.wav", 660.0, 20.0)},
        ),
    )
    running = Running(server, store, tmp)

    def observe(effect: fx.Effect) -> None:
        running.effects.append(effect)
        if isinstance(effect, fx.PersistInteraction):
            running.persisted.put_nowait(effect.record)

    server.on_effect = observe
    server.on_registered = running.registered.put_nowait
    await server.start()
    try:
        yield running
    finally:
        for phone in running.phones.values():
            await phone.stop()
        await server.stop(grace=2.0)
        store.close()


@dataclass
class Api:
    """The HTTP API of a running server, served by uvicorn on a free port."""

    running: Running
    base: str
    client: httpx.AsyncClient

    async def login(self, agent: str, password: str | None = None) -> str:
        response = await self.client.post(
            f"{self.base}/api/v1/login",
            json={"login": agent, "password": password or f"{agent}-pw"},
        )
        assert response.status_code == 200, response.text
        token: str = response.json()["token"]
        return token

    async def call(
        self, token: str, method: str, path: str, body: dict[str, object] | None = None
    ) -> httpx.Response:
        return await self.client.request(
            method,
            f"{self.base}/api/v1{path}",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
        )

    @asynccontextmanager
    async def events(self, token: str) -> AsyncIterator[EventStream]:
        url = self.base.replace("http://", "ws://") + "/api/v1/events"
        async with websockets.connect(
            url, additional_headers={"Authorization": f"Bearer {token}"}
        ) as socket:
            yield EventStream(socket)


@dataclass
class EventStream:
    socket: websockets.ClientConnection
    seen: list[dict[str, Any]] = field(default_factory=list)
    view: dict[str, Any] = field(default_factory=dict)
    """The agent's screen: the snapshot with every update since merged in."""

    async def next(self, timeout: float = 10.0) -> dict[str, Any]:
        message = json.loads(await asyncio.wait_for(self.socket.recv(), timeout))
        assert isinstance(message, dict)
        self.seen.append(message)
        return message

    async def until(
        self, test: Callable[[dict[str, Any]], bool], timeout: float = 10.0
    ) -> dict[str, Any]:
        """The first view (snapshot or merged update) that passes `test`."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while True:
            message = await self.next(max(0.01, end - loop.time()))
            if message["type"] == "snapshot":
                self.view = dict(message["view"])
            elif message["type"] == "update":
                self.view.update(message["changes"])
            else:
                continue
            if test(self.view):
                return self.view


@asynccontextmanager
async def running_api(tmp: Path, **kw: Any) -> AsyncIterator[Api]:
    async with running_server(tmp, **kw) as running:
        # A socket listening before uvicorn runs: clients can connect at once (the
        # kernel queues them), with no waiting for the server to say it started.
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        port = listener.getsockname()[1]
        http = uvicorn.Server(
            uvicorn.Config(
                create_app(running.server),
                log_level="warning",
                lifespan="off",
                ws="websockets-sansio",
            )
        )
        task = asyncio.get_running_loop().create_task(http.serve(sockets=[listener]))
        try:
            async with httpx.AsyncClient(timeout=10) as client:
                yield Api(running, f"http://127.0.0.1:{port}", client)
        finally:
            http.should_exit = True
            await task
            listener.close()
