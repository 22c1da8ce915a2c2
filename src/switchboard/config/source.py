"""Reading a YAML file into plain data that remembers the line of every value.

`yaml.safe_load` gives data without positions, and it accepts what an editor hides
from a person: a key written twice silently keeps the last value. So we compose the
node tree with PyYAML's `SafeLoader` (no Python objects are ever built from tags),
then walk it ourselves. The walk builds the plain data pydantic validates, records
for each path (`("queues", 1, "offer_timeout")`) the 1-based line where it is
written, and reports what a plain load would hide or crash on:

- a key written twice in one mapping (with both lines);
- a scalar PyYAML cannot build (`2020-13-45` matches the date pattern, then
  `datetime()` raises), or an unknown tag;
- an alias that contains itself, and aliases that expand into an enormous document
  ("billion laughs"): every visit of a value counts against a budget;
- nesting too deep for a configuration.

Mapping keys are kept as their text (`1001:` is the key `"1001"`): every key in the
configuration is a name, and pydantic wants names as strings. Merge keys (`<<: *x`)
work as in YAML 1.1, keys written in the mapping itself winning.

Every failure is a `ConfigProblem`; `read_source` raises `ConfigError` and nothing else.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from switchboard.config.errors import ConfigError, ConfigProblem, DocPath, format_path

MAX_FILE_BYTES = 16 * 1024 * 1024
"""Far beyond any real tenant; a bigger file is a mistake (a log, a recording)."""

MAX_VALUES = 500_000
"""Values the walk may visit, aliases counted at each use: stops "billion laughs"."""

MAX_DEPTH = 50
"""The model nests five levels deep; fifty is generous and keeps recursion bounded."""

_YAML_TAG = "tag:yaml.org,2002:"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_SCALAR_KINDS = {
    "tag:yaml.org,2002:int": "integer",
    "tag:yaml.org,2002:float": "number",
    "tag:yaml.org,2002:bool": "boolean",
    "tag:yaml.org,2002:null": "null",
    "tag:yaml.org,2002:timestamp": "date",
    "tag:yaml.org,2002:binary": "base64 binary value",
    "tag:yaml.org,2002:str": "string",
}


@dataclass(frozen=True)
class Source:
    """A configuration document as plain data, with where each value is written."""

    file: str
    data: object
    empty: bool = False
    """The file holds no YAML document: nothing, or only comments."""
    lines: dict[DocPath, int] = field(default_factory=dict)
    """1-based line of each path: the key's line for a mapping entry, the item's for a list item."""
    plain_scalars: dict[DocPath, str] = field(default_factory=dict)
    """The text of unquoted scalars YAML turned into something else than a string
    (`1001`, `+33123`, `2024-01-02`), for the hint "write it in quotes"."""

    def line_of(self, path: DocPath) -> int:
        """The line of `path`, else of the nearest enclosing value written in the file.

        A missing field has no line of its own: its enclosing mapping is the place
        to add it.
        """
        for end in range(len(path), -1, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return 1

    def problem(self, path: DocPath, message: str) -> ConfigProblem:
        return ConfigProblem(self.file, self.line_of(path), format_path(path), message)


def read_source(path: str | os.PathLike[str]) -> Source:
    """Read and parse `path`; raise `ConfigError` when it is not a readable YAML document."""
    file = os.fspath(path)
    text = _decode(file, _read_bytes(file))
    return _parse(file, text)


def _fail(file: str, line: int, message: str) -> ConfigError:
    return ConfigError([ConfigProblem(file, line, "", message)])


def _read_bytes(file: str) -> bytes:
    try:
        with open(file, "rb") as stream:
            content = stream.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise _fail(file, 0, "file not found") from None
    except IsADirectoryError:
        raise _fail(file, 0, "is a directory, not a configuration file") from None
    except PermissionError:
        raise _fail(file, 0, "permission denied: cannot read this file") from None
    except ValueError:  # a NUL character in the name
        raise _fail(file, 0, "not a valid file name") from None
    except OSError as error:
        raise _fail(file, 0, f"cannot read this file: {error.strerror or error}") from None
    if len(content) > MAX_FILE_BYTES:
        raise _fail(file, 0, f"file too large for a configuration (over {MAX_FILE_BYTES} bytes)")
    return content


def _decode(file: str, content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = content.count(b"\n", 0, error.start) + 1
        byte = content[error.start]
        raise _fail(
            file,
            line,
            f"not UTF-8 text (byte 0x{byte:02x}); is this a binary file? "
            "A configuration file is YAML saved as UTF-8",
        ) from None


def _parse(file: str, text: str) -> Source:
    try:
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as error:
        raise _reader_failure(file, text, error) from None
    try:
        try:
            root = loader.get_single_node()
        except yaml.MarkedYAMLError as error:
            raise _syntax_failure(file, error) from None
        except yaml.YAMLError as error:
            raise _fail(file, 1, f"YAML error: {error}") from None
        except RecursionError:
            raise _fail(file, 1, "nested too deeply to be a configuration") from None
        if root is None or (isinstance(root, ScalarNode) and root.value == "" and not root.style):
            # No document, or a `---` with nothing after it.
            return Source(file, None, empty=True)
        return _Walker(file, loader).document(root)
    finally:
        loader.dispose()


def _reader_failure(file: str, text: str, error: yaml.reader.ReaderError) -> ConfigError:
    position = error.position if isinstance(error.position, int) else 0
    line = text.count("\n", 0, position) + 1
    code = ord(text[position]) if 0 <= position < len(text) else 0
    return _fail(
        file,
        line,
        f"contains a control character YAML does not allow (U+{code:04X}); is this a binary file?",
    )


def _syntax_failure(file: str, error: yaml.MarkedYAMLError) -> ConfigError:
    mark = error.problem_mark or error.context_mark
    line = mark.line + 1 if mark is not None else 1
    message = f"YAML syntax error: {error.problem or error.context or 'invalid document'}"
    if error.context and error.problem and error.context_mark is not None:
        message += f" ({error.context} at line {error.context_mark.line + 1})"
    return _fail(file, line, message)


class _TooLargeError(Exception):
    pass


class _Walker:
    """Turns the node tree into plain data, recording lines and problems on the way."""

    def __init__(self, file: str, loader: yaml.SafeLoader) -> None:
        self._file = file
        self._loader = loader
        self._budget = MAX_VALUES
        self._open: set[int] = set()
        """Collections being expanded: meeting one again means an alias contains itself."""
        self._lines: dict[DocPath, int] = {}
        self._plain: dict[DocPath, str] = {}
        self._problems: list[ConfigProblem] = []

    def document(self, root: Node) -> Source:
        self._lines[()] = _line(root)
        try:
            data = self._value(root, (), 0)
        except _TooLargeError:
            raise _fail(
                self._file,
                1,
                f"document too large: more than {MAX_VALUES} values once its aliases are expanded",
            ) from None
        if self._problems:
            raise ConfigError(self._problems)
        return Source(self._file, data, lines=self._lines, plain_scalars=self._plain)

    def _problem(self, line: int, path: DocPath, message: str) -> None:
        self._problems.append(ConfigProblem(self._file, line, format_path(path), message))

    def _value(self, node: Node, path: DocPath, depth: int) -> object:
        self._budget -= 1
        if self._budget < 0:
            raise _TooLargeError
        if depth > MAX_DEPTH:
            self._problem(_line(node), path, f"nested more than {MAX_DEPTH} levels deep")
            return None
        if isinstance(node, ScalarNode):
            return self._scalar(node, path)
        if id(node) in self._open:
            # The alias has no node of its own: it is the anchored node met again, so
            # the line is the one where this path is written.
            line = self._lines.get(path, _line(node))
            self._problem(line, path, "an alias here refers to a value that contains it")
            return None
        self._open.add(id(node))
        try:
            if isinstance(node, SequenceNode) and node.tag == _SEQ_TAG:
                return self._sequence(node, path, depth)
            if isinstance(node, MappingNode) and node.tag == _MAP_TAG:
                return self._mapping(node, path, depth)
            self._problem(_line(node), path, f"unsupported YAML tag {_short(node.tag)}")
            return None
        finally:
            self._open.discard(id(node))

    def _scalar(self, node: ScalarNode, path: DocPath) -> object:
        try:
            value = self._loader.construct_object(node)
        except Exception:  # PyYAML raises ValueError, AttributeError… on malformed scalars
            kind = _SCALAR_KINDS.get(node.tag)
            if kind is None:
                message = f"unsupported YAML tag {_short(node.tag)}"
            else:
                message = f"{_clip(node.value)!r} is not a valid {kind}"
            self._problem(_line(node), path, message)
            return None
        if node.style is None and not isinstance(value, str):
            self._plain[path] = node.value
        return value

    def _sequence(self, node: SequenceNode, path: DocPath, depth: int) -> list[object]:
        items: list[object] = []
        for index, child in enumerate(node.value):
            self._lines[(*path, index)] = _line(child)
            items.append(self._value(child, (*path, index), depth + 1))
        return items

    def _mapping(self, node: MappingNode, path: DocPath, depth: int) -> dict[str, object]:
        merged: dict[str, object] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                self._merge(value_node, path, depth, merged)
        own: dict[str, object] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                continue
            line = _line(key_node)
            if not isinstance(key_node, ScalarNode):
                self._problem(line, path, "a key must be a plain name, not a list or mapping")
                continue
            key = key_node.value
            key_path = (*path, key)
            if key in first_line:
                self._problem(
                    line,
                    key_path,
                    f"duplicate key: {key!r} is already set at line "
                    f"{first_line[key]} of this mapping",
                )
                continue
            first_line[key] = line
            self._lines[key_path] = line
            own[key] = self._value(value_node, key_path, depth + 1)
        return merged | own

    def _merge(self, node: Node, path: DocPath, depth: int, into: dict[str, object]) -> None:
        """`<<: *defaults` or `<<: [*a, *b]`; in a list, the earlier mapping wins."""
        sources = node.value if isinstance(node, SequenceNode) else [node]
        for source in sources:
            if not isinstance(source, MappingNode):
                self._problem(_line(source), path, "`<<` can only merge mappings")
                continue
            value = self._value(source, path, depth)
            if isinstance(value, dict):
                for key, item in value.items():
                    into.setdefault(key, item)


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


def _short(tag: str) -> str:
    """`tag:yaml.org,2002:set` → `!!set`, as it is usually written."""
    return "!!" + tag.removeprefix(_YAML_TAG) if tag.startswith(_YAML_TAG) else tag


def _clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
