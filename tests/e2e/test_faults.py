"""Faults around a call: the agent's WebSocket drops mid-call (the call goes on; a new
connection starts from a snapshot that holds the call); the server restarts
(history, users and preferences are still there); the customer hangs up while the
call is offered, while it is on hold, and during an attended transfer; the server
stops while a call is in progress."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from switchboard.core import commands as cmd
from switchboard.core import effects as fx
from switchboard.core.records import InteractionRecord
from switchboard.store.store import Store

from .harness import OUTCOME, running_api


def test_a_dropped_event_stream_leaves_the_call_up_and_reconnecting_restores_it(
    tmp_path: Path,
) -> None:
    async def scenario() -> dict[str, Any]:
        async with running_api(tmp_path) as api:
            out: dict[str, Any] = {}
            token, phone = await api.ready("alice")
            caller = api.running.customer()
            async with api.events(token) as stream:
                await stream.until(lambda v: v["popup"] is not None)
                await phone.wait_for("CALL_INCOMING")
                await phone.command("accept")
                view = await stream.until(lambda v: bool(v["calls"]))
                call_id = view["calls"][0]["call_id"]
            # The connection is gone (a network drop): the call is not
            out["during_drop"] = (await api.call(token, "POST", f"/calls/{call_id}/hold")).json()
            async with api.events(token) as again:
                first = await again.next()
                out["snapshot"] = first
            await api.call(token, "POST", f"/calls/{call_id}/hangup")
            out["sipp"] = await caller
            return out

    out = asyncio.run(scenario())
    assert out["during_drop"]["calls"][0]["held"] is True
    snapshot = out["snapshot"]
    assert snapshot["type"] == "snapshot"
    (call,) = snapshot["view"]["calls"]
    assert call["state"] == "held" and call["caller"] == "+33612345678"
    assert out["sipp"].successful == 1, out["sipp"].log


def test_a_restart_keeps_history_users_and_preferences(tmp_path: Path) -> None:
    async def first_run() -> str:
        async with running_api(tmp_path) as api:
            token, phone = await api.ready("alice")
            preference = await api.call(
                token, "PUT", "/notification-preferences/missed_call", {"mode": "both"}
            )
            assert preference.status_code == 200, preference.text
            caller = api.running.customer("caller")
            await phone.wait_for("CALL_INCOMING")
            await phone.command("accept")
            await caller
            record = await asyncio.wait_for(api.running.persisted.get(), timeout=10)
            await api.call(token, "PUT", "/post-interaction/qualification", OUTCOME)
            await api.running.server.submit(cmd.EndPostInteraction("alice"))
            return record.id

    async def second_run() -> tuple[list[dict[str, Any]], dict[str, str]]:
        async with running_api(tmp_path) as api:
            token = await api.login("alice")
            history = (await api.call(token, "GET", "/history")).json()
            preferences = (await api.call(token, "GET", "/notification-preferences")).json()
            return history, preferences

    interaction_id = asyncio.run(first_run())
    history, preferences = asyncio.run(second_run())
    assert [h["id"] for h in history] == [interaction_id]
    assert history[0]["agents"][0]["agent_id"] == "alice"
    assert history[0]["answered_at"] is not None
    assert preferences["missed_call"] == "both"


def test_the_customer_hangs_up_while_the_call_is_offered(tmp_path: Path) -> None:
    async def scenario() -> dict[str, Any]:
        async with running_api(tmp_path) as api:
            out: dict[str, Any] = {}
            token, phone = await api.ready("alice")
            async with api.events(token) as stream:
                caller = api.running.customer("caller_hangs_up", talk="1500")
                await phone.wait_for("CALL_INCOMING")
                out["phone"] = await phone.wait_for("CALL_CLOSED")  # our CANCEL
                out["view"] = await stream.until(
                    lambda v: v["popup"] is None and v["agent"]["state"] == "available"
                )
            out["caller"] = await caller
            out["record"] = await asyncio.wait_for(api.running.persisted.get(), 10)
            out["withdrawn"] = [e.reason for e in api.running.of(fx.WithdrawOffer)]
            return out

    out = asyncio.run(scenario())
    assert out["caller"].successful == 1, out["caller"].log
    assert out["view"]["calls"] == []
    assert out["withdrawn"] == ["caller_hung_up"]
    record: InteractionRecord = out["record"]
    assert record.end_cause == "abandoned" and record.answered_at is None
    assert record.participations == ()


def test_the_customer_hangs_up_while_on_hold(tmp_path: Path) -> None:
    async def scenario() -> dict[str, Any]:
        async with running_api(tmp_path) as api:
            out: dict[str, Any] = {}
            token, phone = await api.ready("alice")
            caller = api.running.customer("caller_hangs_up", talk="3000")
            call_id = await api.answer(token, phone)
            out["held"] = (await api.call(token, "POST", f"/calls/{call_id}/hold")).json()
            out["phone"] = await phone.wait_for("CALL_CLOSED", timeout=10)
            out["caller"] = await caller
            out["record"] = await asyncio.wait_for(api.running.persisted.get(), 10)
            out["me"] = (await api.call(token, "GET", "/me")).json()
            return out

    out = asyncio.run(scenario())
    assert out["held"]["calls"][0]["held"] is True
    assert out["caller"].successful == 1, out["caller"].log
    record: InteractionRecord = out["record"]
    assert record.end_cause == "completed"
    assert record.hold_seconds > 1.0
    assert out["me"]["agent"]["state"] == "post_interaction"


def test_the_customer_hangs_up_during_an_attended_transfer(tmp_path: Path) -> None:
    async def scenario() -> dict[str, Any]:
        async with running_api(tmp_path) as api:
            out: dict[str, Any] = {}
            alice = await api.running.phone("alice")
            bruno = await api.running.phone("bruno")
            tokens = {a: await api.login(a) for a in ("alice", "bruno")}
            await api.call(tokens["alice"], "POST", "/status", {"state": "available"})
            caller = api.running.customer("caller_hangs_up", talk="4000")
            await alice.wait_for("CALL_INCOMING")
            await alice.command("accept")
            await alice.wait_for("CALL_ESTABLISHED")
            await api.call(tokens["bruno"], "POST", "/status", {"state": "available"})
            call_id = (await api.call(tokens["alice"], "GET", "/me")).json()["calls"][0]["call_id"]
            async with api.events(tokens["alice"]) as stream:
                body = {"mode": "attended", "kind": "user", "destination": "bruno"}
                await api.call(tokens["alice"], "POST", f"/calls/{call_id}/transfer", body)
                await bruno.wait_for("CALL_INCOMING")
                await bruno.command("accept")
                out["failed"] = await stream.message(
                    "transfer", lambda m: m["status"] == "failed", timeout=10
                )
                out["caller"] = await caller
                # Alice and Bruno are still talking: the consultation outlives it.
                view = await stream.until(lambda v: len(v["calls"]) == 1)
                out["left"] = view["calls"][0]
            telephony = api.running.server.telephony
            lines = [telephony.lines[a].endpoint for a in ("alice", "bruno")]
            out["wiring"] = telephony.wiring(lines[0])
            consult = out["left"]["call_id"]
            await api.call(tokens["alice"], "POST", f"/calls/{consult}/hangup")
            out["bruno_closed"] = await bruno.wait_for("CALL_CLOSED")
            return out

    out = asyncio.run(scenario())
    assert out["failed"]["failure_reason"] == "caller_hung_up"
    assert out["caller"].successful == 1, out["caller"].log
    assert out["left"]["agents"] == ["alice", "bruno"]
    assert out["wiring"][:2] == ("group", "bridge")


def test_stopping_the_server_hangs_up_a_call_in_progress_and_keeps_its_record(
    tmp_path: Path,
) -> None:
    async def scenario() -> dict[str, Any]:
        async with running_api(tmp_path) as api:
            out: dict[str, Any] = {}
            _, phone = await api.ready("alice")
            caller = api.running.customer()
            await phone.wait_for("CALL_INCOMING")
            await phone.command("accept")
            await phone.wait_for("CALL_ESTABLISHED")
            await api.running.server.stop(grace=0.5)
            out["caller"] = await caller
            out["phone"] = await phone.wait_for("CALL_CLOSED")
            return out

    out = asyncio.run(scenario())
    assert out["caller"].successful == 1, out["caller"].log  # it got our BYE
    store = Store.open(f"sqlite:///{tmp_path / 'switchboard.db'}")
    try:
        (record,) = store.history(agent_id="alice", limit=10)
    finally:
        store.close()
    assert record.answered_at is not None and record.ended_at is not None
