"""A back-to-back user agent: each inbound call bridged to one outbound leg.

Theory of operation
-------------------
    inbound INVITE ──route()──▶ outbound INVITE ──180──▶ 180 inbound
                                    │ 2xx ──▶ answer inbound, bridge the two media endpoints
                                    │ 3xx-6xx ──▶ the same code inbound (486 stays 486)
    either side BYE ──▶ BYE to the other;  CANCEL inbound ──▶ CANCEL outbound
    re-INVITE putting us on hold ──▶ unbridge, music to the other party; resume ──▶ bridge

Both legs are anchored in our media engine (one endpoint each), so audio can be
recorded, DTMF detected and hold music played whatever the phones do. This is the
call plumbing issue 3 proves against sipp and baresip; the call server of issue 4
drives the same plumbing from the contact-center core instead of a fixed `route`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from switchboard.media.engine import EndpointStats, MediaEngine, MediaError, RemoteMedia
from switchboard.runtime.sip_endpoint import SipEndpoint
from switchboard.sip import sdp
from switchboard.sip.transaction import Peer
from switchboard.sip.ua import (
    Event,
    IncomingCall,
    Leg,
    LegAnswered,
    LegDtmf,
    LegEnded,
    LegFailed,
    LegMediaChanged,
    LegRinging,
    UserAgent,
)
from switchboard.sip.uri import URI

log = logging.getLogger(__name__)

CALL_HISTORY = 100


@dataclass(frozen=True, slots=True)
class Target:
    uri: URI
    peer: Peer


@dataclass
class BridgedCall:
    """One call through the B2BUA, and what happened to it (for callers and tests)."""

    inbound: Leg
    endpoint_in: str
    endpoint_out: str
    outbound: Leg | None = None
    answered: bool = False
    ended: bool = False
    end_reason: str | None = None
    failure_status: int | None = None
    held: bool = False
    hold_changes: list[bool] = field(default_factory=list)
    digits: list[str] = field(default_factory=list)
    digit_heard: asyncio.Event = field(default_factory=asyncio.Event)
    recording: Path | None = None
    media_stats: dict[str, EndpointStats] = field(default_factory=dict)
    """Each leg's RTP counters ("in": the caller's leg, "out": the callee's) at the end."""
    done: asyncio.Event = field(default_factory=asyncio.Event)


_FAILURE_TO_CALLER = {408: 480, 480: 480, 486: 486, 600: 600, 603: 603, 404: 404, 487: 487}


