"""The API over real HTTP and WebSocket, on a running call server: logins and their
throttling, errors a person understands, OpenAPI, a race for one waiting call, and
an agent kept out of a queue it does not belong to."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from tests.interop.sipp import SippResult

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
