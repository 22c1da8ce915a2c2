"""`switchboard dial`: one call placed with our own SIP stack and media engine.

Why a built-in caller: to try a server (ours, a trunk, a PBX) and to drive tests, a
person needs a phone that needs no configuration, says plainly what happens
("Ringing", "Answered", "Call failed: 486 Busy Here") and exits with a status a
script can test. Placing the call with `UserAgent` and `AsyncioMediaEngine`, the
very pieces the call server uses, also exercises them as a client from outside.

The call, from `dial()`:

    INVITE ─1xx─▶ "Ringing" ─2xx─▶ "Answered": play the WAV (or a 440 Hz tone),
       │                           send --dtmf after --dtmf-delay, report the DTMF heard
       │                           ├─ --duration passes ─▶ BYE   "Hung up after 5.0 s"
       │                           └─ their BYE ─▶ "The other side hung up after 3.2 s"
       ├─ 3xx-6xx ─▶ "Call failed: 486 Busy Here"
       └─ --timeout passes ─▶ CANCEL "No answer within 30 s"

Cancelling the task (Ctrl-C under `asyncio.run`) sends BYE, or CANCEL while the call
is not answered, waits a moment for the reply, then lets the cancellation through.
Arguments that make a call impossible (a bad number, server or WAV file) raise
`DialError` before anything is sent. Durations are the event loop's clock.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import re
import secrets
import socket
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from switchboard import __version__
from switchboard.media.engine import MediaError, RemoteMedia
from switchboard.media.rtp_engine import AsyncioMediaEngine
from switchboard.media.tones import Tone
from switchboard.media.wav import WavError, load_wav, write_wav
from switchboard.rtp.dtmf import DIGITS, DtmfSender
from switchboard.runtime.sip_endpoint import SipEndpoint
from switchboard.sip import sdp
from switchboard.sip.errors import SipParseError
from switchboard.sip.transaction import Peer, State
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
    LegState,
    UserAgent,
)
from switchboard.sip.uri import SipURI, parse_host

DEFAULT_SERVER = "127.0.0.1:5060"
DEFAULT_CALLER = "+33100000000"
DEFAULT_PORT = 5060
TONE = Tone((440.0,), ((10.0, 0.0),))
"""What the caller says without --play: 440 Hz, looped every 10 s (a 5 ms fade there)."""
GRACE = 2.0
"""How long a hang-up waits for the far end's reply to our BYE or CANCEL."""
_ENDPOINT = "dial"
_NUMBER = re.compile(r"\+?[0-9*#]{1,32}")
_SEPARATORS = str.maketrans("", "", " -.()")


class DialError(ValueError):
    """An argument that makes the call impossible to place (the CLI's usage error)."""


class EndReason(StrEnum):
    HUNG_UP = "hung up"
    """We hung up after --duration."""
    REMOTE_HANGUP = "the other side hung up"
    FAILED = "failed"
    """Refused (3xx-6xx) or answered with audio we cannot use."""
    NO_ANSWER = "no answer"
    """Not answered within --timeout; we cancelled."""
    LOST = "lost"
    """Answered, then ended without a BYE being answered (the far end vanished)."""


@dataclass(frozen=True, slots=True)
class DialResult:
    answered: bool
    end_reason: EndReason
    failure_status: int | None
    """The SIP status that refused the call (486...), when one did."""
    failure_reason: str | None
    digits_heard: tuple[str, ...]
    packets_sent: int
    packets_received: int
    talk_time: float | None
    """Seconds from the answer to the end of the call."""

    @property
    def exit_status(self) -> int:
        """0 for a call answered and ended, 1 for one refused or not answered."""
        return 0 if self.answered else 1


def _print(line: str) -> None:
    print(line, flush=True)


