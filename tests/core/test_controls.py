"""Spec §3: the active call panel: timer, mute, hold with music, DTMF, recording with
rights and automatic recording, hang-up."""

from __future__ import annotations

from switchboard.config.model import InboundNumber, RecordingMode
from switchboard.core import commands as cmd
from switchboard.core import effects as fx
from switchboard.core.errors import Reason

from .scenario import Scenario, agent, queue, tenant

NUMBER = "+33100000100"


def connected(
    recording: RecordingMode = RecordingMode.MANUAL, profile: str = "standard"
) -> tuple[Scenario, str]:
    s = Scenario(
        tenant(
            queue("q", recording=recording, hold_music="jazz"),
            agents=[agent("ann", "q", profile=profile), agent("bob", "q")],
            numbers=[InboundNumber(number=NUMBER, queue="q")],
        )
    )
    s.login("ann")
    call_id = s.call_in(NUMBER)
    s.accept("ann")
    return s, call_id


def test_mute_silences_the_agent_towards_the_caller_and_unmute_restores_it() -> None:
    s, call_id = connected()
    out = s.do(cmd.Mute("ann", call_id))
    assert fx.MuteAgent(call_id, "ann", True) in out
    assert s.cc.calls[call_id].agents["ann"].muted
    s.rejects(cmd.Mute("ann", call_id), Reason.ALREADY_MUTED)
    out = s.do(cmd.Unmute("ann", call_id))
    assert fx.MuteAgent(call_id, "ann", False) in out
    s.rejects(cmd.Unmute("ann", call_id), Reason.NOT_MUTED)


def test_hold_plays_the_queue_music_and_resume_ends_it() -> None:
    s, call_id = connected()
    s.after(10)
    out = s.do(cmd.Hold("ann", call_id))
    assert fx.HoldCall(call_id, "jazz") in out
    assert s.call_state(call_id) == "held"
    s.rejects(cmd.Hold("ann", call_id), Reason.ALREADY_HELD)
    s.after(25)
    out = s.do(cmd.Resume("ann", call_id))
    assert fx.ResumeCall(call_id) in out
    assert s.call_state(call_id) == "connected"
    s.rejects(cmd.Resume("ann", call_id), Reason.NOT_HELD)
    s.after(5)
    s.do(cmd.Hangup("ann", call_id))
    record = s.records[call_id]
    assert record.hold_seconds == 25.0
    assert record.talk_seconds == 40.0
    (part,) = record.participations
    assert part.talk_seconds == 15.0
    assert part.hold_seconds == 25.0


def test_keypad_sends_dtmf_and_refuses_anything_else() -> None:
    s, call_id = connected()
    out = s.do(cmd.SendDigits("ann", call_id, "12#*"))
    assert fx.SendDtmf(call_id, "ann", "12#*") in out
    s.rejects(cmd.SendDigits("ann", call_id, "1;DROP"), Reason.INVALID_DTMF)
    s.rejects(cmd.SendDigits("ann", call_id, ""), Reason.INVALID_DTMF)


def test_manual_recording_starts_and_stops_with_the_right() -> None:
    s, call_id = connected()
    s.after(5)
    out = s.do(cmd.StartRecording("ann", call_id))
    (start,) = s.of_type(fx.StartRecording, out)
    assert start.automatic is False
    s.rejects(cmd.StartRecording("ann", call_id), Reason.ALREADY_RECORDING)
    s.after(12)
    out = s.do(cmd.StopRecording("ann", call_id))
    assert fx.StopRecording(call_id, start.recording_id) in out
    s.rejects(cmd.StopRecording("ann", call_id), Reason.NOT_RECORDING)
    s.do(cmd.Hangup("ann", call_id))
    (rec,) = s.records[call_id].recordings
    assert (rec.started_at, rec.stopped_at, rec.started_by) == (1005.0, 1017.0, "ann")


def test_recording_without_the_profile_right_is_refused() -> None:
    s, call_id = connected(profile="norights")
    s.rejects(cmd.StartRecording("ann", call_id), Reason.NO_RECORDING_RIGHT)


def test_recording_in_a_queue_that_forbids_it_is_refused() -> None:
    s, call_id = connected(recording=RecordingMode.OFF)
    s.rejects(cmd.StartRecording("ann", call_id), Reason.RECORDING_OFF)


def test_automatic_recording_starts_with_the_call_and_cannot_be_stopped() -> None:
    s, call_id = connected(recording=RecordingMode.AUTOMATIC)
    (start,) = s.of_type(fx.StartRecording)
    assert start.automatic is True
    s.rejects(cmd.StopRecording("ann", call_id), Reason.RECORDING_AUTOMATIC)
    s.after(30)
    out = s.do(cmd.Hangup("ann", call_id))
    assert fx.StopRecording(call_id, start.recording_id) in out
    (rec,) = s.records[call_id].recordings
    assert rec.automatic and rec.stopped_at == 1030.0


def test_hang_up_ends_the_call_and_starts_post_interaction() -> None:
    s, call_id = connected()
    s.after(42)
    out = s.do(cmd.Hangup("ann", call_id))
    assert fx.HangupRemote(call_id, "completed") in out
    assert s.state("ann") == "post_interaction"
    record = s.records[call_id]
    assert record.end_cause is not None and record.end_cause.value == "completed"
    assert record.talk_seconds == 42.0
    # The record is persisted before the agent's state changes
    kinds = [type(e).__name__ for e in out]
    assert kinds.index("PersistInteraction") < len(kinds)


def test_the_caller_hanging_up_also_ends_the_call_for_the_agent() -> None:
    s, call_id = connected()
    s.after(8)
    out = s.do(cmd.RemoteHungUp(call_id))
    assert not s.of_type(fx.HangupRemote, out)
    assert s.state("ann") == "post_interaction"
    assert s.records[call_id].talk_seconds == 8.0


def test_caller_hanging_up_while_held_ends_the_hold_and_the_call() -> None:
    s, call_id = connected()
    s.do(cmd.Hold("ann", call_id))
    s.after(4)
    s.do(cmd.RemoteHungUp(call_id))
    assert s.state("ann") == "post_interaction"
    assert s.records[call_id].hold_seconds == 4.0


def test_controls_on_someone_elses_call_are_refused() -> None:
    s, call_id = connected()
    s.login("bob")
    for command in (
        cmd.Hold("bob", call_id),
        cmd.Mute("bob", call_id),
        cmd.SendDigits("bob", call_id, "1"),
        cmd.StartRecording("bob", call_id),
        cmd.Hangup("bob", call_id),
    ):
        s.rejects(command, Reason.NOT_YOUR_CALL)
    s.rejects(cmd.Hold("ann", "nope"), Reason.UNKNOWN_CALL)


def test_hanging_up_as_the_caller_hangs_up_is_not_refused() -> None:
    # Ann clicks Hang up as the caller hangs up: the call is over when her click arrives.
    s, call_id = connected()
    s.do(cmd.RemoteHungUp(call_id))
    assert s.state("ann") == "post_interaction"
    assert s.do(cmd.Hangup("ann", call_id)) == []
    assert s.state("ann") == "post_interaction"
    # A call she was never on is still not hers.
    s.login("bob")
    s.rejects(cmd.Hangup("bob", call_id), Reason.UNKNOWN_CALL)
