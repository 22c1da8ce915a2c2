"""The agent's call controls end to end: a customer (sipp) calls Sales, Alice's popup
shows on her event stream while her SIP phone (baresip) rings; she answers on the
phone; from the API she holds and resumes, mutes and unmutes, sends DTMF, records,
hangs up, qualifies the call and ends her wrap-up. Then the offer faults: a phone
that refuses (486) and a phone that never answers (CANCEL, the next agent)."""

from __future__ import annotations

import asyncio
import wave
from pathlib import Path
from typing import Any

from switchboard.core import effects as fx
from switchboard.core.records import InteractionRecord
from tests.interop.sipp import SippResult

from .harness import running_api


def test_hold_mute_dtmf_record_hangup_and_wrap_up_from_the_api(tmp_path: Path) -> None:
    async def scenario() -> dict[str, Any]:
        async with running_api(tmp_path) as api:
            out: dict[str, Any] = {}
            phone = await api.running.phone("alice")
            token = await api.login("alice")
            await api.call(token, "POST", "/status", {"state": "available"})
            caller = api.running.customer()
            async with api.events(token) as stream:
                view = await stream.until(lambda v: v["popup"] is not None)
                out["popup"] = view["popup"]
                await phone.wait_for("CALL_INCOMING")
                await phone.command("accept")
                view = await stream.until(lambda v: bool(v["calls"]) and v["popup"] is None)
                call_id = view["calls"][0]["call_id"]
                out["connected"] = view["calls"][0]

                async def act(path: str, body: dict[str, object] | None = None) -> Any:
                    response = await api.call(token, "POST", f"/calls/{call_id}/{path}", body)
                    assert response.status_code == 200, (path, response.text)
                    return response.json()

                out["held"] = (await act("hold"))["calls"][0]["held"]
                out["hold_again"] = (await api.call(token, "POST", f"/calls/{call_id}/hold")).json()
                out["resumed"] = (await act("resume"))["calls"][0]["held"]
                out["muted"] = (await act("mute"))["calls"][0]["muted"]
                out["unmuted"] = (await act("unmute"))["calls"][0]["muted"]
                await act("dtmf", {"digits": "12#"})
                out["recording"] = (await act("recording/start"))["calls"][0]["recording"]
                out["stopped"] = (await act("recording/stop"))["calls"][0]["recording"]
                view = await act("hangup")
                out["after_hangup"] = view
                out["sipp"] = await caller
                record = await asyncio.wait_for(api.running.persisted.get(), timeout=10)
                out["qualify"] = await api.call(
                    token, "PUT", "/post-interaction/tags", {"tags": ["no-such-tag"]}
                )
                end = await api.call(token, "POST", "/post-interaction/end")
                out["end"] = end.json()
                out["final"] = await asyncio.wait_for(api.running.persisted.get(), timeout=10)
                out["record"] = record
                recording_id = out["final"].recordings[0].id
                wav = await api.call(token, "GET", f"/recordings/{recording_id}")
                out["wav"] = (wav.status_code, wav.headers.get("content-type"), wav.content)
                other = await api.login("carla")  # Support only: not her call
                out["wav_for_carla"] = (
                    await api.call(other, "GET", f"/recordings/{recording_id}")
                ).status_code
                out["dtmf_sent"] = [e for e in api.running.of(fx.SendDtmf)]
                return out

    out = asyncio.run(scenario())
    popup = out["popup"]
    assert popup["caller"] == "+33612345678" and popup["queue_id"] == "sales"
    assert popup["colour"] == "raspberry_red" and popup["deadline_at"] > popup["offered_at"]
    assert out["connected"]["state"] == "connected"
    assert (out["held"], out["resumed"], out["muted"], out["unmuted"]) == (True, False, True, False)
    assert out["hold_again"]["error"] == "already_held", out["hold_again"]
    assert out["recording"] is not None and out["recording"]["automatic"] is False
    assert out["stopped"] is None
    assert out["after_hangup"]["agent"]["state"] == "post_interaction"
    sipp: SippResult = out["sipp"]
    assert sipp.successful == 1, sipp.log  # the customer received our BYE
    record: InteractionRecord = out["record"]
    assert record.hold_seconds > 0
    assert len(record.recordings) == 1
    assert out["qualify"].status_code == 404
    assert out["end"]["agent"]["state"] == "available"
    final: InteractionRecord = out["final"]
    assert final.participations[0].post_interaction_ended_at is not None
    status, content_type, body = out["wav"]
    assert status == 200 and content_type == "audio/wav"
    (tmp_path / "downloaded.wav").write_bytes(body)
    with wave.open(str(tmp_path / "downloaded.wav")) as wav:
        assert (wav.getframerate(), wav.getsampwidth()) == (8000, 2)
        seconds = wav.getnframes() / 8000
    ref = final.recordings[0]
    assert ref.stopped_at is not None
    assert abs(seconds - (ref.stopped_at - ref.started_at)) < 0.1
    assert out["wav_for_carla"] == 404
    assert [e.digits for e in out["dtmf_sent"]] == ["12#"]


def test_a_busy_phone_and_a_phone_that_never_answers_pass_the_call_on(tmp_path: Path) -> None:
    async def scenario() -> dict[str, Any]:
        async with running_api(tmp_path) as api:
            out: dict[str, Any] = {}
            alice = await api.running.phone("alice")
            bruno = await api.running.phone("bruno")
            tokens = {a: await api.login(a) for a in ("alice", "bruno")}
            # Alice has waited longest: the ACD offers her the call first
            await api.call(tokens["alice"], "POST", "/status", {"state": "available"})
            await api.call(tokens["bruno"], "POST", "/status", {"state": "available"})
            caller = api.running.customer()
            await alice.wait_for("CALL_INCOMING")
            await alice.command("hangup")  # refusing a ringing call: 486 Busy Here
            await bruno.wait_for("CALL_INCOMING")
            # Bruno lets it ring: after the 6 s countdown his phone stops (CANCEL) and
            # the call comes back to Alice, whose pause-free state makes her next.
            out["bruno_closed"] = await bruno.wait_for("CALL_CLOSED", timeout=15)
            await alice.wait_for("CALL_INCOMING", timeout=10)
            await alice.command("accept")
            await alice.wait_for("CALL_ESTABLISHED")
            me = await api.call(tokens["alice"], "GET", "/me")
            call_id = me.json()["calls"][0]["call_id"]
            await api.call(tokens["alice"], "POST", f"/calls/{call_id}/hangup")
            out["sipp"] = await caller
            out["record"] = await asyncio.wait_for(api.running.persisted.get(), timeout=10)
            out["missed_alice"] = (await api.call(tokens["alice"], "GET", "/missed-calls")).json()
            out["missed_bruno"] = (await api.call(tokens["bruno"], "GET", "/missed-calls")).json()
            out["withdrawn"] = [(e.agent_id, e.reason) for e in api.running.of(fx.WithdrawOffer)]
            return out

    out = asyncio.run(scenario())
    assert out["sipp"].successful == 1, out["sipp"].log
    assert out["withdrawn"][:2] == [("alice", "busy"), ("bruno", "expired")]
    record: InteractionRecord = out["record"]
    assert [p.agent_id for p in record.participations] == ["alice"]
    assert [m["reason"] for m in out["missed_bruno"]] == ["expired"]
    assert [m["reason"] for m in out["missed_alice"]] == ["busy"]
    assert out["missed_bruno"][0]["caller"] == "+33612345678"