async def dial(
    number: str,
    *,
    server: str = DEFAULT_SERVER,
    caller: str = DEFAULT_CALLER,
    dtmf: str = "",
    dtmf_delay: float = 1.0,
    play: Path | None = None,
    duration: float = 10.0,
    timeout: float = 30.0,
    say: Callable[[str], None] = _print,
) -> DialResult:
    """Call sip:NUMBER@SERVER, follow the call to its end and report each step to `say`.

    Raises `DialError` before anything is sent when an argument is unusable.
    """
    number = check_number(number, "NUMBER")
    caller = check_number(caller, "--from")
    host, port = parse_server(server)
    _check_digits(dtmf)
    _check_seconds("--duration", duration, positive=True)
    _check_seconds("--timeout", timeout, positive=True)
    _check_seconds("--dtmf-delay", dtmf_delay, positive=False)
    if play is not None:
        try:
            await asyncio.to_thread(load_wav, play)  # read once, before the call; cached
        except WavError as error:
            raise DialError(f"--play {error}") from None
    address = await _resolve(host, port)
    local = _source_address(address, port, host)
    with tempfile.TemporaryDirectory(prefix="switchboard-dial-") as scratch:
        sound = play
        if sound is None:
            sound = Path(scratch) / "tone.wav"
            write_wav(sound, TONE.period())
        plan = _Plan(
            number=number,
            server=f"{host}:{port}",
            target=SipURI.build(host, number, port=port),
            peer=Peer(address, port),
            caller=caller,  # `ua.invite` escapes it (`#` becomes %23)
            dtmf=dtmf.upper(),
            dtmf_delay=dtmf_delay,
            sound=sound,
            played_file=play is not None,
            duration=duration,
            timeout=timeout,
        )
        media = AsyncioMediaEngine(local, inactivity_timeout=None)
        await media.start()
        try:
            call = _Call(plan, media, say)
            await call.endpoint.start(local, 0, tcp=False)
            try:
                return await call.run()
            finally:
                await call.endpoint.stop()
        finally:
            await media.stop()


# --- arguments ---------------------------------------------------------------------------


def check_number(text: str, what: str) -> str:
    """A number to call or call from, visual separators (spaces, dashes...) removed."""
    number = text.translate(_SEPARATORS)
    if _NUMBER.fullmatch(number) is None:
        raise DialError(
            f"{what} {text!r} is not a phone number: use digits, * and #, "
            "with an optional leading + (e.g. 3001 or +33123456789)"
        )
    return number


def parse_server(text: str) -> tuple[str, int]:
    """HOST:PORT (or HOST, port 5060) of an IPv4 address or a host name."""
    usage = "give HOST:PORT, e.g. 127.0.0.1:5060"
    if text.startswith("[") or text.count(":") > 1:
        raise DialError(f"--server {text!r}: IPv6 servers are not supported yet; {usage}")
    host, colon, port_text = text.rpartition(":")
    if not colon:
        host, port_text = text, str(DEFAULT_PORT)
    if not (port_text.isascii() and port_text.isdigit()) or not 1 <= int(port_text) <= 65535:
        raise DialError(f"--server {text!r}: the port must be a number from 1 to 65535; {usage}")
    try:
        parse_host(host)
    except SipParseError:
        raise DialError(
            f"--server {text!r}: {host!r} is not a host name or address; {usage}"
        ) from None
    return host, int(port_text)


def _check_digits(digits: str) -> None:
    for digit in digits:
        if digit.upper() not in DIGITS:
            raise DialError(f"--dtmf {digits!r}: {digit!r} is not a DTMF digit (0-9, *, #, A-D)")


def _check_seconds(option: str, seconds: float, *, positive: bool) -> None:
    if not math.isfinite(seconds) or seconds < 0 or (positive and seconds == 0):
        least = "more than 0" if positive else "0 or more"
        raise DialError(f"{option} {seconds:g}: give a number of seconds, {least}")


async def _resolve(host: str, port: int) -> str:
    try:
        found = await asyncio.get_running_loop().getaddrinfo(
            host, port, family=socket.AF_INET, type=socket.SOCK_DGRAM
        )
    except socket.gaierror as error:
        raise DialError(f"--server: cannot find {host!r} ({error.strerror})") from None
    return str(found[0][4][0])


