"""The rtp package is sans-IO (DESIGN §1): no clock, no sockets, no threads, no loop."""

from __future__ import annotations

import ast
from pathlib import Path

import switchboard.rtp

FORBIDDEN = {"asyncio", "socket", "threading", "time", "selectors", "multiprocessing"}
PACKAGE = Path(switchboard.rtp.__file__).parent


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def test_no_module_of_the_rtp_package_imports_io_or_time() -> None:
    modules = sorted(PACKAGE.glob("*.py"))

    assert len(modules) >= 6
    offenders = {m.name: imported_modules(m) & FORBIDDEN for m in modules}
    assert {name: found for name, found in offenders.items() if found} == {}