class B2bua:
    def __init__(
        self,
        endpoint: SipEndpoint,
        media: MediaEngine,
        route: Callable[[IncomingCall], Target | None],
        *,
        hold_music: Path | None = None,
        record_dir: Path | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.media = media
        self.route = route
        self.hold_music = hold_music
        self.record_dir = record_dir
        self.calls: deque[BridgedCall] = deque(maxlen=CALL_HISTORY)
        """The latest calls, ended ones included (for those who watch: tests, a status
        page); bounded, so that a B2BUA running for months does not keep them all."""
        self._by_leg: dict[str, BridgedCall] = {}
        self._by_endpoint: dict[str, BridgedCall] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        media.on_dtmf = self._on_dtmf

    @property
    def ua(self) -> UserAgent:
        assert self.endpoint.ua is not None
        return self.endpoint.ua

    def _now(self) -> float:
        return self.endpoint.clock.now()

    def handle(self, event: Event) -> None:
        """The endpoint's event handler."""
        if isinstance(event, IncomingCall):
            task = asyncio.get_running_loop().create_task(self._incoming(event))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            return
        leg = getattr(event, "leg", None)
        call = self._by_leg.get(leg.id) if isinstance(leg, Leg) else None
        if call is None:
            return
        if isinstance(event, LegRinging):
            self.endpoint.run(self.ua.ring(call.inbound, self._now()))
        elif isinstance(event, LegAnswered):
            self._answered(call, event)
        elif isinstance(event, LegFailed):
            call.failure_status = event.status
            status = _FAILURE_TO_CALLER.get(event.status, 480 if event.status < 500 else 503)
            self.endpoint.run(self.ua.reject(call.inbound, status, self._now()))
            self._finish(call, f"failed {event.status}")
        elif isinstance(event, LegEnded):
            other = call.outbound if event.leg is call.inbound else call.inbound
            if other is not None:
                self.endpoint.run(self.ua.hangup(other, self._now()))
            self._finish(call, event.reason)
        elif isinstance(event, LegMediaChanged):
            self._media_changed(call, event)
        elif isinstance(event, LegDtmf):
            call.digits.append(event.digit)
            call.digit_heard.set()

    async def _incoming(self, event: IncomingCall) -> None:
        target = self.route(event)
        if target is None:
            self.endpoint.run(self.ua.reject(event.leg, 404, self._now()))
            return
        endpoint_in = f"{event.leg.id}-in"
        endpoint_out = f"{event.leg.id}-out"
        port_in = await self.media.open(endpoint_in)
        port_out = await self.media.open(endpoint_out)
        call = BridgedCall(event.leg, endpoint_in, endpoint_out)
        call.inbound.media = sdp.LocalMedia(self.ua.host, port_in)
        self.calls.append(call)
        self._by_leg[event.leg.id] = call
        self._by_endpoint[endpoint_in] = call
        self._by_endpoint[endpoint_out] = call
        if event.leg.state.value == "ended":  # cancelled while we opened ports
            self._finish(call, "cancelled")
            return
        caller = event.caller.display_name
        outbound, outputs = self.ua.invite(
            target.uri,
            target.peer,
            sdp.LocalMedia(self.ua.host, port_out),
            self._now(),
            caller=_user_of(event.caller.uri) or "anonymous",
            display_name=caller,
        )
        call.outbound = outbound
        self._by_leg[outbound.id] = call
        self.endpoint.run(outputs)

    def _remote(self, media: sdp.Negotiated) -> RemoteMedia:
        return RemoteMedia(media.address, media.port, media.payload_type, media.dtmf_payload_type)

    def _answered(self, call: BridgedCall, event: LegAnswered) -> None:
        if event.leg is call.outbound:
            self.media.connect(call.endpoint_out, self._remote(event.media))
            self.endpoint.run(self.ua.answer(call.inbound, call.inbound.media, self._now()))
            return
        self.media.connect(call.endpoint_in, self._remote(event.media))
        self.media.bridge(call.endpoint_in, call.endpoint_out)
        call.answered = True
        if self.record_dir is not None:
            call.recording = self.record_dir / f"{call.inbound.id}.wav"
            self.media.start_recording(
                call.inbound.id, (call.endpoint_in, call.endpoint_out), call.recording
            )

    def _media_changed(self, call: BridgedCall, event: LegMediaChanged) -> None:
        mine = call.endpoint_in if event.leg is call.inbound else call.endpoint_out
        other = call.endpoint_out if event.leg is call.inbound else call.endpoint_in
        self.media.connect(mine, self._remote(event.media))
        held = event.media.on_hold
        if held == call.held:
            return
        call.held = held
        call.hold_changes.append(held)
        if held:
            self.media.unbridge(mine)
            if self.hold_music is not None:
                self.media.play(other, self.hold_music, loop=True)
        else:
            self.media.stop_playing(other)
            self.media.bridge(mine, other)

    def _on_dtmf(self, endpoint_id: str, digit: str) -> None:
        call = self._by_endpoint.get(endpoint_id)
        if call is not None:
            call.digits.append(digit)
            call.digit_heard.set()

    def _finish(self, call: BridgedCall, reason: str) -> None:
        if call.ended:
            return
        call.ended = True
        call.end_reason = reason
        if call.recording is not None:
            self.media.stop_recording(call.inbound.id)
        for name, endpoint_id in (("in", call.endpoint_in), ("out", call.endpoint_out)):
            with contextlib.suppress(MediaError):  # the endpoint never opened
                call.media_stats[name] = self.media.stats(endpoint_id)
        self.media.close(call.endpoint_in)
        self.media.close(call.endpoint_out)
        for leg in (call.inbound, call.outbound):
            if leg is not None:
                self._by_leg.pop(leg.id, None)
        self._by_endpoint.pop(call.endpoint_in, None)
        self._by_endpoint.pop(call.endpoint_out, None)
        call.done.set()


def _user_of(uri: URI) -> str | None:
    user = getattr(uri, "unescaped_user", None)
    return user if isinstance(user, str) else None
