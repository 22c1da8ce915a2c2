"""The call server: the single writer that wires the core, SIP and media, the store and
the agents' event streams together.

Theory of operation
-------------------
Everything that changes state goes through one inbox, consumed by one task:

    API command ─┐                      ┌─▶ telephony (SIP legs, media wiring)
    SIP event ───┼─▶ inbox ─▶ worker ───┼─▶ store (interactions, missed calls, files)
    core timer ──┤     (one at a time)  ├─▶ hub (agents' WebSocket views)
    RTP silence ─┘                      └─▶ follow-up commands (a phone answered: Accept)

The worker hands each item to the pure `ContactCenter` (`handle` / `handle_timer`),
then carries out the effects it returned, in their order: a `PersistInteraction` is
written before the agent it releases is seen as free. A command the core refuses
(`CommandRejected`) changes nothing and goes back to whoever sent it: the API turns
it into a 404/403/409/422. Because one task applies everything, two agents taking
the same call at once are two items in a row: the first wins, the second gets 409.

REGISTERs from agents' phones do not touch the core: they are answered at once by
the registrar, with failed attempts throttled per source.

Shutdown (`stop`): new calls are refused (503), the calls in progress get up to
`grace` seconds to end, the rest are hung up; every record is written, then SIP,
media and the store close.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import wave
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from switchboard.config.model import DigestAlgorithm, NotificationMode, NotificationType, Tenant
from switchboard.core import commands as cmd
from switchboard.core import effects as fx
from switchboard.core.call import CallState
from switchboard.core.center import ContactCenter
from switchboard.core.errors import CommandRejected
from switchboard.core.records import InteractionRecord
from switchboard.core.waiting import is_pending_callback
from switchboard.flows.model import PromptSpec
from switchboard.media.rtp_engine import AsyncioMediaEngine
from switchboard.runtime.agent_view import agent_view
from switchboard.runtime.clock import SystemClock
from switchboard.runtime.hub import EventHub
from switchboard.runtime.mailer import Mailer
from switchboard.runtime.sip_endpoint import SipEndpoint
from switchboard.runtime.smart_routing import Later, SmartRouting
from switchboard.runtime.softphone import SoftphoneGateway, restrict_ice_addresses
from switchboard.runtime.softphone_workers import SoftphoneWorkers
from switchboard.runtime.telephony import Telephony
from switchboard.runtime.throttle import FailureThrottle
from switchboard.runtime.voicemail import Voicemail
from switchboard.runtime.waiting_room import WaitingRoom
from switchboard.sip.digest import Algorithm, Challenger
from switchboard.sip.message import Response, make_response
from switchboard.sip.registrar import Registrar
from switchboard.sip.registration import RegistrationChanged
from switchboard.sip.transaction import Peer
from switchboard.sip.ua import Event, IncomingCall, OtherRequest, UserAgent
from switchboard.sip.uri import parse_uri
from switchboard.speech.stt import Transcriber, WhisperTranscriber
from switchboard.speech.tts import PromptCache
from switchboard.store.store import Store
from switchboard.store.types import UserSpec

log = logging.getLogger(__name__)

_ALGORITHMS = {DigestAlgorithm.SHA256: Algorithm.SHA256, DigestAlgorithm.MD5: Algorithm.MD5}


@dataclass
class ServerOptions:
    sip_host: str = "127.0.0.1"
    sip_port: int = 5060
    rtp_ports: tuple[int, int] = (30000, 30999)
    recordings: Path = Path("var/recordings")
    music: dict[str, Path] = field(default_factory=dict)
    """Hold music id → WAV file (from the configuration, paths resolved)."""
    trunk_password: str | None = None
    rtp_inactivity: float | None = 60.0
    """A customer silent this long (no RTP at all) is taken as gone."""
    config_dir: Path = Path()
    """Where prompt and greeting files are looked up (the configuration's directory)."""
    prompt_cache: Path = Path("var/prompts")
    voicemail: Path = Path("var/voicemail")
    transcriber: Transcriber | None = None
    """Speech recognition; Whisper (loaded on first use) when None."""
    webrtc_addresses: tuple[str, ...] | None = None
    """The addresses the Banner softphones' ICE offers; every interface but loopback
    when None (tests give 127.0.0.1)."""
    softphone_workers: int = 0
    """Worker processes for the Banner softphones (`softphone_workers.py`); 0 runs
    them in the server's own process."""


@dataclass(frozen=True, slots=True)
class _Command:
    command: cmd.Command
    done: asyncio.Future[None]


@dataclass(frozen=True, slots=True)
class _SipEvent:
    event: Event


@dataclass(frozen=True, slots=True)
class _Timer:
    pass


@dataclass(frozen=True, slots=True)
class _Silence:
    endpoint: str


@dataclass(frozen=True, slots=True)
class _Dtmf:
    endpoint: str
    key: str


@dataclass(frozen=True, slots=True)
class _PlayEnd:
    endpoint: str


@dataclass(frozen=True, slots=True)
class _Later:
    work: Later


_Item = _Command | _SipEvent | _Timer | _Silence | _Dtmf | _PlayEnd | _Later


class CallServer:
    def __init__(self, tenant: Tenant, store: Store, options: ServerOptions) -> None:
        self.tenant = tenant
        self.store = store
        self.options = options
        self.clock = SystemClock()
        self.center = ContactCenter(tenant, id_prefix="")
        self.hub = EventHub(self.center)
        self.login_throttle = FailureThrottle()
        self.register_throttle = FailureThrottle()
        self.trunk_registered: bool | None = None
        settings = tenant.settings
        self._ha1 = {a.extension: a.sip for a in tenant.agents if a.sip is not None}
        self.registrar = Registrar(
            Challenger(
                settings.sip_realm,
                secrets.token_bytes(32),
                algorithms=tuple(_ALGORITHMS[a] for a in settings.sip_digest),
            ),
            self._ha1_for,
            lambda: secrets.token_hex(6),
        )
        self.sip = SipEndpoint(
            lambda host, port: UserAgent(host, port, lambda: secrets.token_hex(8)),
            self._on_sip_event,
            self.clock,
        )
        self.media = AsyncioMediaEngine(
            options.sip_host, options.rtp_ports, inactivity_timeout=options.rtp_inactivity
        )
        self.media.on_timeout = self._on_silence
        self.telephony = Telephony(
            self.sip,
            self.media,
            self.registrar,
            tenant,
            recordings=options.recordings,
            music=options.music,
            trunk_password=options.trunk_password,
        )
        self.telephony.center = self.center
        self.telephony.on_recording = self._recording_done
        self.media.on_dtmf = lambda endpoint, key: self._inbox.put_nowait(_Dtmf(endpoint, key))
        self.media.on_play_end = lambda endpoint: self._inbox.put_nowait(_PlayEnd(endpoint))
        self.transcriber = options.transcriber or WhisperTranscriber()
        self.routing = SmartRouting(
            tenant,
            self.telephony,
            self.media,
            PromptCache(options.prompt_cache),
            self.transcriber,
            config_dir=options.config_dir,
            work_dir=options.voicemail / "answers",
            clock=self.clock.now,
            post=self._post,
        )
        self.routing.center = self.center
        self.voicemail = Voicemail(
            tenant,
            self.telephony,
            self.media,
            store,
            self.routing,
            self.transcriber,
            Mailer(tenant.smtp) if tenant.smtp is not None else None,
            directory=options.voicemail,
            clock=self.clock.now,
            post=self._post,
        )
        self.voicemail.center = self.center
        self.waiting = WaitingRoom(
            self.telephony,
            lambda text: self.routing.audio(PromptSpec(text=text)),
            post=self._post,
        )
        self.waiting.center = self.center
        self.softphone: SoftphoneGateway | SoftphoneWorkers
        if options.softphone_workers:
            self.softphone = SoftphoneWorkers(options.softphone_workers, options.webrtc_addresses)
        else:
            self.softphone = SoftphoneGateway()
            if options.webrtc_addresses is not None:
                restrict_ice_addresses(options.webrtc_addresses)
        self.accepting = True
        self._stopped = False
        self._inbox: asyncio.Queue[_Item] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._unsaved: list[InteractionRecord] = []
        self._pending_files: dict[str, list[tuple[str, Path]]] = {}
        self.on_effect: Callable[[fx.Effect], None] | None = None
        """Observer of every effect carried out (tests and metrics)."""
        self.on_registered: Callable[[str], None] | None = None
        """Observer of every phone registration accepted (extension)."""
        self.on_processed: Callable[[], None] | None = None
        """Observer called once the worker has handled an item of its inbox (tests
        wait on what the worker changes: the media wiring, softphone lines)."""

    # -- life cycle ------------------------------------------------------------------------

    async def start(self) -> None:
        self.options.recordings.mkdir(parents=True, exist_ok=True)
        self.store.sync_users(
            UserSpec(a.id, a.name, a.extension, a.password_hash, a.profile)
            for a in self.tenant.agents
        )
        self._load_preferences()
        await self.routing.prerender()
        await self.media.start()
        try:
            await self.sip.start(self.options.sip_host, self.options.sip_port)
        except BaseException:
            await self.media.stop()  # a port in use must not leave media threads behind
            raise
        try:
            await self._restore_callbacks()
            if isinstance(self.softphone, SoftphoneWorkers):
                await self.softphone.start()
        except BaseException:
            await self.softphone.close()
            await self.sip.stop()
            await self.media.stop()
            raise
        self._worker = asyncio.get_running_loop().create_task(self._work(), name="call-server")
        self._register_trunk()

    async def _restore_callbacks(self) -> None:
        """Callbacks promised before the last stop wait again in their queues (before
        the worker starts: nothing else touches the core yet)."""
        for record in self.store.pending_callbacks():
            try:
                effects = self.center.handle(cmd.RestoreCallback(record), self.clock.now())
            except CommandRejected as refused:
                log.error("callback of call %s not restored: %s", record.call_id, refused)
                continue
            await self._carry_out(effects)
        restored = [c for c in self.center.calls.values() if is_pending_callback(c)]
        if restored:
            log.info("%d queued callback(s) restored", len(restored))

    async def softphone_offer(self, agent_id: str, offer_sdp: str) -> str:
        """A Banner agent's softphone offer: the WebRTC session is answered at once,
        its line wired into the agent's calls by the worker; returns the SDP answer."""
        session, answer = await self.softphone.answer(agent_id, offer_sdp)

        async def attach() -> list[cmd.Command]:
            if session.closed:
                return []
            port = await self.telephony.attach_softphone(agent_id, session.id, session.port)
            session.target = ("127.0.0.1", port)
            return []

        def closed(_: object) -> None:
            async def detach() -> list[cmd.Command]:
                self.telephony.detach_softphone(session.agent_id, session.id)
                return []

            self._post(detach)

        session.on_closed = closed
        self._post(attach)
        return answer

    @property
    def sip_port(self) -> int:
        assert self.sip.ua is not None
        return self.sip.ua.port

    def _load_preferences(self) -> None:
        for agent in self.center.agents.values():
            saved = self.store.get_notification_preferences(agent.id)
            for kind, mode in saved.items():
                with contextlib.suppress(ValueError):
                    agent.notification_prefs[NotificationType(kind)] = NotificationMode(mode)

    def _register_trunk(self) -> None:
        trunk = self.tenant.trunk
        if trunk is None or not trunk.registration or trunk.username is None:
            return
        domain = trunk.domain or trunk.host
        assert self.sip.ua is not None
        _, outputs = self.sip.ua.register(
            parse_uri(f"sip:{trunk.username}@{domain}"),
            parse_uri(f"sip:{domain}"),
            Peer(trunk.host, trunk.port, trunk.transport.value),
            self.clock.now(),
            credentials=(trunk.username, self.options.trunk_password or ""),
            expires=trunk.registration_expires,
        )
        self.sip.run(outputs)

    async def stop(self, grace: float = 30.0) -> None:
        """Refuse new calls, let calls end within `grace` seconds, hang up the rest,
        write every record, then close SIP, media and the store's pending work.
        Stopping a stopped server does nothing."""
        if self._stopped:
            return
        self._stopped = True
        self.accepting = False
        self.telephony.accepting = False
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        while self._busy() and loop.time() < deadline:
            await asyncio.sleep(min(0.1, max(0.0, deadline - loop.time())))
        if self._busy():
            self.telephony.hang_up_everything()
            settle_until = loop.time() + 2.0
            while self._busy() and loop.time() < settle_until:
                await asyncio.sleep(0.05)
        for call in list(self.center.calls.values()):
            if is_pending_callback(call) and not call.agents:
                continue  # kept in the store, restored at the next start
            if not call.ended:  # the far ends never answered our BYEs
                self._persist(self.center.record(call))
        self._retry_unsaved()
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
        if self._timer is not None:
            self._timer.cancel()
        self.hub.close_all()
        await self.softphone.close()
        self.routing.stop()
        self.waiting.stop()
        await self.voicemail.drain(timeout=5.0)
        await self.sip.stop()
        await self.media.stop()
        self.transcriber.close()

    def _live_calls(self) -> bool:
        """A call is live while someone is on it: a queued callback, with nobody on
        the line until its agent takes it, does not hold the shutdown back."""
        return any(
            not c.ended and not (is_pending_callback(c) and not c.agents)
            for c in self.center.calls.values()
        )

    def _busy(self) -> bool:
        """Calls in progress, or transferred parties we still join (they have no core
        call any more, see `Telephony.junctions`)."""
        return (
            self._live_calls() or bool(self.telephony.junctions) or bool(self.telephony.farewells)
        )

    # -- input -------------------------------------------------------------------------------

    async def submit(self, command: cmd.Command) -> None:
        """Apply an agent's command; raises `CommandRejected` when the core refuses it."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._inbox.put_nowait(_Command(command, done))
        await done

    def _on_sip_event(self, event: Event) -> None:
        if isinstance(event, OtherRequest):
            if event.request.method == "REGISTER":
                self._register(event)
            return
        if isinstance(event, RegistrationChanged):
            self.trunk_registered = event.registered
            log.info(
                "trunk registration: %s (%d %s)",
                "registered" if event.registered else "not registered",
                event.status,
                event.reason,
            )
            return
        if isinstance(event, IncomingCall) and not self.accepting:
            assert self.sip.ua is not None
            self.sip.run(self.sip.ua.reject(event.leg, 503, self.clock.now()))
            return
        self._inbox.put_nowait(_SipEvent(event))

    def _register(self, event: OtherRequest) -> None:
        now = self.clock.now()
        source = event.peer.host
        assert self.sip.ua is not None
        if self.register_throttle.banned(source, now):
            response = _forbidden(event, self.registrar)
            self.sip.run(self.sip.ua.respond(event.transaction, response, now))
            return
        outcome = self.registrar.register(event.request, now, (event.peer.host, event.peer.port))
        self.sip.run(self.sip.ua.respond(event.transaction, outcome.response, now))
        if outcome.refused_credentials or outcome.response.status == 403:
            if self.register_throttle.failed(source, now):
                log.warning("SIP registrations from %s banned after repeated failures", source)
        elif outcome.authenticated:
            self.register_throttle.succeeded(source)
            if outcome.user is not None and self.on_registered is not None:
                self.on_registered(outcome.user)

    def _ha1_for(self, user: str) -> dict[str, str] | None:
        sip = self._ha1.get(user)
        if sip is None:
            return None
        table = {Algorithm.MD5.value: sip.ha1_md5}
        if sip.ha1_sha256 is not None:
            table[Algorithm.SHA256.value] = sip.ha1_sha256
        return table

    def _post(self, work: Later) -> None:
        self._inbox.put_nowait(_Later(work))

    def _on_silence(self, endpoint: str) -> None:
        self._inbox.put_nowait(_Silence(endpoint))

    # -- the worker --------------------------------------------------------------------------

    async def _work(self) -> None:
        while True:
            item = await self._inbox.get()
            try:
                await self._process(item)
            except Exception:  # one broken item must not stop every call
                log.exception("the call server failed on %s", type(item).__name__)
            self.hub.refresh()
            self._arm_timer()
            if self.on_processed is not None:
                self.on_processed()

    async def _process(self, item: _Item) -> None:
        if isinstance(item, _Command):
            command = item.command
            if isinstance(command, cmd.Accept) and await self.telephony.pick_up(
                command.agent_id, command.offer_id
            ):
                # Accepted from the Banner while the agent's phone rings: the phone is
                # asked to pick up by itself, and its answer accepts the offer (a
                # phone that cannot leaves the offer to expire: the call goes on).
                if not item.done.done():
                    item.done.set_result(None)
                return
            try:
                effects = self.center.handle(command, self.clock.now())
            except CommandRejected as refused:
                if not item.done.done():
                    item.done.set_exception(refused)
                return
            try:
                await self._carry_out(effects)
            finally:
                if not item.done.done():
                    item.done.set_result(None)
        elif isinstance(item, _SipEvent):
            for command in await self.telephony.on_sip(item.event):
                await self._apply(command)
        elif isinstance(item, _Timer):
            await self._carry_out(self.center.handle_timer(self.clock.now()))
        elif isinstance(item, _Later):
            for command in await item.work():
                await self._apply(command)
        elif isinstance(item, _Dtmf):
            for command in await self._caller_key(item.endpoint, item.key):
                await self._apply(command)
        elif isinstance(item, _PlayEnd):
            if self.telephony.prompt_ended(item.endpoint):
                call_id = item.endpoint.partition("/")[0]
                commands = await self.routing.prompt_ended(call_id)
                commands += self.voicemail.prompt_ended(call_id)
                for command in commands:
                    await self._apply(command)
        else:
            for command in self.telephony.silence(item.endpoint):
                await self._apply(command)

    async def _apply(self, command: cmd.Command) -> None:
        """A command that came from the telephony side (not from an agent)."""
        try:
            effects = self.center.handle(command, self.clock.now())
        except CommandRejected as refused:
            log.info("%s refused: %s", type(command).__name__, refused)
            self.telephony.command_refused(command, refused)
            return
        await self._carry_out(effects)

    async def _carry_out(self, effects: list[fx.Effect]) -> None:
        for effect in effects:
            if self.on_effect is not None:
                self.on_effect(effect)
            for command in await self._effect(effect):
                await self._apply(command)

    async def _effect(self, effect: fx.Effect) -> list[cmd.Command]:
        if isinstance(effect, fx.PersistInteraction):
            self._persist(effect.record)
            return []
        if isinstance(effect, fx.KeepCallback):
            try:
                self.store.save_callback(effect.record)
            except Exception:  # the callback still waits in memory; only a restart loses it
                log.exception("callback of call %s not saved", effect.record.call_id)
            return []
        if isinstance(effect, fx.DropCallback):
            if self._stopped and not effect.reached:
                # Abandoned by the shutdown (its dialling hung up): still promised.
                log.info("callback of call %s kept for the next start", effect.call_id)
                return []
            try:
                self.store.delete_callback(effect.call_id)
            except Exception:  # restored after a restart and called back twice at worst
                log.exception("callback of call %s not deleted", effect.call_id)
            return []
        if isinstance(effect, fx.PersistMissedCall):
            try:
                self.store.save_missed_call(effect.record)
            except Exception:
                log.exception("missed call %s not saved", effect.record.id)
            return []
        if isinstance(effect, fx.Notify):
            self.hub.notify(
                effect.agent_id,
                {
                    "kind": effect.kind.value,
                    "mode": effect.mode.value,
                    "call_id": effect.call_id,
                    "detail": effect.detail,
                },
            )
            return []
        if isinstance(effect, fx.TransferChanged):
            # The transferring agent follows its transfer to the end, failure reason
            # included, even once the call has left its screen (a blind transfer).
            self.hub.send(
                effect.from_agent,
                "transfer",
                {
                    "transfer_id": effect.transfer_id,
                    "call_id": effect.call_id,
                    "status": effect.status,
                    "failure_reason": effect.failure_reason,
                },
            )
            return []
        if isinstance(effect, fx.RunFlow):
            return await self.routing.run_flow(effect)
        if isinstance(effect, fx.StartVoicemail):
            return await self.voicemail.start(effect)
        if self.waiting.execute(effect):
            return []
        if isinstance(effect, fx.HangupRemote) and effect.message:
            wav = await self.routing.audio(PromptSpec(text=effect.message))
            if wav is not None:
                self.telephony.farewell(effect.call_id, wav)
        if isinstance(effect, fx.CallChanged) and effect.state == CallState.ENDED.value:
            self.routing.call_ended(effect.call_id)
            self.voicemail.call_ended(effect.call_id)
        return await self.telephony.execute(effect)

    async def _caller_key(self, endpoint: str, key: str) -> list[cmd.Command]:
        """A key the remote party of a call pressed (RFC 4733)."""
        call_id, _, role = endpoint.partition("/")
        if not role.startswith("remote"):  # "remote.N": a called-back customer
            return []
        if call_id in self.routing.runs:
            return await self.routing.digit(call_id, key)
        if call_id in self.voicemail.sessions:
            return self.voicemail.digit(call_id, key)
        return self.waiting.key(call_id, key)

    def _persist(self, record: InteractionRecord) -> None:
        try:
            self.store.save_interaction(record)
        except Exception:
            # Kept in memory and written again at the next save or at shutdown: an
            # interaction is never dropped because the database hiccupped.
            log.exception("interaction %s not saved yet; will retry", record.id)
            self._unsaved = [r for r in self._unsaved if r.id != record.id] + [record]
            return
        self._retry_unsaved()
        for recording_id, path in self._pending_files.pop(record.id, []):
            self._save_file(recording_id, path)

    def _retry_unsaved(self) -> None:
        still: list[InteractionRecord] = []
        for record in self._unsaved:
            try:
                self.store.save_interaction(record)
            except Exception:
                still.append(record)
        self._unsaved = still

    def _recording_done(self, call_id: str, recording_id: str, path: Path) -> None:
        if self.store.get_interaction(call_id) is None:
            self._pending_files.setdefault(call_id, []).append((recording_id, path))
            return
        self._save_file(recording_id, path)

    def _save_file(self, recording_id: str, path: Path) -> None:
        size: int | None = None
        duration: float | None = None
        with contextlib.suppress(OSError, wave.Error, EOFError):
            size = path.stat().st_size
            with wave.open(str(path), "rb") as wav:
                duration = wav.getnframes() / wav.getframerate()
        try:
            self.store.set_recording_file(
                recording_id, path=str(path), size_bytes=size, duration_seconds=duration
            )
        except Exception:
            log.exception("recording %s: file metadata not saved", recording_id)

    def _arm_timer(self) -> None:
        deadline = self.center.next_deadline()
        if self._timer is not None:
            if deadline is not None and abs(self._timer.when() - self._loop_time(deadline)) < 1e-3:
                return
            self._timer.cancel()
            self._timer = None
        if deadline is None:
            return
        loop = asyncio.get_running_loop()
        self._timer = loop.call_at(self._loop_time(deadline), self._fire)

    def _loop_time(self, deadline: float) -> float:
        loop = asyncio.get_running_loop()
        return loop.time() + max(0.0, deadline - self.clock.now())

    def _fire(self) -> None:
        self._timer = None
        self._inbox.put_nowait(_Timer())

    # -- reading ------------------------------------------------------------------------------

    def snapshot(self, agent_id: str) -> dict[str, Any]:
        return agent_view(self.center, agent_id)


def _forbidden(event: OtherRequest, registrar: Registrar) -> Response:
    return make_response(event.request, 403, "Forbidden", to_tag=registrar.to_tag())
