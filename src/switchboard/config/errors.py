"""What a bad configuration file is told: problems with a file, a line and a path.

A person fixes a configuration file in an editor, so every problem names the file,
the line, and the path inside the document (`queues[1].offer_timeout`), in the
`FILE:LINE: PATH: MESSAGE` form that editors and CI logs turn into links. The loader
collects every problem of a file before raising, so that one run lists them all.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from switchboard.schema import DocPath, Finding, PathPart

__all__ = ["ConfigError", "ConfigProblem", "DocPath", "Finding", "PathPart", "format_path"]

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def format_path(path: Sequence[PathPart]) -> str:
    """`("queues", 1, "offer_timeout")` → `queues[1].offer_timeout`.

    Indices are bracketed as in most languages; keys that are not plain words (a
    phone number, a key with spaces) are quoted so the path stays unambiguous.
    """
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _PLAIN_KEY.match(part):
            text += f".{part}" if text else part
        else:
            text += "[" + json.dumps(part, ensure_ascii=False) + "]"
    return text


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    """One thing wrong in a configuration file.

    `line` is 1-based; 0 means the problem concerns the whole file (it is missing,
    unreadable, empty). `path` is empty when the problem is not inside the document.
    """

    file: str
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        """`FILE:LINE: PATH: MESSAGE`, always on one line.

        Values quoted from the file may hold line breaks or control characters
        (a key with U+0085, a file name with `\\n`); they are escaped so that one
        problem stays one line of output.
        """
        where = f"{self.file}:{self.line}" if self.line > 0 else self.file
        text = f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"
        return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def sort_problems(problems: Iterable[ConfigProblem]) -> list[ConfigProblem]:
    """In file order, as a person reads and fixes them; duplicates dropped."""
    return sorted(set(problems), key=lambda p: (p.file, p.line, p.path, p.message))


class ConfigError(Exception):
    """A configuration file cannot be used; `problems` says every reason found."""

    def __init__(self, problems: Sequence[ConfigProblem]) -> None:
        self.problems: list[ConfigProblem] = sort_problems(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
