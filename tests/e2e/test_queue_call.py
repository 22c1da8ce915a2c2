"""A customer calls the Sales number; the ACD offers the call to Alice, whose SIP phone
rings; she answers on the phone; they talk; the customer hangs up; the interaction is
stored and Alice's wrap-up starts. Watched from the SIP side (sipp), the agent's
event stream and the store."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from switchboard.core import commands as cmd
from switchboard.core.records import InteractionRecord
from tests.interop.sipp import SippResult

from .harness import running_server


def test_a_queue_call_rings_the_agents_phone_and_is_stored(tmp_path: Path) -> None:
    async def scenario() -> tuple[SippResult, InteractionRecord, list[dict[str, Any]], Any]:
        async with running_server(tmp_path) as s:
            phone = await s.phone("alice")
            await s.server.submit(cmd.Login("alice"))
            stream = s.server.hub.subscribe("alice")
            caller = s.customer("caller")
            incoming = await phone.wait_for("CALL_INCOMING")
            await phone.command("accept")
            await phone.wait_for("CALL_ESTABLISHED")
            result = await caller
            record = await asyncio.wait_for(s.persisted.get(), timeout=10)
            await phone.wait_for("CALL_CLOSED")
            messages = []
            while not stream.queue.empty():
                messages.append(stream.queue.get_nowait())
            return result, record, messages, (incoming, s.server.snapshot("alice"))

    result, record, messages, (incoming, view) = asyncio.run(scenario())
    assert (result.returncode, result.successful, result.failed) == (0, 1, 0), result.log
    # The phone showed the customer's number
    assert "+33612345678" in str(incoming)
    # Stored: answered by Alice from the Sales queue, ended by the customer
    assert record.queue_id == "sales"
    assert record.answered_at is not None
    assert record.end_cause is not None and record.end_cause.value == "completed"
    assert [p.agent_id for p in record.participations] == ["alice"]
    assert record.talk_seconds > 1.0
    # The stream: a snapshot, the popup, the call, then the wrap-up
    assert messages[0]["type"] == "snapshot"
    changes = [m["changes"] for m in messages if m["type"] == "update"]
    popups = [c["popup"] for c in changes if c.get("popup")]
    assert popups and popups[0]["caller"] == "+33612345678"
    assert popups[0]["colour"] == "raspberry_red"
    assert any(c.get("calls") for c in changes)
    assert view["post_interaction"]["call_ids"] == [record.id]
    assert view["agent"]["state"] == "post_interaction"
