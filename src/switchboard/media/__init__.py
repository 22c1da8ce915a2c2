"""Media: what the call logic asks of the audio (`engine.MediaEngine`) and the engine
that does it in this process (`rtp_engine.AsyncioMediaEngine`).

Modules, from the wire up: `poller` (one epoll set for every RTP socket, read in
batches), `endpoint` (one port: latching, statistics, DTMF in, jitter buffer),
`stream` (our outgoing RTP stream: relay rewriting, one SSRC across sources),
`ticker` (the drift-free 20 ms clock), `player`, `tones` (ringback), `mixer`,
`recorder`, `endpointer` (when a caller's answer has ended), `wav` (load any common
WAV as 8 kHz mono; write 16-bit WAV), `ports`.
The pure RTP pieces they use live in `switchboard.rtp`.
"""
