"""SDP (RFC 4566) and the offer/answer model (RFC 3264) for G.711 voice calls.

Switchboard speaks audio only: PCMU (payload type 0) and PCMA (8) at 8 kHz, with
RFC 4733 `telephone-event` for DTMF. This module parses and writes session
descriptions, answers an offer with the first codec of the offer we support (the
offerer's preference order wins, RFC 3264 §6.1), builds our own offers, and reads
the negotiated result of an exchange.

Hold is signalled by direction: a re-INVITE whose audio is `sendonly` or
`inactive` (or, from old RFC 2543 phones, whose connection address is 0.0.0.0)
puts the other side on hold; the answer mirrors it (`recvonly` / `inactive`).

Unknown lines and attributes are kept, so a description survives a round trip. A
malformed description raises `SdpError`, which a UAS turns into 488 Not Acceptable
Here.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum


class SdpError(ValueError):
    """A session description we cannot use (answer 488)."""


class Direction(StrEnum):
    SENDRECV = "sendrecv"
    SENDONLY = "sendonly"
    RECVONLY = "recvonly"
    INACTIVE = "inactive"

    def reversed(self) -> Direction:
        """The direction the answerer takes for this offered direction."""
        return _REVERSED[self]

    @property
    def sends(self) -> bool:
        return self in (Direction.SENDRECV, Direction.SENDONLY)

    @property
    def receives(self) -> bool:
        return self in (Direction.SENDRECV, Direction.RECVONLY)


_REVERSED = {
    Direction.SENDRECV: Direction.SENDRECV,
    Direction.SENDONLY: Direction.RECVONLY,
    Direction.RECVONLY: Direction.SENDONLY,
    Direction.INACTIVE: Direction.INACTIVE,
}

PCMU, PCMA = 0, 8
CODECS = {PCMU: "PCMU", PCMA: "PCMA"}
HOLD_ADDRESSES = frozenset({"0.0.0.0", "::"})  # noqa: S104 - RFC 2543 hold, not a bind
"""A connection address meaning "do not send to me" (RFC 2543 hold)."""
TELEPHONE_EVENT = "telephone-event"


@dataclass(slots=True)
class Media:
    """One `m=` section with what follows it."""

    kind: str
    port: int
    proto: str
    formats: list[str]
    connection: str | None = None
    rtpmap: dict[str, str] = field(default_factory=dict)
    """Payload type → `encoding/clock[/channels]`."""
    fmtp: dict[str, str] = field(default_factory=dict)
    direction: Direction | None = None
    ptime: int | None = None
    other: list[str] = field(default_factory=list)
    """Other `a=` and `b=`/`i=`/`k=` lines, verbatim (without the CRLF)."""

    def encoding(self, pt: str) -> str | None:
        """`PCMU`, `telephone-event`... for a payload type, static types included."""
        mapped = self.rtpmap.get(pt)
        if mapped is not None:
            return mapped.split("/")[0]
        if pt.isdigit() and int(pt) in CODECS:
            return CODECS[int(pt)]
        return None


@dataclass(slots=True)
class SessionDescription:
    origin_user: str = "switchboard"
    session_id: int = 0
    session_version: int = 0
    origin_address: str = "127.0.0.1"
    name: str = "-"
    connection: str | None = None
    timing: str = "0 0"
    direction: Direction | None = None
    media: list[Media] = field(default_factory=list)
    other: list[str] = field(default_factory=list)

    def audio(self) -> Media | None:
        """The first audio stream that is not rejected (port 0)."""
        return next((m for m in self.media if m.kind == "audio" and m.port != 0), None)

    def direction_of(self, media: Media) -> Direction:
        if media.direction is not None:
            return media.direction
        if self.direction is not None:
            return self.direction
        return Direction.SENDRECV

    def address_of(self, media: Media) -> str:
        address = media.connection or self.connection
        if address is None:
            raise SdpError("no connection address (c=) for the audio stream")
        return address

    def encode(self) -> bytes:
        return serialize(self).encode("ascii")


# -- parsing ------------------------------------------------------------------------------


def _connection(value: str) -> str:
    parts = value.split()
    if len(parts) != 3 or parts[0] != "IN" or parts[1] not in ("IP4", "IP6"):
        raise SdpError(f"bad connection line c={value}")
    return parts[2].split("/")[0]


def _int(value: str, what: str, limit: int = 2**63 - 1) -> int:
    if not value.isdigit() or int(value) > limit:
        raise SdpError(f"bad {what}: {value!r}")
    return int(value)


def parse(data: bytes | str) -> SessionDescription:
    """Parse a session description; raise `SdpError` if it is not usable."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError as exc:
        raise SdpError("session description is not UTF-8") from exc
    lines = [line for line in text.replace("\r\n", "\n").split("\n") if line]
    if not lines or lines[0] != "v=0":
        raise SdpError("a session description starts with v=0")
    sdp = SessionDescription()
    media: Media | None = None
    seen_origin = False
    for line in lines[1:]:
        if len(line) < 2 or line[1] != "=":
            raise SdpError(f"bad line {line[:40]!r}")
        key, value = line[0], line[2:]
        if key == "m":
            parts = value.split()
            if len(parts) < 4:
                raise SdpError(f"bad media line m={value}")
            media = Media(
                kind=parts[0],
                port=_int(parts[1].split("/")[0], "port", 65535),
                proto=parts[2],
                formats=parts[3:],
            )
            sdp.media.append(media)
        elif key == "o":
            parts = value.split()
            if len(parts) != 6:
                raise SdpError(f"bad origin line o={value}")
            sdp.origin_user = parts[0]
            sdp.session_id = _int(parts[1], "session id")
            sdp.session_version = _int(parts[2], "session version")
            sdp.origin_address = parts[5]
            seen_origin = True
        elif key == "c":
            if media is None:
                sdp.connection = _connection(value)
            else:
                media.connection = _connection(value)
        elif key == "s" and media is None:
            sdp.name = value
        elif key == "t" and media is None:
            sdp.timing = value
        elif key == "a":
            _attribute(sdp, media, value)
        elif media is None:
            sdp.other.append(line)
        else:
            media.other.append(line)
    if not seen_origin:
        raise SdpError("missing origin line (o=)")
    return sdp


