"""baresip, a real SIP phone, registers with digest authentication."""

from __future__ import annotations

import asyncio
from pathlib import Path

from .baresip import Baresip
from .harness import Harness
from .media import long_tone


def test_baresip_registers_with_digest_auth_and_can_be_found(tmp_path: Path) -> None:
    async def scenario() -> list[str]:
        harness = Harness({"1001": "s3cret-1001"})
        await harness.start()
        phone = Baresip(
            tmp_path / "phone",
            extension="1001",
            password="s3cret-1001",
            server_port=harness.port,
            microphone=long_tone(tmp_path / "mic.wav", 440.0, 120.0),
        )
        try:
            await phone.start()
            user = await asyncio.wait_for(harness.registered.get(), timeout=10)
            bindings = harness.registrar.lookup(user, harness.endpoint.clock.now())
            return [user, *(str(b.uri) for b in bindings)]
        finally:
            await phone.stop()
            await harness.stop()

    user, *contacts = asyncio.run(scenario())
    assert user == "1001"
    assert len(contacts) == 1
    assert contacts[0].startswith("sip:1001") and "@127.0.0.1:" in contacts[0]


def test_a_wrong_password_never_registers(tmp_path: Path) -> None:
    async def scenario() -> tuple[str, int, int]:
        harness = Harness({"1001": "s3cret-1001"})
        await harness.start()
        phone = Baresip(
            tmp_path / "phone",
            extension="1001",
            password="wrong",
            server_port=harness.port,
            microphone=long_tone(tmp_path / "mic.wav", 440.0, 120.0),
        )
        try:
            await phone.start()
            source = await asyncio.wait_for(harness.refused.get(), timeout=10)
            now = harness.endpoint.clock.now()
            return source, harness.registered.qsize(), len(harness.registrar.lookup("1001", now))
        finally:
            await phone.stop()
            await harness.stop()

    source, registered, bindings = asyncio.run(scenario())
    assert source == "127.0.0.1"
    assert (registered, bindings) == (0, 0)
