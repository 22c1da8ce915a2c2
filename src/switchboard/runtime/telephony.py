"""Where the contact center meets SIP and RTP: core effects become legs and media, and
what the legs do becomes core commands.

Theory of operation
-------------------
Every core call has at most one *remote party* (the customer's leg: a call that came
in, or a number dialled through the trunk) and *agent parties*, one per agent on or
rung for the call: a leg to the agent's registered SIP phone. Each party owns one
media endpoint. Agents' phones are always called by Switchboard (a B2BUA, never a
proxy), so the customer never learns where the agent sits.

    effect                       what happens
    PresentOffer                 INVITE the agent's phone (auto-answer hint when asked)
    WithdrawOffer (not accepted) CANCEL that INVITE
    ConnectAgent                 the phone answered already: nothing to do; still
                                 ringing after an API accept: ring it again with
                                 auto-answer; not rung (outbound call, consultation):
                                 INVITE with auto-answer
    DisconnectAgent              BYE (or CANCEL) the phone's leg
    PlayWaitingMusic             answer the customer, play the queue's music
    DialNumber                   INVITE the number through the trunk (digest auth)
    HangupRemote                 BYE, CANCEL or refuse the customer's leg
    Hold/Resume/Mute/Conference  rewire the media (below)
    SendDtmf                     RFC 4733 events towards the customer
    Start/StopRecording          record every party of the call into one WAV

    leg event                    command
    INVITE to a number/extension InboundCall (caller ID checked, see `_incoming`)
    phone answers an offer       Accept        phone says 486/600/603  Decline
    remote rings/answers/fails   RemoteRinging / RemoteAnswered / RemoteFailed
    remote hangs up              RemoteHungUp  agent's phone hangs up  Hangup

Media follows state, not effects: after anything that may change who hears whom,
`rewire(call)` computes the wiring from the core's view of the call — held: the
customer hears music and the agents nothing; in a conference (or three parties):
a mix; two answered parties: a bridge; a customer alone: the queue's music while it
waits. Deriving the wiring each time, instead of patching it per effect, keeps
transfers, merges and recalls from leaving a stale bridge behind.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
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
    """One leg of a call and its media endpoint."""

    endpoint: str
    leg: Leg | None = None
    answered: bool = False
    offer_id: str | None = None
    """The offer this agent's phone rings for (None once accepted, or for a call the
    agent placed)."""


@dataclass(slots=True)
class CallMedia:
    remote: Party | None = None
    agents: dict[str, Party] = field(default_factory=dict)
    recording: tuple[str, Path] | None = None
    wiring: tuple[object, ...] | None = None
    """The wiring last applied (see `_plan`): applied again only when it changes, so
    hold music does not restart at every state change."""
    joined_with: str | None = None
    """A call whose remote party ours is bridged to (a completed external transfer)."""


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
        self._owner: dict[str, tuple[str, str | None]] = {}
        """SIP leg id → (call id, agent id or None for the remote party)."""
        self._extensions = {a.extension: a for a in tenant.agents}
        self._ports: dict[str, int] = {}
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
        return sdp.LocalMedia(self.ua.host, self._port_of(party))

    def _port_of(self, party: Party) -> int:
        port = self._ports.get(party.endpoint)
        assert port is not None
        return port

    async def _open(self, call_id: str, agent_id: str | None) -> Party:
        endpoint = f"{call_id}/{agent_id or 'remote'}"
        self._ports[endpoint] = await self.media.open(endpoint)
        return Party(endpoint)

    def _close(self, party: Party) -> None:
        self.media.close(party.endpoint)
        self._ports.pop(party.endpoint, None)
        if party.leg is not None:
            self._owner.pop(party.leg.id, None)

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

    def _phone(self, agent_id: str) -> tuple[SipURI, Peer] | None:
        """Where the agent's SIP phone is registered, if it is."""
        config = self._cc().agents[agent_id].config
        if config.device is not Device.SIP_PHONE:
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
        if not isinstance(leg, Leg) or leg.id not in self._owner:
            return []
        call_id, agent_id = self._owner[leg.id]
        media = self.calls.get(call_id)
        if media is None:
            return []
        if agent_id is None:
            return self._remote_event(call_id, media, event)
        return self._agent_event(call_id, agent_id, media, event)

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
        party = await self._open(call_id, None)
        party.leg = leg
        if leg.state is LegState.ENDED:  # the caller gave up while the port opened
            self._close(party)
            return []
        leg.media = self._local(party)
        self._call_media(call_id).remote = party
        self._owner[leg.id] = (call_id, None)
        self.sip.run(self.ua.ring(leg, self._now()))
        return [cmd.InboundCall(call_id, caller, callee, caller_name=name)]

    def silence(self, endpoint: str) -> list[cmd.Command]:
        """No RTP from a party for the inactivity timeout: its phone is gone."""
        call_id, _, who = endpoint.partition("/")
        media = self.calls.get(call_id)
        if media is None:
            return []
        party = media.remote if who == "remote" else media.agents.get(who)
        if party is not None:
            log.info("call %s: no audio from %s any more; hanging up its leg", call_id, who)
            self._hang_up(party)
        return []

    def hang_up_everything(self) -> None:
        """Shutdown: BYE or CANCEL every leg; the legs' ends reach the core as usual."""
        for media in list(self.calls.values()):
            for party in [media.remote, *media.agents.values()]:
                if party is not None:
                    self._hang_up(party)

    def _from_phone_of(self, extension: str, peer: Peer) -> bool:
        for binding in self.registrar.lookup(extension, self._now()):
            if binding.source == (peer.host, peer.port):
                return True
        return False

    def _remote_event(self, call_id: str, media: CallMedia, event: Event) -> list[cmd.Command]:
        party = media.remote
        assert party is not None
        if isinstance(event, LegRinging):
            return [cmd.RemoteRinging(call_id)]
        if isinstance(event, LegAnswered):
            first = not party.answered
            party.answered = True
            self._connect(party, event.media)
            if first and not event.leg.incoming:
                return [cmd.RemoteAnswered(call_id)]
            self.rewire(call_id)
            return []
        if isinstance(event, LegMediaChanged):
            self._connect(party, event.media)
            return []
        if isinstance(event, LegFailed):
            reason = _FAILURES.get(event.status, FailureReason.UNREACHABLE)
            return [cmd.RemoteFailed(call_id, reason)]
        if isinstance(event, LegEnded):
            party.leg = None
            return [cmd.RemoteHungUp(call_id)]
        # LegDtmf (INFO digits from the customer) is for Smart Routing to read.
        return []

    def _agent_event(
        self, call_id: str, agent_id: str, media: CallMedia, event: Event
    ) -> list[cmd.Command]:
        party = media.agents.get(agent_id)
        if party is None:
            return []
        if isinstance(event, LegAnswered):
            party.answered = True
            self._connect(party, event.media)
            offer_id, party.offer_id = party.offer_id, None
            if offer_id is not None:
                return [cmd.Accept(agent_id, offer_id)]
            self.rewire(call_id)
            return []
        if isinstance(event, LegMediaChanged):
            self._connect(party, event.media)
            return []
        if isinstance(event, LegFailed):
            offer_id = party.offer_id
            self._forget_agent(call_id, agent_id)
            if offer_id is not None and event.status in _BUSY:
                return [cmd.Decline(agent_id, offer_id, busy=_BUSY[event.status])]
            return []
        if isinstance(event, LegEnded):
            party.leg = None
            self._forget_agent(call_id, agent_id)
            call = self._cc().calls.get(call_id)
            if call is not None and agent_id in call.agents and not call.ended:
                return [cmd.Hangup(agent_id, call_id)]
            return []
        return []

    def _forget_agent(self, call_id: str, agent_id: str) -> None:
        media = self.calls.get(call_id)
        if media is None:
            return
        party = media.agents.pop(agent_id, None)
        if party is not None:
            self._hang_up(party)
            self._close(party)

    def _hang_up(self, party: Party) -> None:
        """BYE, CANCEL or refuse the party's leg, whichever its state needs."""
        if party.leg is not None and party.leg.state is not LegState.ENDED:
            self.sip.run(self.ua.hangup(party.leg, self._now()))

    def command_refused(self, command: cmd.Command, error: CommandRejected) -> None:
        """A command a leg event led to was refused (the offer expired as the phone
        answered, say): hang up what the command stood for."""
        if isinstance(command, cmd.Accept):
            for call_id, media in list(self.calls.items()):
                call = self._cc().calls.get(call_id)
                if command.agent_id in media.agents and (
                    call is None or command.agent_id not in call.agents
                ):
                    self._forget_agent(call_id, command.agent_id)

    # -- effects → legs and media ---------------------------------------------------------

    async def execute(self, effect: fx.Effect) -> list[cmd.Command]:
        if isinstance(effect, fx.PresentOffer):
            return await self._present(effect)
        if isinstance(effect, fx.WithdrawOffer):
            if effect.reason != "accepted":
                media = self.calls.get(effect.call_id)
                party = media.agents.get(effect.agent_id) if media else None
                if party is not None and party.offer_id == effect.offer_id:
                    self._forget_agent(effect.call_id, effect.agent_id)
            return []
        if isinstance(effect, fx.ConnectAgent):
            return await self._connect_agent(effect.call_id, effect.agent_id)
        if isinstance(effect, fx.DisconnectAgent):
            self._forget_agent(effect.call_id, effect.agent_id)
            self.rewire(effect.call_id)
            return []
        if isinstance(effect, fx.PlayWaitingMusic):
            self._answer_remote(effect.call_id)
            self.rewire(effect.call_id)
            return []
        if isinstance(effect, (fx.HoldCall, fx.ResumeCall, fx.MuteAgent)):
            self.rewire(effect.call_id)
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
            self._call_media(effect.call_id).joined_with = effect.other_call_id
            self._call_media(effect.other_call_id).joined_with = effect.call_id
            self.rewire(effect.call_id)
            return []
        if isinstance(effect, fx.JoinConference):
            for call_id in effect.call_ids:
                self.rewire(call_id)
            return []
        if isinstance(effect, fx.CallChanged):
            if effect.state == CallState.ENDED.value:
                self._release(effect.call_id)
            else:
                self.rewire(effect.call_id)
            return []
        return []

    async def _present(self, offer: fx.PresentOffer) -> list[cmd.Command]:
        phone = self._phone(offer.agent_id)
        if phone is None:
            return []  # a Banner agent: the popup is the whole offer
        return await self._ring_phone(
            offer.call_id, offer.agent_id, phone, offer.offer_id, auto=offer.auto_answer
        )

    async def _ring_phone(
        self,
        call_id: str,
        agent_id: str,
        phone: tuple[SipURI, Peer],
        offer_id: str | None,
        *,
        auto: bool,
    ) -> list[cmd.Command]:
        call = self._cc().calls.get(call_id)
        if call is None or call.ended:
            return []
        media = self._call_media(call_id)
        old = media.agents.get(agent_id)
        if old is not None:
            self._forget_agent(call_id, agent_id)
        party = await self._open(call_id, agent_id)
        party.offer_id = offer_id
        uri, peer = phone
        leg, outputs = self.ua.invite(
            uri,
            peer,
            self._local(party),
            self._now(),
            caller=_sip_user(call.caller),
            display_name=call.caller_name or call.caller,
            extra_headers=AUTO_ANSWER if auto else (),
        )
        party.leg = leg
        media.agents[agent_id] = party
        self._owner[leg.id] = (call_id, agent_id)
        self.sip.run(outputs)
        return []

    async def _connect_agent(self, call_id: str, agent_id: str) -> list[cmd.Command]:
        self._answer_remote(call_id)
        media = self._call_media(call_id)
        party = media.agents.get(agent_id)
        if party is not None and party.answered:
            party.offer_id = None
            self.rewire(call_id)
            return []
        phone = self._phone(agent_id)
        if phone is not None:
            # Accepted from the Banner while the phone rings, or a call the agent
            # places: the phone is called to pick up by itself.
            await self._ring_phone(call_id, agent_id, phone, None, auto=True)
        self.rewire(call_id)
        return []

    def _answer_remote(self, call_id: str) -> None:
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
        if party is None or party.leg is None:
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
        party = await self._open(effect.call_id, None)
        media = self._call_media(effect.call_id)
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
        self._owner[leg.id] = (effect.call_id, None)
        self.sip.run(outputs)
        return []

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
        endpoints = self._parties_heard(media)
        if not endpoints:
            return
        path = self.recordings / f"{recording_id}.wav"
        try:
            self.media.start_recording(recording_id, tuple(endpoints), path)
        except MediaError as error:
            log.error("recording %s of call %s failed to start: %s", recording_id, call_id, error)
            return
        media.recording = (recording_id, path)

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
        """The call ended in the core: stop its recording, close every leg and port."""
        self._stop_recording(call_id)
        media = self.calls.pop(call_id, None)
        if media is None:
            return
        for party in [*media.agents.values(), media.remote]:
            if party is not None:
                self._hang_up(party)
                self._close(party)
        media.agents.clear()
        if media.joined_with is not None and media.joined_with in self.calls:
            self.calls[media.joined_with].joined_with = None

    # -- the media wiring ------------------------------------------------------------------

    def _parties_heard(self, media: CallMedia) -> list[str]:
        endpoints = []
        if media.remote is not None and media.remote.answered:
            endpoints.append(media.remote.endpoint)
        endpoints += [p.endpoint for p in media.agents.values() if p.answered]
        return endpoints

    def rewire(self, call_id: str) -> None:
        """Make the media of `call_id` match the core's view of the call."""
        call = self._cc().calls.get(call_id)
        media = self.calls.get(call_id)
        if call is None or media is None or call.ended:
            return
        try:
            self._rewire(call, media)
        except MediaError as error:
            log.warning("media of call %s: %s", call_id, error)

    def _rewire(self, call: Call, media: CallMedia) -> None:
        agents = {a: p for a, p in media.agents.items() if p.answered and a in call.agents}
        for agent_id, party in agents.items():
            muted = call.agents[agent_id].muted
            self.media.set_flow(party.endpoint, Flow.SEND_ONLY if muted else Flow.BOTH)
        plan = self._plan(call, media, list(agents.values()))
        if plan == media.wiring:
            return
        media.wiring = plan
        kind, remote = plan[0], plan[1]
        for party in agents.values():
            if kind in ("held", "alone"):
                self.media.unbridge(party.endpoint)
        if kind == "held" or kind == "alone":
            assert isinstance(remote, str)
            self.media.unbridge(remote)
            music = plan[2]
            if music == "ringback":
                self.media.ringback(remote)
            elif isinstance(music, Path):
                self.media.play(remote, music, loop=True)
            else:
                self.media.stop_playing(remote)
            return
        if isinstance(remote, str):
            self.media.stop_playing(remote)
        endpoints = plan[2]
        assert isinstance(endpoints, tuple)
        if kind == "bridge":
            self.media.bridge(endpoints[0], endpoints[1])
        elif kind == "mix":
            self.media.conference(str(plan[3]), endpoints)

    def _plan(self, call: Call, media: CallMedia, agents: list[Party]) -> tuple[object, ...]:
        """Who hears whom: ("held"|"alone", remote, music) or ("bridge"|"mix", remote,
        endpoints, mix id) or ("none", None)."""
        remote = media.remote if media.remote is not None and media.remote.answered else None
        remote_id = remote.endpoint if remote is not None else None
        if call.state is CallState.HELD and remote_id is not None:
            return ("held", remote_id, self._queue_music(call))
        if call.conference_id is not None:
            endpoints = tuple(self._conference_endpoints(call.conference_id))
            if len(endpoints) >= 2:
                return ("mix", remote_id, endpoints, call.conference_id)
        if media.joined_with is not None and remote_id is not None:
            other = self.calls.get(media.joined_with)
            if other is not None and other.remote is not None and other.remote.answered:
                return ("bridge", remote_id, (remote_id, other.remote.endpoint))
        parties = ([remote_id] if remote_id is not None else []) + [p.endpoint for p in agents]
        if len(parties) == 2:
            return ("bridge", remote_id, tuple(parties))
        if len(parties) > 2:
            return ("mix", remote_id, tuple(parties), call.id)
        if remote_id is None:
            return ("none", None)
        music: Path | str | None = None
        if call.state in (CallState.QUEUED, CallState.OFFERED, CallState.TRANSFERRING):
            music = self._queue_music(call)
        elif call.state is CallState.DIALING:
            music = "ringback"
        return ("alone", remote_id, music)

    def _conference_endpoints(self, conference_id: str) -> list[str]:
        endpoints: list[str] = []
        for call in self._cc().calls.values():
            if call.conference_id == conference_id and not call.ended:
                media = self.calls.get(call.id)
                if media is not None:
                    endpoints += [e for e in self._parties_heard(media) if e not in endpoints]
        return endpoints

    def _queue_music(self, call: Call) -> Path | None:
        if call.queue_id is not None:
            queue = self._cc().queues[call.queue_id].config
            if queue.hold_music is not None:
                return self.music.get(queue.hold_music)
        return next(iter(self.music.values()), None)


def _sip_user(number: str) -> str:
    """A number as the user part of our From URI (digits and + only)."""
    cleaned = "".join(ch for ch in number if ch.isdigit() or ch == "+")
    return cleaned or "anonymous"
