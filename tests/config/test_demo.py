"""The demo tenant that `make run` loads: valid, realistic, and as documented."""

from __future__ import annotations

import subprocess
import sys
import wave
from pathlib import Path

from switchboard.config import load_tenant
from switchboard.config.model import OverflowAction, RecordingMode, RoutingStrategy
from switchboard.config.passwords import verify_password
from switchboard.config.summary import describe_tenant

from .demo import DEMO, DEMO_LOGINS, EXAMPLES, MAIN_FLOW


def test_the_demo_tenant_loads() -> None:
    # When the demo file is loaded
    tenant = load_tenant(DEMO)

    # Then it is Acme Energy, with the two queues set up as the README promises
    assert tenant.settings.company == "Acme Energy"
    assert [q.id for q in tenant.queues] == ["sales", "support"]
    sales, support = tenant.queue("sales"), tenant.queue("support")
    assert sales.strategy is RoutingStrategy.LONGEST_IDLE
    assert sales.recording is RecordingMode.MANUAL
    assert sales.max_size is not None
    assert sales.overflow is not None
    assert (sales.overflow.action, sales.overflow.target) == (OverflowAction.QUEUE, "support")
    assert (sales.hold_music, sales.qualification_form) == ("acme-hold", "sales-call")
    assert sales.caller_id is not None
    assert support.strategy is RoutingStrategy.SKILLS
    assert support.recording is RecordingMode.AUTOMATIC
    assert support.max_wait is not None
    assert support.overflow is not None
    assert support.overflow.action is OverflowAction.VOICEMAIL
    assert support.no_agent is not None
    assert support.no_agent.action is OverflowAction.VOICEMAIL


def test_the_demo_has_agents_of_every_kind() -> None:
    tenant = load_tenant(DEMO)

    assert [a.id for a in tenant.agents] == DEMO_LOGINS
    assert len({a.profile for a in tenant.agents}) >= 4
    assert tenant.profile("headset").auto_answer
    supervisors = [a for a in tenant.agents if a.supervises]
    assert [(a.id, sorted(a.supervises)) for a in supervisors] == [("samira", ["sales", "support"])]
    tiers = {m.priority for a in tenant.agents for m in a.queues}
    assert len(tiers) >= 2
    destinations = [(n.queue, n.agent) for n in tenant.inbound_numbers]
    assert ("sales", None) in destinations
    assert ("support", None) in destinations
    assert any(agent is not None for _, agent in destinations)
    assert len(tenant.directory) >= 3
    assert len(tenant.crm_contacts) >= 3
    assert all(contact.cases for contact in tenant.crm_contacts)
    assert len(tenant.qualification_forms) == 2
    for form in tenant.qualification_forms:
        assert any(field.required for field in form.fields)
        assert any(field.kind == "choice" for field in form.fields)


def test_each_demo_password_is_the_login_followed_by_demo() -> None:
    # Given the logins documented at the top of demo.yaml
    tenant = load_tenant(DEMO)

    # Then each agent's hash accepts login + "-demo" and nothing else
    for agent in tenant.agents:
        assert verify_password(agent.password_hash, f"{agent.id}-demo"), agent.id
        assert not verify_password(agent.password_hash, agent.id)
    assert 'password is its login followed by "-demo"' in DEMO.read_text(encoding="utf-8")


def test_the_hold_music_is_small_telephone_audio() -> None:
    # Given the demo's hold music file
    tenant = load_tenant(DEMO)
    path = DEMO.parent / tenant.hold_music[0].file

    # Then it is a short 8 kHz mono 16-bit WAV under 100 KB
    assert path.stat().st_size < 100_000
    with wave.open(str(path), "rb") as audio:
        assert (audio.getframerate(), audio.getnchannels(), audio.getsampwidth()) == (8000, 1, 2)
        assert 2 <= audio.getnframes() / 8000 <= 6


def test_the_hold_music_generator_writes_the_same_file(tmp_path: Path) -> None:
    # When the generator committed beside the WAV runs again
    output = tmp_path / "again.wav"
    subprocess.run(  # noqa: S603 (fixed arguments, no shell)
        [sys.executable, str(EXAMPLES / "media" / "make_hold_music.py"), str(output)],
        check=True,
        capture_output=True,
    )

    # Then it writes the committed file, byte for byte
    assert output.read_bytes() == (EXAMPLES / "media" / "hold-music.wav").read_bytes()


def test_the_summary_shows_queues_agents_and_numbers() -> None:
    text = "\n".join(describe_tenant(load_tenant(DEMO)))

    assert text.startswith(
        "Acme Energy: 2 queues, 5 agents, 4 inbound numbers, 1 Smart Routing flow"
    )
    assert "  sales (Sales), longest_idle, recording manual" in text
    assert "    chloe (Chloé Dubois): tier 1, skill 9" in text
    assert "    supervised by samira" in text
    assert "profile headset (auto-answer, can record)" in text
    assert "+18005550142     → agent chloe" in text


def test_the_main_flow_is_written_in_its_own_file_checked_against_the_schema() -> None:
    # Given the demo, whose main line's flow is in flows/main.yaml
    tenant = load_tenant(DEMO)
    assert "  - file: flows/main.yaml\n" in DEMO.read_text(encoding="utf-8")

    # Then it is loaded from there: the IVR the main line routes to
    main = tenant.flow("main")
    assert (main.name, main.start) == ("Main line", "welcome")
    assert ("+18005550199", "main") in [(n.number, n.flow) for n in tenant.inbound_numbers]

    # ...and its first line points editors at the published schema, which exists
    first = MAIN_FLOW.read_text(encoding="utf-8").splitlines()[0]
    schema = first.removeprefix("# yaml-language-server: $schema=")
    assert schema != first
    assert (MAIN_FLOW.parent / schema).resolve() == EXAMPLES.parent / "schemas" / "flow.schema.json"
