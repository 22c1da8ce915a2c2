"""sipp (a customer) → Switchboard's B2BUA → baresip (an agent's phone), for real.

Each scenario checks the SIP outcome on both peers and, where a call is up, the
audio: packets both ways, the caller's DTMF, and the frequencies of both parties'
tones in the recording (the customer streams 1 kHz, the agent's phone 440 Hz).
"""

from __future__ import annotations

import asyncio
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from switchboard.media.rtp_engine import AsyncioMediaEngine
from switchboard.runtime.b2bua import B2bua, BridgedCall, Target
from switchboard.sip.transaction import Peer
from switchboard.sip.ua import IncomingCall
from switchboard.sip.uri import parse_uri

from .baresip import Baresip
from .harness import Harness
from .media import long_tone
from .sipp import SippResult, free_udp_port, run_sipp, run_sipp_uas, ulaw_tone

EXTENSION = "1001"


@dataclass
class Setup:
    harness: Harness
    media: AsyncioMediaEngine
    b2bua: B2bua
    phone: Baresip


async def setup(tmp_path: Path, *, answer_mode: str = "manual") -> Setup:
    harness = Harness({EXTENSION: "pw-1001"})
    media = AsyncioMediaEngine("127.0.0.1", (31000, 31999), inactivity_timeout=None)
    await media.start()

    def route(call: IncomingCall) -> Target | None:
        bindings = harness.registrar.lookup(EXTENSION, harness.endpoint.clock.now())
        if not bindings:
            return None
        source = bindings[0].source or ("127.0.0.1", 5060)
        return Target(bindings[0].uri, Peer(source[0], source[1]))

    b2bua = B2bua(
        harness.endpoint,
        media,
        route,
        hold_music=long_tone(tmp_path / "music.wav", 660.0, 10.0),
        record_dir=tmp_path,
    )
    harness.on_call_event = b2bua.handle
    await harness.start()
    phone = Baresip(
        tmp_path / "phone",
        extension=EXTENSION,
        password="pw-1001",
        server_port=harness.port,
        microphone=long_tone(tmp_path / "mic.wav", 440.0, 120.0),
        answer_mode=answer_mode,
    )
    await phone.start()
    await asyncio.wait_for(harness.registered.get(), timeout=10)
    return Setup(harness, media, b2bua, phone)


async def teardown(s: Setup) -> None:
    await s.phone.stop()
    await s.harness.stop()
    await s.media.stop()


def peak_frequencies(path: Path) -> set[int]:
    """The strong tones in a WAV, rounded to 10 Hz."""
    with wave.open(str(path)) as w:
        samples = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(float)
    spectrum = np.abs(np.fft.rfft(samples))
    freqs = np.fft.rfftfreq(len(samples), 1 / 8000)
    strong = freqs[spectrum > spectrum.max() * 0.2]
    return {int(round(f / 10) * 10) for f in strong}


def test_a_call_flows_audio_both_ways_with_dtmf_hold_resume_and_hang_up(tmp_path: Path) -> None:
    async def scenario() -> tuple[SippResult, BridgedCall, list[str]]:
        s = await setup(tmp_path)
        try:
            caller = asyncio.create_task(
                run_sipp(
                    "caller",
                    s.harness.port,
                    "+33100000100",
                    tmp_path / "sipp",
                    files={"tone": ulaw_tone(tmp_path / "tone.wav", 1000.0, 30.0)},
                )
            )
            await s.phone.wait_for("CALL_INCOMING")
            await s.phone.command("accept")
            await s.phone.wait_for("CALL_ESTABLISHED")
            result = await caller
            (call,) = s.b2bua.calls
            await asyncio.wait_for(call.done.wait(), timeout=10)
            closed = await s.phone.wait_for("CALL_CLOSED")
            return result, call, [closed["type"]]
        finally:
            await teardown(s)

    result, call, phone_events = asyncio.run(scenario())

    assert (result.returncode, result.successful, result.failed) == (0, 1, 0), result.log
    assert call.answered
    assert call.end_reason == "hangup"
    assert call.hold_changes == [True, False]
    assert "5" in call.digits
    assert phone_events == ["CALL_CLOSED"]
    # Audio both ways on both legs, counted in packets (20 ms each; the call lasts
    # several seconds, part of it on hold with music towards the caller).
    caller_leg, phone_leg = call.media_stats["in"], call.media_stats["out"]
    assert caller_leg.packets_in > 100, caller_leg  # the customer's voice came in
    assert phone_leg.packets_out > 100, phone_leg  # ...and went on to the phone
    assert phone_leg.packets_in > 100, phone_leg  # the agent's voice came in
    assert caller_leg.packets_out > 100, caller_leg  # ...and went on to the customer
    assert call.recording is not None
    tones = peak_frequencies(call.recording)
    assert 1000 in tones, tones
    assert 440 in tones, tones


