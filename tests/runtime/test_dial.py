"""`switchboard dial` against real far ends: sipp's UAS echoing our audio, a sipp
callee that is busy, and a called side built from our own stack in the test process
(it hears our DTMF and presses a key back, rings forever, or waits for a Ctrl-C).
Usage errors go through `switchboard.cli.main` like a person's command line."""

from __future__ import annotations

import asyncio
import itertools
import signal
import sys
from pathlib import Path
from types import TracebackType

import pytest

from switchboard.cli import main
from switchboard.media.engine import RemoteMedia
from switchboard.media.rtp_engine import AsyncioMediaEngine
from switchboard.runtime.dialer import DialResult, EndReason, dial
from switchboard.runtime.sip_endpoint import SipEndpoint
from switchboard.sip import sdp
from switchboard.sip.ua import Event, IncomingCall, LegAnswered, LegEnded, UserAgent
from tests.interop.sipp import SippResult, free_udp_port, run_sipp_uas

HOST = "127.0.0.1"


class Callee:
    """The called side on our own stack: rings, answers unless told not to, records
    the RFC 4733 digits it hears and, on hearing `reply_after`, presses `reply`."""

    def __init__(self, *, answer: bool = True, reply_after: str = "", reply: str = "") -> None:
        counter = itertools.count()
        self.endpoint = SipEndpoint(
            lambda host, port: UserAgent(host, port, lambda: f"callee{next(counter)}"),
            self._on_event,
        )
        self.media = AsyncioMediaEngine(HOST, (33000, 33999), inactivity_timeout=None)
        self.media.on_dtmf = self._on_dtmf
        self.answer, self.reply_after, self.reply = answer, reply_after, reply
        self.port = 0
        self.digits: list[str] = []
        self.ringing = asyncio.Event()
        self.ended = asyncio.Event()
        self.end: LegEnded | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def __aenter__(self) -> Callee:
        await self.media.start()
        _, self.port = await self.endpoint.start(HOST, 0, tcp=False)
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await self.endpoint.stop()
        await self.media.stop()

    @property
    def server(self) -> str:
        return f"{HOST}:{self.port}"

    def _on_event(self, event: Event) -> None:
        if isinstance(event, IncomingCall):
            task = asyncio.get_running_loop().create_task(self._incoming(event))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        elif isinstance(event, LegAnswered):
            media = event.media
            remote = RemoteMedia(
                media.address, media.port, media.payload_type, media.dtmf_payload_type
            )
            self.media.connect("callee", remote)
        elif isinstance(event, LegEnded):
            self.end = event
            self.ended.set()

    async def _incoming(self, event: IncomingCall) -> None:
        ua = self.endpoint.ua
        assert ua is not None
        self.endpoint.run(ua.ring(event.leg, self.endpoint.clock.now()))
        self.ringing.set()
        if self.answer:
            port = await self.media.open("callee")
            local = sdp.LocalMedia(HOST, port)
            self.endpoint.run(ua.answer(event.leg, local, self.endpoint.clock.now()))

    def _on_dtmf(self, endpoint_id: str, digit: str) -> None:
        self.digits.append(digit)
        if digit == self.reply_after and self.reply:
            self.media.send_dtmf(endpoint_id, self.reply)


def test_a_call_answered_by_sipp_lasts_its_duration_with_our_audio_echoed(
    tmp_path: Path,
) -> None:
    async def scenario() -> tuple[DialResult, SippResult, list[str], int]:
        port = free_udp_port()
        uas = asyncio.create_task(run_sipp_uas(port, tmp_path / "sipp", timeout=15))
        lines: list[str] = []
        result = await dial(
            "3001", server=f"{HOST}:{port}", duration=1.5, timeout=5, say=lines.append
        )
        return result, await uas, lines, port

    result, uas, lines, port = asyncio.run(scenario())

    assert uas.successful == 1, uas.log  # sipp got its BYE
    assert result.answered
    assert result.end_reason is EndReason.HUNG_UP
    assert result.talk_time is not None
    assert 1.4 <= result.talk_time < 2.5
    # 20 ms packets: the tone went out for 1.5 s and sipp sent it back
    assert result.packets_sent > 60, result
    assert result.packets_received > 40, result
    assert result.exit_status == 0
    assert lines[0] == f"Calling 3001 at {HOST}:{port}…"
    assert lines[-2:] == ["Answered", "Hung up after 1.5 s"]


