"""The API over real HTTP and WebSocket, on a running call server: logins and their
throttling, errors a person understands, OpenAPI, a race for one waiting call, and
an agent kept out of a queue it does not belong to; races as outcomes for the
Banner (and other refusals not), the stream telling an ended session why it
closes, and a consultation's entry in the history."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from switchboard.core.records import CallType, Direction
from tests.interop.sipp import SippResult
from tests.store.builders import T0, simple_interaction

from .harness import running_api


def test_login_errors_throttling_and_openapi(tmp_path: Path) -> None:
    async def scenario() -> dict[str, Any]:
        async with running_api(tmp_path) as api:
            out: dict[str, Any] = {}
            base = f"{api.base}/api/v1"
            out["anonymous"] = (await api.client.get(f"{base}/me")).json()
            out["wrong"] = (
                await api.client.post(f"{base}/login", json={"login": "alice", "password": "no"})
            ).json()
            out["unknown"] = (
                await api.client.post(f"{base}/login", json={"login": "zed", "password": "no"})
            ).status_code
            out["malformed"] = (await api.client.post(f"{base}/login", json={"login": "a"})).json()
            for _ in range(3):
                await api.client.post(f"{base}/login", json={"login": "alice", "password": "no"})
            banned = await api.client.post(
                f"{base}/login", json={"login": "alice", "password": "alice-pw"}
            )
            out["banned"] = (banned.status_code, banned.headers.get("retry-after"), banned.json())
            # The ban lasts minutes; a new throttle stands for it running out.
            api.running.server.login_throttle = type(api.running.server.login_throttle)()
            token = await api.login("alice")
            await api.call(token, "POST", "/status", {"state": "available"})
            out["me"] = (await api.call(token, "GET", "/me")).json()
            out["cookie"] = (
                await api.client.post(
                    f"{base}/login", json={"login": "alice", "password": "alice-pw"}
                )
            ).headers.get("set-cookie", "")
            out["openapi"] = (await api.client.get(f"{api.base}/openapi.json")).json()
            out["bad_dtmf"] = (
                await api.call(token, "POST", "/calls/nope/dtmf", {"digits": ""})
            ).json()
            out["unknown_call"] = await api.call(token, "POST", "/calls/nope/hold")
            return out

    out = asyncio.run(scenario())
    assert out["anonymous"] == {"error": "not_authenticated", "message": "log in first"}
    assert out["wrong"] == {"error": "bad_credentials", "message": "wrong login or password"}
    assert out["unknown"] == 401
    assert out["malformed"]["error"] == "invalid_request"
    assert "password" in out["malformed"]["message"]
    # Five failures from one address: even the right password is refused for a while
    status, retry_after, body = out["banned"]
    assert status == 429 and body["error"] == "too_many_attempts"
    assert retry_after is not None and int(retry_after) > 60
    assert out["me"]["agent"]["id"] == "alice"
    assert "HttpOnly" in out["cookie"] and "SameSite=strict" in out["cookie"]
    paths = out["openapi"]["paths"]
    assert out["openapi"]["openapi"].startswith("3.")
    assert "Prefer: conflict=outcome" in out["openapi"]["info"]["description"]
    for path in ("/api/v1/login", "/api/v1/calls/{call_id}/hold", "/api/v1/dial"):
        assert path in paths
    assert out["bad_dtmf"]["error"] == "invalid_request"
    response = out["unknown_call"]
    assert response.status_code == 404, response.text
    assert response.json() == {
        "error": "unknown_call",
        "message": "there is no call 'nope' in progress",
    }


def test_two_supervisors_take_the_same_waiting_call_one_wins(tmp_path: Path) -> None:
    async def scenario() -> tuple[list[int], list[dict[str, Any]], SippResult, Any]:
        async with running_api(tmp_path) as api:
            tokens = {a: await api.login(a) for a in ("alice", "bruno", "sam", "carla")}
            for agent in ("alice", "bruno", "sam", "carla"):
                response = await api.call(
                    tokens[agent], "POST", "/status", {"state": "paused", "reason": "meeting"}
                )
                assert response.status_code == 200, response.text
            caller = api.running.customer()
            async with api.events(tokens["sam"]) as sam, api.events(tokens["carla"]) as carla:
                view = await sam.until(lambda v: bool(v["pool"]))
                (entry,) = view["pool"]
                assert entry["category"] == "waiting" and entry["can_take"]
                call_id = entry["call_id"]
                # Carla is in Support only: she sees nothing of it and cannot take it
                carla_view = await carla.until(lambda v: True)
                refused = await api.call(tokens["carla"], "POST", f"/calls/{call_id}/take")
                races = await asyncio.gather(
                    api.call(tokens["sam"], "POST", f"/calls/{call_id}/take"),
                    api.call(tokens["bruno"], "POST", f"/calls/{call_id}/take"),
                )
                winner = "sam" if races[0].status_code == 200 else "bruno"
                hangup = await api.call(tokens[winner], "POST", f"/calls/{call_id}/hangup")
                assert hangup.status_code == 200, hangup.text
                result = await caller
                record = await asyncio.wait_for(api.running.persisted.get(), timeout=10)
                history = await api.call(tokens["carla"], "GET", f"/history/{record.id}")
                mine = await api.call(tokens[winner], "GET", f"/history/{record.id}")
                return (
                    [r.status_code for r in races],
                    [r.json() for r in races] + [refused.json(), carla_view],
                    result,
                    (refused.status_code, history.status_code, mine.json(), winner),
                )

    statuses, bodies, result, (refused, history, mine, winner) = asyncio.run(scenario())
    assert sorted(statuses) == [200, 409]
    loser = bodies[statuses.index(409)]
    assert loser["error"] == "call_already_taken"
    assert "already taken" in loser["message"]
    assert refused == 403 and bodies[2]["error"] == "not_visible"
    assert bodies[3]["pool"] == [] and bodies[3]["calls"] == []
    assert history == 404  # not hers: she cannot even tell it exists
    assert [a["agent_id"] for a in mine["agents"]] == [winner]
    assert result.successful == 1, result.log  # the customer got our BYE


def test_a_conflict_is_a_200_outcome_for_a_client_that_prefers_it(tmp_path: Path) -> None:
    """The state moving on (an offer gone as the agent accepts it) is a race, a 409; a
    client that sends `Prefer: conflict=outcome` (the Banner) gets it as a 200 naming
    the refusal, which a browser does not log as a failed request. Either answer
    varies with `Prefer`. Other refusals keep their status."""

    async def scenario() -> dict[str, httpx.Response]:
        async with running_api(tmp_path) as api:
            token = await api.login("alice")
            await api.call(token, "POST", "/status", {"state": "available"})
            base = f"{api.base}/api/v1"
            headers = {"Authorization": f"Bearer {token}"}
            prefer = {**headers, "Prefer": "respond-async, conflict=outcome"}
            client = api.client
            return {
                "plain": await client.post(f"{base}/offers/o-gone/accept", headers=headers),
                "preferred": await client.post(f"{base}/offers/o-gone/accept", headers=prefer),
                "not_found": await client.post(f"{base}/calls/nope/hold", headers=prefer),
                "ok": await client.post(
                    f"{base}/status", headers=prefer, json={"state": "available"}
                ),
            }

    out = asyncio.run(scenario())
    refusal = {
        "error": "offer_expired",
        "message": "this call is no longer offered to you (expired or taken)",
    }
    assert (out["plain"].status_code, out["plain"].json()) == (409, refusal)
    preferred = out["preferred"]
    assert (preferred.status_code, preferred.json()) == (200, {"refused": refusal})
    assert preferred.headers["preference-applied"] == "conflict=outcome"
    assert preferred.headers["vary"] == out["plain"].headers["vary"] == "Prefer"
    assert out["not_found"].status_code == 404
    assert "preference-applied" not in out["not_found"].headers
    assert out["ok"].status_code == 200 and "refused" not in out["ok"].json()


def test_a_refusal_that_is_no_race_stays_an_error_whatever_the_client_prefers(
    tmp_path: Path,
) -> None:
    """Alice, on a call from Sales, clicks Merge with one call, then, in her wrap-up,
    asks for more time than her profile allows (300 s in all). Her screen said both
    before she clicked: these are mistakes, not races, so they stay 409s even for a
    client that sends `Prefer: conflict=outcome`."""

    async def scenario() -> dict[str, httpx.Response]:
        async with running_api(tmp_path) as api:
            token, phone = await api.ready("alice")
            caller = api.running.customer()
            base = f"{api.base}/api/v1"
            prefer = {"Authorization": f"Bearer {token}", "Prefer": "conflict=outcome"}
            async with api.events(token) as stream:
                await stream.until(lambda v: v["popup"] is not None)
                await phone.wait_for("CALL_INCOMING")
                await phone.command("accept")
                view = await stream.until(lambda v: bool(v["calls"]) and v["popup"] is None)
                call_id = view["calls"][0]["call_id"]
                out = {"merge": await api.client.post(f"{base}/merge", headers=prefer)}
                hangup = await api.call(token, "POST", f"/calls/{call_id}/hangup")
                assert hangup.status_code == 200, hangup.text
                out["extend"] = await api.client.post(
                    f"{base}/post-interaction/extend", headers=prefer, json={"seconds": 301}
                )
            await caller
            return out

    out = asyncio.run(scenario())
    for response, reason in (
        (out["merge"], "merge_needs_two_calls"),
        (out["extend"], "extension_limit"),
    ):
        assert response.status_code == 409, response.text
        assert response.json()["error"] == reason
        assert "preference-applied" not in response.headers
    assert "300 s in all" in out["extend"].json()["message"]


def test_the_stream_tells_an_ended_session_why_it_closes(tmp_path: Path) -> None:
    """No session, or one that ended: the stream is accepted, then closed with 4401
    and a reason, which a browser sees (a refused handshake is a bare 1006)."""

    async def scenario() -> list[tuple[int, str]]:
        async with running_api(tmp_path) as api:
            url = api.base.replace("http://", "ws://") + "/api/v1/events"
            token = await api.login("alice")
            assert (await api.call(token, "POST", "/logout")).status_code == 200
            closes = []
            for headers in ({}, {"Authorization": f"Bearer {token}"}):
                async with websockets.connect(url, additional_headers=headers) as socket:
                    with pytest.raises(websockets.ConnectionClosed) as closed:
                        await asyncio.wait_for(socket.recv(), 10)
                    assert closed.value.rcvd is not None
                    closes.append((closed.value.rcvd.code, closed.value.rcvd.reason))
            return closes

    assert asyncio.run(scenario()) == [(4401, "your session ended: sign in again")] * 2


def test_a_consultation_in_the_history_names_and_calls_back_the_colleague(
    tmp_path: Path,
) -> None:
    """Alice consulted Bruno (an attended transfer: the callee kept is his login).
    Her history names him, and Call back dials his extension."""

    async def scenario() -> tuple[dict[str, Any], int, str]:
        async with running_api(tmp_path) as api:
            consultation = replace(
                simple_interaction("c-consult", created_at=T0, queue_id=None),
                direction=Direction.INTERNAL,
                call_type=CallType.DIRECT_INTERNAL,
                caller="1001",
                callee="bruno",
            )
            api.running.store.save_interaction(consultation)
            token = await api.login("alice")
            await api.call(token, "POST", "/status", {"state": "available"})
            (entry,) = (await api.call(token, "GET", "/history")).json()
            again = await api.call(token, "POST", "/history/c-consult/call-back")
            # Bruno is not signed in: the call fails at once, and is kept.
            record = await asyncio.wait_for(api.running.persisted.get(), 10)
            return entry, again.status_code, record.callee

    entry, status, dialled = asyncio.run(scenario())
    assert (entry["caller"], entry["caller_name"]) == ("1001", "Alice Martin")
    assert (entry["callee"], entry["callee_name"]) == ("bruno", "Bruno Costa")
    assert status == 200
    assert dialled == "1002"
