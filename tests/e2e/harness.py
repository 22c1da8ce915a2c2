"""A running call server for end-to-end tests, with baresip phones for its agents and
everything it does observable: effects, stored records, registrations."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from switchboard.config.loader import load_tenant
from switchboard.core import effects as fx
from switchboard.core.records import InteractionRecord
from switchboard.runtime.server import CallServer, ServerOptions
from switchboard.store.store import Store
from tests.interop.baresip import Baresip
from tests.interop.media import long_tone

TENANT = Path(__file__).parent / "tenant.yaml"
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

    def of(self, kind: type[fx.Effect]) -> list[fx.Effect]:
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
