"""`AsyncioMediaEngine`: the `MediaEngine` on asyncio UDP sockets, in this process.

Theory of operation
-------------------
Each endpoint owns one UDP socket on an even port of the range (`ports.py`) and one
outgoing stream (`stream.py`); the receive path is in `endpoint.py`. Audio takes one
of two paths:

* **relay**, per packet, as it arrives: two bridged endpoints forward each other's
  packets under their own stream headers, transcoding PCMU↔PCMA by a 256-byte
  translation table when their laws differ. No decoding, no buffering, no tick:
  this is the path of the ordinary agent-customer call.
* **tick**, every 20 ms (`ticker.py`): everything that *produces* audio, or listens
  to it. Endpoints in a conference, a recording or a speech watch feed a jitter
  buffer; at each tick the engine pulls one frame from each, mixes the conferences
  (each member gets the clipped sum of the others, in its own law), appends one
  frame per endpoint to each recording, feeds each speech watch's endpointer
  (`endpointer.py`) and sends one frame from each player (WAV, ringback).

What an endpoint sends is decided in this order: DTMF being sent pauses all audio
towards it; else a player (`play`, `ringback`); else its conference's mix; else what
its bridged peer says (if the peer's flow lets us listen); else nothing. `_rewire`
recomputes the relay and buffering of the endpoints concerned after every operation,
so the per-packet path only reads three fields.

Sockets are read in batches by one `SocketPoller` (at most `poll_interval` of added
delay; see `poller.py`). Inactivity and DTMF sending use loop timers (`call_at`),
not the ticker. Handlers (`on_dtmf`, `on_timeout`, `on_play_end`, `on_speech_end`)
run on the loop; exceptions in them are logged. Every time is the loop's clock, except
`EndpointStats.last_packet_at`, which is converted to `clock` (the epoch by default)
for whoever stores it.
"""

from __future__ import annotations

import asyncio
import logging
import random
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from switchboard.media.endpoint import SENDS, Endpoint
from switchboard.media.endpointer import Endpointer, Endpointing, SpeechEvent
from switchboard.media.engine import (
    DtmfHandler,
    EndpointStats,
    Flow,
    MediaError,
    PlayEndHandler,
    RemoteMedia,
    SpeechEndHandler,
    TimeoutHandler,
)
from switchboard.media.mixer import mix_minus
from switchboard.media.player import Player
from switchboard.media.poller import SocketPoller
from switchboard.media.ports import PortAllocator
from switchboard.media.recorder import Recorder
from switchboard.media.stream import OutStream
from switchboard.media.ticker import Ticker
from switchboard.media.tones import EUROPEAN_RINGBACK, Tone
from switchboard.media.wav import Sound, load_wav
from switchboard.rtp.dtmf import DtmfSender
from switchboard.rtp.g711 import Samples

log = logging.getLogger(__name__)

DTMF_GAP = 0.1  # seconds between two queued `send_dtmf` calls to the same far end


def _guarded(name: str, endpoint: Endpoint, handler: Callable[..., None], *args: str) -> None:
    """Call an application handler; its failure is logged, never raised into the engine."""
    try:
        handler(*args)
    except Exception:
        log.exception("%s handler failed for endpoint %s", name, endpoint.id)


@dataclass(slots=True)
class _Recording:
    recorder: Recorder
    endpoints: tuple[Endpoint, ...]


@dataclass(slots=True)
class _Watch:
    endpointer: Endpointer
    endpoint: Endpoint


