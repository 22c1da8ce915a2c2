"""The demo tenant as test material: where it is, and copies of it to break."""

from __future__ import annotations

import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
DEMO = EXAMPLES / "demo.yaml"
MAIN_FLOW = EXAMPLES / "flows" / "main.yaml"
"""The demo's Smart Routing flow, written in its own file."""

DEMO_LOGINS = ["alice", "bruno", "chloe", "david", "samira"]
"""The agents of the demo; each one's password is its login + "-demo"."""


def copy_demo(directory: Path) -> Path:
    """A copy of the demo, its flow files and its media in `directory`, free to edit."""
    shutil.copytree(EXAMPLES / "media", directory / "media")
    shutil.copytree(EXAMPLES / "flows", directory / "flows")
    return Path(shutil.copy(DEMO, directory / "demo.yaml"))


def index_of(lines: list[str], needle: str, start: int = 0) -> int:
    """The 0-based index of the first line from `start` containing `needle`."""
    for index in range(start, len(lines)):
        if needle in lines[index]:
            return index
    raise AssertionError(f"no line containing {needle!r} after line {start + 1}")


def line_of(path: Path, needle: str) -> int:
    """The 1-based line number of the only line of `path` containing `needle`."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found = [number for number, line in enumerate(lines, start=1) if needle in line]
    assert len(found) == 1, f"{needle!r} is on lines {found}"
    return found[0]
