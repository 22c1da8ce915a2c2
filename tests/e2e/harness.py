"""A running call server for end-to-end tests, with baresip phones for its agents and
everything it does observable: effects, stored records, registrations."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import uvicorn
import websockets

from switchboard.api.app import create_app
from switchboard.config.loader import load_tenant
from switchboard.config.model import Tenant, Trunk
from switchboard.core import effects as fx
from switchboard.core.records import InteractionRecord
from switchboard.media.engine import EndpointStats
from switchboard.runtime.serve import listen_tcp
from switchboard.runtime.server import CallServer, ServerOptions
from switchboard.store.store import Store
from tests.interop.baresip import Baresip
from tests.interop.media import long_tone
from tests.interop.sipp import SippResult, free_udp_port, run_sipp, run_sipp_uas, ulaw_tone

E = TypeVar("E", bound=fx.Effect)
TENANT = Path(__file__).parent / "tenant.yaml"
REPO = Path(__file__).resolve().parents[2]
EXTENSIONS = {"alice": "1001", "bruno": "1002", "carla": "1003"}
VOICE = {"alice": 440.0, "bruno": 520.0, "carla": 600.0}
"""The tone each agent's phone sends, to tell whose voice a recording holds; the
customer's is 1 kHz, a number reached through the trunk 350 Hz."""
NUMBER = {
    "sales": "+18005550100",
    "support": "+18005550101",
    "carla": "+18005550103",
    "ivr": "+18005550104",
    "night": "+18005550105",
    "accounts": "+18005550106",
    "forward": "+18005550107",
}
"""The numbers customers dial: a queue's, or an agent's direct line."""
OUTCOME = {"values": {"outcome": "Sale closed"}}
"""A Sales call's qualification (its form's one required field)."""
TRUNK_ACCOUNT = {"username": "switchboard", "password": "trunk-secret"}


@dataclass
class Running:
    server: CallServer
    store: Store
    tmp: Path
    effects: list[fx.Effect] = field(default_factory=list)
    persisted: asyncio.Queue[InteractionRecord] = field(default_factory=asyncio.Queue)
    registered: asyncio.Queue[str] = field(default_factory=asyncio.Queue)
    phones: dict[str, Baresip] = field(default_factory=dict)
    trunk_port: int | None = None
    progress: asyncio.Event = field(default_factory=asyncio.Event)
    """Set whenever the server carries out an effect or handles an inbox item."""

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
            microphone=long_tone(self.tmp / f"mic-{agent}.wav", VOICE[agent], 120.0),
            answer_mode=answer_mode,
        )
        await phone.start()
        self.phones[agent] = phone
        while await asyncio.wait_for(self.registered.get(), timeout=10) != extension:
            pass
        return phone

    def customer(
        self, scenario: str = "caller_waits", *, to: str = "sales", **values: str
    ) -> asyncio.Task[SippResult]:
        """A customer (sipp) calling a queue's number (or an agent's direct line) and
        streaming a 1 kHz tone; `values` fill the scenario's other `[name]`
        placeholders."""
        tone = ulaw_tone(self.tmp / "tone.wav", 1000.0, 30.0)
        return asyncio.get_running_loop().create_task(
            run_sipp(
                scenario,
                self.port,
                NUMBER[to],
                self.tmp / f"sipp-{scenario}",
                files={"tone": tone, **values},
            )
        )

    def callee(
        self, scenario: str = "trunk_callee", *, caller_id: str, **values: str
    ) -> asyncio.Task[SippResult]:
        """The number dialled through the trunk (sipp on the trunk's port): it checks
        the caller ID (a regular expression), challenges with digest, answers with a
        350 Hz tone; `values` fill the scenario's other placeholders."""
        assert self.trunk_port is not None, "start the server with trunk=True"
        tone = ulaw_tone(self.tmp / "callee-tone.wav", 350.0, 30.0)
        return asyncio.get_running_loop().create_task(
            run_sipp_uas(
                self.trunk_port,
                self.tmp / f"sipp-{scenario}",
                scenario=scenario,
                values={"tone": str(tone), "caller_id": caller_id, **TRUNK_ACCOUNT, **values},
            )
        )

    async def audio_flows(
        self, endpoints: list[str], *, packets: int = 25, timeout: float = 5.0
    ) -> list[EndpointStats]:
        """Each endpoint's statistics once it has received and sent `packets` more
        RTP packets than now (half a second of audio each way by default)."""
        media = self.server.media
        before = [media.stats(e) for e in endpoints]
        async with asyncio.timeout(timeout):
            while True:
                stats = [media.stats(e) for e in endpoints]
                if all(
                    s.packets_in - b.packets_in >= packets
                    and s.packets_out - b.packets_out >= packets
                    for s, b in zip(stats, before, strict=True)
                ):
                    return stats
                await asyncio.sleep(0.05)

    def of(self, kind: type[E]) -> list[E]:
        return [e for e in self.effects if isinstance(e, kind)]

    async def until(self, check: Callable[[], bool], timeout: float = 15.0) -> None:
        """Return once `check()` holds, checking again each time the server moves on."""
        async with asyncio.timeout(timeout):
            while not check():
                self.progress.clear()
                await self.progress.wait()

    async def effect(
        self, kind: type[E], test: Callable[[E], bool] = lambda e: True, timeout: float = 15.0
    ) -> E:
        """The first effect of this kind (carried out already, or next) passing `test`."""
        await self.until(lambda: any(test(e) for e in self.of(kind)), timeout)
        return next(e for e in self.of(kind) if test(e))


