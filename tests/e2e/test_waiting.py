"""Waiting in a queue over real SIP (issue 5, point 2): a sipp caller waits in
Accounts while its only agent is paused, hears its place in line and the keys it may
press, then either asks to be called back (it hangs up, keeps its place, and is
called back through the trunk, sipp as the carrier, once the agent is ready and
accepts) or presses the voicemail key and leaves a message in the queue's mailbox."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any

from switchboard.core import effects as fx
from switchboard.core.records import InteractionRecord

from .harness import running_api

KEY = {d: f"/usr/share/sip-tester/dtmf_2833_{d}.pcap" for d in "0123456789"}
CUSTOMER = "+33612345678"  # the number sipp's scenarios call from


def test_a_waiting_caller_asks_for_a_callback_and_is_called_back(tmp_path: Path) -> None:
    async def scenario() -> dict[str, Any]:
        out: dict[str, Any] = {}
        async with running_api(tmp_path, trunk=True) as api:
            running = api.running
            phone = await running.phone("bruno")
            token = await api.login("bruno")
            await api.call(token, "POST", "/status", {"state": "paused", "reason": "lunch"})
            # The caller hears its place (at once) and presses 2 three seconds in.
            caller = running.customer("ivr_caller", to="accounts", key=KEY["2"], wait="3000")
            out["caller"] = await caller  # hung up by us after the goodbye
            [call] = [c for c in running.server.center.calls.values() if not c.ended]
            out["waiting"] = (call.state.value, call.callback_number, call.remote_up)
            out["announced"] = [
                (a.position, a.voicemail_key, a.callback_key)
                for a in running.of(fx.AnnounceWait)
                if a.call_id == call.id
            ]
            callee = running.callee(caller_id=r"\+18005550106")
            async with api.events(token) as stream:
                await stream.until(lambda v: v["agent"] is not None)
                await api.call(token, "POST", "/status", {"state": "available"})
                view = await stream.until(lambda v: v["popup"] is not None)
                out["popup"] = view["popup"]
                await phone.wait_for("CALL_INCOMING")
                await phone.command("accept")
                view = await stream.until(
                    lambda v: bool(v["calls"]) and v["calls"][0]["state"] == "connected",
                    timeout=20,
                )
                out["connected"] = view["calls"][0]
            out["dialled"] = [d for d in running.of(fx.DialNumber) if d.call_id == call.id]
            hangup = await api.call(token, "POST", f"/calls/{call.id}/hangup")
            out["hangup"] = hangup.status_code
            out["callee"] = await callee
            out["record"] = await asyncio.wait_for(running.persisted.get(), 10)
        return out

    out = asyncio.run(scenario())
    result = out["caller"]
    assert (result.returncode, result.successful, result.failed) == (0, 1, 0), result.log
    assert out["waiting"] == ("queued", CUSTOMER, False)
    assert out["announced"][0] == (1, "1", "2")
    assert out["popup"]["callback"] == CUSTOMER
    assert out["connected"]["callback"] == CUSTOMER
    assert [(d.number, d.caller_id) for d in out["dialled"]] == [(CUSTOMER, "+18005550106")]
    assert out["hangup"] == 200
    assert out["callee"].successful == 1, out["callee"].log
    record: InteractionRecord = out["record"]
    assert record.queue_id == "accounts" and record.end_cause is not None
    assert record.end_cause.value == "completed"
    kinds = [e.kind for e in record.timeline]
    for before, after in [("announced", "callback_requested"), ("calling_back", "answered")]:
        assert kinds.index(before) < kinds.index(after), kinds


def test_the_voicemail_key_leaves_a_message_in_the_queue_mailbox(tmp_path: Path) -> None:
    async def scenario() -> dict[str, Any]:
        out: dict[str, Any] = {}
        async with running_api(tmp_path) as api:
            running = api.running
            token = await api.login("bruno")
            await api.call(token, "POST", "/status", {"state": "paused", "reason": "lunch"})
            # 1 after two seconds; then the caller's 1 kHz tone is its message, cut
            # by the mailbox's 5 s limit, and we hang up.
            caller = running.customer("ivr_caller", to="accounts", key=KEY["1"], wait="2000")
            out["caller"] = await caller
            out["record"] = await asyncio.wait_for(running.persisted.get(), 10)
            await running.server.voicemail.drain(timeout=60)
            out["stored"] = running.store.voicemails(["accounts-box"])
        return out

    out = asyncio.run(scenario())
    result = out["caller"]
    assert (result.returncode, result.successful, result.failed) == (0, 1, 0), result.log
    record: InteractionRecord = out["record"]
    assert record.end_cause is not None and record.end_cause.value == "voicemail"
    assert "left_queue" in [e.kind for e in record.timeline]
    [message] = out["stored"]
    assert message.caller == CUSTOMER and message.call_id == record.id
    assert message.duration_seconds is not None and 4.0 <= message.duration_seconds <= 5.5


def test_a_promised_callback_survives_a_restart_of_the_server(tmp_path: Path) -> None:
    async def scenario() -> dict[str, Any]:
        out: dict[str, Any] = {}
        async with running_api(tmp_path) as api:
            token = await api.login("bruno")
            await api.call(token, "POST", "/status", {"state": "paused", "reason": "lunch"})
            caller = api.running.customer("ivr_caller", to="accounts", key=KEY["2"], wait="1500")
            out["caller"] = await caller
            [promised] = [c for c in api.running.server.center.calls.values() if not c.ended]
            out["call_id"] = promised.id
        # The server stopped; the same database, a new server.
        async with running_api(tmp_path) as api:
            call = api.running.server.center.calls.get(out["call_id"])
            out["restored"] = None if call is None else (call.state.value, call.callback_number)
            token = await api.login("bruno")
            async with api.events(token) as stream:
                await stream.until(lambda v: v["agent"] is not None)
                await api.call(token, "POST", "/status", {"state": "available"})
                view = await stream.until(lambda v: v["popup"] is not None)
                out["popup"] = view["popup"]
        return out

    out = asyncio.run(scenario())
    result = out["caller"]
    assert (result.returncode, result.successful, result.failed) == (0, 1, 0), result.log
    assert out["restored"] == ("queued", CUSTOMER)
    assert out["popup"]["call_id"] == out["call_id"]
    assert out["popup"]["callback"] == CUSTOMER


def test_an_announcement_cut_short_by_the_agent_is_not_heard_again_on_hold(
    tmp_path: Path,
) -> None:
    async def scenario() -> dict[str, Any]:
        out: dict[str, Any] = {}
        async with running_api(tmp_path) as api:
            running = api.running
            phone = await running.phone("bruno")
            token = await api.login("bruno")
            await api.call(token, "POST", "/status", {"state": "paused", "reason": "lunch"})
            caller = running.customer("caller_waits", to="accounts")
            await running.effect(fx.AnnounceWait)
            [call] = [c for c in running.server.center.calls.values() if not c.ended]
            telephony = running.server.telephony
            remote = telephony.calls[call.id].remote
            assert remote is not None
            await running.until(lambda: telephony.wiring(remote.endpoint)[0] == "prompt")
            # Bruno takes the call while the caller hears its place in line.
            await api.call(token, "POST", "/status", {"state": "available"})
            await phone.wait_for("CALL_INCOMING")
            await phone.command("accept")
            await phone.wait_for("CALL_ESTABLISHED")
            hold = await api.call(token, "POST", f"/calls/{call.id}/hold")
            out["hold"] = hold.status_code
            out["on_hold"] = telephony.wiring(remote.endpoint)
            await api.call(token, "POST", f"/calls/{call.id}/hangup")
            out["caller"] = await caller
        return out

    out = asyncio.run(scenario())
    assert out["hold"] == 200
    assert out["on_hold"][0] == "play"  # the hold music, not the rest of the announcement
    result = out["caller"]
    assert (result.returncode, result.successful, result.failed) == (0, 1, 0), result.log


def test_a_callback_being_dialled_when_the_server_stops_is_kept(tmp_path: Path) -> None:
    async def scenario() -> dict[str, Any]:
        out: dict[str, Any] = {}
        async with running_api(tmp_path, trunk=True) as api:
            running = api.running
            # A carrier that takes the INVITE and never answers: the callback rings on.
            assert running.trunk_port is not None
            carrier = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            carrier.bind(("127.0.0.1", running.trunk_port))
            phone = await running.phone("bruno")
            token = await api.login("bruno")
            await api.call(token, "POST", "/status", {"state": "paused", "reason": "lunch"})
            caller = running.customer("ivr_caller", to="accounts", key=KEY["2"], wait="1500")
            out["caller"] = await caller
            [promised] = [c for c in running.server.center.calls.values() if not c.ended]
            out["call_id"] = promised.id
            await api.call(token, "POST", "/status", {"state": "available"})
            await phone.wait_for("CALL_INCOMING")
            await phone.command("accept")
            await running.effect(fx.DialNumber, lambda d: d.call_id == promised.id)
            out["state_at_stop"] = promised.state.value
            # The server stops (SIGTERM) while Bruno's phone still rings the customer.
            await running.server.stop(grace=2.0)
        carrier.close()
        async with running_api(tmp_path) as api:
            call = api.running.server.center.calls.get(out["call_id"])
            out["restored"] = None if call is None else (call.state.value, call.callback_number)
        return out

    out = asyncio.run(scenario())
    result = out["caller"]
    assert (result.returncode, result.successful, result.failed) == (0, 1, 0), result.log
    assert out["state_at_stop"] == "dialing"
    assert out["restored"] == ("queued", CUSTOMER)
