"""SIP parse + serialize throughput (issue 3 §6).

Messages per second through `parse_message` then `encode()`, on a typical INVITE
with SDP (about 900 bytes), a 200 OK and a BYE, with fresh branch, tag and Call-ID
values each time (as real traffic has: the header cache cannot hit on those), and
with repeated values (retransmissions, or one phone's messages).

Run: `.venv/bin/python bench/sip_parse.py`
"""

from __future__ import annotations

import time

from switchboard.sip.parser import parse_message

INVITE = (
    "INVITE sip:1001@10.0.0.1:5060 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bK{n};rport\r\n"
    "Max-Forwards: 70\r\n"
    'From: "Alice Martin" <sip:+33612345678@trunk.example.com>;tag=f{n}\r\n'
    "To: <sip:+33100000100@switchboard.example.com>\r\n"
    "Call-ID: {n}@10.0.0.9\r\n"
    "CSeq: 1 INVITE\r\n"
    "Contact: <sip:+33612345678@10.0.0.9:5060>\r\n"
    "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, INFO\r\n"
    "Supported: replaces, timer\r\n"
    "User-Agent: Trunk/1.0\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: {length}\r\n\r\n"
)
SDP = (
    "v=0\r\no=- 1 1 IN IP4 10.0.0.9\r\ns=-\r\nc=IN IP4 10.0.0.9\r\nt=0 0\r\n"
    "m=audio 30000 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\n"
)
OK = (
    "SIP/2.0 200 OK\r\n"
    "Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bK{n};rport=5060;received=10.0.0.9\r\n"
    "From: <sip:+33612345678@trunk.example.com>;tag=f{n}\r\n"
    "To: <sip:+33100000100@switchboard.example.com>;tag=t{n}\r\n"
    "Call-ID: {n}@10.0.0.9\r\nCSeq: 1 INVITE\r\n"
    "Contact: <sip:switchboard@10.0.0.1:5060>\r\nContent-Length: 0\r\n\r\n"
)
BYE = (
    "BYE sip:switchboard@10.0.0.1:5060 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bKb{n};rport\r\nMax-Forwards: 70\r\n"
    "From: <sip:+33612345678@trunk.example.com>;tag=f{n}\r\n"
    "To: <sip:+33100000100@switchboard.example.com>;tag=t{n}\r\n"
    "Call-ID: {n}@10.0.0.9\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n"
)


def messages(count: int, fresh: bool) -> list[bytes]:
    out = []
    for i in range(count):
        n = f"{i:08x}" if fresh else "0000abcd"
        out.append((INVITE.format(n=n, length=len(SDP)) + SDP).encode())
        out.append(OK.format(n=n).encode())
        out.append(BYE.format(n=n).encode())
    return out


def rate(batch: list[bytes]) -> float:
    start = time.perf_counter()
    for data in batch:
        parse_message(data).encode()
    return len(batch) / (time.perf_counter() - start)


def main() -> None:
    for fresh in (True, False):
        batch = messages(10_000, fresh)
        rate(batch[:3000])  # warm up
        best = max(rate(batch) for _ in range(3))
        label = "fresh ids" if fresh else "repeated"
        print(f"parse+serialize ({label}): {best:,.0f} messages/s (INVITE+SDP, 200, BYE mix)")


if __name__ == "__main__":
    main()
