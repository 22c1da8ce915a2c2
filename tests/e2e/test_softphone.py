"""The Banner's softphone at the server: a WebRTC peer (aiortc here, playing the
browser's part; the Banner's own tests drive Chromium) posts its offer, gets the
answer, and once its agent accepts a sipp customer's call the two hear each other:
the customer's 1 kHz tone reaches the softphone, the softphone's 440 Hz voice
reaches the customer's leg."""

from __future__ import annotations

import asyncio
import fractions
import os
import signal
import wave
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from aiortc import MediaStreamTrack, RTCConfiguration, RTCPeerConnection, RTCSessionDescription

from switchboard.config.model import Device, Tenant
from switchboard.runtime.softphone_workers import SoftphoneWorkers
from tests.interop.sipp import SippResult
from tests.media.farend import band_share

from .harness import Api, running_api

RATE = 8000
FRAME = 160


class Voice(MediaStreamTrack):
    """The agent's microphone: a 440 Hz tone, 20 ms at a time."""

    kind = "audio"

    def __init__(self) -> None:
        super().__init__()
        self.pts = 0

    async def recv(self) -> av.AudioFrame:
        await asyncio.sleep(FRAME / RATE)
        t = (self.pts + np.arange(FRAME)) / RATE
        samples = (0.3 * 32767 * np.sin(2 * np.pi * 440.0 * t)).astype(np.int16)
        frame = av.AudioFrame(format="s16", layout="mono", samples=FRAME)
        frame.planes[0].update(samples.tobytes())
        frame.sample_rate = RATE
        frame.pts = self.pts
        frame.time_base = fractions.Fraction(1, RATE)
        self.pts += FRAME
        return frame


def _banner_alice(tenant: Tenant) -> Tenant:
    agents = [
        a.model_copy(update={"device": Device.BANNER}) if a.id == "alice" else a
        for a in tenant.agents
    ]
    return tenant.model_copy(update={"agents": agents})


def _loudest_hz(samples: np.ndarray[Any, np.dtype[np.int16]], rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples.astype(np.float64)))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[int(np.argmax(spectrum[1:])) + 1])


async def _connect(
    api: Api, token: str
) -> tuple[RTCPeerConnection, MediaStreamTrack, tuple[int, dict[str, str]]]:
    """A browser's part: offer, the server's answer, and the track it sends us."""
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.addTrack(Voice())
    heard: asyncio.Future[MediaStreamTrack] = asyncio.get_running_loop().create_future()
    pc.on("track", lambda track: heard.set_result(track))
    await pc.setLocalDescription(await pc.createOffer())
    response = await api.call(
        token, "POST", "/softphone", {"type": "offer", "sdp": pc.localDescription.sdp}
    )
    await pc.setRemoteDescription(RTCSessionDescription(**response.json()))
    return pc, await asyncio.wait_for(heard, 10), (response.status_code, response.json())


async def _answer_a_customer(api: Api, token: str) -> tuple[str, asyncio.Task[SippResult]]:
    """A sipp customer calls Sales and the agent accepts: the call's id once it is
    connected, and the customer's task."""
    customer = api.running.customer("caller_waits", to="sales")
    async with api.events(token) as stream:
        view = await stream.until(lambda v: v["popup"] is not None, timeout=15)
        await api.call(token, "POST", f"/offers/{view['popup']['offer_id']}/accept")
        view = await stream.until(
            lambda v: bool(v["calls"]) and v["calls"][0]["state"] == "connected"
        )
    return str(view["calls"][0]["call_id"]), customer


IN_PROCESS_OR_WORKER = pytest.mark.parametrize(
    "workers", [0, 1], ids=["in-process", "worker-process"]
)
"""The softphones in the server's process, or in a worker process (`serve`'s default)."""


