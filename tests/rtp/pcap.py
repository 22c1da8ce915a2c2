"""Just enough of the pcap format to replay sipp's captures: the classic libpcap file
(global header, then records), Ethernet II, IPv4 and UDP. Written here with `struct`
so that the tests need no capture library.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import pytest

SIPP_PCAPS = Path("/usr/share/sip-tester")

_MAGIC = {0xA1B2C3D4: ("<", 1e-6), 0xA1B23C4D: ("<", 1e-9)}
_LINKTYPE_ETHERNET = 1
_ETHERTYPE_IPV4 = 0x0800
_PROTOCOL_UDP = 17


@dataclass(frozen=True)
class Datagram:
    time: float
    source: tuple[str, int]
    destination: tuple[str, int]
    payload: bytes


def _address(raw: bytes, port: int) -> tuple[str, int]:
    return ".".join(str(octet) for octet in raw), port


def read_udp(path: Path) -> list[Datagram]:
    """Every UDP datagram over IPv4 over Ethernet in the capture, in file order."""
    data = path.read_bytes()
    magic = int.from_bytes(data[:4], "little")
    if magic in _MAGIC:
        order, unit = _MAGIC[magic]
    elif int.from_bytes(data[:4], "big") in _MAGIC:
        order, unit = ">", _MAGIC[int.from_bytes(data[:4], "big")][1]
    else:
        raise ValueError(f"{path}: not a pcap file (magic {data[:4].hex()})")
    *_, linktype = struct.unpack_from(order + "IHHiIII", data)
    if linktype != _LINKTYPE_ETHERNET:
        raise ValueError(f"{path}: link type {linktype}, only Ethernet is read")
    out: list[Datagram] = []
    offset = 24
    while offset + 16 <= len(data):
        seconds, fraction, captured, _ = struct.unpack_from(order + "IIII", data, offset)
        frame = data[offset + 16 : offset + 16 + captured]
        offset += 16 + captured
        (ethertype,) = struct.unpack_from("!H", frame, 12)
        if ethertype != _ETHERTYPE_IPV4:
            continue
        ip = frame[14:]
        header_length = (ip[0] & 0x0F) * 4
        (total_length,) = struct.unpack_from("!H", ip, 2)
        if ip[9] != _PROTOCOL_UDP:
            continue
        udp = ip[header_length:total_length]
        source_port, destination_port, udp_length = struct.unpack_from("!HHH", udp)
        out.append(
            Datagram(
                time=seconds + fraction * unit,
                source=_address(ip[12:16], source_port),
                destination=_address(ip[16:20], destination_port),
                payload=bytes(udp[8:udp_length]),
            )
        )
    return out


def sipp_pcap(name: str) -> Path:
    """The path of one of sipp's bundled captures, or skip the test saying how to get it."""
    path = SIPP_PCAPS / name
    if not path.exists():
        pytest.skip(f"{path} is missing: install Debian's sip-tester (apt-get install sip-tester)")
    return path
