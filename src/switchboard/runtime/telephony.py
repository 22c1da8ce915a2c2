"""Where the contact center meets SIP and RTP: core effects become legs and media, and
what the legs do becomes core commands.

Theory of operation
-------------------
A core call has at most one *remote party* (the customer's leg: a call that came in,
or a number dialled through the trunk). An agent on a SIP phone has one *line*: the
leg from Switchboard to its phone, rung for an offer or called with an auto-answer
hint, and kept while the agent has any call. The line is the agent's headset: it
follows the agent from call to call (an attended transfer's consultation, a second
call placed while the first is held, a merge) instead of ringing the phone again
for each, as a desk phone would. Every leg owns one media endpoint; agents' phones
are always called by Switchboard (a B2BUA, never a proxy), so the customer never
learns where the agent sits.

    effect                       what happens
    PresentOffer                 INVITE the agent's phone (the auto-answer hint for an
                                 auto-answer profile: the phone's answer accepts)
    WithdrawOffer (not accepted) CANCEL that INVITE
    ConnectAgent                 the line is up: it joins this call; no line (outbound
                                 call, consultation): INVITE with auto-answer
    (API accept, phone ringing)  `pick_up`: ring again with auto-answer, the offer
                                 pending until the phone answers
    DisconnectAgent              the agent leaves the call; its line is hung up once
                                 it has no call left
    PlayWaitingMusic             answer the customer, play the queue's music
    DialNumber                   INVITE the number through the trunk (digest auth),
                                 once the agent placing the call has picked up
    HangupRemote                 BYE, CANCEL or refuse the customer's leg
    BridgeRemotes                a completed external transfer: the two remote legs
                                 are joined (a *junction*) and outlive both core calls
                                 until one side hangs up
    Hold/Resume/Mute/Conference  rewire the media (below)
    SendDtmf                     RFC 4733 events towards the customer
    Start/StopRecording          record every party of the call into one WAV

    leg event                    command
    INVITE to a number/extension InboundCall (caller ID checked, see `_incoming`)
    phone answers an offer       Accept        phone says 486/600/603  Decline
    remote rings/answers/fails   RemoteRinging / RemoteAnswered / RemoteFailed
    remote hangs up              RemoteHungUp  agent's phone hangs up  Hangup (its
                                                                      active call)

Media follows state, not effects: after anything that may change who hears whom,
`rewire` computes the wiring of every endpoint the change can reach (the calls of
the agents involved, the calls of a conference) from the core's view, and applies
only the difference. A call on hold: its customer hears music, its agents' lines are
free for their other call or silent; a conference: one mix; two parties: a bridge; a
party alone: the queue's music for a waiting customer, ringback for an agent whose
call is being dialled. Deriving the wiring each time, instead of patching it per
effect, keeps transfers, merges and recalls from leaving a stale bridge behind.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from switchboard.config.model import Device, Tenant, Trunk
from switchboard.core import commands as cmd
from switchboard.core import effects as fx
from switchboard.core.call import Call, CallState
from switchboard.core.center import ContactCenter
from switchboard.core.errors import CommandRejected
from switchboard.core.transfer import FailureReason
from switchboard.media.engine import Flow, MediaEngine, MediaError, RemoteMedia
from switchboard.runtime.sip_endpoint import SipEndpoint
from switchboard.sip import sdp
from switchboard.sip.registrar import Registrar
from switchboard.sip.transaction import Peer
from switchboard.sip.ua import (
    Event,
    IncomingCall,
    Leg,
    LegAnswered,
    LegEnded,
    LegFailed,
    LegMediaChanged,
    LegRinging,
    LegState,
    UserAgent,
)
from switchboard.sip.uri import SipURI, parse_uri

log = logging.getLogger(__name__)

AUTO_ANSWER = (("Call-Info", "<sip:switchboard>;answer-after=0"),)
_BUSY = {486: True, 600: True, 603: False}
_FAILURES = {
    486: FailureReason.BUSY,
    600: FailureReason.BUSY,
    603: FailureReason.DECLINED,
    404: FailureReason.INVALID_NUMBER,
    484: FailureReason.INVALID_NUMBER,
    480: FailureReason.NO_ANSWER,
    408: FailureReason.NO_ANSWER,
    487: FailureReason.NO_ANSWER,
}


@dataclass(slots=True)
class Party:
    """One leg and its media endpoint: a call's remote party, or an agent's line."""

    endpoint: str
    leg: Leg | None = None
    answered: bool = False
    offer_id: str | None = None
    """For a line: the offer it rings for (None once accepted, or when called to
    pick up by itself)."""
    auto: bool = False
    """For a line: rung with the auto-answer hint (the phone picks up by itself)."""


@dataclass(slots=True)
class CallMedia:
    remote: Party | None = None
    agents: dict[str, Party] = field(default_factory=dict)
    """Agent id → that agent's line, while the agent is on (or rung for) this call."""
    recording: tuple[str, Path] | None = None
    recorded: tuple[str, ...] = ()
    """The endpoints the running recording takes voices from (see `rewire`)."""
    pending_dial: fx.DialNumber | None = None
    """A number to dial once the agent who places the call has picked up its phone:
    the customer is never called by an agent who is not there yet."""


