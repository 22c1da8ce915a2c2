"""Switchboard registers with a trunk: sipp plays the trunk's registrar, challenges
with digest and checks our answer with its own digest code."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

from switchboard.runtime.sip_endpoint import SipEndpoint
from switchboard.sip.registration import RegistrationChanged
from switchboard.sip.transaction import Peer
from switchboard.sip.ua import Event, UserAgent
from switchboard.sip.uri import parse_uri

from .sipp import SippResult, free_udp_port, run_sipp_uas


async def register_with_sipp(
    tmp_path: Path, password: str
) -> tuple[RegistrationChanged, SippResult]:
    port = free_udp_port()
    counter = itertools.count()
    changes: asyncio.Queue[RegistrationChanged] = asyncio.Queue()

    def on_event(event: Event) -> None:
        if isinstance(event, RegistrationChanged):
            changes.put_nowait(event)

    endpoint = SipEndpoint(lambda h, p: UserAgent(h, p, lambda: f"r{next(counter)}"), on_event)
    await endpoint.start("127.0.0.1", 0, tcp=False)
    trunk = asyncio.create_task(
        run_sipp_uas(
            port,
            tmp_path / "trunk",
            scenario="trunk_registrar",
            values={"username": "acme", "password": "trunk-secret"},
        )
    )
    try:
        # sipp needs a moment to bind; our REGISTER is retransmitted until it answers.
        assert endpoint.ua is not None
        _, out = endpoint.ua.register(
            parse_uri("sip:acme@trunk.example"),
            parse_uri("sip:trunk.example"),
            Peer("127.0.0.1", port),
            endpoint.clock.now(),
            credentials=("acme", password),
            expires=600,
        )
        endpoint.run(out)
        change = await asyncio.wait_for(changes.get(), timeout=15)
        return change, await asyncio.wait_for(trunk, timeout=40)
    finally:
        trunk.cancel()
        await endpoint.stop()


def test_switchboard_registers_with_a_trunk_that_challenges(tmp_path: Path) -> None:
    change, trunk = asyncio.run(register_with_sipp(tmp_path, "trunk-secret"))
    assert (change.registered, change.status) == (True, 200), trunk.log
    assert change.registration.expires_at is not None
    # The trunk granted 120 s, not the 600 asked for: the refresh follows the grant.
    assert change.registration.next_at is not None
    assert 80 <= change.registration.next_at - (change.registration.expires_at - 120) <= 95
    assert trunk.successful == 1, trunk.log


def test_a_wrong_trunk_password_is_refused_by_the_trunk(tmp_path: Path) -> None:
    change, trunk = asyncio.run(register_with_sipp(tmp_path, "not-the-secret"))
    assert (change.registered, change.status) == (False, 403), trunk.log
