from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from textwrap import dedent

import pytest

from switchboard.config import ConfigError, load_tenant

WriteTenant = Callable[[str], Path]
Problems = Callable[[Path], list[str]]


@pytest.fixture
def write_tenant(tmp_path: Path) -> WriteTenant:
    """Writes a YAML text (dedented, leading newline dropped) as `tenant.yaml`."""

    def write(text: str) -> Path:
        path = tmp_path / "tenant.yaml"
        path.write_text(dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write


@pytest.fixture
def problems() -> Problems:
    """Loads a tenant file that must be refused; its problems as `LINE: PATH: MESSAGE`."""

    def load(path: Path) -> list[str]:
        with pytest.raises(ConfigError) as refused:
            load_tenant(path)
        assert all(p.file == str(path) for p in refused.value.problems)
        return [str(p).removeprefix(f"{path}:") for p in refused.value.problems]

    return load
