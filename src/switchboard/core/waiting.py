"""The waiting experience: what a caller in a queue hears and may do.

Theory of operation
-------------------
While a call waits in a queue the caller hears the queue's music. A queue with
`announce_every`, a `voicemail_key` or a `callback_key` also *announces*: as soon
as the call starts waiting, and then every `announce_every` seconds while it is
still waiting, the caller is told its place in line, the estimated wait, and the
keys it may press (`AnnounceWait`; the runtime says it over the music). An
announcement due while the call rings an agent is skipped; the next one comes
when the call is back in line.

    queued ──voicemail key──▶ voicemail (the queue's mailbox)
    queued ──callback key──▶ queued, caller gone ──agent accepts──▶ dialing
                                                       ──customer answers──▶ connected

A *queued callback* (as Amazon Connect's): the caller presses the key, hears where
it will be called back and hangs up; the call keeps its place, its priority and its
wait in the queue, and no longer overflows on max wait (nobody is on the line to
wait). When its turn comes, the agent's popup shows a callback; accepting it puts
the agent on the call and dials the customer's number with the queue's caller ID.
A customer who does not answer ends the call as failed: the agent sees it in its
history, from which it can call back. A caller whose number is hidden or not
dialable is told so and keeps waiting. The promise is stored (`KeepCallback`) until
the customer answers or the call ends (`DropCallback`); a restarted server puts
each stored callback back in its place (`RestoreCallback`).

The estimated wait is `position * average handle time / agents logged in`
(`QueueRuntime.estimated_wait`); with no history yet, only the position is said.
"""

from __future__ import annotations

from switchboard.core import commands as cmd
from switchboard.core import effects as fx
from switchboard.core.call import Call, CallState
from switchboard.core.center import ContactCenter, handles, on_timer
from switchboard.core.directory import valid_number
from switchboard.core.errors import CommandRejected, Reason
from switchboard.core.records import CallbackRecord, CallType, Direction, EndCause


def announces(cc: ContactCenter, call: Call) -> bool:
    assert call.queue_id is not None
    cfg = cc.queues[call.queue_id].config
    return not is_pending_callback(call) and (
        cfg.announce_every is not None
        or cfg.voicemail_key is not None
        or cfg.callback_key is not None
    )


def schedule_announcement(cc: ContactCenter, call: Call) -> None:
    """The call is (back) in line: its next announcement, unless one is due already."""
    if not announces(cc, call) or cc.deadline("announce", call.id) is not None:
        return
    assert call.queue_id is not None
    every = cc.queues[call.queue_id].config.announce_every
    if call.announcements == 0:
        cc.arm("announce", call.id, cc.now)
    elif every is not None:
        cc.arm("announce", call.id, cc.now + every)


@on_timer("announce")
def announce(cc: ContactCenter, call_id: str) -> None:
    call = cc.calls.get(call_id)
    if call is None or call.state is not CallState.QUEUED or call.queue_id is None:
        return  # answered, gone, or ringing an agent: the return to line re-arms
    if not announces(cc, call):
        return
    queue = cc.queues[call.queue_id]
    cfg = queue.config
    position = queue.position(call.id)
    estimate = queue.estimated_wait(position)
    call.announcements += 1
    call.log(cc.now, "announced", position=position, estimated_wait=estimate)
    cc.emit(
        fx.AnnounceWait(call.id, queue.id, position, estimate, cfg.voicemail_key, cfg.callback_key)
    )
    if cfg.announce_every is not None:
        cc.arm("announce", call.id, cc.now + cfg.announce_every)


def _waiting(cc: ContactCenter, call_id: str) -> Call:
    call = cc.call(call_id)
    if call.state is not CallState.QUEUED or call.queue_id is None:
        raise CommandRejected(Reason.INVALID_STATE, f"call {call_id!r} is not waiting")
    return call


@handles(cmd.LeaveForVoicemail)
def leave_for_voicemail(cc: ContactCenter, c: cmd.LeaveForVoicemail) -> None:
    """The caller chose voicemail while waiting: the queue's mailbox takes the call."""
    from switchboard.core.routing import to_voicemail

    call = _waiting(cc, c.call_id)
    if is_pending_callback(call):
        raise CommandRejected(Reason.INVALID_STATE, f"call {c.call_id!r} waits for a callback")
    assert call.queue_id is not None
    queue = cc.queues[call.queue_id]
    queue.dequeue(call.id)
    for kind in ("maxwait", "round", "announce"):
        cc.disarm(kind, call.id)
    call.log(cc.now, "left_queue", queue=queue.id)
    to_voicemail(cc, call, queue.config.mailbox or queue.id)