@IN_PROCESS_OR_WORKER
def test_a_softphone_agent_and_a_sip_customer_hear_each_other(tmp_path: Path, workers: int) -> None:
    async def scenario() -> dict[str, Any]:
        out: dict[str, Any] = {}
        async with running_api(tmp_path, edit=_banner_alice, softphone_workers=workers) as api:
            token = await api.login("alice")
            await api.call(token, "POST", "/status", {"state": "available"})
            pc, track, out["answer"] = await _connect(api, token)
            call_id, customer = await _answer_a_customer(api, token)
            await api.call(token, "POST", f"/calls/{call_id}/recording/start")
            telephony = api.running.server.telephony
            remote = telephony.calls[call_id].remote
            assert remote is not None
            line = telephony.softphones["alice"]
            out["wiring"] = telephony.wiring(remote.endpoint)
            out["line"] = line.endpoint
            # Both ways, through the media engine: half a second of audio each.
            out["flows"] = await api.running.audio_flows([remote.endpoint, line.endpoint])
            # What the softphone hears: skip the first frames (ringing, then bridging).
            pcm: list[np.ndarray[Any, np.dtype[np.int16]]] = []
            for _ in range(100):
                frame = await asyncio.wait_for(track.recv(), 5)
                assert isinstance(frame, av.AudioFrame)
                mono = frame.to_ndarray().reshape(-1, frame.samples)[0]
                pcm.append(mono.astype(np.int16))
                out["rate"] = frame.sample_rate
            out["softphone_hears"] = np.concatenate(pcm[-50:])
            stopped = await api.call(token, "POST", f"/calls/{call_id}/recording/stop")
            await api.call(token, "POST", f"/calls/{call_id}/hangup")
            record = await asyncio.wait_for(api.running.persisted.get(), 10)
            wav = await api.call(token, "GET", f"/recordings/{record.recordings[0].id}")
            out["recording"] = stopped.status_code, wav.status_code, wav.content
            out["customer"] = await customer
            await pc.close()
        return out

    out = asyncio.run(scenario())
    status, answer = out["answer"]
    assert status == 200 and answer["type"] == "answer" and "a=rtpmap:0 PCMU" in answer["sdp"]
    kind, how, members, _ = out["wiring"]
    assert (kind, how) == ("group", "bridge") and out["line"] in members
    assert _loudest_hz(out["softphone_hears"], out["rate"]) == pytest.approx(1000.0, abs=25.0)
    assert out["customer"].successful == 1, out["customer"].log
    # The call's recording holds both voices: the customer's and the softphone's.
    stopped, fetched, body = out["recording"]
    assert (stopped, fetched) == (200, 200)
    (tmp_path / "call.wav").write_bytes(body)
    with wave.open(str(tmp_path / "call.wav")) as recording:
        assert recording.getnchannels() == 1  # the voices mixed
        samples = np.frombuffer(recording.readframes(recording.getnframes()), dtype=np.int16)
    assert band_share(samples, 440.0) > 0.1 and band_share(samples, 1000.0) > 0.1


def test_the_softphone_refuses_phone_agents_and_unreadable_offers(tmp_path: Path) -> None:
    async def scenario() -> dict[str, Any]:
        out: dict[str, Any] = {}
        async with running_api(tmp_path, edit=_banner_alice) as api:
            bruno = await api.login("bruno")  # a SIP phone agent
            offer = {"type": "offer", "sdp": "v=0\r\n"}
            out["phone"] = await api.call(bruno, "POST", "/softphone", offer)
            alice = await api.login("alice")
            out["garbage"] = await api.call(alice, "POST", "/softphone", offer)
            out["answerless"] = await api.call(alice, "POST", "/softphone", {"type": "answer"})
            out["telephony"] = dict(api.running.server.telephony.softphones)
            # Bruno chooses the Banner: his softphone is now welcome.
            out["switch"] = await api.call(bruno, "PUT", "/device", {"device": "banner"})
            out["bruno_again"] = await api.call(bruno, "POST", "/softphone", offer)
            out["bad_device"] = await api.call(bruno, "PUT", "/device", {"device": "fax"})
        return out

    out = asyncio.run(scenario())
    assert out["phone"].status_code == 409
    assert out["phone"].json()["error"] == "not_a_banner_device"
    assert out["garbage"].status_code == 422, out["garbage"].text
    assert "WebRTC offer" in out["garbage"].json()["message"]
    assert out["answerless"].status_code == 422
    assert out["telephony"] == {}
    assert out["switch"].status_code == 200
    assert out["switch"].json()["agent"]["device"] == "banner"
    assert out["bruno_again"].status_code == 422  # past the device check: the offer is bad
    assert out["bad_device"].status_code == 422


@IN_PROCESS_OR_WORKER
def test_a_reloaded_banner_gets_the_calls_audio_back(tmp_path: Path, workers: int) -> None:
    async def scenario() -> dict[str, Any]:
        out: dict[str, Any] = {}
        async with running_api(tmp_path, edit=_banner_alice, softphone_workers=workers) as api:
            token = await api.login("alice")
            await api.call(token, "POST", "/status", {"state": "available"})
            first, _, _ = await _connect(api, token)
            call_id, customer = await _answer_a_customer(api, token)
            telephony = api.running.server.telephony
            before = telephony.softphones["alice"].endpoint
            # The page reloads mid-call: a new session replaces the old one.
            second, _, out["answer"] = await _connect(api, token)
            await first.close()
            await api.running.until(
                lambda: (
                    "alice" in telephony.softphones
                    and telephony.softphones["alice"].endpoint != before
                )
            )
            line = telephony.softphones["alice"].endpoint
            remote = telephony.calls[call_id].remote
            assert remote is not None
            out["flows"] = await api.running.audio_flows([remote.endpoint, line])
            out["old_line_open"] = before in telephony._ports
            await api.call(token, "DELETE", "/softphone")
            await api.running.until(lambda: "alice" not in telephony.softphones)
            out["after_close"] = list(api.running.server.center.calls[call_id].agents)
            await api.call(token, "POST", f"/calls/{call_id}/hangup")
            out["customer"] = await customer
            await second.close()
        return out

    out = asyncio.run(scenario())
    assert out["answer"][0] == 200
    assert len(out["flows"]) == 2
    assert out["old_line_open"] is False
    assert out["after_close"] == ["alice"]  # still on the call, without audio
    assert out["customer"].successful == 1, out["customer"].log


