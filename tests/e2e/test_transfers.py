"""Transfers end to end (spec §4): a customer (sipp) on the line with Alice (baresip),
who transfers it blind to a number through the trunk (sipp as the carrier), attended
to Bruno, blind to the Support queue, and attended to a directory contact then
cancels; a transfer to a busy colleague fails with its reason. Each asserts what the
people on the line get (SIP), what the agents' screens say (WebSocket) and what is
stored."""

from __future__ import annotations

import asyncio
import wave
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from switchboard.core import effects as fx
from switchboard.core.records import InteractionRecord
from tests.interop.baresip import Baresip
from tests.interop.sipp import SippResult
from tests.media.farend import band_share

from .harness import OUTCOME, VOICE, Api, EventStream, running_api


@dataclass
class OnCall:
    """Alice talking with a customer who called Sales."""

    api: Api
    token: str
    phone: Baresip
    stream: EventStream
    customer: asyncio.Task[SippResult]
    call_id: str

    async def post(self, path: str, body: Mapping[str, object] | None = None) -> dict[str, Any]:
        response = await self.api.call(self.token, "POST", path, body)
        assert response.status_code == 200, (path, response.text)
        result: dict[str, Any] = response.json()
        return result


@asynccontextmanager
async def alice_on_a_call(
    tmp: Path, *, customer: str = "caller_waits", **values: str
) -> AsyncIterator[OnCall]:
    async with running_api(tmp, trunk=True) as api:
        token, phone = await api.ready("alice")
        caller = api.running.customer(customer, **values)
        async with api.events(token) as stream:
            await phone.wait_for("CALL_INCOMING")
            await phone.command("accept")
            view = await stream.until(
                lambda v: bool(v["calls"]) and v["calls"][0]["state"] == "connected"
            )
            yield OnCall(api, token, phone, stream, caller, view["calls"][0]["call_id"])


def customer_record(records: list[InteractionRecord]) -> InteractionRecord:
    return next(r for r in records if r.direction.value == "inbound")


def voices_in(wav_path: Path, voices: dict[str, float]) -> set[str]:
    """The voices (tones) a recording holds for a quarter of a second or more."""
    with wave.open(str(wav_path)) as wav:
        samples = np.frombuffer(wav.readframes(wav.getnframes()), "<i2")
    heard: dict[str, int] = {}
    for start in range(0, len(samples) - 800, 800):
        window = samples[start : start + 800]
        for name, tone in voices.items():
            if band_share(window, tone) > 0.2:
                heard[name] = heard.get(name, 0) + 1
    return {name for name, windows in heard.items() if windows >= 3}


def transfer_statuses(effects: list[fx.Effect]) -> list[tuple[str, str | None]]:
    return [(e.status, e.failure_reason) for e in effects if isinstance(e, fx.TransferChanged)]


def test_blind_transfer_to_a_number_joins_the_customer_to_it(tmp_path: Path) -> None:
    async def scenario() -> dict[str, Any]:
        out: dict[str, Any] = {}
        async with alice_on_a_call(tmp_path) as c:
            # The carrier sees the customer's number as the caller: the callee knows
            # who is calling. It talks for 3 s, then hangs up.
            callee = c.api.running.callee(
                "trunk_callee_hangs_up", caller_id=r"\+33612345678", talk="3000"
            )
            body = {"mode": "blind", "kind": "number", "destination": "+1 212 555 0123"}
            out["started"] = await c.post(f"/calls/{c.call_id}/transfer", body)
            out["alice_closed"] = await c.phone.wait_for("CALL_CLOSED")
            out["completed"] = await c.stream.message(
                "transfer", lambda m: m["status"] in ("completed", "failed")
            )
            telephony = c.api.running.server.telephony
            out["junctions"] = len(telephony.junctions)
            # Both far ends keep talking through us, with no core call left.
            endpoints = {p.endpoint for pair in telephony.junctions.values() for p in pair}
            out["packets"] = await c.api.running.audio_flows(sorted(endpoints))
            out["callee"] = await callee
            out["customer"] = await c.customer
            out["records"] = [
                await asyncio.wait_for(c.api.running.persisted.get(), 10) for _ in range(2)
            ]
            out["statuses"] = transfer_statuses(c.api.running.effects)
            out["junctions_after"] = len(telephony.junctions)
        return out

    out = asyncio.run(scenario())
    assert out["started"]["agent"]["state"] == "post_interaction"
    assert out["completed"]["status"] == "completed", out["completed"]
    assert out["junctions"] == 2  # two legs, one junction
    for stats in out["packets"]:
        assert stats.packets_in >= 25 and stats.packets_out >= 25, stats
    assert out["callee"].successful == 1, out["callee"].log
    assert out["customer"].successful == 1, out["customer"].log  # we relayed the BYE
    assert out["junctions_after"] == 0
    assert out["statuses"] == [
        ("starting", None),
        ("ringing", None),
        ("answered", None),
        ("completed", None),
    ]
    records: list[InteractionRecord] = out["records"]
    by_direction = {r.direction.value: r for r in records}
    assert by_direction["inbound"].end_cause == "transferred"
    assert by_direction["outbound"].callee == "+12125550123"