def test_a_busy_phone_refuses_the_call_with_486(tmp_path: Path) -> None:
    async def scenario() -> tuple[SippResult, BridgedCall]:
        s = await setup(tmp_path)
        try:
            caller = asyncio.create_task(
                run_sipp("caller_refused", s.harness.port, "+33100000100", tmp_path / "sipp")
            )
            await s.phone.wait_for("CALL_INCOMING")
            await s.phone.command("hangup")  # rejecting an incoming call: 486 Busy Here
            result = await caller
            (call,) = s.b2bua.calls
            await asyncio.wait_for(call.done.wait(), timeout=10)
            return result, call
        finally:
            await teardown(s)

    result, call = asyncio.run(scenario())
    assert result.successful == 1, result.log
    assert call.failure_status == 486
    assert not call.answered


def test_the_caller_cancels_before_the_phone_answers(tmp_path: Path) -> None:
    async def scenario() -> tuple[SippResult, BridgedCall, str]:
        s = await setup(tmp_path)
        try:
            caller = asyncio.create_task(
                run_sipp("caller_cancel", s.harness.port, "+33100000100", tmp_path / "sipp")
            )
            await s.phone.wait_for("CALL_INCOMING")
            result = await caller
            closed = await s.phone.wait_for("CALL_CLOSED")
            (call,) = s.b2bua.calls
            await asyncio.wait_for(call.done.wait(), timeout=10)
            return result, call, closed["type"]
        finally:
            await teardown(s)

    result, call, closed = asyncio.run(scenario())
    assert result.successful == 1, result.log
    assert call.end_reason == "cancelled"
    assert closed == "CALL_CLOSED"


def test_the_agent_sends_dtmf_and_hangs_up_from_the_phone(tmp_path: Path) -> None:
    async def scenario() -> tuple[SippResult, BridgedCall]:
        s = await setup(tmp_path)
        try:
            caller = asyncio.create_task(
                run_sipp(
                    "caller_waits",
                    s.harness.port,
                    "+33100000100",
                    tmp_path / "sipp",
                    files={"tone": ulaw_tone(tmp_path / "tone.wav", 1000.0, 30.0)},
                )
            )
            await s.phone.wait_for("CALL_INCOMING")
            await s.phone.command("accept")
            await s.phone.wait_for("CALL_ESTABLISHED")
            await s.phone.command("sndcode", "7")
            (call,) = s.b2bua.calls
            # The digit is reported when the key goes down; then the agent lets go.
            await asyncio.wait_for(call.digit_heard.wait(), timeout=5)
            await s.phone.command("sndcode", "\x00")
            await s.phone.command("hangup")
            result = await caller
            await asyncio.wait_for(call.done.wait(), timeout=10)
            return result, call
        finally:
            await teardown(s)

    result, call = asyncio.run(scenario())
    assert result.successful == 1, result.log
    assert call.digits == ["7"]
    assert call.end_reason == "hangup"


def test_a_call_to_a_trunk_answered_by_sipp_uas(tmp_path: Path) -> None:
    """The outbound leg goes to sipp acting as a carrier trunk (built-in uas scenario,
    echoing the audio back)."""

    async def scenario() -> tuple[SippResult, SippResult, BridgedCall]:
        harness = Harness({})
        media = AsyncioMediaEngine("127.0.0.1", (32000, 32999), inactivity_timeout=None)
        await media.start()
        trunk_port = free_udp_port()

        def route(call: IncomingCall) -> Target:
            return Target(
                parse_uri(f"sip:+33699999999@127.0.0.1:{trunk_port}"),
                Peer("127.0.0.1", trunk_port),
            )

        b2bua = B2bua(harness.endpoint, media, route, record_dir=tmp_path)
        harness.on_call_event = b2bua.handle
        await harness.start()
        try:
            trunk = asyncio.create_task(run_sipp_uas(trunk_port, tmp_path / "trunk"))
            caller = asyncio.create_task(
                run_sipp(
                    "caller",
                    harness.port,
                    "+33100000100",
                    tmp_path / "sipp",
                    files={"tone": ulaw_tone(tmp_path / "tone.wav", 1000.0, 30.0)},
                )
            )
            result = await caller
            trunk_result = await trunk
            (call,) = b2bua.calls
            await asyncio.wait_for(call.done.wait(), timeout=10)
            return result, trunk_result, call
        finally:
            await harness.stop()
            await media.stop()

    result, trunk_result, call = asyncio.run(scenario())
    assert result.successful == 1, result.log
    assert trunk_result.successful == 1, trunk_result.log
    assert call.answered
    assert call.media_stats["out"].packets_in > 100  # the trunk's echo came back
    assert call.media_stats["in"].packets_out > 100  # ...and reached the caller
    assert call.recording is not None
    # The trunk echoes the caller: the caller's 1 kHz is heard on both legs
    assert 1000 in peak_frequencies(call.recording)
