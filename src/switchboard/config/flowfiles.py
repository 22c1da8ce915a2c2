"""Flows written in their own files: `flows: [{file: flows/main.yaml}]`.

A flow grows long (menus, opening hours, prompts), and the person writing it should
not scroll through agents and queues to reach it; alone in its file, it can also be
checked by an editor against the published schema (`switchboard flow-schema`). So an
entry of the tenant's `flows` may name a YAML file, relative to the directory of the
tenant file, that holds one flow document.

Theory of operation: `read_flow_files` reads each named file as the tenant file is
read (`source.py`: line numbers, duplicate keys, alias bombs) and puts the flow in
place of its entry, so that pydantic and the checks see one tenant document, as if
every flow were written inline. The `Document` remembers which file each flow came
from: `Document.problem` sends a path under `flows[i]` to the flow file, at its line
there, with the path starting at the flow (`nodes.menu.prompt`) as that file shows
it. Shape errors, graph and reference checks (`flows/check.py`) and prompt files all
go through it, so each names the file to open and the line to fix.

What keeps a file from being used is said at its entry, in the tenant file: the file
is missing, unreadable, not YAML, empty, not one mapping, or listed twice, or the
entry has other keys than `file`. A YAML syntax error is one of these (the message
quotes the line in the flow file); a problem of a document that parses (a key
written twice) is at its own line in the flow file. These all come before the shape
checks, as the tenant file's own YAML problems do (`loader.py`).

Paths written inside a flow file (prompt files) stay relative to the tenant file's
directory, not the flow file's: the runtime plays `config_dir / prompt.file` with the
directory of the tenant file, a loaded `Flow` does not know where it was written,
and so a flow means the same inline or in its own file. Moving a flow out of the
tenant file changes none of its paths, and every audio file of a tenant (hold music,
greetings, prompts) is found from one place.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from switchboard.config.errors import ConfigError, ConfigProblem, DocPath, format_path
from switchboard.config.source import Source, read_source

_ONE_FLOW = "one flow, a mapping with id, name, start and nodes"


@dataclass(frozen=True)
class Document:
    """The tenant file and the flow files it names, as one document to validate.

    `data` is the tenant file's data where each `{file: ...}` entry of `flows` is
    replaced by the flow its file holds.
    """

    tenant: Source
    data: object
    flow_files: Mapping[int, Source] = field(default_factory=dict)
    """The flows read from their own files, by their index in `flows`."""

    def problem(self, path: DocPath, message: str) -> ConfigProblem:
        """The problem at `path` of `data`, in the file and at the line that write it."""
        flow = self._flow_file(path)
        if flow is not None:
            return flow.problem(path[2:], message)
        return self.tenant.problem(path, message)

    @property
    def plain_scalars(self) -> dict[DocPath, str]:
        """The unquoted scalars YAML read as something else than text, from every file,
        at their path in `data` (for the hint "write it in quotes")."""
        merged = dict(self.tenant.plain_scalars)
        for index, flow in self.flow_files.items():
            for path, text in flow.plain_scalars.items():
                merged[("flows", index, *path)] = text
        return merged

    @property
    def flow_file_names(self) -> dict[int, str]:
        """The file of each flow written in its own file, by index in `flows`, as
        problems name it."""
        return {index: flow.file for index, flow in self.flow_files.items()}

    def _flow_file(self, path: DocPath) -> Source | None:
        if len(path) >= 2 and path[0] == "flows" and isinstance(path[1], int):
            return self.flow_files.get(path[1])
        return None


def read_flow_files(source: Source) -> Document:
    """The tenant in `source` with the flow files it names read in.

    Raises `ConfigError` listing every entry whose file cannot be used and every
    problem of the files' YAML.
    """
    data = source.data
    flows = data.get("flows") if isinstance(data, dict) else None
    if not isinstance(data, dict) or not isinstance(flows, list):
        return Document(source, data)
    base = Path(source.file).parent
    entries = list(flows)
    flow_files: dict[int, Source] = {}
    listed: dict[str, int] = {}
    problems: list[ConfigProblem] = []
    for index, entry in enumerate(flows):
        if not isinstance(entry, dict) or "file" not in entry:
            continue  # a flow written inline, or a mistake the model describes
        at: DocPath = ("flows", index)
        problems += [
            source.problem(
                (*at, key),
                "unknown field next to `file`: a flow in its own file has all its "
                "fields in that file",
            )
            for key in entry
            if key != "file"
        ]
        name = entry["file"]
        if not isinstance(name, str) or not name.strip():
            problems.append(
                source.problem(
                    (*at, "file"),
                    "must be the path of a flow file, relative to the directory of this "
                    "file (flows/main.yaml)",
                )
            )
            continue
        path = base / name
        key = os.path.abspath(path)
        if key in listed:
            earlier = format_path(("flows", listed[key], "file"))
            problems.append(
                source.problem((*at, "file"), f"{earlier} names this file already: {key}")
            )
            continue
        listed[key] = index
        flow = _read_flow(source, (*at, "file"), path)
        if isinstance(flow, Source):
            flow_files[index] = flow
            entries[index] = flow.data
        else:
            problems += flow
    if problems:
        raise ConfigError(problems)
    return Document(source, {**data, "flows": entries}, flow_files)


def _read_flow(source: Source, entry: DocPath, path: Path) -> Source | list[ConfigProblem]:
    """The flow file at `path`, read; or what keeps it from use. Problems with the file
    as a whole are said at `entry` in the tenant file; those inside a document that
    parses, at their line in the flow file."""
    shown = os.path.abspath(path)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return [source.problem(entry, f"flow file not found: {shown}")]
    except (OSError, ValueError):
        pass  # a name no file system takes, a permission: `read_source` says which
    else:
        if not stat.S_ISREG(mode):  # a directory; a FIFO or a device would block
            return [source.problem(entry, f"not a file: {shown}")]
    try:
        flow = read_source(path)
    except ConfigError as error:
        return [
            problem if problem.path else source.problem(entry, _unusable(shown, problem))
            for problem in error.problems
        ]
    if flow.empty:
        return [source.problem(entry, f"the flow file is empty; write {_ONE_FLOW}: {shown}")]
    if not isinstance(flow.data, dict):
        kind = "a list" if isinstance(flow.data, list) else "a single value"
        return [
            source.problem(entry, f"the flow file holds {kind}; it must hold {_ONE_FLOW}: {shown}")
        ]
    return flow


def _unusable(shown: str, problem: ConfigProblem) -> str:
    where = f"{shown}, line {problem.line}" if problem.line > 0 else shown
    return f"cannot use the flow file {where}: {problem.message}"
