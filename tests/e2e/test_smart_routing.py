"""Smart Routing over real SIP: a sipp caller reaches the IVR number, hears the
welcome and the menu (espeak-ng prompts), and presses 2 (RFC 4733, sipp's pcap) or
says "support please" (an espeak-ng recording streamed as RTP, recognised by
Whisper) and is queued in Support, where the agent who takes the call sees the
flow's path and variables (the Datas tab); a caller who presses a wrong key and
then nothing hears the menu again and is said goodbye; a flow forwards its caller
to an external number through the trunk and steps out once it answers; a transfer
to a flow re-enters it with the call's variables; a smart outbound call goes
through its flow's rules."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from switchboard.config.model import InboundNumber, Tenant
from switchboard.core import effects as fx
from switchboard.core.records import InteractionRecord
from switchboard.flows.model import Flow
from switchboard.media.endpointer import Endpointer
from switchboard.media.wav import Sound, read_wav
from switchboard.rtp.g711 import FRAME_SAMPLES
from switchboard.speech.tts import PromptCache
from tests.interop.baresip import Baresip
from tests.interop.sipp import ulaw_wav

from .harness import Api, running_api

KEY = {d: f"/usr/share/sip-tester/dtmf_2833_{d}.pcap" for d in "0123456789"}


async def _answer_then_hang_up(api: Api, token: str, phone: Baresip) -> dict[str, Any]:
    """The agent picks up its ringing phone; its call as `/me` shows it, then it hangs up."""
    await phone.wait_for("CALL_INCOMING", timeout=30)
    await phone.command("accept")
    await phone.wait_for("CALL_ESTABLISHED")
    call: dict[str, Any] = (await api.call(token, "GET", "/me")).json()["calls"][0]
    await api.call(token, "POST", f"/calls/{call['call_id']}/hangup")
    return call


def test_a_key_pressed_in_the_menu_queues_the_caller_in_support(tmp_path: Path) -> None:
    async def scenario() -> dict[str, Any]:
        out: dict[str, Any] = {}
        async with running_api(tmp_path) as api:
            token, phone = await api.ready("carla")
            caller = api.running.customer("ivr_caller", to="ivr", key=KEY["2"], wait="2500")
            out["call"] = await _answer_then_hang_up(api, token, phone)
            out["caller"] = await caller
            out["record"] = await asyncio.wait_for(api.running.persisted.get(), 10)
        return out

    out = asyncio.run(scenario())
    result = out["caller"]
    assert (result.returncode, result.successful, result.failed) == (0, 1, 0), result.log
    call = out["call"]
    assert call["queue_id"] == "support"
    assert call["variables"] == {"choice": "2"}
    assert [(s["node"], s["outcome"]) for s in call["flow_path"]] == [
        ("welcome", "played"),
        ("menu", "2 (pressed)"),
        ("support", "queue"),
    ]
    assert call["flow_path"][1]["label"] == "Main menu"
    record = out["record"]
    assert record.queue_id == "support" and record.variables == {"choice": "2"}
    assert [e.detail["node"] for e in record.timeline if e.kind == "flow_step"] == [
        "welcome",
        "menu",
        "support",
    ]


WELCOME = "Welcome to Acme."
MENU = "For sales, press 1 or say sales. For support, press 2 or say support."


def _prompts_seconds(cache: Path, *texts: str) -> float:
    """How long the server's cached prompts for `texts` play."""
    prompts = PromptCache(cache)
    return sum(read_wav(prompts.path_for(text)).duration for text in texts)