def test_a_busy_callee_fails_the_call_with_exit_status_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async def scenario() -> tuple[int, SippResult]:
        port = free_udp_port()
        uas = asyncio.create_task(
            run_sipp_uas(port, tmp_path / "sipp", scenario="callee_busy", timeout=15)
        )
        argv = ["dial", "3001", "--server", f"{HOST}:{port}", "--timeout", "5"]
        status = await asyncio.to_thread(main, argv)  # main runs its own event loop
        return status, await uas

    status, uas = asyncio.run(scenario())

    out, err = capsys.readouterr()
    assert status == 1
    assert out.splitlines()[-1] == "Call failed: 486 Busy Here"
    assert err == ""
    assert uas.successful == 1, uas.log  # sipp got the ACK of its 486


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["dial", "30x1"], "NUMBER '30x1' is not a phone number"),
        (["dial", "3001", "--server", "127.0.0.1:port"], "the port must be a number"),
        (["dial", "3001", "--server", "bad host:5060"], "is not a host name or address"),
        (["dial", "3001", "--play", "no/such/file.wav"], "no/such/file.wav: cannot be read"),
        (["dial", "3001", "--dtmf", "12x"], "'x' is not a DTMF digit"),
        (["dial", "3001", "--from", "alice"], "--from 'alice' is not a phone number"),
    ],
)
def test_usage_errors_exit_2_with_one_line_on_stderr(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(argv)

    out, err = capsys.readouterr()
    assert status == 2
    assert out == ""  # no call was placed
    assert err.startswith("switchboard dial: ")
    assert message in err
    assert err.count("\n") == 1


def test_dtmf_reaches_the_callee_in_order_and_its_reply_is_heard() -> None:
    async def scenario() -> tuple[DialResult, list[str], list[str]]:
        async with Callee(reply_after="#", reply="5") as callee:
            lines: list[str] = []
            result = await dial(
                "3001",
                server=callee.server,
                dtmf="12#",
                dtmf_delay=0.2,
                duration=2.5,
                timeout=5,
                say=lines.append,
            )
            return result, callee.digits, lines

    result, heard_by_callee, lines = asyncio.run(scenario())

    assert heard_by_callee == ["1", "2", "#"]
    assert result.digits_heard == ("5",)
    assert "Sent DTMF 12#" in lines
    assert "Heard DTMF 5" in lines
    assert result.exit_status == 0


def test_a_call_nobody_answers_is_cancelled_after_the_timeout() -> None:
    async def scenario() -> tuple[DialResult, LegEnded | None, list[str]]:
        async with Callee(answer=False) as callee:
            lines: list[str] = []
            result = await dial("3001", server=callee.server, timeout=1, say=lines.append)
            await asyncio.wait_for(callee.ended.wait(), timeout=5)
            return result, callee.end, lines

    result, callee_end, lines = asyncio.run(scenario())

    assert not result.answered
    assert result.end_reason is EndReason.NO_ANSWER
    assert result.exit_status == 1
    assert lines[1:] == ["Ringing", "No answer within 1 s"]
    assert callee_end is not None
    assert callee_end.reason == "cancelled"  # the callee got our CANCEL


def test_cancelling_while_it_rings_sends_cancel() -> None:
    async def scenario() -> tuple[LegEnded | None, list[str]]:
        async with Callee(answer=False) as callee:
            lines: list[str] = []
            call = asyncio.create_task(dial("3001", server=callee.server, say=lines.append))
            await asyncio.wait_for(callee.ringing.wait(), timeout=5)
            call.cancel()  # what Ctrl-C does under asyncio.run
            with pytest.raises(asyncio.CancelledError):
                await call
            await asyncio.wait_for(callee.ended.wait(), timeout=5)
            return callee.end, lines

    callee_end, lines = asyncio.run(scenario())

    assert callee_end is not None
    assert callee_end.reason == "cancelled"
    assert lines[-1] == "Cancelled the call"


def test_ctrl_c_during_the_call_hangs_up_with_bye_and_exits_130() -> None:
    # The child resets SIGINT to Python's handler: a runner started in the background
    # may have left it ignored, and a person's Ctrl-C is what is being tried here.
    child = (
        "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
        "from switchboard.cli import main; sys.exit(main(sys.argv[1:]))"
    )

    async def scenario() -> tuple[int, str, str, LegEnded | None]:
        async with Callee() as callee:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-c",
                child,
                "dial",
                "3001",
                "--server",
                callee.server,
                "--duration",
                "60",
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            assert process.stdout is not None and process.stderr is not None
            shown = ""
            while not shown.endswith("Answered\n"):
                line = await asyncio.wait_for(process.stdout.readline(), timeout=10)
                assert line, shown  # the dialer stopped before the answer
                shown += line.decode()
            process.send_signal(signal.SIGINT)
            await asyncio.wait_for(callee.ended.wait(), timeout=5)
            rest, err = await asyncio.wait_for(process.communicate(), timeout=5)
            assert process.returncode is not None
            return process.returncode, shown + rest.decode(), err.decode(), callee.end

    status, out, err, callee_end = asyncio.run(scenario())

    assert status == 130
    assert out.splitlines()[-1].startswith("Hung up after ")
    assert "Traceback" not in err
    assert callee_end is not None
    assert (callee_end.by_remote, callee_end.reason) == (True, "hangup")  # our BYE