def _source_address(address: str, port: int, host: str) -> str:
    """Our address as the server will see it: the kernel's route towards it (a UDP
    connect sends nothing), so Via, Contact and SDP name an address it can reach."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect((address, port))
        except OSError as error:
            raise DialError(f"--server: cannot reach {host} ({error.strerror})") from None
        local: str = probe.getsockname()[0]
        return local


# --- the call ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Plan:
    number: str
    server: str
    target: SipURI
    peer: Peer
    caller: str
    dtmf: str
    dtmf_delay: float
    sound: Path
    played_file: bool
    duration: float
    timeout: float


class _Call:
    """One outgoing leg and its media endpoint, driven by the SIP events."""

    def __init__(self, plan: _Plan, media: AsyncioMediaEngine, say: Callable[[str], None]) -> None:
        self.plan = plan
        self.media = media
        self.say = say
        counter = itertools.count()
        self.endpoint = SipEndpoint(
            lambda host, port: UserAgent(
                host,
                port,
                lambda: f"{secrets.token_hex(4)}{next(counter)}",
                user_agent=f"Switchboard/{__version__} dial",
            ),
            self._on_event,
        )
        self.loop = asyncio.get_running_loop()
        self.leg: Leg | None = None
        self.settled = asyncio.Event()
        """Ringing is over: answered, refused or ended."""
        self.ended = asyncio.Event()
        self.answered_at: float | None = None
        self.ended_at: float | None = None
        self.reason: EndReason | None = None
        self.failure_status: int | None = None
        self.failure_reason: str | None = None
        self.digits: list[str] = []
        self.held = False
        self.hanging_up = False
        self.dtmf_done_at: float | None = None
        self.timers: list[asyncio.TimerHandle] = []
        media.on_dtmf = self._on_dtmf
        media.on_play_end = self._on_play_end

    @property
    def ua(self) -> UserAgent:
        assert self.endpoint.ua is not None
        return self.endpoint.ua

    def _now(self) -> float:
        return self.endpoint.clock.now()

    def _talk_time(self) -> float | None:
        if self.answered_at is None:
            return None
        end = self.ended_at if self.ended_at is not None else self.loop.time()
        return end - self.answered_at

    async def run(self) -> DialResult:
        plan = self.plan
        rtp_port = await self.media.open(_ENDPOINT)
        self.say(f"Calling {plan.number} at {plan.server}…")
        self.leg, outputs = self.ua.invite(
            plan.target,
            plan.peer,
            sdp.LocalMedia(self.ua.host, rtp_port),
            self._now(),
            caller=plan.caller,
            display_name="switchboard dial",
        )
        self.endpoint.run(outputs)
        try:
            await self._follow()
        except asyncio.CancelledError:  # Ctrl-C: hang up properly, then stop
            if not self.hanging_up:  # (a second Ctrl-C does not wait twice)
                await self._hang_up()
            raise
        finally:
            self._stop_timers()
        stats = self.media.stats(_ENDPOINT)
        assert self.reason is not None
        return DialResult(
            answered=self.answered_at is not None,
            end_reason=self.reason,
            failure_status=self.failure_status,
            failure_reason=self.failure_reason,
            digits_heard=tuple(self.digits),
            packets_sent=stats.packets_out,
            packets_received=stats.packets_in,
            talk_time=self._talk_time(),
        )

    async def _follow(self) -> None:
        plan = self.plan
        if not await _wait(self.settled, plan.timeout):
            self.reason = EndReason.NO_ANSWER
            unheard = self.leg is not None and self.leg.state is LegState.CALLING
            hint = f" (no reply at all from {plan.server}: is a server there?)" if unheard else ""
            self.say(f"No answer within {plan.timeout:g} s{hint}")
            await self._hang_up(grace=0.0 if unheard else GRACE)
            return
        if self.answered_at is None:
            return  # refused: the event handler said why
        remaining = plan.duration - (self.loop.time() - self.answered_at)
        if not await _wait(self.ended, remaining):
            self.reason = EndReason.HUNG_UP
            await self._hang_up()

    async def _hang_up(self, grace: float = GRACE) -> None:
        """BYE, or CANCEL while unanswered; wait up to `grace` for the far end's reply."""
        assert self.leg is not None
        if not self.hanging_up and not self.ended.is_set():
            self.hanging_up = True
            self._stop_timers()
            if self.answered_at is not None:
                self.ended_at = self.loop.time()
            self.endpoint.run(self.ua.hangup(self.leg, self._now()))
            talk = self._talk_time()
            if talk is not None:
                self.say(f"Hung up after {talk:.1f} s")
                if self.dtmf_done_at is not None and self.loop.time() < self.dtmf_done_at:
                    self.say(f"DTMF {self.plan.dtmf} was cut short by the hang-up")
            elif self.reason is None:
                self.say("Cancelled the call")
        await _wait(self.ended, grace)  # a CANCEL ends the leg with the INVITE's 487
        deadline = self.loop.time() + grace
        while self._hang_up_unanswered() and self.loop.time() < deadline:
            # The user agent reports no BYE/CANCEL response: look at the transaction.
            await asyncio.sleep(0.01)

    def _hang_up_unanswered(self) -> bool:
        return any(
            tx.request.method in ("BYE", "CANCEL") and tx.state in (State.TRYING, State.PROCEEDING)
            for tx in self.ua.layer.clients.values()
        )

    # --- events ------------------------------------------------------------------------

    def _on_event(self, event: Event) -> None:
        if isinstance(event, IncomingCall):  # a caller, not a phone: busy
            self.endpoint.run(self.ua.reject(event.leg, 486, self._now()))
            return
        if getattr(event, "leg", None) is not self.leg:
            return
        if isinstance(event, LegRinging):
            self.say("Ringing")
        elif isinstance(event, LegAnswered):
            self._answered(event)
        elif isinstance(event, LegFailed):
            self._failed(event)
        elif isinstance(event, LegEnded):
            self._ended(event)
        elif isinstance(event, LegMediaChanged):
            self.media.connect(_ENDPOINT, _remote(event.media))
            if event.media.on_hold != self.held:
                self.held = event.media.on_hold
                self.say("On hold" if self.held else "Off hold")
        elif isinstance(event, LegDtmf):  # SIP INFO, from phones that do not send RFC 4733
            self._heard(event.digit)

    def _answered(self, event: LegAnswered) -> None:
        self.answered_at = self.loop.time()
        self.settled.set()
        self.say("Answered")
        self.media.connect(_ENDPOINT, _remote(event.media))
        if self.plan.dtmf:
            self.timers.append(self.loop.call_later(self.plan.dtmf_delay, self._send_dtmf))
        try:
            self.media.play(_ENDPOINT, self.plan.sound, loop=not self.plan.played_file)
        except WavError as error:  # checked before the call, but the file may have gone
            self.say(f"Cannot play: {error}")

    def _failed(self, event: LegFailed) -> None:
        if not self.hanging_up:  # else it is the 487 of our CANCEL
            self.reason = EndReason.FAILED
            self.failure_status, self.failure_reason = event.status, event.reason
            self.say(f"Call failed: {event.status} {event.reason}")
        self._stop_timers()
        self.ended.set()
        self.settled.set()

    def _ended(self, event: LegEnded) -> None:
        if not self.hanging_up:
            self.ended_at = self.loop.time()
            talk = self._talk_time()
            if talk is None:  # ended before an answer: a 2xx without usable audio
                self.reason = EndReason.FAILED
                self.failure_reason = event.reason
                self.say(f"Call failed: {event.reason}")
            elif event.by_remote:
                self.reason = EndReason.REMOTE_HANGUP
                self.say(f"The other side hung up after {talk:.1f} s")
            else:
                self.reason = EndReason.LOST
                self.say(f"The call was lost after {talk:.1f} s ({event.reason})")
        self._stop_timers()
        self.ended.set()
        self.settled.set()

    def _stop_timers(self) -> None:
        for timer in self.timers:
            timer.cancel()
        self.timers.clear()

    def _send_dtmf(self) -> None:
        digits = self.plan.dtmf
        try:
            self.media.send_dtmf(_ENDPOINT, digits)
        except MediaError:
            self.say(f"Cannot send DTMF {digits}: the other side did not accept RFC 4733 events")
            return
        self.dtmf_done_at = self.loop.time() + _dtmf_seconds(digits)
        self.timers.append(self.loop.call_at(self.dtmf_done_at, self.say, f"Sent DTMF {digits}"))

    def _on_dtmf(self, endpoint_id: str, digit: str) -> None:
        self._heard(digit)

    def _heard(self, digit: str) -> None:
        self.digits.append(digit)
        self.say(f"Heard DTMF {digit}")

    def _on_play_end(self, endpoint_id: str) -> None:
        self.say(f"Finished playing {self.plan.sound}")


def _remote(media: sdp.Negotiated) -> RemoteMedia:
    return RemoteMedia(media.address, media.port, media.payload_type, media.dtmf_payload_type)


def _dtmf_seconds(digits: str) -> float:
    """When the last packet of `digits` leaves, counted from the first (engine defaults)."""
    return DtmfSender(ssrc=0).digits(digits, timestamp=0, sequence=0, at=0.0)[-1].send_at


async def _wait(event: asyncio.Event, timeout: float) -> bool:
    """Whether `event` was set within `timeout` seconds. Built on `asyncio.wait`, which
    never cancels the caller: safe in the clean-up that follows a Ctrl-C."""
    waiter = asyncio.ensure_future(event.wait())
    try:
        await asyncio.wait({waiter}, timeout=max(0.0, timeout))
    finally:
        waiter.cancel()
    return event.is_set()