def test_attended_transfer_to_a_colleague_on_one_line(tmp_path: Path) -> None:
    async def scenario() -> dict[str, Any]:
        out: dict[str, Any] = {}
        async with alice_on_a_call(tmp_path) as c:
            bruno_token, bruno = await c.api.ready("bruno")
            await c.post(f"/calls/{c.call_id}/recording/start")
            telephony = c.api.running.server.telephony
            alice_line = telephony.lines["alice"].endpoint
            await c.api.running.audio_flows([alice_line])  # Alice talks to the customer
            body = {"mode": "attended", "kind": "user", "destination": "bruno"}
            started = await c.post(f"/calls/{c.call_id}/transfer", body)
            out["started"] = started["calls"]
            out["bruno_rung"] = await bruno.wait_for("CALL_INCOMING")
            await bruno.command("accept")
            view = await c.stream.until(
                lambda v: any(
                    call["transfer"] and call["transfer"]["status"] == "answered"
                    for call in v["calls"]
                )
            )
            transfer = next(call["transfer"] for call in view["calls"] if call["transfer"])
            consult = telephony.calls[transfer["consult_call_id"]]
            customer = telephony.calls[c.call_id].remote
            assert customer is not None
            # Alice talks with Bruno on the line her phone already had; the customer
            # hears the queue's music meanwhile.
            out["consult_wiring"] = telephony.wiring(telephony.lines["alice"].endpoint)
            out["bruno_line"] = telephony.lines["bruno"].endpoint
            out["customer_wiring"] = telephony.wiring(customer.endpoint)
            out["consult_agents"] = sorted(consult.agents)
            out["completed"] = await c.post(f"/transfers/{transfer['id']}/complete")
            out["alice_closed"] = await c.phone.wait_for("CALL_CLOSED")
            out["after"] = telephony.wiring(customer.endpoint)
            out["audio"] = await c.api.running.audio_flows([customer.endpoint, out["bruno_line"]])
            bruno_view = (await c.api.call(bruno_token, "GET", "/me")).json()
            out["bruno_calls"] = bruno_view["calls"]
            hangup = await c.api.call(bruno_token, "POST", f"/calls/{c.call_id}/hangup")
            out["hangup"] = hangup.status_code
            out["customer"] = await c.customer
            records = [await asyncio.wait_for(c.api.running.persisted.get(), 10)]
            records.append(await asyncio.wait_for(c.api.running.persisted.get(), 10))
            out["records"] = records
            out["statuses"] = transfer_statuses(c.api.running.effects)
            recording = customer_record(records).recordings[0]
            out["wav"] = c.api.running.server.telephony.recordings / f"{recording.id}.wav"
            out["alice_incoming"] = sum(1 for e in c.phone.seen if e.get("type") == "CALL_INCOMING")
        return out

    out = asyncio.run(scenario())
    held = next(call for call in out["started"] if call["held"])
    assert held["transfer"]["status"] in ("starting", "ringing")
    assert out["bruno_rung"]["peeruri"].startswith("sip:1001@")  # Alice calling
    kind, how, members, _ = out["consult_wiring"]
    assert (kind, how) == ("group", "bridge") and out["bruno_line"] in members
    assert out["customer_wiring"][0] == "play"
    assert out["consult_agents"] == ["alice", "bruno"]
    assert out["completed"]["agent"]["state"] == "post_interaction"
    kind, how, members, _ = out["after"]
    assert (kind, how) == ("group", "bridge") and out["bruno_line"] in members
    assert [call["call_id"] for call in out["bruno_calls"]] == [held["call_id"]]
    assert out["bruno_calls"][0]["transfer"] is None and not out["bruno_calls"][0]["held"]
    assert out["hangup"] == 200
    assert out["customer"].successful == 1, out["customer"].log
    assert out["alice_incoming"] == 1  # her phone rang once, for the customer
    assert out["statuses"][-1] == ("completed", None)
    customer = customer_record(out["records"])
    assert [p.agent_id for p in customer.participations] == ["alice", "bruno"]
    # The customer's recording followed the call: Alice until she consulted, then
    # Bruno once he took it over; never the consultation.
    voices = voices_in(out["wav"], {"customer": 1000.0, **VOICE})
    assert {"customer", "alice", "bruno"} <= voices and "carla" not in voices
    consultation = next(r for r in out["records"] if r.direction.value == "internal")
    assert {p.agent_id for p in consultation.participations} == {"alice", "bruno"}