Wiring = tuple[object, ...]
"""What one endpoint is given: ("group", kind, members, id) for a bridge or a mix,
("play", file), ("prompt", file, n), ("ringback",), ("idle",) or ("junction",)."""
_IDLE: Wiring = ("idle",)
_WAITING = (CallState.QUEUED, CallState.OFFERED, CallState.TRANSFERRING, CallState.HELD)
_RINGING = (CallState.DIALING, CallState.QUEUED, CallState.OFFERED)
"""An agent alone on a call in these states waits for someone to answer: ringback."""


class Telephony:
    def __init__(
        self,
        sip: SipEndpoint,
        media: MediaEngine,
        registrar: Registrar,
        tenant: Tenant,
        *,
        recordings: Path,
        music: dict[str, Path],
        trunk_password: str | None = None,
    ) -> None:
        self.sip = sip
        self.media = media
        self.registrar = registrar
        self.tenant = tenant
        self.recordings = recordings
        self.music = music
        self.trunk: Trunk | None = tenant.trunk
        self.trunk_password = trunk_password
        self.center: ContactCenter | None = None
        self.calls: dict[str, CallMedia] = {}
        self.lines: dict[str, Party] = {}
        """Agent id → the leg to its SIP phone."""
        self.softphones: dict[str, Party] = {}
        """Agent id → its Banner softphone's line (no SIP leg: a WebRTC session's
        gateway, `runtime/softphone.py`), up as long as the Banner is open."""
        self.junctions: dict[str, tuple[Party, Party]] = {}
        """SIP leg id → the two remote parties a completed external transfer joined."""
        self._remote_legs: dict[str, str] = {}
        """SIP leg id → the call whose remote party it is."""
        self._line_legs: dict[str, str] = {}
        """SIP leg id → the agent whose line it is."""
        self._extensions = {a.extension: a for a in tenant.agents}
        self._ports: dict[str, int] = {}
        self._applied: dict[str, Wiring] = {}
        self.prompts: dict[str, tuple[Path, int]] = {}
        """Remote endpoint → the prompt it hears now, instead of its wiring (`say`)."""
        self._said = 0
        self._farewell: dict[str, Path] = {}
        """Call → the message said when it ends, before the BYE."""
        self.farewells: dict[str, Party] = {}
        """Endpoint → a remote party whose call ended, hearing its farewell."""
        self._flows: dict[str, Flow] = {}
        self._serial = 0
        self.accepting = True
        """False while the server shuts down: new calls get 503."""
        self.on_recording: Callable[[str, str, Path], None] | None = None
        """(call id, recording id, file) once a recording is complete on disk."""

    # -- helpers -------------------------------------------------------------------------

    @property
    def ua(self) -> UserAgent:
        assert self.sip.ua is not None
        return self.sip.ua

    def _now(self) -> float:
        return self.sip.clock.now()

    def _cc(self) -> ContactCenter:
        assert self.center is not None
        return self.center

    def _call_media(self, call_id: str) -> CallMedia:
        return self.calls.setdefault(call_id, CallMedia())

    def _local(self, party: Party) -> sdp.LocalMedia:
        port = self._ports.get(party.endpoint)
        assert port is not None
        return sdp.LocalMedia(self.ua.host, port)

    async def _open(self, endpoint: str) -> Party:
        self._ports[endpoint] = await self.media.open(endpoint)
        return Party(endpoint)

    def _close(self, party: Party) -> None:
        self.media.close(party.endpoint)
        self._ports.pop(party.endpoint, None)
        self._applied.pop(party.endpoint, None)
        self._flows.pop(party.endpoint, None)
        if party.leg is not None:
            self._remote_legs.pop(party.leg.id, None)
            self._line_legs.pop(party.leg.id, None)
            self.junctions.pop(party.leg.id, None)

    def _connect(self, party: Party, negotiated: sdp.Negotiated | None) -> None:
        if negotiated is None:
            return
        remote = RemoteMedia(
            negotiated.address,
            negotiated.port,
            negotiated.payload_type,
            negotiated.dtmf_payload_type,
        )
        try:
            self.media.connect(party.endpoint, remote)
        except MediaError as error:
            log.warning("cannot send media to %s: %s", party.endpoint, error)

    def _hang_up(self, party: Party) -> None:
        """BYE, CANCEL or refuse the party's leg, whichever its state needs."""
        if party.leg is not None and party.leg.state is not LegState.ENDED:
            self.sip.run(self.ua.hangup(party.leg, self._now()))

    def _phone(self, agent_id: str) -> tuple[SipURI, Peer] | None:
        """Where the agent's SIP phone is registered, if it is."""
        agent = self._cc().agents[agent_id]
        config = agent.config
        if agent.device is not Device.SIP_PHONE:
            return None
        bindings = self.registrar.lookup(config.extension, self._now())
        if not bindings:
            return None
        binding = bindings[0]
        uri = binding.uri
        if not isinstance(uri, SipURI):
            return None
        host, port = binding.source or (uri.host, uri.port or 5060)
        return uri, Peer(host, port)

    # -- SIP events → commands ------------------------------------------------------------

    async def on_sip(self, event: Event) -> list[cmd.Command]:
        if isinstance(event, IncomingCall):
            return await self._incoming(event)
        leg = getattr(event, "leg", None)
        if not isinstance(leg, Leg):
            return []
        if leg.id in self.junctions:
            self._junction_event(leg, event)
            return []
        agent_id = self._line_legs.get(leg.id)
        if agent_id is not None:
            return await self._line_event(agent_id, event)
        call_id = self._remote_legs.get(leg.id)
        media = self.calls.get(call_id) if call_id is not None else None
        if call_id is None or media is None or media.remote is None:
            return []
        return self._remote_event(call_id, media.remote, event)

    async def _incoming(self, event: IncomingCall) -> list[cmd.Command]:
        leg = event.leg
        if not self.accepting:
            self.sip.run(self.ua.reject(leg, 503, self._now()))
            return []
        callee = getattr(event.callee, "unescaped_user", None) or ""
        caller = getattr(event.caller.uri, "unescaped_user", None) or "anonymous"
        name = event.caller.display_name
        if caller in self._extensions and not self._from_phone_of(caller, leg.peer):
            # Only an agent's registered phone may present an extension as caller ID:
            # anyone else claiming one would pass for a colleague (an internal call).
            self.sip.run(self.ua.reject(leg, 403, self._now()))
            return []
        call_id = f"c{secrets.token_hex(6)}"
        party = await self._open(f"{call_id}/remote")
        party.leg = leg
        if leg.state is LegState.ENDED:  # the caller gave up while the port opened
            self._close(party)
            return []
        leg.media = self._local(party)
        self._call_media(call_id).remote = party
        self._remote_legs[leg.id] = call_id
        self.sip.run(self.ua.ring(leg, self._now()))
        return [cmd.InboundCall(call_id, caller, callee, caller_name=name)]

    def _from_phone_of(self, extension: str, peer: Peer) -> bool:
        for binding in self.registrar.lookup(extension, self._now()):
            if binding.source == (peer.host, peer.port):
                return True
        return False

    def _remote_event(self, call_id: str, party: Party, event: Event) -> list[cmd.Command]:
        if isinstance(event, LegRinging):
            return [cmd.RemoteRinging(call_id)]
        if isinstance(event, LegAnswered):
            first = not party.answered
            party.answered = True
            self._connect(party, event.media)
            if first and not event.leg.incoming:
                return [cmd.RemoteAnswered(call_id)]
            self.rewire(calls=[call_id])
            return []
        if isinstance(event, LegMediaChanged):
            self._connect(party, event.media)
            return []
        if isinstance(event, LegFailed):
            reason = _FAILURES.get(event.status, FailureReason.UNREACHABLE)
            return [cmd.RemoteFailed(call_id, reason)]
        if isinstance(event, LegEnded):
            self._remote_legs.pop(event.leg.id, None)
            party.leg = None
            return [cmd.RemoteHungUp(call_id)]
        # LegDtmf (INFO digits from the customer) is for Smart Routing to read.
        return []

    async def _line_event(self, agent_id: str, event: Event) -> list[cmd.Command]:
        line = self.lines.get(agent_id)
        if line is None:
            return []
        if isinstance(event, LegAnswered):
            line.answered = True
            self._connect(line, event.media)
            offer_id, line.offer_id = line.offer_id, None
            if offer_id is not None:
                return [cmd.Accept(agent_id, offer_id)]
            commands: list[cmd.Command] = []
            for media in list(self.calls.values()):
                dial = media.pending_dial
                if dial is not None and media.agents.get(agent_id) is line:
                    media.pending_dial = None
                    commands += await self._dial(dial)
            self.rewire(agents=[agent_id])
            return commands
        if isinstance(event, LegMediaChanged):
            self._connect(line, event.media)
            return []
        if isinstance(event, (LegFailed, LegEnded)):
            offer_id = line.offer_id
            calls = [c for c, m in self.calls.items() if m.agents.get(agent_id) is line]
            self._drop_line(agent_id)
            if offer_id is not None:
                if isinstance(event, LegFailed) and event.status in _BUSY:
                    return [cmd.Decline(agent_id, offer_id, busy=_BUSY[event.status])]
                return []
            # The phone hung up, or would not pick up a call it was asked to: the
            # agent leaves the call it was talking on (a held call stays held; its
            # phone is called again when the agent resumes it).
            return [cmd.Hangup(agent_id, c) for c in calls if self._active_on(agent_id, c)]
        return []

    def _active_on(self, agent_id: str, call_id: str) -> bool:
        call = self._cc().calls.get(call_id)
        return (
            call is not None
            and not call.ended
            and agent_id in call.agents
            and not _held_by(call, agent_id)
        )

    def _junction_event(self, leg: Leg, event: Event) -> None:
        a, b = self.junctions[leg.id]
        party, other = (a, b) if a.leg is leg else (b, a)
        if isinstance(event, LegMediaChanged):
            self._connect(party, event.media)
        elif isinstance(event, (LegEnded, LegFailed)):
            self._end_junction(party, other)

    def _end_junction(self, party: Party, other: Party) -> None:
        for p in (party, other):
            self._hang_up(p)
            self._close(p)

    def silence(self, endpoint: str) -> list[cmd.Command]:
        """No RTP from a party for the inactivity timeout: its phone is gone."""
        for party in self._all_parties():
            if party.endpoint == endpoint:
                log.info("no audio from %s any more; hanging up its leg", endpoint)
                self._hang_up(party)
        return []

    def _all_parties(self) -> list[Party]:
        parties = [m.remote for m in self.calls.values() if m.remote is not None]
        parties += self.lines.values()
        for a, b in self.junctions.values():
            parties += [p for p in (a, b) if p not in parties]
        parties += self.farewells.values()
        parties += self.softphones.values()
        return parties

    def hang_up_everything(self) -> None:
        """Shutdown: BYE or CANCEL every leg; the legs' ends reach the core as usual."""
        for party in self._all_parties():
            self._hang_up(party)

    def command_refused(self, command: cmd.Command, error: CommandRejected) -> None:
        """A command a leg event led to was refused (the offer expired as the phone
        answered, say): hang up what the command stood for."""
        if isinstance(command, cmd.Accept):
            agent = self._cc().agents.get(command.agent_id)
            if agent is not None and not agent.call_ids:
                self._drop_line(command.agent_id)

    # -- agents' lines ----------------------------------------------------------------------

    async def attach_softphone(self, agent_id: str, session_id: str, gateway_port: int) -> int:
        """The agent's Banner softphone is connected: its line is an endpoint that
        talks RTP with the WebRTC gateway's port. Joins the calls the agent is on
        (a reloaded page gets its audio back). Returns the endpoint's port."""
        self.detach_softphone(agent_id)
        party = await self._open(f"{agent_id}/webrtc-{session_id}")
        party.answered = True
        self.media.connect(party.endpoint, RemoteMedia("127.0.0.1", gateway_port, 0))
        self.softphones[agent_id] = party
        agent = self._cc().agents.get(agent_id)
        for call_id in agent.call_ids if agent is not None else []:
            if call_id in self.calls:
                self.calls[call_id].agents[agent_id] = party
        self.rewire(agents=[agent_id])
        return self._ports[party.endpoint]

    def detach_softphone(self, agent_id: str, session_id: str | None = None) -> None:
        """The softphone's session ended (or `session_id`'s, if it is still the
        agent's): the agent stays on its calls, without audio until it reconnects."""
        party = self.softphones.get(agent_id)
        if party is None:
            return
        if session_id is not None and party.endpoint != f"{agent_id}/webrtc-{session_id}":
            return  # an older session, already replaced
        del self.softphones[agent_id]
        for media in self.calls.values():
            if media.agents.get(agent_id) is party:
                del media.agents[agent_id]
        self._close(party)
        self.rewire(agents=[agent_id])

    async def _ring_phone(
        self, call_id: str, agent_id: str, offer_id: str | None, *, auto: bool
    ) -> Party | None:
        """Call the agent's phone for `call_id`: it becomes the agent's line."""
        phone = self._phone(agent_id)
        call = self._cc().calls.get(call_id)
        if phone is None or call is None or call.ended or not self.accepting:
            return None
        self._drop_line(agent_id)
        self._serial += 1
        line = await self._open(f"{agent_id}/line{self._serial}")
        line.offer_id = offer_id
        line.auto = auto
        uri, peer = phone
        leg, outputs = self.ua.invite(
            uri,
            peer,
            self._local(line),
            self._now(),
            caller=_sip_user(call.caller),
            display_name=call.caller_name or call.caller,
            extra_headers=AUTO_ANSWER if auto else (),
        )
        line.leg = leg
        self.lines[agent_id] = line
        self._line_legs[leg.id] = agent_id
        self._call_media(call_id).agents[agent_id] = line
        self.sip.run(outputs)
        return line

    async def pick_up(self, agent_id: str, offer_id: str) -> bool:
        """The agent accepts from the Banner the offer its phone rings for: ring the
        phone again with the auto-answer hint, the offer still pending until it
        answers. False when no phone rings for that offer (the core decides)."""
        line = self.lines.get(agent_id)
        if line is None or line.answered or line.offer_id != offer_id or line.auto:
            return False
        offer = self._cc().offers.get(offer_id)
        if offer is None:
            return False
        return await self._ring_phone(offer.call_id, agent_id, offer_id, auto=True) is not None

    def _drop_line(self, agent_id: str) -> None:
        line = self.lines.pop(agent_id, None)
        if line is None:
            return
        for media in self.calls.values():
            if media.agents.get(agent_id) is line:
                del media.agents[agent_id]
        if line.leg is not None:
            self._line_legs.pop(line.leg.id, None)
        self._hang_up(line)
        self._close(line)

    def _leave(self, call_id: str, agent_id: str) -> None:
        """The agent is off the call: its line goes when no other call holds it."""
        media = self.calls.get(call_id)
        line = media.agents.pop(agent_id, None) if media is not None else None
        if line is None:
            return
        agent = self._cc().agents.get(agent_id)
        others = [c for c in agent.call_ids if c in self.calls] if agent is not None else []
        if not others and line is not self.softphones.get(agent_id):
            self._drop_line(agent_id)  # a softphone's line stays up for the next call
        for other in others:  # the line stays the agent's on its other calls
            self.calls[other].agents[agent_id] = line

    # -- effects → legs and media ---------------------------------------------------------

    async def execute(self, effect: fx.Effect) -> list[cmd.Command]:
        if isinstance(effect, fx.PresentOffer):
            if effect.agent_id not in self.lines:  # else the Banner's popup is the offer
                await self._ring_phone(
                    effect.call_id, effect.agent_id, effect.offer_id, auto=effect.auto_answer
                )
            return []
        if isinstance(effect, fx.WithdrawOffer):
            line = self.lines.get(effect.agent_id)
            if effect.reason != "accepted" and line and line.offer_id == effect.offer_id:
                self._drop_line(effect.agent_id)
            return []
        if isinstance(effect, fx.ConnectAgent):
            await self._connect_agent(effect.call_id, effect.agent_id)
            return []
        if isinstance(effect, fx.DisconnectAgent):
            self._leave(effect.call_id, effect.agent_id)
            self.rewire(calls=[effect.call_id], agents=[effect.agent_id])
            return []
        if isinstance(effect, fx.PlayWaitingMusic):
            self.answer_remote(effect.call_id)
            self.rewire(calls=[effect.call_id])
            return []
        if isinstance(effect, fx.ResumeCall):
            await self._recall_lines(effect.call_id)
            self.rewire(calls=[effect.call_id])
            return []
        if isinstance(effect, (fx.HoldCall, fx.MuteAgent)):
            self.rewire(calls=[effect.call_id])
            return []
        if isinstance(effect, fx.SendDtmf):
            return self._send_dtmf(effect)
        if isinstance(effect, fx.StartRecording):
            self._start_recording(effect.call_id, effect.recording_id)
            return []
        if isinstance(effect, fx.StopRecording):
            self._stop_recording(effect.call_id)
            return []
        if isinstance(effect, fx.DialNumber):
            return await self._dial(effect)
        if isinstance(effect, fx.HangupRemote):
            self._hangup_remote(effect.call_id, effect.reason)
            return []
        if isinstance(effect, fx.BridgeRemotes):
            self._join_remotes(effect.call_id, effect.other_call_id)
            return []
        if isinstance(effect, fx.JoinConference):
            self.rewire(calls=list(effect.call_ids))
            return []
        if isinstance(effect, fx.CallChanged):
            if effect.state == CallState.ENDED.value:
                self._release(effect.call_id)
            else:
                self.rewire(calls=[effect.call_id])
            return []
        return []

    async def _connect_agent(self, call_id: str, agent_id: str) -> None:
        self.answer_remote(call_id)
        softphone = self.softphones.get(agent_id)
        line = self.lines.get(agent_id)
        if softphone is not None:
            self._call_media(call_id).agents[agent_id] = softphone
        elif line is not None and (line.answered or line.auto):
            # Up, or about to pick up by itself (an auto-answer profile's offer is
            # accepted as soon as it is presented).
            line.offer_id = None
            self._call_media(call_id).agents[agent_id] = line
        else:
            # Accepted from the Banner while the phone rings, or a call the agent
            # places: the phone is called to pick up by itself.
            await self._ring_phone(call_id, agent_id, None, auto=True)
        self.rewire(calls=[call_id], agents=[agent_id])

    async def _recall_lines(self, call_id: str) -> None:
        """A call comes off hold: an agent whose phone hung up meanwhile is called."""
        call = self._cc().calls.get(call_id)
        if call is None:
            return
        for agent_id in call.agents:
            line = self.softphones.get(agent_id) or self.lines.get(agent_id)
            if line is None:
                await self._ring_phone(call_id, agent_id, None, auto=True)
            else:
                self._call_media(call_id).agents[agent_id] = line

    def answer_remote(self, call_id: str) -> None:
        media = self.calls.get(call_id)
        party = media.remote if media else None
        if party is None or party.leg is None or not party.leg.incoming:
            return
        leg = party.leg
        if leg.state in (LegState.OFFERED, LegState.EARLY):
            self.sip.run(self.ua.answer(leg, self._local(party), self._now()))
            # A 488 (no codec in common) ends the leg instead of answering it.
            party.answered = leg.negotiated is not None and leg.id in self.ua.legs
            self._connect(party, leg.negotiated)

    def _hangup_remote(self, call_id: str, reason: str) -> None:
        media = self.calls.get(call_id)
        party = media.remote if media else None
        if party is None or party.leg is None or call_id in self._farewell:
            return
        leg = party.leg
        if leg.incoming and leg.state in (LegState.OFFERED, LegState.EARLY):
            status = 404 if reason == "rejected" else 480
            self.sip.run(self.ua.reject(leg, status, self._now()))
        else:
            self.sip.run(self.ua.hangup(leg, self._now()))

    async def _dial(self, effect: fx.DialNumber) -> list[cmd.Command]:
        trunk = self.trunk
        if trunk is None:
            return [cmd.RemoteFailed(effect.call_id, FailureReason.UNREACHABLE)]
        media = self._call_media(effect.call_id)
        if any(not line.answered for line in media.agents.values()):
            media.pending_dial = effect  # dialled when the agent's phone answers
            return []
        call = self._cc().calls.get(effect.call_id)
        if call is None or call.ended:
            return []
        endpoint = f"{effect.call_id}/remote"
        if endpoint in self._ports:  # the caller of a queued callback, hearing goodbye
            self._serial += 1
            endpoint = f"{effect.call_id}/remote.{self._serial}"
        party = await self._open(endpoint)
        media.remote = party
        domain = trunk.domain or trunk.host
        credentials = None
        if trunk.username and self.trunk_password:
            credentials = (trunk.username, self.trunk_password)
        caller = effect.caller_id or trunk.username or "switchboard"
        leg, outputs = self.ua.invite(
            parse_uri(f"sip:{effect.number}@{domain}"),
            Peer(trunk.host, trunk.port, trunk.transport.value),
            self._local(party),
            self._now(),
            caller=_sip_user(caller),
            credentials=credentials,
        )
        party.leg = leg
        self._remote_legs[leg.id] = effect.call_id
        self.sip.run(outputs)
        return []

    def _join_remotes(self, call_id: str, other_call_id: str) -> None:
        """An external transfer completed: the customer and the destination talk
        through us, with no core call left; either hanging up ends both legs."""
        first, second = self.calls.get(call_id), self.calls.get(other_call_id)
        a = first.remote if first is not None else None
        b = second.remote if second is not None else None
        if first is None or second is None or a is None or b is None or a.leg is None:
            return
        if b.leg is None:
            return
        first.remote = second.remote = None
        for party in (a, b):
            assert party.leg is not None
            self._remote_legs.pop(party.leg.id, None)
            self.junctions[party.leg.id] = (a, b)
            self._applied[party.endpoint] = ("junction",)
        try:
            self.media.bridge(a.endpoint, b.endpoint)
        except MediaError as error:
            log.warning("transfer of call %s: %s", call_id, error)

    def _send_dtmf(self, effect: fx.SendDtmf) -> list[cmd.Command]:
        media = self.calls.get(effect.call_id)
        party = media.remote if media else None
        if party is None or not party.answered:
            return []
        try:
            self.media.send_dtmf(party.endpoint, effect.digits)
        except MediaError as error:
            log.warning("DTMF not sent on call %s: %s", effect.call_id, error)
        return []

    def _start_recording(self, call_id: str, recording_id: str) -> None:
        media = self.calls.get(call_id)
        if media is None or media.recording is not None:
            return
        # Started on every party the call has; `rewire` narrows it at once to those
        # talking on it (a line may still ring, or be on the agent's other call).
        endpoints = tuple(p.endpoint for p in [media.remote, *media.agents.values()] if p)
        if not endpoints:
            log.error("recording %s of call %s: the call has no leg", recording_id, call_id)
            return
        path = self.recordings / f"{recording_id}.wav"
        try:
            self.media.start_recording(recording_id, endpoints, path)
        except MediaError as error:
            log.error("recording %s of call %s failed to start: %s", recording_id, call_id, error)
            return
        media.recording = (recording_id, path)
        media.recorded = endpoints
        self.rewire(calls=[call_id])

    def _stop_recording(self, call_id: str) -> None:
        media = self.calls.get(call_id)
        if media is None or media.recording is None:
            return
        recording_id, path = media.recording
        media.recording = None
        try:
            self.media.stop_recording(recording_id)
        except MediaError as error:
            log.error("recording %s of call %s: %s", recording_id, call_id, error)
            return
        if self.on_recording is not None:
            self.on_recording(call_id, recording_id, path)

    def _release(self, call_id: str) -> None:
        """The call ended in the core: stop its recording, close its remote leg, and
        the lines of agents with no call left."""
        self._stop_recording(call_id)
        media = self.calls.get(call_id)
        if media is None:
            return
        agents = list(media.agents)
        for agent_id in agents:
            self._leave(call_id, agent_id)
        del self.calls[call_id]
        farewell = self._farewell.pop(call_id, None)
        remote = media.remote
        if remote is not None:
            self.prompts.pop(remote.endpoint, None)
        if remote is not None:
            # Said before hanging up ("We are closed. Goodbye.").
            self.farewells[remote.endpoint] = remote
            self.goodbye(remote.endpoint, farewell)
        self.rewire(agents=agents)

    def release_remote(self, call_id: str) -> str | None:
        """The remote party leaves while the call goes on (a queued callback): its leg
        is no longer the call's, so a new one may be dialled at once, and it hears
        what it heard until `goodbye`. Returns its endpoint."""
        media = self.calls.get(call_id)
        party = media.remote if media is not None else None
        if media is None or party is None:
            return None
        media.remote = None
        self.prompts.pop(party.endpoint, None)
        if party.leg is not None:
            self._remote_legs.pop(party.leg.id, None)
        self.farewells[party.endpoint] = party
        return party.endpoint

    def goodbye(self, endpoint: str, wav: Path | None) -> None:
        """A party of `farewells` hears `wav`, then is hung up (`prompt_ended`); at
        once when there is nothing to say or nobody to say it to."""
        party = self.farewells.get(endpoint)
        if party is None:
            return
        if wav is None or not party.answered or party.leg is None:
            del self.farewells[endpoint]
            self._hang_up(party)
            self._close(party)
            return
        self.media.unbridge(endpoint)
        self.media.play(endpoint, wav, loop=False)

    # -- prompts: what Smart Routing, queues and mailboxes say to a caller --------------

    def say(self, call_id: str, wav: Path) -> str | None:
        """Play `wav` once to the call's remote party (answering it first) instead of
        what it hears now; returns its endpoint, whose `prompt_ended` follows."""
        self.answer_remote(call_id)
        media = self.calls.get(call_id)
        if media is None or media.remote is None or not media.remote.answered:
            return None
        self._said += 1
        self.prompts[media.remote.endpoint] = (wav, self._said)
        self.rewire(calls=[call_id])
        return media.remote.endpoint

    def hush(self, call_id: str) -> None:
        """Stop the prompt the caller hears; it hears what the core's state gives."""
        media = self.calls.get(call_id)
        remote = media.remote if media is not None else None
        if remote is not None and self.prompts.pop(remote.endpoint, None) is not None:
            self.rewire(calls=[call_id])

    def farewell(self, call_id: str, wav: Path) -> None:
        """Say `wav` to the remote party when the call ends, then hang up."""
        self.answer_remote(call_id)
        self._farewell[call_id] = wav

    def prompt_ended(self, endpoint: str) -> bool:
        """A one-shot player on `endpoint` finished. True when it was a prompt of
        `say` (now over); a farewell hangs up its leg here."""
        party = self.farewells.pop(endpoint, None)
        if party is not None:
            self._hang_up(party)
            self._close(party)
            return False
        if endpoint not in self.prompts:
            return False
        del self.prompts[endpoint]
        call_id = endpoint.partition("/")[0]
        self.rewire(calls=[call_id])
        return True

    def remote_endpoint(self, call_id: str) -> str | None:
        media = self.calls.get(call_id)
        return media.remote.endpoint if media is not None and media.remote is not None else None

    # -- the media wiring ------------------------------------------------------------------

    def rewire(self, *, calls: Iterable[str] = (), agents: Iterable[str] = ()) -> None:
        """Make the media of these calls and agents, and of every call they reach,
        match the core's view."""
        component = self._component(calls, agents)
        desired, voices = self._desired(component)
        for call in component:
            media = self.calls.get(call.id)
            if media is None:
                continue
            for party in [media.remote, *media.agents.values()]:
                if party is not None and party.endpoint not in desired:
                    desired[party.endpoint] = _IDLE
        for agent_id in agents:
            line = self.lines.get(agent_id)
            if line is not None and line.endpoint not in desired:
                desired[line.endpoint] = _IDLE
        try:
            self._apply(desired)
            self._record_voices(voices)
        except MediaError as error:
            log.warning("media of calls %s: %s", [c.id for c in component], error)

    def _record_voices(self, voices: dict[str, tuple[str, ...]]) -> None:
        """A recording takes the voices of whoever talks on its call now: an agent
        whose line moved to a consultation leaves it, the colleague who takes the
        call over joins it."""
        for call_id, endpoints in voices.items():
            media = self.calls[call_id]
            if media.recording is not None and media.recorded != endpoints:
                self.media.record_from(media.recording[0], endpoints)
                media.recorded = endpoints

    def _component(self, call_ids: Iterable[str], agent_ids: Iterable[str]) -> list[Call]:
        cc = self._cc()
        todo = list(call_ids)
        for agent_id in agent_ids:
            agent = cc.agents.get(agent_id)
            todo += agent.call_ids if agent is not None else []
        seen: dict[str, Call] = {}
        while todo:
            call = cc.calls.get(todo.pop())
            if call is None or call.id in seen or call.ended:
                continue
            seen[call.id] = call
            for agent_id in call.agents:
                todo += cc.agents[agent_id].call_ids
            if call.conference_id is not None:
                todo += cc.conferences.get(call.conference_id, ())
        return list(seen.values())

    def _active_unit(self, agent_id: str) -> str | None:
        """The call (or conference) an agent talks on: its call not on hold, else a
        call someone else holds (the agent hears that call's music)."""
        cc = self._cc()
        calls = [cc.calls.get(c) for c in cc.agents[agent_id].call_ids]
        live = [c for c in calls if c is not None and not c.ended]
        for call in sorted(live, key=lambda c: c.state is CallState.HELD):
            if not _held_by(call, agent_id):
                return call.conference_id or call.id
        return None

    def _desired(self, calls: list[Call]) -> tuple[dict[str, Wiring], dict[str, tuple[str, ...]]]:
        """What each endpoint of these calls should be given, and whose voices each
        call's recording should take (the parties talking on it)."""
        units: dict[str, list[Call]] = {}
        for call in calls:
            if call.id in self.calls:
                units.setdefault(call.conference_id or call.id, []).append(call)
        desired: dict[str, Wiring] = {}
        voices: dict[str, tuple[str, ...]] = {}
        for unit, members in units.items():
            remotes: list[str] = []
            lines: dict[str, bool] = {}
            """Line endpoint → muted (on any call of the unit: a conference has one
            microphone per agent, whichever call the mute was asked on)."""
            for call in members:
                media = self.calls[call.id]
                if media.remote is not None and media.remote.answered:
                    remotes.append(media.remote.endpoint)
                for agent_id, line in media.agents.items():
                    if not line.answered or agent_id not in call.agents:
                        continue
                    if self._active_unit(agent_id) == unit:
                        muted = lines.get(line.endpoint, False) or call.agents[agent_id].muted
                        lines[line.endpoint] = muted
            for endpoint, muted in lines.items():
                self._set_flow(endpoint, Flow.SEND_ONLY if muted else Flow.BOTH)
            endpoints = tuple(remotes + list(lines))
            for call in members:
                voices[call.id] = endpoints
            if len(members) == 1 and members[0].state is CallState.HELD:
                # Everyone but the agent who held the call hears music; that agent's
                # line is on its other call, or silent.
                music = self._queue_music(members[0])
                for endpoint in endpoints:
                    desired[endpoint] = ("play", music) if music is not None else _IDLE
                continue
            if len(endpoints) >= 2:
                kind = "bridge" if len(endpoints) == 2 else "mix"
                for endpoint in endpoints:
                    desired[endpoint] = ("group", kind, endpoints, unit)
            elif len(endpoints) == 1:
                alone = endpoints[0]
                desired[alone] = self._alone(members[0], is_remote=bool(remotes))
        for endpoint, wiring in desired.items():
            prompt = self.prompts.get(endpoint)
            if prompt is None:
                continue
            if wiring[0] == "group":
                # Talking to someone now: the prompt is over, not to be resumed later
                # (a bridge stops its player without a play-end).
                del self.prompts[endpoint]
            else:
                desired[endpoint] = ("prompt", *prompt)
        return desired, voices

    def _alone(self, call: Call, *, is_remote: bool) -> Wiring:
        if is_remote and call.forward_to is not None:
            return ("ringback",)  # its flow forwards it to a number that rings
        if is_remote and call.state in _WAITING:  # HELD: see `_desired`
            music = self._queue_music(call)
            return ("play", music) if music is not None else _IDLE
        if not is_remote and call.state in _RINGING:
            return ("ringback",)
        return _IDLE

    def _set_flow(self, endpoint: str, flow: Flow) -> None:
        if self._flows.get(endpoint, Flow.BOTH) is not flow:
            self.media.set_flow(endpoint, flow)
            self._flows[endpoint] = flow

    def _apply(self, desired: dict[str, Wiring]) -> None:
        """Apply what changed: first free what leaves a group, then form the groups,
        then start the players (a player on a bridged endpoint would not silence its
        bridge)."""
        changed = {e: w for e, w in desired.items() if self._applied.get(e, _IDLE) != w}
        for endpoint, wiring in changed.items():
            if wiring[0] != "group":
                self.media.unbridge(endpoint)
                self.media.stop_playing(endpoint)
        formed: set[tuple[object, ...]] = set()
        for wiring in changed.values():
            if wiring[0] == "group" and wiring not in formed:
                formed.add(wiring)
                _, kind, endpoints, unit = wiring
                assert isinstance(endpoints, tuple)
                if kind == "bridge":
                    self.media.bridge(endpoints[0], endpoints[1])
                else:
                    self.media.conference(str(unit), endpoints)
        for endpoint, wiring in changed.items():
            if wiring[0] == "play":
                music = wiring[1]
                assert isinstance(music, Path)
                self.media.play(endpoint, music, loop=True)
            elif wiring[0] == "prompt":
                prompt = wiring[1]
                assert isinstance(prompt, Path)
                self.media.play(endpoint, prompt, loop=False)
            elif wiring[0] == "ringback":
                self.media.ringback(endpoint)
        self._applied.update(changed)

    def wiring(self, endpoint: str) -> Wiring:
        """What the endpoint hears now (for the call server's observers and tests)."""
        return self._applied.get(endpoint, _IDLE)

    def _queue_music(self, call: Call) -> Path | None:
        if call.queue_id is not None:
            queue = self._cc().queues[call.queue_id].config
            if queue.hold_music is not None:
                return self.music.get(queue.hold_music)
        return next(iter(self.music.values()), None)


def _held_by(call: Call, agent_id: str) -> bool:
    """The call is on hold for this agent: the agent put it on hold (the others on
    the call hear music, and the holder's line is free for another call)."""
    return call.state is CallState.HELD and call.held_by in (agent_id, None)


def _sip_user(number: str) -> str:
    """A number as the user part of our From URI (digits and + only)."""
    cleaned = "".join(ch for ch in number if ch.isdigit() or ch == "+")
    return cleaned or "anonymous"
