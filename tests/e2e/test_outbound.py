"""Calls agents place, end to end: a call back to a CRM contact through the SIP trunk
(sipp as the carrier: digest challenge, caller ID checked), and an internal call
between two agents' phones (baresip)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from switchboard.core.records import InteractionRecord

from .harness import running_api


def test_call_back_a_crm_contact_through_the_trunk(tmp_path: Path) -> None:
    async def scenario() -> dict[str, Any]:
        async with running_api(tmp_path, trunk=True) as api:
            out: dict[str, Any] = {}
            token, phone = await api.ready("alice")
            # Sales' caller ID must reach the carrier in From.
            callee = api.running.callee(caller_id=r"\+18005550100")
            async with api.events(token) as stream:
                await stream.until(lambda v: v["agent"] is not None)
                response = await api.call(
                    token, "POST", "/callback", {"contact_id": "jane", "queue_id": "sales"}
                )
                out["dial"] = response.status_code, response.json()
                # The agent's phone rings first (baresip 1.0 ignores the auto-answer
                # hint): the agent picks up, and hears ringback until Jane answers.
                out["incoming"] = await phone.wait_for("CALL_INCOMING")
                # Jane is called only once Alice has picked up.
                placed = out["dial"][1]["calls"][0]["call_id"]
                out["before_pickup"] = api.running.server.telephony.calls[placed].remote
                await phone.command("accept")
                view = await stream.until(
                    lambda v: bool(v["calls"]) and v["calls"][0]["state"] == "connected",
                    timeout=15,
                )
                call_id = view["calls"][0]["call_id"]
                out["connected"] = view["calls"][0]
                telephony = api.running.server.telephony
                remote = telephony.calls[call_id].remote
                assert remote is not None
                out["wiring"] = telephony.wiring(remote.endpoint)
                out["line"] = telephony.lines["alice"].endpoint
                hangup = await api.call(token, "POST", f"/calls/{call_id}/hangup")
                out["hangup"] = hangup.status_code
                out["callee"] = await callee
                out["record"] = await asyncio.wait_for(api.running.persisted.get(), 10)
            return out

    out = asyncio.run(scenario())
    status, body = out["dial"]
    assert status == 200, body
    assert body["calls"][0]["state"] == "dialing"
    assert out["incoming"]["peeruri"].startswith("sip:+18005550100@")
    assert out["before_pickup"] is None
    assert out["connected"]["crm_contact_id"] == "jane"
    kind, how, members, _ = out["wiring"]
    assert (kind, how) == ("group", "bridge") and out["line"] in members
    assert out["hangup"] == 200
    assert out["callee"].successful == 1, out["callee"].log
    record: InteractionRecord = out["record"]
    assert record.direction.value == "outbound"
    assert record.callee == "+12125550180"
    assert record.caller == "+18005550100"
    assert record.crm_contact_id == "jane"


def test_an_internal_call_then_a_call_back_from_the_history(tmp_path: Path) -> None:
    async def scenario() -> dict[str, Any]:
        async with running_api(tmp_path, trunk=True) as api:
            out: dict[str, Any] = {}
            alice = await api.running.phone("alice")
            bruno = await api.running.phone("bruno")
            tokens = {a: await api.login(a) for a in ("alice", "bruno")}
            for token in tokens.values():
                await api.call(token, "POST", "/status", {"state": "available"})
            response = await api.call(tokens["alice"], "POST", "/dial", {"extension": "1002"})
            out["dial"] = response.status_code, response.json()
            out["bruno_rung"] = await bruno.wait_for("CALL_INCOMING")
            await alice.wait_for("CALL_INCOMING")
            await alice.command("accept")
            await bruno.command("accept")
            await bruno.wait_for("CALL_ESTABLISHED")
            telephony = api.running.server.telephony
            lines = [telephony.lines[a].endpoint for a in ("alice", "bruno")]
            out["audio"] = await api.running.audio_flows(lines)
            out["wiring"] = telephony.wiring(lines[0])
            call_id = out["dial"][1]["calls"][0]["call_id"]
            await api.call(tokens["alice"], "POST", f"/calls/{call_id}/hangup")
            out["bruno_closed"] = await bruno.wait_for("CALL_CLOSED")
            record = await asyncio.wait_for(api.running.persisted.get(), 10)
            out["record"] = record
            # Bruno calls Alice back from his history, once both have wrapped up.
            for token in tokens.values():
                await api.call(token, "POST", "/post-interaction/end")
            back = await api.call(tokens["bruno"], "POST", f"/history/{record.id}/call-back")
            out["back"] = back.status_code, back.json()
            out["alice_rung"] = await alice.wait_for("CALL_INCOMING")
            carla = await api.login("carla")
            out["carla_call_back"] = (
                await api.call(carla, "POST", f"/history/{record.id}/call-back")
            ).status_code
            return out

    out = asyncio.run(scenario())
    status, body = out["dial"]
    assert status == 200 and body["calls"][0]["type"] == "direct_internal", body
    assert out["bruno_rung"]["peeruri"].startswith("sip:1001@")
    kind, how, _, _ = out["wiring"]
    assert (kind, how) == ("group", "bridge")
    record: InteractionRecord = out["record"]
    assert record.direction.value == "internal"
    assert {p.agent_id for p in record.participations} == {"alice", "bruno"}
    status, body = out["back"]
    assert status == 200 and body["calls"][0]["callee"] == "1001", body
    assert out["alice_rung"]["peeruri"].startswith("sip:1002@")
    assert out["carla_call_back"] == 404  # not her interaction


def test_merge_a_held_customer_with_a_number_into_a_three_way_call(tmp_path: Path) -> None:
    async def scenario() -> dict[str, Any]:
        async with running_api(tmp_path, trunk=True) as api:
            out: dict[str, Any] = {}
            token, phone = await api.ready("alice")
            customer = api.running.customer()
            first = await api.answer(token, phone)
            await api.call(token, "POST", f"/calls/{first}/hold")
            # A second call, to an expert outside; it hangs up 6 s after answering.
            expert = api.running.callee(
                "trunk_callee_hangs_up", caller_id=r"\+18005550100", talk="6000"
            )
            dial = await api.call(
                token, "POST", "/dial", {"number": "+12125550123", "queue_id": "sales"}
            )
            second = next(c["call_id"] for c in dial.json()["calls"] if c["call_id"] != first)
            async with api.events(token) as stream:
                await stream.until(
                    lambda v: any(
                        c["call_id"] == second and c["state"] == "connected" for c in v["calls"]
                    ),
                    timeout=15,
                )
                merged = await api.call(token, "POST", "/merge")
                out["merged"] = merged.status_code, merged.json()
            telephony = api.running.server.telephony
            ends = [telephony.calls[c].remote for c in (first, second)]
            endpoints = [e.endpoint for e in ends if e is not None]
            endpoints.append(telephony.lines["alice"].endpoint)
            out["wirings"] = [telephony.wiring(e) for e in endpoints]
            out["audio"] = await api.running.audio_flows(endpoints)
            # Alice leaves; the customer and the expert stay together until the
            # expert hangs up, which ends the customer's call too.
            out["leave"] = (await api.call(token, "POST", f"/calls/{first}/hangup")).status_code
            out["alice_closed"] = await phone.wait_for("CALL_CLOSED")
            out["after"] = telephony.wiring(endpoints[0])
            out["expert"] = await expert
            out["customer"] = await customer
            out["phone_rings"] = sum(1 for e in phone.seen if e.get("type") == "CALL_INCOMING")
            return out

    out = asyncio.run(scenario())
    status, body = out["merged"]
    assert status == 200, body
    assert [c["state"] for c in body["calls"]] == ["conference", "conference"]
    groups = {w[2] for w in out["wirings"]}
    assert len(groups) == 1 and {w[1] for w in out["wirings"]} == {"mix"}, out["wirings"]
    assert out["leave"] == 200
    kind, how, members, _ = out["after"]
    assert (kind, how) == ("group", "bridge") and len(members) == 2
    assert out["expert"].successful == 1, out["expert"].log
    assert out["customer"].successful == 1, out["customer"].log
    assert out["phone_rings"] == 1  # the second call used the line Alice was on