@asynccontextmanager
async def running_server(
    tmp: Path,
    *,
    rtp_ports: tuple[int, int] = (33000, 33999),
    trunk: bool = False,
    trunk_password: str = TRUNK_ACCOUNT["password"],
    edit: Callable[[Tenant], Tenant] | None = None,
    softphone_workers: int = 0,
) -> AsyncIterator[Running]:
    """The test tenant served on free ports; with `trunk`, its SIP trunk points at a
    free local port where a test's `callee` (sipp) answers; `edit` changes the tenant
    for one test; `softphone_workers` puts the Banner softphones in processes."""
    tenant = load_tenant(TENANT)
    if edit is not None:
        tenant = edit(tenant)
    trunk_port = free_udp_port() if trunk else None
    if trunk_port is not None:
        account = Trunk(
            host="127.0.0.1",
            port=trunk_port,
            domain="trunk.example",
            username=TRUNK_ACCOUNT["username"],
        )
        tenant = tenant.model_copy(update={"trunk": account})
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
            trunk_password=trunk_password if trunk else None,
            prompt_cache=tmp / "prompts",
            voicemail=tmp / "voicemail",
            webrtc_addresses=("127.0.0.1",),
            softphone_workers=softphone_workers,
        ),
    )
    running = Running(server, store, tmp, trunk_port=trunk_port)

    def observe(effect: fx.Effect) -> None:
        running.effects.append(effect)
        running.progress.set()
        if isinstance(effect, fx.PersistInteraction):
            running.persisted.put_nowait(effect.record)

    server.on_effect = observe
    server.on_processed = running.progress.set
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
        self, token: str, method: str, path: str, body: Mapping[str, object] | None = None
    ) -> httpx.Response:
        return await self.client.request(
            method,
            f"{self.base}/api/v1{path}",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
        )

    async def ready(self, agent: str, *, answer_mode: str = "manual") -> tuple[str, Baresip]:
        """The agent with its phone registered, logged in and available: its token
        and its phone."""
        phone = await self.running.phone(agent, answer_mode=answer_mode)
        token = await self.login(agent)
        response = await self.call(token, "POST", "/status", {"state": "available"})
        assert response.status_code == 200, response.text
        return token, phone

    async def answer(self, token: str, phone: Baresip) -> str:
        """The agent picks up its ringing phone; the id of the call it is then on."""
        await phone.wait_for("CALL_INCOMING")
        await phone.command("accept")
        await phone.wait_for("CALL_ESTABLISHED")
        calls = (await self.call(token, "GET", "/me")).json()["calls"]
        call_id: str = next(c["call_id"] for c in calls if c["state"] == "connected")
        return call_id

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
        await self._first(
            lambda m: m["type"] in ("snapshot", "update") and test(self.view), timeout
        )
        return self.view

    async def message(
        self,
        kind: str,
        test: Callable[[dict[str, Any]], bool] = lambda m: True,
        timeout: float = 10.0,
    ) -> dict[str, Any]:
        """The first message of this type ("transfer", "notification") that passes
        `test`; views seen meanwhile are merged as usual."""
        return await self._first(lambda m: m["type"] == kind and test(m), timeout)

    async def _first(
        self, test: Callable[[dict[str, Any]], bool], timeout: float
    ) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while True:
            message = await self.next(max(0.01, end - loop.time()))
            if message["type"] == "snapshot":
                self.view = dict(message["view"])
            elif message["type"] == "update":
                self.view.update(message["changes"])
            if test(message):
                return message


@asynccontextmanager
async def running_api(tmp: Path, **kw: Any) -> AsyncIterator[Api]:
    async with running_server(tmp, **kw) as running:
        # A socket listening before uvicorn runs: clients can connect at once (the
        # kernel queues them), with no waiting for the server to say it started.
        listener = listen_tcp("127.0.0.1", 0)
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