def test_blind_transfer_to_a_queue_reaches_its_agent(tmp_path: Path) -> None:
    async def scenario() -> dict[str, Any]:
        out: dict[str, Any] = {}
        async with alice_on_a_call(tmp_path) as c:
            carla_token, carla = await c.api.ready("carla")
            body = {"mode": "blind", "kind": "queue", "destination": "support"}
            out["alice"] = await c.post(f"/calls/{c.call_id}/transfer", body)
            await c.phone.wait_for("CALL_CLOSED")
            out["carla_rung"] = await carla.wait_for("CALL_INCOMING")
            await carla.command("accept")
            await carla.wait_for("CALL_ESTABLISHED")
            me = (await c.api.call(carla_token, "GET", "/me")).json()
            out["carla_call"] = me["calls"][0]
            await c.api.call(carla_token, "POST", f"/calls/{c.call_id}/hangup")
            out["customer"] = await c.customer
            out["record"] = await asyncio.wait_for(c.api.running.persisted.get(), 10)
        return out

    out = asyncio.run(scenario())
    assert out["alice"]["calls"] == [] and out["alice"]["agent"]["state"] == "post_interaction"
    assert out["carla_rung"]["peeruri"].startswith("sip:+33612345678@")
    assert out["carla_call"]["queue_id"] == "support"
    assert out["carla_call"]["recording"] is not None  # Support records every call
    assert out["customer"].successful == 1, out["customer"].log
    record: InteractionRecord = out["record"]
    assert [p.agent_id for p in record.participations] == ["alice", "carla"]
    assert len(record.recordings) == 1


def test_attended_transfer_to_a_directory_contact_cancelled(tmp_path: Path) -> None:
    async def scenario() -> dict[str, Any]:
        out: dict[str, Any] = {}
        async with alice_on_a_call(tmp_path) as c:
            # Alice consults Billing (through the trunk, with Sales' caller ID), then
            # changes her mind: back to the customer, Billing is hung up.
            callee = c.api.running.callee(caller_id=r"\+18005550100")
            body = {"mode": "attended", "kind": "directory", "destination": "billing"}
            await c.post(f"/calls/{c.call_id}/transfer", body)
            view = await c.stream.until(
                lambda v: any(
                    call["transfer"] and call["transfer"]["status"] == "answered"
                    for call in v["calls"]
                ),
                timeout=15,
            )
            transfer = next(call["transfer"] for call in view["calls"] if call["transfer"])
            out["cancelled"] = await c.post(f"/transfers/{transfer['id']}/cancel")
            out["callee"] = await callee  # Billing got our BYE
            telephony = c.api.running.server.telephony
            customer = telephony.calls[c.call_id].remote
            assert customer is not None
            out["wiring"] = telephony.wiring(customer.endpoint)
            out["line"] = telephony.lines["alice"].endpoint
            out["message"] = await c.stream.message("transfer", lambda m: m["status"] != "answered")
            await c.post(f"/calls/{c.call_id}/hangup")
            out["customer"] = await c.customer
        return out

    out = asyncio.run(scenario())
    calls = out["cancelled"]["calls"]
    assert len(calls) == 1 and calls[0]["state"] == "connected" and calls[0]["transfer"] is None
    assert out["callee"].successful == 1, out["callee"].log
    kind, how, members, _ = out["wiring"]
    assert (kind, how) == ("group", "bridge") and out["line"] in members
    assert out["message"]["status"] == "cancelled"
    assert out["customer"].successful == 1, out["customer"].log


def test_a_transfer_to_a_busy_colleague_fails_and_the_call_comes_back(tmp_path: Path) -> None:
    async def scenario() -> dict[str, Any]:
        out: dict[str, Any] = {}
        async with alice_on_a_call(tmp_path) as c:
            _, bruno = await c.api.ready("bruno")
            body = {"mode": "blind", "kind": "user", "destination": "bruno"}
            await c.post(f"/calls/{c.call_id}/transfer", body)
            await bruno.wait_for("CALL_INCOMING")
            await bruno.command("hangup")  # 486 Busy Here
            out["failed"] = await c.stream.message("transfer", lambda m: m["status"] == "failed")
            # Back to the head of Sales, where only Alice could take it (Bruno refused
            # it): it waits for her wrap-up to end, then her phone rings.
            await c.api.call(c.token, "PUT", "/post-interaction/qualification", OUTCOME)
            await c.post("/post-interaction/end")
            out["recall"] = await c.phone.wait_for("CALL_INCOMING")
            await c.phone.command("accept")
            view = await c.stream.until(
                lambda v: bool(v["calls"]) and v["calls"][0]["state"] == "connected"
            )
            out["view"] = view["calls"][0]
            await c.post(f"/calls/{c.call_id}/hangup")
            out["customer"] = await c.customer
        return out

    out = asyncio.run(scenario())
    assert out["failed"]["failure_reason"] == "busy"
    assert out["view"]["call_id"] and out["view"]["caller"] == "+33612345678"
    assert out["customer"].successful == 1, out["customer"].log
