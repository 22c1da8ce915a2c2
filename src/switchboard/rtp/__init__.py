"""RTP, sans-IO: packets (`packet`), G.711 (`g711`), RFC 4733 DTMF (`dtmf`, with RFC 2198
redundancy in `red`), a jitter buffer (`jitter`) and per-stream bookkeeping (`session`).

Nothing here reads a clock or touches a socket: time comes in as `now`, deadlines go out
as `next_deadline()`, and the media layer does the I/O.
"""