def test_a_dead_softphone_worker_loses_no_call(tmp_path: Path) -> None:
    """The worker process holding Alice's softphone is killed mid-call: she stays on
    the call (without audio: her line is dropped), and her Banner's next offer starts
    a new worker whose session rejoins the call, with audio both ways again."""

    async def scenario() -> dict[str, Any]:
        out: dict[str, Any] = {}
        async with running_api(tmp_path, edit=_banner_alice, softphone_workers=1) as api:
            server = api.running.server
            assert isinstance(server.softphone, SoftphoneWorkers)
            token = await api.login("alice")
            await api.call(token, "POST", "/status", {"state": "available"})
            first, _, _ = await _connect(api, token)
            call_id, customer = await _answer_a_customer(api, token)
            telephony = server.telephony
            await api.running.until(lambda: "alice" in telephony.softphones)
            (worker,) = server.softphone.workers
            assert worker.process is not None
            out["first_pid"] = worker.process.pid
            worker.process.kill()
            await api.running.until(lambda: "alice" not in telephony.softphones)
            out["after_kill"] = (
                server.center.calls[call_id].state.value,
                list(server.center.calls[call_id].agents),
            )
            await first.close()
            second, _, out["answer"] = await _connect(api, token)
            await api.running.until(lambda: "alice" in telephony.softphones)
            assert worker.process is not None
            out["second_pid"] = worker.process.pid
            remote = telephony.calls[call_id].remote
            assert remote is not None
            line = telephony.softphones["alice"].endpoint
            out["flows"] = await api.running.audio_flows([remote.endpoint, line])
            await api.call(token, "POST", f"/calls/{call_id}/hangup")
            out["customer"] = await customer
            await second.close()
        return out

    out = asyncio.run(scenario())
    assert out["after_kill"] == ("connected", ["alice"])
    assert out["answer"][0] == 200
    assert out["second_pid"] != out["first_pid"]  # a new worker
    assert len(out["flows"]) == 2
    assert out["customer"].successful == 1, out["customer"].log


def _banner_alice_and_bruno(tenant: Tenant) -> Tenant:
    agents = [
        a.model_copy(update={"device": Device.BANNER}) if a.id in ("alice", "bruno") else a
        for a in tenant.agents
    ]
    return tenant.model_copy(update={"agents": agents})


def _worker_children() -> list[int]:
    """This process's children running a softphone worker (orphans would show)."""
    me, found = str(os.getpid()), []
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = status.read_text().rsplit(")", 1)[1].split()[1]
            command = (status.parent / "cmdline").read_bytes()
        except (OSError, IndexError):
            continue  # a process that ended meanwhile
        if parent == me and b"softphone_worker" in command:
            found.append(int(status.parent.name))
    return sorted(found)


def test_two_workers_share_the_agents_and_ignore_a_stop_signal(tmp_path: Path) -> None:
    """With two workers, Alice's and Bruno's sessions go one to each. A SIGTERM (the
    whole process group gets it when the server is stopped) leaves them running for
    the server's graceful stop. Both killed, two offers at once start each worker
    once, with no process left over."""

    async def scenario() -> dict[str, Any]:
        out: dict[str, Any] = {}
        async with running_api(tmp_path, edit=_banner_alice_and_bruno, softphone_workers=2) as api:
            softphone = api.running.server.softphone
            assert isinstance(softphone, SoftphoneWorkers)
            tokens = [await api.login("alice"), await api.login("bruno")]
            peers = await asyncio.gather(*(_connect(api, t) for t in tokens))
            out["spread"] = sorted(len(w.sessions) for w in softphone.workers)
            pids = [w.process.pid for w in softphone.workers if w.process is not None]
            for pid in pids:
                os.kill(pid, signal.SIGTERM)
            third = await _connect(api, tokens[0])  # a round trip after the signal
            out["after_term"] = [w.alive for w in softphone.workers]
            for worker in softphone.workers:
                assert worker.process is not None
                worker.process.kill()
            telephony = api.running.server.telephony
            await api.running.until(lambda: not telephony.softphones)
            again = await asyncio.gather(*(_connect(api, t) for t in tokens))
            out["answers"] = [status for _, _, (status, _) in again]
            out["restarted"] = [w.alive for w in softphone.workers]
            out["children"] = len(_worker_children())
            for pc, _, _ in [*peers, third, *again]:
                await pc.close()
        out["children_after_stop"] = len(_worker_children())
        return out

    out = asyncio.run(scenario())
    assert out["spread"] == [1, 1]
    assert out["after_term"] == [True, True]
    assert out["answers"] == [200, 200]
    assert out["restarted"] == [True, True]
    assert out["children"] == 2
    assert out["children_after_stop"] == 0