@handles(cmd.RequestCallback)
def request_callback(cc: ContactCenter, c: cmd.RequestCallback) -> None:
    call = _waiting(cc, c.call_id)
    assert call.queue_id is not None
    if is_pending_callback(call):
        return  # pressed again while hearing the goodbye
    if cc.queues[call.queue_id].config.callback_key is None:
        raise CommandRejected(
            Reason.INVALID_STATE, f"queue {call.queue_id!r} does not offer callbacks"
        )
    if call.direction is not Direction.INBOUND or not valid_number(call.caller):
        call.log(cc.now, "callback_refused", number=call.caller)
        cc.emit(
            fx.TellCaller(
                call.id,
                "Sorry, we cannot call you back because your number is hidden. "
                "Please stay on the line.",
            )
        )
        return
    call.callback_number = call.caller
    call.remote_up = False
    # Nobody is on the line to wait too long, and the announcements are over.
    cc.disarm("maxwait", call.id)
    cc.disarm("announce", call.id)
    call.log(cc.now, "callback_requested", number=call.caller)
    cc.emit(fx.KeepCallback(_promise(call, cc.now)))
    cc.emit(fx.ReleaseRemote(call.id, _callback_goodbye(call.caller)))
    cc.call_changed(call)


def _promise(call: Call, now: float) -> CallbackRecord:
    assert call.queue_id is not None and call.callback_number is not None
    assert call.wait_since is not None
    return CallbackRecord(
        call_id=call.id,
        queue_id=call.queue_id,
        number=call.callback_number,
        callee=call.callee,
        caller_name=call.caller_name,
        crm_contact_id=call.crm_contact_id,
        created_at=call.created_at,
        wait_since=call.wait_since,
        requested_at=now,
        priority=call.priority,
        required_skill=call.required_skill,
        variables=dict(call.variables),
        timeline=tuple(call.timeline),
    )


@handles(cmd.RestoreCallback)
def restore_callback(cc: ContactCenter, c: cmd.RestoreCallback) -> None:
    """A callback stored before a restart waits again, in its place: its wait, its
    priority and its history are the ones it had."""
    from switchboard.core.routing import wait_in_queue

    r = c.record
    if r.call_id in cc.calls:
        raise CommandRejected(Reason.INVALID_STATE, f"call {r.call_id!r} already exists")
    gone = r.queue_id not in cc.queues
    call = Call(
        id=r.call_id,
        direction=Direction.INBOUND,
        call_type=CallType.SMART_ROUTING,
        caller=r.number,
        callee=r.callee,
        created_at=r.created_at,
        seq=cc.next_seq(),
        caller_name=r.caller_name,
        crm_contact_id=r.crm_contact_id,
        queue_id=None if gone else r.queue_id,
        priority=r.priority,
        required_skill=r.required_skill,
        wait_since=r.wait_since,
        variables=dict(r.variables),
        callback_number=r.number,
    )
    call.timeline = list(r.timeline)
    cc.calls[call.id] = call
    if gone:
        # Its queue left the configuration: the call ends with a record that says so
        # (the history shows whom to call back) rather than waiting where no agent is.
        call.log(cc.now, "callback_not_restored", queue=r.queue_id)
        cc.end_call(call, EndCause.FAILED, hangup_remote=False)
        return
    call.log(cc.now, "callback_restored")
    wait_in_queue(cc, call)


def callback_over(cc: ContactCenter, call: Call) -> None:
    """The customer answered its callback, or the call ended: the promise is over
    (`reached` says whether the customer was reached: a server shutting down keeps
    the stored promise of a callback it had to abandon)."""
    if call.callback_number is not None:
        cc.emit(fx.DropCallback(call.id, reached=call.remote_up or call.answered_at is not None))


def _callback_goodbye(number: str) -> str:
    last = " ".join(number[-4:])
    return (
        f"Thank you. We will call you back on your number ending in {last} "
        "as soon as an agent is free. You keep your place in line. Goodbye."
    )


def start_callback(cc: ContactCenter, call: Call, agent_id: str) -> None:
    """The agent took a queued callback and is on the call: dial the customer."""
    assert call.callback_number is not None
    queue_cfg = cc.queues[call.queue_id].config if call.queue_id is not None else None
    caller_id = cc.directory.caller_id(cc.agents[agent_id], queue_cfg)
    call.state = CallState.DIALING
    call.log(cc.now, "calling_back", agent_id, number=call.callback_number)
    cc.emit(fx.DialNumber(call.id, call.callback_number, caller_id))
    cc.call_changed(call)


def is_pending_callback(call: Call) -> bool:
    """A queued callback whose customer has not been called back (and answered) yet."""
    return call.callback_number is not None and not call.remote_up