def _attribute(sdp: SessionDescription, media: Media | None, value: str) -> None:
    name, _, rest = value.partition(":")
    if name in Direction.__members__.values():
        if media is None:
            sdp.direction = Direction(name)
        else:
            media.direction = Direction(name)
        return
    if media is None:
        sdp.other.append(f"a={value}")
    elif name == "rtpmap" and " " in rest:
        pt, _, encoding = rest.partition(" ")
        media.rtpmap[pt] = encoding.strip()
    elif name == "fmtp" and " " in rest:
        pt, _, params = rest.partition(" ")
        media.fmtp[pt] = params.strip()
    elif name == "ptime" and rest.strip().isdigit():
        media.ptime = int(rest.strip())
    else:
        media.other.append(f"a={value}")


def serialize(sdp: SessionDescription) -> str:
    family = "IP6" if ":" in sdp.origin_address else "IP4"
    out = [
        "v=0",
        f"o={sdp.origin_user} {sdp.session_id} {sdp.session_version} IN {family} "
        f"{sdp.origin_address}",
        f"s={sdp.name}",
    ]
    if sdp.connection is not None:
        out.append(f"c=IN {'IP6' if ':' in sdp.connection else 'IP4'} {sdp.connection}")
    out.append(f"t={sdp.timing}")
    out.extend(sdp.other)
    if sdp.direction is not None:
        out.append(f"a={sdp.direction.value}")
    for m in sdp.media:
        out.append(f"m={m.kind} {m.port} {m.proto} {' '.join(m.formats)}")
        if m.connection is not None:
            out.append(f"c=IN {'IP6' if ':' in m.connection else 'IP4'} {m.connection}")
        for pt in m.formats:
            if pt in m.rtpmap:
                out.append(f"a=rtpmap:{pt} {m.rtpmap[pt]}")
            if pt in m.fmtp:
                out.append(f"a=fmtp:{pt} {m.fmtp[pt]}")
        if m.ptime is not None:
            out.append(f"a=ptime:{m.ptime}")
        out.extend(m.other)
        if m.direction is not None:
            out.append(f"a={m.direction.value}")
    return "\r\n".join(out) + "\r\n"


# -- offer / answer --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Negotiated:
    """What both sides agreed: where to send, in which codec, with which DTMF type."""

    address: str
    port: int
    payload_type: int
    codec: str
    dtmf_payload_type: int | None
    direction: Direction
    """Our direction: whether we send and/or receive."""
    ptime: int

    @property
    def on_hold(self) -> bool:
        """The far end stopped listening: it put us on hold (or we put it)."""
        return not self.direction.sends or self.address in HOLD_ADDRESSES


@dataclass(slots=True)
class LocalMedia:
    """Our side of the audio: where we receive, and the codecs we accept in order."""

    address: str
    port: int
    codecs: tuple[int, ...] = (PCMU, PCMA)
    dtmf_payload_type: int = 101
    ptime: int = 20
    session_id: int = 0
    session_version: int = 0

    def next_version(self) -> int:
        """Each new description of this session gets a higher o= version (RFC 3264 §8)."""
        self.session_version += 1
        return self.session_version


