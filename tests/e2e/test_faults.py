"""Faults around a call: the agent's WebSocket drops mid-call (the call goes on; a new
connection starts from a snapshot that holds the call), and the server restarts
(history, users and preferences are still there)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from switchboard.core import commands as cmd

from .harness import running_api


def test_a_dropped_event_stream_leaves_the_call_up_and_reconnecting_restores_it(
    tmp_path: Path,
) -> None:
    async def scenario() -> dict[str, Any]:
        async with running_api(tmp_path) as api:
            out: dict[str, Any] = {}
            phone = await api.running.phone("alice")
            token = await api.login("alice")
            await api.call(token, "POST", "/status", {"state": "available"})
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
            phone = await api.running.phone("alice")
            token = await api.login("alice")
            await api.call(token, "POST", "/status", {"state": "available"})
            preference = await api.call(
                token, "PUT", "/notification-preferences/missed_call", {"mode": "both"}
            )
            assert preference.status_code == 200, preference.text
            caller = api.running.customer("caller")
            await phone.wait_for("CALL_INCOMING")
            await phone.command("accept")
            await caller
            record = await asyncio.wait_for(api.running.persisted.get(), timeout=10)
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
