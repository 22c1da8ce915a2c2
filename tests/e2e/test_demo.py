"""What a new user does: `switchboard demo` in a fresh directory, an agent logs in
through the API, `switchboard dial` calls the Sales number and reaches the agent;
SIGTERM stops the demo cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from switchboard.store.store import Store
from tests.interop.baresip import free_port as free_tcp_port
from tests.interop.sipp import free_udp_port

from .harness import REPO

SWITCHBOARD = Path(sys.executable).parent / "switchboard"


def switchboard_dial(number: str, sip_port: int, *options: str) -> subprocess.CompletedProcess[str]:
    """`switchboard dial NUMBER` against the demo, as the banner tells a new user."""
    return subprocess.run(  # noqa: S603 (fixed arguments, no shell)
        [str(SWITCHBOARD), "dial", number, "--server", f"127.0.0.1:{sip_port}", *options],
        capture_output=True,
        text=True,
        timeout=30,
    )


@dataclass(frozen=True)
class Demo:
    """`switchboard demo` running in a fresh directory: its ports and what it printed
    until it listened."""

    process: subprocess.Popen[str]
    sip_port: int
    http_port: int
    banner: str
    """What it printed at start (the logins, the numbers to dial)."""
    reader: threading.Thread
    rest: list[str]
    """What it printed after (read as it comes, so that a full pipe never blocks it)."""

    def stop(self) -> str:
        """SIGTERM, as Ctrl-C in `make run`; what it printed after its start."""
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=20)
        self.reader.join(timeout=5)
        return "".join(self.rest)


@contextmanager
def running_demo(directory: Path) -> Iterator[Demo]:
    """Start the demo as `make run` does (on free ports) and wait until it listens;
    kill it if the test did not stop it."""
    sip_port = free_udp_port()
    http_port = free_tcp_port()
    demo = subprocess.Popen(  # noqa: S603 (fixed arguments, no shell)
        [
            str(SWITCHBOARD),
            "demo",
            "--config",
            str(REPO / "examples" / "demo.yaml"),
            "--sip-listen",
            f"127.0.0.1:{sip_port}",
            "--http-listen",
            f"127.0.0.1:{http_port}",
            "--rtp-ports",
            "34000-34999",
            "--grace",
            "2",
        ],
        cwd=directory,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    reader: threading.Thread | None = None
    try:
        assert demo.stdout is not None
        printed = []
        for line in demo.stdout:  # the demo says where it listens once it does
            printed.append(line)
            if line.startswith("Switchboard: SIP on"):
                break
        stdout = demo.stdout
        rest: list[str] = []
        reader = threading.Thread(target=lambda: rest.extend(stdout), daemon=True)
        reader.start()
        yield Demo(demo, sip_port, http_port, "".join(printed), reader, rest)
    finally:
        if demo.poll() is None:
            os.kill(demo.pid, signal.SIGKILL)
            demo.wait()
        if reader is not None:
            reader.join(timeout=5)  # it ends at the pipe's end, once the demo is gone
        if demo.stdout is not None:
            demo.stdout.close()


def test_the_demo_serves_and_switchboard_dial_reaches_an_agent(tmp_path: Path) -> None:
    with running_demo(tmp_path) as running:
        demo, sip_port, text = running.process, running.sip_port, running.banner
        assert "alice / alice-demo" in text
        assert f"switchboard dial +18005550100 --server 127.0.0.1:{sip_port}" in text
        api = f"http://127.0.0.1:{running.http_port}/api/v1"
        with httpx.Client(timeout=10) as client:
            login = client.post(f"{api}/login", json={"login": "bruno", "password": "bruno-demo"})
            assert login.status_code == 200, login.text
            auth = {"Authorization": f"Bearer {login.json()['token']}"}
            ready = client.post(f"{api}/status", json={"state": "available"}, headers=auth)
            assert ready.status_code == 200, ready.text
            dial = switchboard_dial("+18005550100", sip_port, "--duration", "1.5")
            assert dial.returncode == 0, dial.stdout + dial.stderr
            assert "Answered" in dial.stdout
            me = client.get(f"{api}/me", headers=auth).json()
            # Bruno's profile answers by itself: the call reached him, now he wraps up
            assert me["agent"]["state"] == "post_interaction", me
            history = client.get(f"{api}/history", headers=auth).json()
            assert len(history) == 1 and history[0]["caller"] == "+33100000000"
            # The main line answers with its IVR: the welcome, the opening hours, then
            # the menu (1 for Sales) or the after-hours mailbox, depending on the time.
            ivr = switchboard_dial("+18005550199", sip_port, "--dtmf", "1", "--duration", "4")
            assert ivr.returncode == 0, ivr.stdout + ivr.stderr
            assert "Answered" in ivr.stdout and "Sent DTMF 1" in ivr.stdout
        rest = running.stop()
        assert demo.returncode == 0, rest
        assert "Traceback" not in rest
        assert (tmp_path / "var" / "switchboard.db").is_file()
        with Store.open(f"sqlite:///{tmp_path / 'var' / 'switchboard.db'}") as store:
            [ivr_call] = [r for r in store.history(limit=10) if r.callee == "+18005550199"]
        steps = [e.detail["node"] for e in ivr_call.timeline if e.kind == "flow_step"]
        assert steps[:2] == ["welcome", "hours"], steps
