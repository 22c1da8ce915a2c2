"""Smart Routing over real SIP: a sipp caller reaches the IVR number, hears the
welcome and the menu (espeak-ng prompts), presses 2 (RFC 4733, sipp's pcap) and is
queued in Support; the agent who takes the call sees the flow's path and variables
(the Datas tab)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from .harness import running_api

KEY = {d: f"/usr/share/sip-tester/dtmf_2833_{d}.pcap" for d in "0123456789"}


def test_a_key_pressed_in_the_menu_queues_the_caller_in_support(tmp_path: Path) -> None:
    async def scenario() -> dict[str, Any]:
        out: dict[str, Any] = {}
        async with running_api(tmp_path) as api:
            token, phone = await api.ready("carla")
            caller = api.running.customer("ivr_caller", to="ivr", key=KEY["2"], wait="2500")
            out["incoming"] = await phone.wait_for("CALL_INCOMING", timeout=20)
            await phone.command("accept")
            await phone.wait_for("CALL_ESTABLISHED")
            me = (await api.call(token, "GET", "/me")).json()
            out["call"] = me["calls"][0]
            await api.call(token, "POST", f"/calls/{out['call']['call_id']}/hangup")
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
