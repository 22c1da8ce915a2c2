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
            token, phone = await api.ready("alice")
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
                out["bad_tag"] = await api.call(
                    token, "PUT", "/post-interaction/tags", {"tags": ["no-such-tag"]}
                )
                out["too_early"] = await api.call(token, "POST", "/post-interaction/end")
                wrap_up: list[tuple[str, str, dict[str, object]]] = [
                    (
                        "PUT",
                        "/post-interaction/qualification",
                        {"values": {"outcome": "Quote sent"}},
                    ),
                    ("PUT", "/post-interaction/tags", {"tags": ["vip"]}),
                    ("POST", "/post-interaction/links", {"contact_id": "jane"}),
                    ("POST", "/post-interaction/extend", {"seconds": 60}),
                ]
                for method, path, body in wrap_up:
                    response = await api.call(token, method, path, body)
                    assert response.status_code == 200, (path, response.text)
                    out["post"] = response.json()["post_interaction"]
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
    assert out["bad_tag"].status_code == 404
    too_early = out["too_early"]
    assert too_early.status_code == 422, too_early.text
    assert "Outcome" in too_early.json()["message"]  # the required field, by its label
    post = out["post"]
    assert post["deadline_at"] - post["started_at"] == 90  # 30 s + 60 s extension
    assert out["end"]["agent"]["state"] == "available"
    final: InteractionRecord = out["final"]
    (participation,) = final.participations
    assert participation.post_interaction_ended_at is not None
    assert participation.qualification == {"outcome": "Quote sent"}
    assert participation.tags == ("vip",)
    assert [link.contact_id for link in participation.crm_links] == ["jane"]
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


def test_declining_from_the_api_stops_the_phone_and_passes_the_call_on(tmp_path: Path) -> None:
    async def scenario() -> dict[str, Any]:
        async with running_api(tmp_path) as api:
            out: dict[str, Any] = {}
            alice_token, alice = await api.ready("alice")
            bruno_token, bruno = await api.ready("bruno")
            async with api.events(alice_token) as stream:
                caller = api.running.customer()
                view = await stream.until(lambda v: v["popup"] is not None)
                await alice.wait_for("CALL_INCOMING")
                offer_id = view["popup"]["offer_id"]
                declined = await api.call(alice_token, "POST", f"/offers/{offer_id}/decline")
                out["declined"] = declined.status_code, declined.json()
                out["alice_phone"] = await alice.wait_for("CALL_CLOSED")  # our CANCEL
                again = await api.call(alice_token, "POST", f"/offers/{offer_id}/accept")
                out["too_late"] = again.status_code, again.json()
            call_id = await api.answer(bruno_token, bruno)
            await api.call(bruno_token, "POST", f"/calls/{call_id}/hangup")
            out["caller"] = await caller
            missed = await api.call(alice_token, "GET", "/missed-calls")
            out["missed"] = missed.json()
            return out

    out = asyncio.run(scenario())
    status, view = out["declined"]
    assert status == 200 and view["popup"] is None, view
    status, error = out["too_late"]
    assert status == 409 and error["error"] == "offer_expired", error
    assert [m["reason"] for m in out["missed"]] == ["declined"]
    assert out["caller"].successful == 1, out["caller"].log


def test_accepting_from_the_api_asks_the_ringing_phone_to_pick_up(tmp_path: Path) -> None:
    async def scenario() -> dict[str, Any]:
        async with running_api(tmp_path) as api:
            out: dict[str, Any] = {}
            token, phone = await api.ready("alice")
            async with api.events(token) as stream:
                caller = api.running.customer()
                view = await stream.until(lambda v: v["popup"] is not None)
                await phone.wait_for("CALL_INCOMING")
                offer_id = view["popup"]["offer_id"]
                accepted = await api.call(token, "POST", f"/offers/{offer_id}/accept")
                out["accepted"] = accepted.status_code
                # The phone is called again with the auto-answer hint; baresip 1.0
                # ignores the hint, so the agent picks up as a headset button would.
                out["first_ring"] = await phone.wait_for("CALL_CLOSED")
                await phone.wait_for("CALL_INCOMING")
                await phone.command("accept")
                view = await stream.until(
                    lambda v: bool(v["calls"]) and v["calls"][0]["state"] == "connected"
                )
                out["call"] = view["calls"][0]
                await api.call(token, "POST", f"/calls/{out['call']['call_id']}/hangup")
            out["caller"] = await caller
            out["missed"] = (await api.call(token, "GET", "/missed-calls")).json()
            return out

    out = asyncio.run(scenario())
    assert out["accepted"] == 200
    assert out["call"]["agents"] == ["alice"]
    assert out["missed"] == []
    assert out["caller"].successful == 1, out["caller"].log