def offer(local: LocalMedia, direction: Direction = Direction.SENDRECV) -> SessionDescription:
    """Our offer: our codecs in our order, telephone-event, ptime, direction."""
    formats = [str(pt) for pt in local.codecs] + [str(local.dtmf_payload_type)]
    media = Media(
        kind="audio",
        port=local.port,
        proto="RTP/AVP",
        formats=formats,
        rtpmap={
            **{str(pt): f"{CODECS[pt]}/8000" for pt in local.codecs},
            str(local.dtmf_payload_type): f"{TELEPHONE_EVENT}/8000",
        },
        fmtp={str(local.dtmf_payload_type): "0-16"},
        direction=direction,
        ptime=local.ptime,
    )
    return SessionDescription(
        session_id=local.session_id,
        session_version=local.next_version(),
        origin_address=local.address,
        connection=local.address,
        media=[media],
    )


def _dtmf_type(media: Media) -> str | None:
    for pt in media.formats:
        encoding = media.encoding(pt)
        if encoding is not None and encoding.lower() == TELEPHONE_EVENT and pt.isdigit():
            return pt
    return None


def _first_common_codec(media: Media, local: LocalMedia) -> str | None:
    for pt in media.formats:
        encoding = media.encoding(pt)
        if encoding is None or not pt.isdigit():
            continue
        for ours in local.codecs:
            if encoding.upper() == CODECS[ours] and int(pt) == ours:
                return pt
    return None


def answer(remote: SessionDescription, local: LocalMedia, hold: bool = False) -> SessionDescription:
    """Answer an offer: one audio stream accepted, every other stream rejected (port 0).

    Raises `SdpError` when no audio stream has a codec in common (488).
    `hold=True` answers so that we stop sending (we put the far end on hold).
    """
    accepted = False
    answer_media: list[Media] = []
    for m in remote.media:
        codec = _first_common_codec(m, local) if m.kind == "audio" and m.port else None
        if codec is None or accepted:
            answer_media.append(Media(kind=m.kind, port=0, proto=m.proto, formats=m.formats[:1]))
            continue
        accepted = True
        formats = [codec]
        rtpmap = {codec: f"{CODECS[int(codec)]}/8000"}
        fmtp: dict[str, str] = {}
        dtmf = _dtmf_type(m)
        if dtmf is not None:
            formats.append(dtmf)
            rtpmap[dtmf] = f"{TELEPHONE_EVENT}/8000"
            fmtp[dtmf] = m.fmtp.get(dtmf, "0-15")
        direction = remote.direction_of(m).reversed()
        if hold:
            direction = Direction.SENDONLY if direction.sends else Direction.INACTIVE
        answer_media.append(
            Media(
                kind="audio",
                port=local.port,
                proto=m.proto,
                formats=formats,
                rtpmap=rtpmap,
                fmtp=fmtp,
                direction=direction,
                ptime=m.ptime or local.ptime,
            )
        )
    if not accepted:
        raise SdpError("no audio stream with PCMU or PCMA in the offer")
    return SessionDescription(
        session_id=local.session_id,
        session_version=local.next_version(),
        origin_address=local.address,
        connection=local.address,
        media=answer_media,
    )


def negotiated(ours: SessionDescription, theirs: SessionDescription) -> Negotiated:
    """The result of an exchange, from our side: `ours` is what we sent (offer or
    answer), `theirs` what the far end sent."""
    their_audio = theirs.audio()
    our_audio = ours.audio()
    if their_audio is None or our_audio is None:
        raise SdpError("the audio stream was rejected")
    codec = next(
        (
            pt
            for pt in their_audio.formats
            if pt in our_audio.formats and pt.isdigit() and int(pt) in CODECS
        ),
        None,
    )
    if codec is None:
        raise SdpError("no codec in common")
    dtmf = _dtmf_type(their_audio)
    theirs_dir = theirs.direction_of(their_audio)
    mine = ours.direction_of(our_audio)
    # We send only if both we offered to send and they accept to receive, etc.
    direction = _combine(mine, theirs_dir)
    address = theirs.address_of(their_audio)
    if address in HOLD_ADDRESSES:
        # RFC 2543 hold: the far end will not receive anything we send.
        direction = Direction.RECVONLY if direction.receives else Direction.INACTIVE
    return Negotiated(
        address=address,
        port=their_audio.port,
        payload_type=int(codec),
        codec=CODECS[int(codec)],
        dtmf_payload_type=int(dtmf) if dtmf is not None and dtmf in our_audio.formats else None,
        direction=direction,
        ptime=their_audio.ptime or our_audio.ptime or 20,
    )


def _combine(mine: Direction, theirs: Direction) -> Direction:
    sends = mine.sends and theirs.receives
    receives = mine.receives and theirs.sends
    if sends and receives:
        return Direction.SENDRECV
    if sends:
        return Direction.SENDONLY
    if receives:
        return Direction.RECVONLY
    return Direction.INACTIVE


def with_direction(
    sdp: SessionDescription, direction: Direction, local: LocalMedia
) -> SessionDescription:
    """A new version of our description with the audio direction changed (hold/resume)."""
    media = [
        replace(m, direction=direction) if m.kind == "audio" and m.port else m for m in sdp.media
    ]
    return replace(sdp, media=media, session_version=local.next_version())