def test_a_spoken_answer_queues_the_caller_in_support(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The caller is listened to until 0.7 s after "support", not for the menu's 4 s."""
    listened: list[Sound] = []

    async def scenario() -> dict[str, Any]:
        out: dict[str, Any] = {}
        # espeak-ng's "sales" is beyond Whisper at 8 kHz; its "support please" is not.
        said = await PromptCache(tmp_path / "voice").render("support please")
        speech = ulaw_wav(tmp_path / "support.wav", read_wav(said).samples)
        async with running_api(tmp_path) as api:
            media = api.running.server.media
            stop_recording = media.stop_recording

            def stop_and_keep(recording_id: str) -> Path:
                """What the answer's recording holds, before it is transcribed and gone."""
                path = stop_recording(recording_id)
                if "-listen-" in recording_id:
                    listened.append(read_wav(path))
                return path

            monkeypatch.setattr(media, "stop_recording", stop_and_keep)
            token, phone = await api.ready("carla")
            # The answer starts half a second after the menu prompt has ended.
            wait = _prompts_seconds(tmp_path / "prompts", WELCOME, MENU) + 0.5
            caller = api.running.customer(
                "speaking_caller", to="ivr", speech=str(speech), wait=str(int(wait * 1000))
            )
            out["call"] = await _answer_then_hang_up(api, token, phone)
            out["caller"] = await caller
        return out

    out = asyncio.run(scenario())
    result = out["caller"]
    assert (result.returncode, result.successful, result.failed) == (0, 1, 0), result.log
    call = out["call"]
    assert call["queue_id"] == "support"
    assert call["variables"] == {"choice": "2"}
    node, outcome = [(s["node"], s["outcome"]) for s in call["flow_path"]][1]
    assert node == "menu" and outcome.startswith("2 (said ") and "support" in outcome.lower()
    (answer,) = listened
    # From where the caller stopped speaking in the recording, the listening went on
    # for the end silence (0.7 s) and the worker's turn (the recording takes the same
    # frames as the speech watch, after the jitter buffer).
    endpointer = Endpointer()
    for start in range(0, len(answer.samples), FRAME_SAMPLES):
        endpointer.feed(answer.samples[start : start + FRAME_SAMPLES])
    assert endpointer.ended_at is not None, "no end of speech in the recording"
    after = answer.duration - endpointer.ended_at
    assert 0.7 <= after < 1.2, after
    assert answer.duration < 3.5  # the menu's window is 4 s


def test_a_wrong_key_then_silence_replays_the_menu_then_says_goodbye(tmp_path: Path) -> None:
    async def scenario() -> dict[str, Any]:
        async with running_api(tmp_path) as api:
            silence = ulaw_wav(tmp_path / "silence.wav", np.zeros(8000 * 30, dtype=np.int16))
            caller = api.running.customer(
                "ivr_caller", to="ivr", key=KEY["9"], wait="2500", tone=str(silence)
            )
            result = await caller
            record = await asyncio.wait_for(api.running.persisted.get(), 10)
            return {"caller": result, "record": record}

    out = asyncio.run(scenario())
    result = out["caller"]
    assert (result.returncode, result.successful, result.failed) == (0, 1, 0), result.log
    record: InteractionRecord = out["record"]
    steps = [
        (e.detail["node"], e.detail["outcome"]) for e in record.timeline if e.kind == "flow_step"
    ]
    assert steps == [
        ("welcome", "played"),
        ("menu", "invalid: key 9"),  # "Sorry, that is not an option." and the menu again
        ("menu", "no input"),  # its one retry used: the menu fails
        ("menu", "failed"),
        ("goodbye", "hangup"),
    ], steps
    assert record.end_cause is not None and record.end_cause.value == "rejected"


def _with_forward(tenant: Tenant) -> Tenant:
    flow = Flow.model_validate(
        {
            "id": "partner",
            "name": "Overflow partner",
            "start": "out",
            "nodes": {"out": {"type": "number", "number": "+12125550190"}},
        }
    )
    number = InboundNumber(number="+18005550107", flow="partner")
    return tenant.model_copy(
        update={
            "flows": [*tenant.flows, flow],
            "inbound_numbers": [*tenant.inbound_numbers, number],
        }
    )


def test_a_flow_forwards_its_caller_to_an_external_number(tmp_path: Path) -> None:
    async def scenario() -> dict[str, Any]:
        out: dict[str, Any] = {}
        async with running_api(tmp_path, trunk=True, edit=_with_forward) as api:
            running = api.running
            # The carrier sees our number the customer dialled as the caller ID.
            callee = running.callee(
                "trunk_callee_hangs_up", caller_id=r"\+18005550107", talk="3000"
            )
            caller = running.customer("caller_waits", to="forward")
            await running.effect(fx.BridgeRemotes)
            telephony = running.server.telephony
            (a, b) = next(iter(telephony.junctions.values()))
            out["audio"] = await running.audio_flows([a.endpoint, b.endpoint])
            out["callee"] = await callee
            out["caller"] = await caller
            out["records"] = [await asyncio.wait_for(running.persisted.get(), 10) for _ in range(2)]
        return out

    out = asyncio.run(scenario())
    for party in ("caller", "callee"):
        result = out[party]
        assert (result.returncode, result.successful, result.failed) == (0, 1, 0), result.log
    records = {r.direction.value: r for r in out["records"]}
    assert records["inbound"].end_cause is not None
    assert records["inbound"].end_cause.value == "transferred"
    assert records["outbound"].callee == "+12125550190"
    assert "forwarded" in [e.kind for e in records["inbound"].timeline]


def test_a_transfer_to_a_flow_reenters_it_with_the_calls_variables(tmp_path: Path) -> None:
    async def scenario() -> dict[str, Any]:
        out: dict[str, Any] = {}
        async with running_api(tmp_path) as api:
            alice_token, alice = await api.ready("alice")
            carla_token, carla = await api.ready("carla")
            caller = api.running.customer("ivr_caller", to="ivr", key=KEY["2"], wait="2500")
            await carla.wait_for("CALL_INCOMING", timeout=20)
            await carla.command("accept")
            await carla.wait_for("CALL_ESTABLISHED")
            call_id = (await api.call(carla_token, "GET", "/me")).json()["calls"][0]["call_id"]
            body = {"mode": "blind", "kind": "flow", "destination": "triage"}
            out["transfer"] = await api.call(
                carla_token, "POST", f"/calls/{call_id}/transfer", body
            )
            # The triage flow reads the menu's answer (choice 2) and escalates to Sales.
            await alice.wait_for("CALL_INCOMING", timeout=20)
            await alice.command("accept")
            await alice.wait_for("CALL_ESTABLISHED")
            out["alice_call"] = (await api.call(alice_token, "GET", "/me")).json()["calls"][0]
            await api.call(alice_token, "POST", f"/calls/{call_id}/hangup")
            out["caller"] = await caller
            out["record"] = await asyncio.wait_for(api.running.persisted.get(), 10)
        return out

    out = asyncio.run(scenario())
    assert out["transfer"].status_code == 200, out["transfer"].text
    result = out["caller"]
    assert (result.returncode, result.successful, result.failed) == (0, 1, 0), result.log
    call = out["alice_call"]
    assert call["queue_id"] == "sales"
    assert call["variables"] == {"choice": "2", "escalated": "yes"}
    assert [(s["flow"], s["node"]) for s in call["flow_path"]] == [
        ("ivr", "welcome"),
        ("ivr", "menu"),
        ("ivr", "support"),
        ("triage", "check"),
        ("triage", "escalate"),
        ("triage", "sales"),
    ]
    record: InteractionRecord = out["record"]
    assert [p.agent_id for p in record.participations] == ["carla", "alice"]


def _with_smart_outbound(tenant: Tenant) -> Tenant:
    flow = Flow.model_validate(
        {
            "id": "renewals",
            "name": "Renewal campaign",
            "start": "tag",
            "nodes": {
                "tag": {"type": "set", "values": {"campaign": "'renewals'"}, "next": "go"},
                "go": {"type": "number", "caller_id": "+18005550100"},
            },
        }
    )
    profiles = [p.model_copy(update={"can_smart_outbound": True}) for p in tenant.profiles]
    return tenant.model_copy(update={"flows": [*tenant.flows, flow], "profiles": profiles})


def test_a_smart_outbound_call_goes_through_its_flow(tmp_path: Path) -> None:
    async def scenario() -> dict[str, Any]:
        out: dict[str, Any] = {}
        async with running_api(tmp_path, trunk=True, edit=_with_smart_outbound) as api:
            token, phone = await api.ready("alice")
            # The flow's caller ID reaches the carrier.
            callee = api.running.callee(caller_id=r"\+18005550100")
            body = {"number": "+12125550180", "flow_id": "renewals"}
            out["dial"] = await api.call(token, "POST", "/dial", body)
            async with api.events(token) as stream:
                await phone.wait_for("CALL_INCOMING")
                await phone.command("accept")
                view = await stream.until(
                    lambda v: bool(v["calls"]) and v["calls"][0]["state"] == "connected",
                    timeout=15,
                )
                out["connected"] = view["calls"][0]
            call_id = out["connected"]["call_id"]
            await api.call(token, "POST", f"/calls/{call_id}/hangup")
            out["callee"] = await callee
            out["record"] = await asyncio.wait_for(api.running.persisted.get(), 10)
        return out

    out = asyncio.run(scenario())
    assert out["dial"].status_code == 200, out["dial"].text
    assert out["callee"].successful == 1, out["callee"].log
    call = out["connected"]
    assert call["variables"] == {"destination": "+12125550180", "campaign": "renewals"}
    assert [s["node"] for s in call["flow_path"]] == ["tag", "go"]
    record: InteractionRecord = out["record"]
    assert record.direction.value == "outbound" and record.callee == "+12125550180"
    assert record.caller == "+18005550100"
