"""Whatever a file holds, `check-config` answers 0 or 1 with readable problems.

Hypothesis writes arbitrary text, bytes, YAML-looking token soups, random
structures and mutations of the demo and of its flow file, and runs the command on
each. It must never raise, and a refusal must be lines of `FILE[:LINE]: ...` (the
tenant file, or a flow file it names), never a traceback.
"""

from __future__ import annotations

import io
import re
import shutil
from collections.abc import Sequence
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from switchboard.cli import main

from .demo import DEMO, EXAMPLES, MAIN_FLOW


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One directory for all examples (Hypothesis reruns a test, not its fixtures)."""
    directory = tmp_path_factory.mktemp("robustness")
    shutil.copytree(EXAMPLES / "media", directory / "media")
    shutil.copytree(EXAMPLES / "flows", directory / "flows")
    return directory


def check(path: Path, content: bytes, flow_files: Sequence[Path] = ()) -> None:
    """`check-config` on `content` written at `path`; a problem may also be in one of
    the `flow_files` the tenant names."""
    path.write_bytes(content)
    out, err = io.StringIO(), io.StringIO()

    with redirect_stdout(out), redirect_stderr(err):
        status = main(["check-config", str(path)])

    assert status in (0, 1)
    if status == 0:
        assert (out.getvalue(), err.getvalue()) == ("OK\n", "")
    else:
        assert out.getvalue() == ""
        lines = err.getvalue().splitlines()
        assert lines
        files = "|".join(re.escape(str(file)) for file in (path, *flow_files))
        for line in lines:
            assert re.match(rf"^({files})(:\d+)?: \S", line), line
        assert "Traceback" not in err.getvalue()


YAML_TOKENS = [
    "- ", ": ", "{", "}", "[", "]", ", ", "&a ", "*a", "&b ", "*b", "<<: ", "? ", "|",
    ">", "'", '"', "#", "\n", "\n  ", "\n    ", "\t", "---\n", "...\n", "%YAML 1.1\n",
    "!!int ", "!!str ", "!!binary ", "!!set ", "!!omap ", "!!python/name:os.system ",
    "!local ", "~", "null", "yes", "1e400", "-0", "0o17", "0x1F", ".nan", "2024-02-30",
    "profiles", "queues", "agents", "id", "name", "sales", "overflow", "action", "queue",
    "target", "max_wait", "+18005550100", "x", "é", "\u2028", "\x85", "\ufeff",
]  # fmt: skip

FIELDS = [
    "settings", "profiles", "queues", "agents", "inbound_numbers", "directory",
    "crm_contacts", "qualification_forms", "tags", "hold_music", "flows", "id", "name",
    "number", "queue", "agent", "flow", "profile", "extension", "password_hash",
    "overflow", "no_agent", "action", "target", "max_wait", "max_size", "fields",
    "options", "kind", "file", "supervises", "strategy", "notifications",
]  # fmt: skip

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.sampled_from(["sales", "support", "standard", "alice", "queue", "flow", "choice"]),
    st.text(max_size=20),
)
structures = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), children, max_size=5),
    ),
    max_leaves=30,
)


@settings(deadline=None)
@given(text=st.text())
def test_any_text(scratch: Path, text: str) -> None:
    check(scratch / "text.yaml", text.encode("utf-8", "surrogatepass"))


@settings(deadline=None)
@given(content=st.binary())
def test_any_bytes(scratch: Path, content: bytes) -> None:
    check(scratch / "bytes.yaml", content)


@settings(deadline=None)
@given(tokens=st.lists(st.sampled_from(YAML_TOKENS), max_size=40))
def test_yaml_token_soup(scratch: Path, tokens: list[str]) -> None:
    check(scratch / "soup.yaml", "".join(tokens).encode("utf-8"))


@settings(deadline=None)
@given(document=st.dictionaries(st.sampled_from(FIELDS), structures, max_size=6))
def test_random_structures(scratch: Path, document: dict[str, object]) -> None:
    check(scratch / "structure.yaml", yaml.safe_dump(document, allow_unicode=True).encode())


def _paths(value: object, path: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*path, index))
    return found


DEMO_DATA: dict[str, object] = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
DEMO_PATHS = [path for path in _paths(DEMO_DATA) if path]


@settings(deadline=None)
@given(changes=st.lists(st.tuples(st.sampled_from(DEMO_PATHS), structures), min_size=1, max_size=3))
def test_mutations_of_the_demo(
    scratch: Path, changes: list[tuple[tuple[str | int, ...], object]]
) -> None:
    document = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    for path, value in changes:
        parent = document
        try:
            for part in path[:-1]:
                parent = parent[part]
            parent[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed this path
    check(
        scratch / "demo.yaml",
        yaml.safe_dump(document, allow_unicode=True).encode(),
        flow_files=[scratch / "flows" / "main.yaml"],
    )


MAIN_FLOW_DATA: dict[str, object] = yaml.safe_load(MAIN_FLOW.read_text(encoding="utf-8"))
MAIN_FLOW_PATHS = [path for path in _paths(MAIN_FLOW_DATA) if path]


@settings(deadline=None)
@given(
    changes=st.lists(
        st.tuples(st.sampled_from(MAIN_FLOW_PATHS), structures), min_size=1, max_size=3
    )
)
def test_mutations_of_the_demo_flow_file(
    scratch: Path, changes: list[tuple[tuple[str | int, ...], object]]
) -> None:
    # The demo names its flow file `flows/main.yaml`; this copy names a mutated one.
    tenant = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    tenant["flows"] = [{"file": "flows/mutated.yaml"}]
    flow = yaml.safe_load(MAIN_FLOW.read_text(encoding="utf-8"))
    for path, value in changes:
        parent = flow
        try:
            for part in path[:-1]:
                parent = parent[part]
            parent[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue
    flow_file = scratch / "flows" / "mutated.yaml"
    flow_file.write_text(yaml.safe_dump(flow, allow_unicode=True), encoding="utf-8")
    check(
        scratch / "flow-mutation.yaml",
        yaml.safe_dump(tenant, allow_unicode=True).encode(),
        flow_files=[flow_file],
    )