class AsyncioMediaEngine:
    """See the module's theory of operation; the methods are `MediaEngine`'s."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port_range: tuple[int, int] = (30000, 39999),
        inactivity_timeout: float | None = 30.0,
        clock: Callable[[], float] = time.time,
        *,
        ringback_tone: Tone = EUROPEAN_RINGBACK,
        relatch_after: float = 0.5,
        poll_interval: float = 0.001,
        rng: random.Random | None = None,
    ) -> None:
        self.host = host
        self.ports = PortAllocator(*port_range)
        self.inactivity_timeout = inactivity_timeout
        self.clock = clock
        self.ringback_tone = ringback_tone
        self.relatch_after = relatch_after
        self.poll_interval = poll_interval
        self.rng = rng or random.SystemRandom()
        self.on_dtmf: DtmfHandler | None = None
        self.on_timeout: TimeoutHandler | None = None
        self.on_play_end: PlayEndHandler | None = None
        self.on_speech_end: SpeechEndHandler | None = None
        self.ticker = Ticker(self._tick, self._skip)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._poller: SocketPoller | None = None
        self._endpoints: dict[str, Endpoint] = {}
        self._players: dict[Endpoint, Player] = {}
        self._conferences: dict[str, list[Endpoint]] = {}
        self._recordings: dict[str, _Recording] = {}
        self._watches: dict[str, _Watch] = {}
        self._buffered: dict[Endpoint, None] = {}  # ordered set: pulled at every tick
        self._ringback: Sound | None = None

    # --- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        if self._poller is None:
            self._poller = SocketPoller(self._loop, interval=self.poll_interval)
        self.ticker.start()

    async def stop(self) -> None:
        await self.ticker.stop()
        for endpoint_id in list(self._endpoints):
            self.close(endpoint_id)
        for recording in self._recordings.values():
            recording.recorder.close()
        self._recordings.clear()
        self._watches.clear()
        self._conferences.clear()
        if self._poller is not None:
            self._poller.close()
            self._poller = None

    async def preload(self, wav: Path) -> None:
        """Load (and cache) a WAV file in a worker thread, so that `play` of a long
        file that needs resampling does not stall the loop."""
        await asyncio.to_thread(load_wav, wav)

    @property
    def late_ticks(self) -> int:
        return self.ticker.late

    # --- endpoints -----------------------------------------------------------------------

    async def open(self, endpoint_id: str) -> int:
        if endpoint_id in self._endpoints:
            raise MediaError(f"endpoint {endpoint_id} is already open")
        loop = self._running_loop()
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        for port in self.ports.candidates():
            sock = socket.socket(family, socket.SOCK_DGRAM)
            try:
                sock.setblocking(False)
                sock.bind((self.host, port))
            except OSError:
                sock.close()
                continue  # taken by someone else
            out = OutStream(
                ssrc=self.rng.getrandbits(32),
                sequence=self.rng.getrandbits(16),
                timestamp=self.rng.getrandbits(32),
            )
            endpoint = Endpoint(
                endpoint_id,
                sock,
                out,
                loop=loop,
                timeout=self.inactivity_timeout,
                relatch_after=self.relatch_after,
                on_digit=self._digit,
                on_silence=self._silence,
            )
            assert self._poller is not None
            endpoint.start(self._poller)
            self.ports.take(port)
            self._endpoints[endpoint_id] = endpoint
            return port
        raise MediaError(
            f"no free RTP port in {self.ports.low}-{self.ports.high} "
            f"({self.ports.in_use} in use here): widen the port range"
        )

    def connect(self, endpoint_id: str, remote: RemoteMedia) -> None:
        endpoint = self._get(endpoint_id)
        endpoint.connect(remote, self._running_loop().time())
        self._rewire([endpoint])

    def close(self, endpoint_id: str) -> None:
        endpoint = self._endpoints.pop(endpoint_id, None)
        if endpoint is None:
            return
        others = self._detach(endpoint)
        self._players.pop(endpoint, None)
        self._buffered.pop(endpoint, None)
        for watch_id in [w for w, watch in self._watches.items() if watch.endpoint is endpoint]:
            del self._watches[watch_id]
        endpoint.close()
        self.ports.release(endpoint.port)
        self._rewire(others)

    def stats(self, endpoint_id: str) -> EndpointStats:
        endpoint = self._get(endpoint_id)
        heard = endpoint.heard_at
        if heard is not None:
            heard = self.clock() - (self._running_loop().time() - heard)
        return EndpointStats(
            packets_in=endpoint.packets_in,
            packets_out=endpoint.out.packets_out,
            bytes_in=endpoint.bytes_in,
            bytes_out=endpoint.out.bytes_out,
            lost=endpoint.lost,
            late=endpoint.late,
            last_packet_at=heard,
        )

    # --- wiring --------------------------------------------------------------------------

    def bridge(self, a: str, b: str) -> None:
        if a == b:
            raise MediaError(f"cannot bridge endpoint {a} to itself")
        first, second = self._get(a), self._get(b)
        touched = [first, second]
        for endpoint in (first, second):
            touched += self._detach(endpoint)
            self._players.pop(endpoint, None)
        first.peer, second.peer = second, first
        self._rewire(touched)

    def unbridge(self, endpoint_id: str) -> None:
        endpoint = self._get(endpoint_id)
        self._rewire([endpoint, *self._detach(endpoint)])

    def conference(self, conference_id: str, endpoints: tuple[str, ...]) -> None:
        members = [self._get(endpoint_id) for endpoint_id in dict.fromkeys(endpoints)]
        touched = list(members)
        for endpoint in self._conferences.pop(conference_id, []):
            endpoint.conference = None
            touched.append(endpoint)
        for endpoint in members:
            touched += self._detach(endpoint)
            self._players.pop(endpoint, None)
            endpoint.conference = conference_id
        if members:
            self._conferences[conference_id] = members
        self._rewire(touched)

    def set_flow(self, endpoint_id: str, flow: Flow) -> None:
        endpoint = self._get(endpoint_id)
        endpoint.set_flow(Flow(flow), self._running_loop().time())
        self._rewire([endpoint])

    def _detach(self, endpoint: Endpoint) -> list[Endpoint]:
        """Take the endpoint out of its bridge or conference; return who else changed."""
        others: list[Endpoint] = []
        peer = endpoint.peer
        if peer is not None:
            peer.peer = endpoint.peer = None
            others.append(peer)
        if endpoint.conference is not None:
            members = self._conferences.get(endpoint.conference, [])
            if endpoint in members:
                members.remove(endpoint)
            if not members:
                self._conferences.pop(endpoint.conference, None)
            endpoint.conference = None
        return others

    def _rewire(self, endpoints: Iterable[Endpoint]) -> None:
        """Recompute relaying and buffering for these endpoints and their peers."""
        concerned = dict.fromkeys(endpoints)
        for endpoint in list(concerned):
            if endpoint.peer is not None:
                concerned[endpoint.peer] = None
        for endpoint in concerned:
            endpoint.out.enabled = endpoint.remote is not None and endpoint.flow in SENDS
        for endpoint in concerned:
            peer = endpoint.peer
            is_open = self._endpoints.get(endpoint.id) is endpoint
            speaks_to_peer = peer is not None and peer not in self._players and is_open
            endpoint.wire(peer if speaks_to_peer else None)
            buffered = (
                endpoint.conference is not None or endpoint.recordings > 0 or endpoint.watches > 0
            )
            endpoint.set_buffered(buffered)
            if buffered and is_open:
                self._buffered[endpoint] = None
            else:
                self._buffered.pop(endpoint, None)

    # --- players -------------------------------------------------------------------------

    def play(self, endpoint_id: str, wav: Path, *, loop: bool = False) -> None:
        endpoint = self._get(endpoint_id)
        self._start_player(endpoint, Player(load_wav(wav), loop=loop))

    def ringback(self, endpoint_id: str) -> None:
        endpoint = self._get(endpoint_id)
        if self._ringback is None:
            self._ringback = Sound(self.ringback_tone.period())
        self._start_player(endpoint, Player(self._ringback, loop=True))

    def stop_playing(self, endpoint_id: str) -> None:
        endpoint = self._get(endpoint_id)
        if self._players.pop(endpoint, None) is not None:
            self._rewire([endpoint])

    def _start_player(self, endpoint: Endpoint, player: Player) -> None:
        self._players[endpoint] = player
        self._rewire([endpoint])

    # --- DTMF ----------------------------------------------------------------------------

    def send_dtmf(self, endpoint_id: str, digits: str) -> None:
        endpoint = self._get(endpoint_id)
        remote = endpoint.remote
        if remote is None or remote.dtmf_payload_type is None:
            raise MediaError(
                f"endpoint {endpoint_id}: the far end did not negotiate telephone-event"
            )
        if not digits:
            return
        loop = self._running_loop()
        out = endpoint.out
        now = loop.time()
        start = max(now, out.paused_until + DTMF_GAP)
        sender = DtmfSender(ssrc=out.ssrc, payload_type=remote.dtmf_payload_type)
        draft = sender.digits(digits, timestamp=0, sequence=0, at=start)  # validates digits
        first_seq, timestamp = out.reserve_events(len(draft), start, draft[-1].send_at)
        packets = sender.digits(digits, timestamp=timestamp, sequence=first_seq, at=start)
        endpoint.dtmf_handles = [h for h in endpoint.dtmf_handles if h.when() > now]
        for scheduled in packets:
            handle = loop.call_at(scheduled.send_at, out.send_raw, bytes(scheduled.packet))
            endpoint.dtmf_handles.append(handle)

    def _digit(self, endpoint: Endpoint, digit: str) -> None:
        if self.on_dtmf is not None:
            _guarded("on_dtmf", endpoint, self.on_dtmf, endpoint.id, digit)

    def _silence(self, endpoint: Endpoint) -> None:
        if self.on_timeout is not None:
            _guarded("on_timeout", endpoint, self.on_timeout, endpoint.id)

    # --- recordings ----------------------------------------------------------------------

    def start_recording(
        self, recording_id: str, endpoints: tuple[str, ...], path: Path, *, stereo: bool = False
    ) -> None:
        if recording_id in self._recordings:
            raise MediaError(f"recording {recording_id} is already running")
        members = tuple(self._get(endpoint_id) for endpoint_id in endpoints)
        if not members:
            raise MediaError(f"recording {recording_id} names no endpoint")
        try:
            recorder = Recorder(Path(path), len(members), stereo=stereo)
        except OSError as exc:
            raise MediaError(f"recording {recording_id}: cannot write {path}: {exc}") from exc
        self._recordings[recording_id] = _Recording(recorder, members)
        for endpoint in members:
            endpoint.recordings += 1
        self._rewire(members)

    def record_from(self, recording_id: str, endpoints: tuple[str, ...]) -> None:
        recording = self._recordings.get(recording_id)
        if recording is None:
            raise MediaError(f"no recording {recording_id} is running")
        members = tuple(self._get(endpoint_id) for endpoint_id in dict.fromkeys(endpoints))
        try:
            recording.recorder.set_channels(len(members))
        except ValueError as exc:
            raise MediaError(f"recording {recording_id}: {exc}") from exc
        old = recording.endpoints
        for endpoint in old:
            endpoint.recordings -= 1
        for endpoint in members:
            endpoint.recordings += 1
        recording.endpoints = members
        self._rewire([*old, *members])

    def stop_recording(self, recording_id: str) -> Path:
        recording = self._recordings.pop(recording_id, None)
        if recording is None:
            raise MediaError(f"no recording {recording_id} is running")
        for endpoint in recording.endpoints:
            endpoint.recordings -= 1
        self._rewire(recording.endpoints)
        return recording.recorder.close()

    # --- speech watches ------------------------------------------------------------------

    def watch_speech(
        self, watch_id: str, endpoint_id: str, endpointing: Endpointing | None = None
    ) -> None:
        if watch_id in self._watches:
            raise MediaError(f"speech watch {watch_id} is already running")
        endpoint = self._get(endpoint_id)
        self._watches[watch_id] = _Watch(Endpointer(endpointing), endpoint)
        endpoint.watches += 1
        self._rewire([endpoint])

    def unwatch_speech(self, watch_id: str) -> None:
        watch = self._watches.pop(watch_id, None)
        if watch is not None:
            watch.endpoint.watches -= 1
            self._rewire([watch.endpoint])

    # --- the tick ------------------------------------------------------------------------

    def _tick(self, now: float) -> None:
        frames: dict[Endpoint, Samples | None] = {
            endpoint: endpoint.pull(now) for endpoint in self._buffered
        }
        players = self._players
        for members in self._conferences.values():
            mixes = mix_minus([frames.get(member) for member in members])
            for member, samples in zip(members, mixes, strict=True):
                law = member.law
                if law is not None and member not in players and member.out.enabled:
                    member.out.send_frame(law.encode(samples).tobytes(), now)
        for recording in self._recordings.values():
            recording.recorder.write([frames.get(endpoint) for endpoint in recording.endpoints])
        spoken: list[tuple[str, _Watch]] = []
        for watch_id, watch in self._watches.items():
            if watch.endpointer.feed(frames.get(watch.endpoint)) is SpeechEvent.ENDED:
                spoken.append((watch_id, watch))
        finished: list[Endpoint] = []
        for endpoint, player in players.items():
            law = endpoint.law
            if law is None:
                continue
            payload = player.next_frame(law)
            if payload is None:
                finished.append(endpoint)
            else:
                endpoint.out.send_frame(payload, now)
        for endpoint in finished:
            del players[endpoint]
            self._rewire([endpoint])
            if self.on_play_end is not None:
                _guarded("on_play_end", endpoint, self.on_play_end, endpoint.id)
        for watch_id, ended in spoken:
            if self._watches.get(watch_id) is not ended:  # an earlier handler ended it
                continue
            self.unwatch_speech(watch_id)
            if self.on_speech_end is not None:
                _guarded("on_speech_end", ended.endpoint, self.on_speech_end, watch_id)

    def _skip(self, ticks: int) -> None:
        # Speech watches are not fed the skipped ticks: a stall of the process is no
        # silence of the caller's, and must not end an answer.
        for recording in self._recordings.values():
            recording.recorder.write_silence(ticks)
        for player in self._players.values():
            player.skip(ticks)

    # --- helpers -------------------------------------------------------------------------

    def _get(self, endpoint_id: str) -> Endpoint:
        endpoint = self._endpoints.get(endpoint_id)
        if endpoint is None:
            raise MediaError(f"no media endpoint {endpoint_id} is open")
        return endpoint

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            raise MediaError("the media engine is not started: await start() first")
        return self._loop

    def __repr__(self) -> str:
        return (
            f"<AsyncioMediaEngine {self.host} endpoints={len(self._endpoints)} "
            f"players={len(self._players)} conferences={len(self._conferences)} "
            f"recordings={len(self._recordings)} speech_watches={len(self._watches)}>"
        )
