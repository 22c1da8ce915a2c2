"""The media engine interface: what the call logic asks of the audio, nothing about how.

Every leg of a call (a caller's trunk leg, an agent's phone leg) has an *endpoint*:
a local RTP port that receives the far end's audio and sends ours. The call logic
wires endpoints together with the operations below; the engine moves the packets.
`AsyncioMediaEngine` (`media/rtp_engine.py`) does it in this process; an rtpengine
driver can take over relaying at scale behind the same interface (DESIGN §5).

Audio is G.711 at 8 kHz in 20 ms frames. Where two bridged endpoints negotiated
different laws (PCMU and PCMA), the engine transcodes.

Operations on an endpoint id that was never opened raise `MediaError`; `close`,
`unbridge`, `stop_playing` and `unwatch_speech` are idempotent. Handlers (`on_dtmf`,
`on_timeout`, `on_play_end`, `on_speech_end`) are called on the event loop; an
exception in one is logged, never propagated into the engine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from switchboard.media.endpointer import Endpointing


class MediaError(Exception):
    """A media operation that cannot be done: unknown endpoint or recording, no free
    port, a codec or DTMF payload type that was not negotiated."""


class Flow(StrEnum):
    """Which way audio may go for an endpoint.

    The inactivity timeout runs only while the flow is `BOTH`: any other flow is a mute
    or a hold, where the far end may well be silent.
    """

    BOTH = "both"
    SEND_ONLY = "send_only"
    """We send to the far end but drop what it sends (it is muted)."""
    RECEIVE_ONLY = "receive_only"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class RemoteMedia:
    """Where and how to send to the far end, from the SDP negotiation."""

    address: str
    port: int
    payload_type: int
    """0 (PCMU) or 8 (PCMA)."""
    dtmf_payload_type: int | None = None


@dataclass(frozen=True, slots=True)
class EndpointStats:
    packets_in: int
    packets_out: int
    bytes_in: int
    bytes_out: int
    lost: int
    late: int
    last_packet_at: float | None


DtmfHandler = Callable[[str, str], None]
"""(endpoint id, digit) for each RFC 4733 digit received."""
TimeoutHandler = Callable[[str], None]
"""(endpoint id) when no RTP arrived for the inactivity timeout."""
PlayEndHandler = Callable[[str], None]
"""(endpoint id) when a WAV played without `loop` reached its end (a prompt finished)."""
SpeechEndHandler = Callable[[str], None]
"""(watch id) when the far end of a watched endpoint spoke and then fell silent."""


class MediaEngine(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def open(self, endpoint_id: str) -> int:
        """Create an endpoint; return the local RTP port to put in our SDP."""
        ...

    def connect(self, endpoint_id: str, remote: RemoteMedia) -> None:
        """Start sending to the far end (SDP answer or re-INVITE result)."""
        ...

    def close(self, endpoint_id: str) -> None:
        """Release the endpoint: stops its bridge, players and recording part."""
        ...

    def bridge(self, a: str, b: str) -> None:
        """Each endpoint hears the other (replaces any bridge, player or conference).
        RFC 4733 events are reported by `on_dtmf`, not relayed."""
        ...

    def unbridge(self, endpoint_id: str) -> None: ...

    def set_flow(self, endpoint_id: str, flow: Flow) -> None:
        """Mute an agent (`SEND_ONLY`: the caller no longer hears it) and back."""
        ...

    def play(self, endpoint_id: str, wav: Path, *, loop: bool = False) -> None:
        """Play a WAV file to the far end (hold music, a prompt); it replaces the
        bridged audio towards that endpoint until `stop_playing`, or until its end
        when not looping (then `on_play_end`). What the endpoint's far end says still
        goes to its bridge: hold is `unbridge` + `play`. Raises `WavError` (from
        `media/wav.py`) for a file that cannot be read."""
        ...

    def ringback(self, endpoint_id: str) -> None:
        """Play the ringback tone (425 Hz, 1 s on / 4 s off) until `stop_playing`."""
        ...

    def stop_playing(self, endpoint_id: str) -> None: ...

    def send_dtmf(self, endpoint_id: str, digits: str) -> None:
        """Send RFC 4733 telephone-events to the far end (after any still being sent);
        audio towards it pauses meanwhile. Raises `MediaError` when the far end did not
        negotiate telephone-event."""
        ...

    def start_recording(
        self, recording_id: str, endpoints: tuple[str, ...], path: Path, *, stereo: bool = False
    ) -> None:
        """Record what the endpoints' far ends say into one 16-bit 8 kHz WAV: mixed
        mono, or one channel per endpoint in the order given when `stereo` (two
        endpoints: a stereo file). One 20 ms frame per endpoint per tick, silence
        where nothing arrived or the endpoint is muted, so the duration is exact; the
        file is valid on disk while it grows (at most a second is lost in a crash)."""
        ...

    def record_from(self, recording_id: str, endpoints: tuple[str, ...]) -> None:
        """Change whose voices a mono recording takes, from the next tick on (a party
        joins or leaves the call being recorded); none records silence. Raises
        `MediaError` for a stereo recording, whose channels are fixed."""
        ...

    def stop_recording(self, recording_id: str) -> Path: ...

    def watch_speech(
        self, watch_id: str, endpoint_id: str, endpointing: Endpointing | None = None
    ) -> None:
        """Listen to what the endpoint's far end says, from the next tick on, for the
        end of an answer (`media/endpointer.py`; its defaults when None): once the far
        end has spoken and then been silent for `end_silence`, `on_speech_end(watch_id)`
        is called, once, and the watch ends. Nothing is reported while nobody speaks:
        the caller of `watch_speech` keeps its own timeout. Closing the endpoint ends
        its watches without a report. Raises `MediaError` for a watch id in use."""
        ...

    def unwatch_speech(self, watch_id: str) -> None:
        """Stop a watch (the answer was given otherwise, the window closed)."""
        ...

    def conference(self, conference_id: str, endpoints: tuple[str, ...]) -> None:
        """Mix: each endpoint hears the sum of all the others."""
        ...

    def stats(self, endpoint_id: str) -> EndpointStats: ...

    on_dtmf: DtmfHandler | None
    """Called once per key press, when the press starts (not relayed to a bridge)."""
    on_timeout: TimeoutHandler | None
    on_play_end: PlayEndHandler | None
    on_speech_end: SpeechEndHandler | None
