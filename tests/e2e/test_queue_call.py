"""A customer calls the Sales number; the ACD offers the call to Alice, whose SIP phone
rings; she answers on the phone; they talk; the customer hangs up; the interaction is
stored and Alice's wrap-up starts. Watched from the SIP side (sipp), the agent's
event stream and the store."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from switchboard.config.model import Tenant
from switchboard.core import commands as cmd
from switchboard.core import effects as fx
from switchboard.core.records import InteractionRecord
from tests.interop.sipp import SippResult

from .harness import running_api, running_server


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


def _headsets(tenant: Tenant) -> Tenant:
    """Every profile answers automatically, as in a headset-only center."""
    profiles = [p.model_copy(update={"auto_answer": True}) for p in tenant.profiles]
    return tenant.model_copy(update={"profiles": profiles})


def test_an_auto_answer_profile_connects_the_call_with_no_click(tmp_path: Path) -> None:
    async def scenario() -> dict[str, Any]:
        async with running_api(tmp_path, edit=_headsets) as api:
            out: dict[str, Any] = {}
            # The agent's phone is set to pick up by itself (its headset is on).
            token, phone = await api.ready("alice", answer_mode="auto")
            async with api.events(token) as stream:
                caller = api.running.customer()
                view = await stream.until(
                    lambda v: bool(v["calls"]) and v["calls"][0]["state"] == "connected"
                )
                out["call"] = view["calls"][0]
                await phone.wait_for("CALL_ESTABLISHED")
                telephony = api.running.server.telephony
                remote = telephony.calls[out["call"]["call_id"]].remote
                assert remote is not None
                line = telephony.lines["alice"].endpoint
                out["audio"] = await api.running.audio_flows([remote.endpoint, line])
                await api.call(token, "POST", f"/calls/{out['call']['call_id']}/hangup")
                out["caller"] = await caller
            out["phone"] = [e.get("type") for e in phone.seen if e.get("class") == "call"]
            out["offers"] = [e.auto_answer for e in api.running.of(fx.PresentOffer)]
            return out

    out = asyncio.run(scenario())
    assert out["offers"] == [True]
    # One call on the phone, picked up by itself and never rung again.
    calls = ("CALL_INCOMING", "CALL_ESTABLISHED", "CALL_CLOSED")
    assert [e for e in out["phone"] if e in calls] == ["CALL_ESTABLISHED", "CALL_CLOSED"]
    assert out["caller"].successful == 1, out["caller"].log


def test_a_direct_number_rings_its_agent(tmp_path: Path) -> None:
    async def scenario() -> dict[str, Any]:
        async with running_api(tmp_path) as api:
            out: dict[str, Any] = {}
            token, phone = await api.ready("carla")
            async with api.events(token) as stream:
                caller = api.running.customer(to="carla")
                view = await stream.until(lambda v: v["popup"] is not None)
                out["popup"] = view["popup"]
                call_id = await api.answer(token, phone)
                await api.call(token, "POST", f"/calls/{call_id}/hangup")
            out["caller"] = await caller
            out["record"] = await asyncio.wait_for(api.running.persisted.get(), 10)
            return out

    out = asyncio.run(scenario())
    popup = out["popup"]
    assert popup["colour"] == "ocean_blue" and popup["queue_id"] is None, popup
    assert popup["caller"] == "+33612345678"
    assert out["caller"].successful == 1, out["caller"].log
    record: InteractionRecord = out["record"]
    assert record.call_type == "direct_external"
    assert [p.agent_id for p in record.participations] == ["carla"]
