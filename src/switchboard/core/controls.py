"""The controls of the active call panel (spec §3): hold, mute, DTMF, recording, hang up.

These change the call's state and hand the media work to the runtime as effects.
Recording needs the right on the agent's profile *and* a queue that allows it
(`manual` or `automatic`); an `automatic` queue records from the moment the call is
answered, and the agent cannot stop that recording. With two calls, resuming the
held one holds the other: an agent talks to one party at a time outside a
conference.
"""

from __future__ import annotations

import re

from switchboard.config.model import RecordingMode
from switchboard.core import commands as cmd
from switchboard.core import effects as fx
from switchboard.core.call import Call, CallState, Recording
from switchboard.core.center import ContactCenter, handles
from switchboard.core.errors import CommandRejected, Reason
from switchboard.core.records import EndCause
from switchboard.core.waiting import is_pending_callback

_DTMF = re.compile(r"^[0-9*#A-D]{1,32}$")
_TALKING = (CallState.CONNECTED, CallState.HELD, CallState.CONFERENCE)


def _talking(call: Call) -> None:
    if call.state not in _TALKING:
        raise CommandRejected(
            Reason.CALL_NOT_CONNECTED, f"call {call.id!r} is not connected ({call.state.value})"
        )


@handles(cmd.Hold)
def hold(cc: ContactCenter, c: cmd.Hold) -> None:
    _, call, _ = cc.my_call(c.agent_id, c.call_id)
    if call.state is CallState.HELD:
        raise CommandRejected(Reason.ALREADY_HELD, "the call is already on hold")
    if call.state is not CallState.CONNECTED:
        raise CommandRejected(
            Reason.CALL_NOT_CONNECTED, f"only a connected call can be held ({call.state.value})"
        )
    put_on_hold(cc, call, c.agent_id)


def put_on_hold(cc: ContactCenter, call: Call, agent_id: str) -> None:
    queue = cc.queues[call.queue_id].config if call.queue_id else None
    call.state = CallState.HELD
    call.held_by = agent_id
    call.held_since = cc.now
    call.log(cc.now, "held", agent_id)
    cc.emit(fx.HoldCall(call.id, cc.directory.music_for(queue)))
    cc.call_changed(call)


def take_off_hold(cc: ContactCenter, call: Call, agent_id: str | None) -> None:
    if call.held_since is not None:
        for leg in call.agents.values():
            leg.hold_seconds += cc.now - max(call.held_since, leg.connected_at or cc.now)
    call.state = CallState.CONNECTED
    call.held_by = None
    call.held_since = None
    call.log(cc.now, "resumed", agent_id)
    cc.emit(fx.ResumeCall(call.id))
    cc.call_changed(call)


@handles(cmd.Resume)
def resume(cc: ContactCenter, c: cmd.Resume) -> None:
    agent, call, _ = cc.my_call(c.agent_id, c.call_id)
    if call.state is not CallState.HELD:
        raise CommandRejected(Reason.NOT_HELD, "the call is not on hold")
    for other_id in agent.call_ids:
        other = cc.calls[other_id]
        if other is not call and other.state is CallState.CONNECTED:
            put_on_hold(cc, other, agent.id)
    take_off_hold(cc, call, agent.id)


@handles(cmd.Mute, cmd.Unmute)
def mute(cc: ContactCenter, c: cmd.Mute | cmd.Unmute) -> None:
    _, call, leg = cc.my_call(c.agent_id, c.call_id)
    _talking(call)
    muted = isinstance(c, cmd.Mute)
    if leg.muted == muted:
        raise CommandRejected(
            Reason.ALREADY_MUTED if muted else Reason.NOT_MUTED,
            "your microphone is already muted" if muted else "your microphone is not muted",
        )
    leg.muted = muted
    call.log(cc.now, "muted" if muted else "unmuted", c.agent_id)
    cc.emit(fx.MuteAgent(call.id, c.agent_id, muted))
    cc.call_changed(call)


@handles(cmd.SendDigits)
def send_digits(cc: ContactCenter, c: cmd.SendDigits) -> None:
    _, call, _ = cc.my_call(c.agent_id, c.call_id)
    if not _DTMF.match(c.digits):
        raise CommandRejected(
            Reason.INVALID_DTMF, "DTMF digits are 0-9, *, # and A-D, at most 32 at a time"
        )
    _talking(call)
    call.log(cc.now, "dtmf", c.agent_id, digits=c.digits)
    cc.emit(fx.SendDtmf(call.id, c.agent_id, c.digits))


