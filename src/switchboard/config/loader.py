"""Loading a tenant configuration file: YAML, then shape, then references.

`load_tenant` is the one door through which a configuration enters Switchboard
(`switchboard check-config`, `demo`, later `serve`). Whatever the file holds, it
returns a valid `Tenant` or raises `ConfigError` listing every problem found, each
with its file, line and path, so the administrator fixes them all in one pass.

The checks run in three stages, each only when the previous one passed, because a
later stage cannot say anything reliable about a document the earlier one refused:

1. the files: readable, UTF-8, one YAML document that is a mapping, no key written
   twice (`source.py`); the same for each flow written in its own file
   (`flows: [{file: flows/main.yaml}]`, `flowfiles.py`);
2. the shape: pydantic validates the data against `Tenant` (`model.py`); its
   errors are put in words (`messages.py`) and located with the source maps;
3. the references between the parts (`references.py`), and the hold music and
   prompt files, looked up next to the configuration file.

Every problem is located through the `Document` (`flowfiles.py`), which knows for
each path the file that writes it: a problem in a flow file names that file.
"""

from __future__ import annotations

import os
import wave
from collections.abc import Collection, Iterable
from pathlib import Path

from pydantic import ValidationError

from switchboard.config.errors import ConfigError, ConfigProblem, DocPath, Finding, PathPart
from switchboard.config.flowfiles import Document, read_flow_files
from switchboard.config.messages import translate
from switchboard.config.model import Tenant
from switchboard.config.references import check_references
from switchboard.config.source import Source, read_source
from switchboard.flows.check import prompt_files

_SECTIONS = "settings, profiles, queues, agents, inbound_numbers…"


def load_tenant(path: str | os.PathLike[str]) -> Tenant:
    """Read, validate and cross-check the tenant file at `path`.

    Raises `ConfigError` (and nothing else) when the file cannot be used.
    """
    source = read_source(path)
    _check_top_level(source)
    document = read_flow_files(source)
    tenant = _validate(document)
    flow_files = document.flow_file_names
    findings = [
        *check_references(tenant, flow_files),
        *check_hold_music_files(tenant, Path(path).parent, flow_files),
    ]
    if findings:
        raise ConfigError([document.problem(f.path, f.message) for f in findings])
    return tenant


def _check_top_level(source: Source) -> None:
    if source.empty:
        raise ConfigError(
            [
                ConfigProblem(
                    source.file, 0, "", f"the file is empty; expected a mapping of {_SECTIONS}"
                )
            ]
        )
    if not isinstance(source.data, dict):
        kind = "a list" if isinstance(source.data, list) else "a single value"
        raise ConfigError(
            [
                ConfigProblem(
                    source.file,
                    source.line_of(()),
                    "",
                    f"the top level must be a mapping of {_SECTIONS}, not {kind}",
                )
            ]
        )


def _validate(document: Document) -> Tenant:
    try:
        return Tenant.model_validate(document.data)
    except ValidationError as error:
        raise ConfigError(list(_shape_problems(document, error))) from None


def _shape_problems(document: Document, error: ValidationError) -> Iterable[ConfigProblem]:
    plain_scalars = document.plain_scalars
    for details in error.errors(include_url=False):
        path, message = translate(details, Tenant, plain_scalars)
        yield document.problem(_without_union_tags(document.data, path), message)


def _without_union_tags(data: object, path: DocPath) -> DocPath:
    """Pydantic puts the chosen variant of a tagged union in the path (a flow node's
    `nodes.menu.menu.options`: the second `menu` is its `type`); the file has no
    such key, so it is dropped to point at the right line.

    The tag comes right after the node, once, even when the node has a field of the
    same name (`{type: queue, queue: sales}` gives `nodes.sales.queue.queue`): so the
    first part that equals a mapping's `type` is dropped, whether or not it is also a
    key there."""
    kept: list[PathPart] = []
    untagged: object = None
    for part in path:
        if isinstance(data, dict) and data is not untagged and data.get("type") == part:
            untagged = data
            continue
        kept.append(part)
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            data = None
    return tuple(kept)


def check_hold_music_files(
    tenant: Tenant, base_dir: Path, flow_files: Collection[int] = ()
) -> list[Finding]:
    """Each hold music and prompt file exists, relative to the configuration file,
    and is a WAV.

    The path in the message is the resolved one: "file not found" alone would leave
    the administrator guessing which directory it was looked up in. In a flow written
    in its own file (its index in `flow_files`), a person may expect paths relative to
    that file: the message says they are not.
    """
    files = [(("hold_music", i, "file"), music.file) for i, music in enumerate(tenant.hold_music)]
    findings: list[Finding] = []
    for path, file in [*files, *prompt_files(tenant)]:
        problem = _audio_file_problem(base_dir / file)
        if problem is not None:
            if path[0] == "flows" and path[1] in flow_files:
                problem += " (prompt files are relative to the tenant file's directory)"
            findings.append(Finding(path, problem))
    return findings


def _audio_file_problem(path: Path) -> str | None:
    try:
        resolved = path.resolve()
        if not resolved.exists():
            return f"file not found: {resolved}"
        if not resolved.is_file():
            return f"not a file: {resolved}"
        problem = _wav_problem(resolved)
    except ValueError:  # a NUL character, which no file name can hold
        return f"not a valid file name: {path}"
    except OSError as error:  # a name too long, a loop of links, a device error…
        return f"cannot read the file ({error.strerror or error}): {path}"
    return None if problem is None else f"{problem}: {resolved}"


def _wav_problem(path: Path) -> str | None:
    try:
        with wave.open(str(path), "rb") as audio:
            if audio.getnframes() == 0:
                return "the WAV file has no audio"
    except (wave.Error, EOFError) as error:
        return f"not a WAV file this server can play ({error})"
    return None