def recording_mode(cc: ContactCenter, call: Call) -> RecordingMode:
    if call.queue_id is None:
        return RecordingMode.MANUAL
    return cc.queues[call.queue_id].config.recording


@handles(cmd.StartRecording)
def start_recording(cc: ContactCenter, c: cmd.StartRecording) -> None:
    agent, call, _ = cc.my_call(c.agent_id, c.call_id)
    if not agent.profile.can_record:
        raise CommandRejected(Reason.NO_RECORDING_RIGHT, "your profile does not allow recording")
    if recording_mode(cc, call) is RecordingMode.OFF:
        raise CommandRejected(Reason.RECORDING_OFF, "recording is off for this queue")
    _talking(call)
    if call.active_recording is not None:
        raise CommandRejected(Reason.ALREADY_RECORDING, "the call is already being recorded")
    _start(cc, call, automatic=False, agent_id=agent.id)


@handles(cmd.StopRecording)
def stop_recording(cc: ContactCenter, c: cmd.StopRecording) -> None:
    _, call, _ = cc.my_call(c.agent_id, c.call_id)
    rec = call.active_recording
    if rec is None:
        raise CommandRejected(Reason.NOT_RECORDING, "the call is not being recorded")
    if rec.automatic:
        raise CommandRejected(
            Reason.RECORDING_AUTOMATIC, "this queue records every call; it cannot be stopped"
        )
    rec.stopped_at = cc.now
    call.log(cc.now, "recording_stopped", c.agent_id, recording=rec.id)
    cc.emit(fx.StopRecording(call.id, rec.id))
    cc.call_changed(call)


def _start(cc: ContactCenter, call: Call, *, automatic: bool, agent_id: str | None) -> None:
    rec = Recording(id=cc.new_id("r"), started_at=cc.now, automatic=automatic, started_by=agent_id)
    call.recordings.append(rec)
    call.log(cc.now, "recording_started", agent_id, recording=rec.id, automatic=automatic)
    cc.emit(fx.StartRecording(call.id, rec.id, automatic))
    cc.call_changed(call)


def record_automatically(cc: ContactCenter, call: Call) -> None:
    if recording_mode(cc, call) is RecordingMode.AUTOMATIC and call.active_recording is None:
        _start(cc, call, automatic=True, agent_id=None)


@handles(cmd.Hangup)
def hangup(cc: ContactCenter, c: cmd.Hangup) -> None:
    over = cc.calls.get(c.call_id)
    if (
        over is not None
        and over.ended
        and any(leg.agent_id == c.agent_id for leg in over.past_agents)
    ):
        # The customer hung up as the agent clicked Hang up: the call the agent was
        # on is over, which is what was asked for; nothing to refuse. (A call that
        # goes on without the agent, after a blind transfer, is not the agent's to
        # hang up: `my_call` refuses it.)
        cc.logged_in_agent(c.agent_id)
        return
    _, call, _ = cc.my_call(c.agent_id, c.call_id)
    from switchboard.core import conference, transfers

    if transfers.hangup_completes(cc, call, c.agent_id):
        return
    if call.conference_id is not None:
        conference.agent_leaves(cc, call.conference_id, c.agent_id)
        return
    call.log(cc.now, "hangup", c.agent_id)
    if len(call.agents) > 1 and call.has_remote and call.remote_up:
        cc.remove_agent(call, c.agent_id)
        return
    # Giving up on a call still ringing out (or still in its flow): it never connected.
    cc.end_call(call, EndCause.FAILED if call.answered_at is None else EndCause.COMPLETED)


@handles(cmd.RemoteHungUp)
def remote_hung_up(cc: ContactCenter, c: cmd.RemoteHungUp) -> None:
    call = cc.call(c.call_id)
    if is_pending_callback(call) and call.state is not CallState.DIALING:
        raise CommandRejected(
            Reason.INVALID_STATE, f"call {c.call_id!r} waits for a callback: nobody is on it"
        )
    call.remote_up = False
    call.log(cc.now, "remote_hangup")
    if call.state is CallState.VOICEMAIL:
        cause = EndCause.VOICEMAIL
    elif call.state is CallState.DIALING:
        cause = EndCause.FAILED
    elif call.answered_at is None:
        cause = EndCause.ABANDONED
    else:
        cause = EndCause.COMPLETED
    cc.end_call(call, cause, hangup_remote=False)
