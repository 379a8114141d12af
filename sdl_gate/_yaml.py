"""Strict, bounded YAML and JSON loading that remembers line numbers and validates into models.

PyYAML's constructors expand aliases into shared objects, so a "billion laughs" document costs
little to compose but explodes when walked. We build plain values ourselves, in one pass over the
parser's events (libyaml's where available), with a budget on the number of values produced and on
nesting depth, and reject duplicate keys and non-standard tags. Every value's path is mapped to its
line so that schema errors can name the line.
"""

from __future__ import annotations

import contextlib
import gc
import json
import math
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from sdl_gate._files import MAX_INPUT_BYTES, read_text_limited
from sdl_gate.errors import InputError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

PathKey = tuple[str | int, ...]
ModelT = TypeVar("ModelT", bound=BaseModel)

MAX_VALUES = 200_000
MAX_DEPTH = 64
#: Python refuses to convert longer digit strings (a quadratic-time guard); no value sdl-gate reads needs more.
MAX_INT_DIGITS = 4300

_TAG = "tag:yaml.org,2002:"
_MAP, _SEQ, _MERGE = _TAG + "map", _TAG + "seq", _TAG + "merge"
#: Dates and datetimes stay text: the models parse them strictly, including time zones.
_TEXT_TAGS = frozenset({_TAG + "str", _TAG + "timestamp"})
#: libyaml parses about ten times faster where PyYAML was built with it; the events are the same.
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LineMap:
    """Where in the source each value of a loaded document starts (1-based lines).

    The builder notes each key's and item's line beside its collection; the map from paths is made the
    first time it is asked for (for an error, mostly), so a document that loads cleanly never pays for it.
    """

    def __init__(self) -> None:
        self.root_line: int | None = None
        #: Per collection: its path, its keys (None for a sequence, whose items are numbered) and their lines.
        self.spans: list[tuple[PathKey, list[str] | None, list[int]]] = []
        self._lines: dict[PathKey, int] | None = None

    @property
    def lines(self) -> dict[PathKey, int]:
        """Every value's path and the line it starts on."""
        if self._lines is None:
            lines: dict[PathKey, int] = {} if self.root_line is None else {(): self.root_line}
            for path, keys, starts in self.spans:
                names: Iterable[str | int] = range(len(starts)) if keys is None else keys
                for key, line in zip(names, starts, strict=True):
                    value_path: PathKey = (*path, key)
                    lines[value_path] = line
            self._lines = lines
        return self._lines

    def line_for(self, path: PathKey) -> int | None:
        """Return the line of the longest prefix of ``path`` that the document has."""
        for end in range(len(path), -1, -1):
            found = self.lines.get(tuple(path[:end]))
            if found is not None:
                return found
        return None


def format_location(path: PathKey) -> str:
    """Render a document path the way a user reads it: ``waivers[2].expires``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(document)"


#: A node's event as the builder takes it: the event, and the tag resolved for a scalar or a collection.
_Item = tuple[yaml.NodeEvent | yaml.CollectionEndEvent, str | None]


def _line(event: yaml.Event) -> int:
    mark = event.start_mark
    return mark.line + 1 if mark is not None else 1


@dataclass(slots=True)
class _Open:
    """A collection being built: its value and path, and the lines of its keys or items so far.

    In a mapping, ``key`` is the key whose value comes next and ``keys`` the keys in order.
    """

    value: list[Any] | dict[str, Any]
    path: PathKey
    keys: list[str] | None
    starts: list[int]
    key: str | None = None


class _Builder:
    """Build plain values from parse events, counting every value an alias expands to.

    An alias is expanded by feeding the events logged for its anchor again at the alias's place, so it
    costs what it expands to against the value and depth budgets, exactly as if it were written out.
    """

    def __init__(self, source: Path) -> None:
        self.source = source
        self.count = 0
        self.lines = LineMap()
        self.constructor = yaml.SafeLoader("")
        self.open: list[_Open] = []
        self.root: Any = None
        #: The events within anchored nodes, each once, in document order (nested anchors share them), and
        #: where each anchor's node starts and ends among them, to expand its aliases. An anchor still being
        #: read or expanded is unfinished: an alias naming it would contain itself.
        self.log: list[_Item] = []
        self.recorded: dict[str, tuple[int, int]] = {}
        self.unfinished: set[str] = set()

    def error(self, message: str, line: int, path: PathKey) -> InputError:
        return InputError(message, path=self.source, line=line, location=format_location(path))

    def feed(self, event: yaml.NodeEvent | yaml.CollectionEndEvent, tag: str | None) -> None:
        """Take the next event of the document (``tag``: the resolved tag of a scalar or collection)."""
        if isinstance(event, yaml.CollectionEndEvent):
            self.open.pop()
            return
        frame = self.open[-1] if self.open else None
        if frame is not None and frame.keys is not None and frame.key is None:
            self._key(frame, frame.keys, event, tag)
        elif isinstance(event, yaml.AliasEvent):
            self._expand(str(event.anchor), frame)
        else:
            self._value(event, tag, frame)

    @staticmethod
    def _place(frame: _Open | None) -> PathKey:
        """The path of the value that comes next in ``frame`` (the document itself without one)."""
        if frame is None:
            return ()
        if frame.keys is None:
            return (*frame.path, len(frame.value))
        return (*frame.path, str(frame.key))

    def _key(self, frame: _Open, keys: list[str], event: yaml.NodeEvent, tag: str | None) -> None:
        if isinstance(event, yaml.AliasEvent):
            first, tag = self.log[self.recorded[str(event.anchor)][0]]
            event = cast(yaml.NodeEvent, first)  # an anchor's first event is its node's
        line = _line(event)
        if tag == _MERGE:
            raise self.error("YAML merge keys (<<) are not supported; write the keys out", line, frame.path)
        if not isinstance(event, yaml.ScalarEvent):
            raise self.error("mapping keys must be plain strings", line, frame.path)
        key = event.value if tag in _TEXT_TAGS else str(self._scalar(str(tag), event.value, line, frame.path))
        if key in frame.value:
            raise self.error(f"duplicate key {key!r}", line, (*frame.path, key))
        keys.append(key)
        frame.starts.append(line)
        frame.key = key

    def _counted(self, line: int, frame: _Open | None) -> None:
        """Count one more value, refusing it past the budget or the depth limit."""
        self.count += 1
        if self.count > MAX_VALUES:
            raise self.error(
                f"document expands to more than {MAX_VALUES} values (an alias bomb?); refused", line, self._place(frame)
            )
        if frame is not None and len(frame.path) >= MAX_DEPTH:
            raise self.error(f"document is nested deeper than {MAX_DEPTH} levels; refused", line, self._place(frame))

    def _value(self, event: yaml.NodeEvent, tag: str | None, frame: _Open | None) -> None:
        line = _line(event)
        self._counted(line, frame)
        if frame is None:
            self.lines.root_line = line
        elif frame.keys is None:
            frame.starts.append(line)
        value: Any
        if isinstance(event, yaml.ScalarEvent):
            value = event.value if tag in _TEXT_TAGS else self._scalar(str(tag), event.value, line, self._place(frame))
        elif isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            wanted, value = (_MAP, {}) if isinstance(event, yaml.MappingStartEvent) else (_SEQ, [])
            if tag != wanted:
                raise self.error(f"unsupported YAML tag {tag!r}", line, self._place(frame))
        else:
            raise self.error(f"unsupported YAML node {type(event).__name__}", line, self._place(frame))
        if not isinstance(event, yaml.ScalarEvent):
            path = self._place(frame)
            opened = _Open(value, path, [] if isinstance(value, dict) else None, [])
            self.lines.spans.append((path, opened.keys, opened.starts))
        if frame is None:
            self.root = value
        elif frame.key is None:
            frame.value.append(value)  # type: ignore[union-attr]  # a sequence's frame has no key
        else:
            frame.value[frame.key] = value  # type: ignore[call-overload]  # a mapping's frame has a key
            frame.key = None
        if not isinstance(event, yaml.ScalarEvent):
            self.open.append(opened)

    def _expand(self, anchor: str, frame: _Open | None) -> None:
        """Build the anchored node again where its alias is, as if written out there."""
        start, end = self.recorded[anchor]
        line = _line(self.log[start][0])
        self._counted(line, frame)
        if anchor in self.unfinished:
            raise self.error("recursive alias; refused", line, self._place(frame))
        # The anchored node's own event counts again when fed: it is the value the alias stands for.
        self.count -= 1
        self.unfinished.add(anchor)
        for index in range(start, end):
            self.feed(*self.log[index])
        self.unfinished.discard(anchor)

    def _scalar(self, tag: str, text: str, line: int, path: PathKey) -> Any:
        if tag in _TEXT_TAGS:
            return text
        if tag == _TAG + "int":
            try:
                return self.constructor.construct_yaml_int(yaml.ScalarNode(tag, text))
            except ValueError:  # more digits than Python converts
                raise self.error(_too_many_digits(text), line, path) from None
        if tag == _TAG + "float":
            number = self.constructor.construct_yaml_float(yaml.ScalarNode(tag, text))
            if not math.isfinite(number):
                raise self.error(f"{text[:40]!r} is not a finite number", line, path)
            return number
        if tag == _TAG + "bool":
            return self.constructor.construct_yaml_bool(yaml.ScalarNode(tag, text))
        if tag == _TAG + "null":
            return None
        raise self.error(f"unsupported YAML tag {tag!r}", line, path)


def _too_many_digits(text: str) -> str:
    return f"a number with {len(text)} characters is too long to read (at most {MAX_INT_DIGITS} digits); refused"


_OPENING = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_CLOSING = (yaml.SequenceEndEvent, yaml.MappingEndEvent)


def check_yaml_depth(text: str, source: Path | str) -> None:
    """Refuse YAML nested deeper than ``MAX_DEPTH`` before anything composes it.

    libyaml's composer recurses in C, so a document such as ``[[[[…]]]]`` or ``- - - - … x`` tens of
    thousands of levels deep crashes the interpreter (a segmentation fault, not a ``RecursionError``).
    The event parser is iterative, so counting depth over its events is safe and costs a fraction of
    composing.
    """
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_LOADER):
            if isinstance(event, _OPENING):
                depth += 1
                if depth > MAX_DEPTH:
                    raise InputError(
                        f"YAML nested deeper than {MAX_DEPTH} levels; refused",
                        path=source,
                        line=event.start_mark.line + 1 if event.start_mark is not None else None,
                    )
            elif isinstance(event, _CLOSING):
                depth -= 1
    except yaml.YAMLError:
        return  # malformed YAML: composing reports it with its place


class _Document:
    """One pass over libyaml's events: the nesting depth, what PyYAML's composer checks, and the values.

    Nothing is composed into nodes: libyaml's composer recurses in C (a document nested tens of thousands
    of levels deep crashes the interpreter), and a node per value cost as much again as parsing. Problems
    are reported in the order separate passes found them: the depth and the syntax as the parser meets
    them, then a broken alias or anchor, then a second document, and only then what the builder refuses
    (after its first refusal it builds nothing, but the rest is still parsed and checked).
    """

    def __init__(self, source: Path) -> None:
        self.source = source
        self.builder = _Builder(source)
        self.resolver = yaml.resolver.Resolver()
        #: Resolved tags: documents repeat their words (ids, statuses) and their kinds of collection.
        self.tags: dict[object, str] = {}
        self.refused: InputError | None = None
        self.broken: yaml.composer.ComposerError | None = None
        self.anchors: dict[str, yaml.NodeEvent] = {}
        #: The anchored collections still open, innermost last: their depth and their anchor.
        self.recording: list[tuple[int, str]] = []
        self.depth = 0
        self.documents = 0
        self.second_line: int | None = None
        self.building = True

    def read(self, text: str) -> tuple[Any, LineMap]:
        """Parse ``text``, a single YAML document, into plain values and the line of each."""
        builder, tags, stack = self.builder, self.tags, self.builder.open
        try:
            for event in yaml.parse(text, Loader=_LOADER):
                # Most events are plain scalars that stay text, met in a collection outside any anchor. The
                # steps of _node and of the builder for them are written out here, once: a call per step cost
                # a fifth of the parse. Anything else, or anything to refuse, goes the general way.
                if (
                    type(event) is yaml.ScalarEvent
                    and event.anchor is None
                    and event.tag is None
                    and event.implicit[0]
                    and stack
                    and self.building
                    and not self.recording
                    and tags.get(event.value) in _TEXT_TAGS
                ):
                    frame, value = stack[-1], event.value
                    within = builder.count < MAX_VALUES and len(frame.path) < MAX_DEPTH
                    if frame.keys is None:
                        if within:
                            builder.count += 1
                            frame.starts.append(_line(event))
                            frame.value.append(value)  # type: ignore[union-attr]  # a sequence's frame has no keys
                            continue
                    elif frame.key is None:
                        if value not in frame.value:
                            frame.keys.append(value)
                            frame.starts.append(_line(event))
                            frame.key = value
                            continue
                    elif within:
                        builder.count += 1
                        frame.value[frame.key] = value  # type: ignore[call-overload]  # a mapping's frame has a key
                        frame.key = None
                        continue
                if isinstance(event, yaml.NodeEvent):
                    self._node(event)
                elif isinstance(event, yaml.CollectionEndEvent):
                    self._end(event)
                elif isinstance(event, yaml.DocumentStartEvent):
                    self.documents += 1
                    self.building = self.building and self.documents == 1
                    self.anchors = {}
        except yaml.YAMLError:
            if self.broken is not None:  # the composer met it before the parser's error
                raise self.broken from None
            raise
        if self.broken is not None:
            raise self.broken
        if self.documents > 1:
            raise InputError(
                "more than one YAML document; expected exactly one", path=self.source, line=self.second_line
            )
        if self.documents == 0:
            raise InputError("file is empty; expected a YAML mapping", path=self.source, line=1)
        if self.refused is not None:
            raise self.refused
        return self.builder.root, self.builder.lines

    def _node(self, event: yaml.NodeEvent) -> None:
        if self.second_line is None and self.documents == 2:
            self.second_line = _line(event)
        if isinstance(event, yaml.CollectionStartEvent):
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise InputError(
                    f"YAML nested deeper than {MAX_DEPTH} levels; refused", path=self.source, line=_line(event)
                )
        if self.broken is not None:
            return
        anchor = event.anchor
        if anchor is not None and not self._composable(event, anchor):
            return
        if not self.building:
            return
        tag = self._tag(event)
        builder = self.builder
        defines = anchor is not None and not isinstance(event, yaml.AliasEvent)
        if self.recording or defines:
            builder.log.append((event, tag))
        try:
            builder.feed(event, tag)
        except InputError as exc:
            self.refused = exc
            self.building = False
            return
        if anchor is not None and defines:
            start = len(builder.log) - 1
            if isinstance(event, yaml.CollectionStartEvent):
                builder.recorded[anchor] = (start, start)  # its end is known when it closes
                builder.unfinished.add(anchor)
                self.recording.append((self.depth, anchor))
            else:
                builder.recorded[anchor] = (start, start + 1)

    def _composable(self, event: yaml.NodeEvent, anchor: str) -> bool:
        """Refuse what PyYAML's composer refuses, an alias to no anchor and an anchor defined twice."""
        if isinstance(event, yaml.AliasEvent):
            if anchor not in self.anchors:
                self.broken = yaml.composer.ComposerError(
                    None,
                    None,
                    f"found undefined alias {anchor!r}",
                    event.start_mark,  # type: ignore[arg-type]
                )
        elif anchor in self.anchors:
            self.broken = yaml.composer.ComposerError(
                f"found duplicate anchor {anchor!r}; first occurrence",
                self.anchors[anchor].start_mark,  # type: ignore[arg-type]
                "second occurrence",
                event.start_mark,  # type: ignore[arg-type]
            )
        else:
            self.anchors[anchor] = event
        if self.broken is not None:
            self.building = False
        return self.broken is None

    def _end(self, event: yaml.CollectionEndEvent) -> None:
        if self.building:
            builder = self.builder
            if self.recording:
                builder.log.append((event, None))
                depth, anchor = self.recording[-1]
                if depth == self.depth:
                    self.recording.pop()
                    builder.recorded[anchor] = (builder.recorded[anchor][0], len(builder.log))
                    builder.unfinished.discard(anchor)
            builder.feed(event, None)
        self.depth -= 1

    def _tag(self, event: yaml.NodeEvent) -> str | None:
        """The tag of a scalar or collection (none for an alias), resolved as PyYAML's composer does."""
        if not isinstance(event, yaml.ScalarEvent | yaml.CollectionStartEvent):
            return None
        tag = event.tag
        if tag is not None and tag != "!":
            return tag
        # Only a plain scalar's text chooses its tag; a quoted one or a collection gets its kind's default.
        key: object = event.value if isinstance(event, yaml.ScalarEvent) and event.implicit[0] else type(event)
        found = self.tags.get(key)
        if found is None:
            kind: type[yaml.Node] = yaml.ScalarNode if isinstance(event, yaml.ScalarEvent) else yaml.SequenceNode
            if isinstance(event, yaml.MappingStartEvent):
                kind = yaml.MappingNode
            resolve: Callable[[type[yaml.Node], str | None, Any], str] = self.resolver.resolve
            found = self.tags[key] = resolve(kind, getattr(event, "value", None), event.implicit)
        return found


def parse_yaml_text(text: str, source: Path) -> tuple[Any, LineMap]:
    """Parse one YAML document into plain values and the line of every value."""
    try:
        return _Document(source).read(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        context_mark = exc.context_mark
        if exc.context and context_mark is not None and mark is not None and context_mark.line != mark.line:
            problem += f" ({exc.context} that starts at line {context_mark.line + 1})"
        raise InputError(f"malformed YAML: {problem}", path=source, line=line) from None
    except yaml.YAMLError as exc:
        raise InputError(f"malformed YAML: {exc}", path=source) from None
    except RecursionError:
        raise InputError(f"YAML nested deeper than {MAX_DEPTH} levels; refused", path=source) from None


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a large document is parsed and validated.

    Loading allocates a container per value and a model per element and keeps them all, so every
    collection the allocations trigger walks them again and frees nothing: for a threat model of 2,000
    flows that was a sixth of the command's time. Parsing and validating make no reference cycles, and
    the input is bounded by the file size and value limits, so nothing is left for the collector.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def load_yaml(path: Path, limit: int = MAX_INPUT_BYTES, *, root: Path | None = None) -> tuple[Any, LineMap]:
    """Read and parse a YAML file within ``limit`` bytes (with ``root``: a regular file inside the project)."""
    return parse_yaml_text(read_text_limited(path, limit, root=root), path)


def load_json(path: Path, limit: int = MAX_INPUT_BYTES, *, root: Path | None = None) -> Any:
    """Read and parse a JSON file within ``limit`` bytes, rejecting NaN and duplicate keys."""
    text = read_text_limited(path, limit, root=root)
    return parse_json_text(text, path)


def parse_json_text(text: str, source: Path) -> Any:
    """Parse JSON text strictly (no NaN or Infinity, no duplicate keys), naming line and column on error."""

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                raise InputError(f"duplicate key {key!r}", path=source)
            result[key] = value
        return result

    def no_constants(name: str) -> Any:
        raise InputError(f"{name} is not valid JSON", path=source)

    def bounded_int(digits: str) -> int:
        if len(digits.lstrip("-")) > MAX_INT_DIGITS:
            raise InputError(_too_many_digits(digits), path=source)
        return int(digits)

    def finite_float(digits: str) -> float:
        number = float(digits)
        if not math.isfinite(number):
            raise InputError(f"{digits[:40]!r} is out of range for a number; refused", path=source)
        return number

    try:
        return json.loads(
            text,
            object_pairs_hook=no_duplicates,
            parse_constant=no_constants,
            parse_int=bounded_int,
            parse_float=finite_float,
        )
    except json.JSONDecodeError as exc:
        raise InputError(f"malformed JSON: {exc.msg} (column {exc.colno})", path=source, line=exc.lineno) from None
    except RecursionError:
        raise InputError("JSON nested too deeply; refused", path=source) from None


def _toml_line(error: Exception) -> int | None:
    """Return the line a TOML parse error points at (Python before 3.14 puts it only in the message)."""
    found = re.search(r"line (\d+)", str(error))
    return int(found.group(1)) if found else getattr(error, "lineno", None)


def parse_toml_text(text: str, source: Path, what: str = "malformed TOML") -> dict[str, Any]:
    """Parse TOML, naming file and line on error; too deep or too long a number is bad input, not a crash."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc).split(" (at line", 1)[0]
        raise InputError(f"{what}: {message}", path=source, line=_toml_line(exc)) from None
    except RecursionError:
        raise InputError("TOML nested deeper than the parser can follow; refused", path=source) from None
    except ValueError:  # an integer with more digits than Python converts
        raise InputError(
            f"a number is too long to read (at most {MAX_INT_DIGITS} digits); refused", path=source
        ) from None


#: Further schema problems named after the first in one error; beyond these they are counted.
MAX_MORE_PROBLEMS = 5


def _problem(error: ErrorDetails, lines: LineMap | None) -> tuple[tuple[str | int, ...], int | None, str]:
    """Return the document path, line and message of one pydantic error."""
    loc: PathKey = tuple(part for part in error["loc"] if isinstance(part, str | int) and part != "[key]")
    # Union and tagged-union members add their own names to ``loc``; drop those the document lacks.
    doc_path: list[str | int] = []
    for index, part in enumerate(loc):
        last = index == len(loc) - 1
        if lines is None or last or isinstance(part, int) or (*doc_path, part) in lines.lines:
            doc_path.append(part)
    line = lines.line_for(tuple(doc_path)) if lines is not None else None
    message = error["msg"]
    if error["type"] == "extra_forbidden":
        message = f"unknown key {doc_path[-1]!r}" if doc_path else "unknown key"
    elif error["type"] == "missing":
        message = f"missing required key {doc_path[-1]!r}" if doc_path else "missing required key"
    return tuple(doc_path), line, message


def validation_error(exc: ValidationError, source: Path, lines: LineMap | None, what: str) -> InputError:
    """Turn pydantic's errors into an :class:`InputError` naming the file, line and field of the first.

    The others are named too (place, line, what is wrong), so that fixing one does not just reveal the next.
    """
    errors = exc.errors(include_url=False)
    doc_path, line, message = _problem(errors[0], lines)
    more: list[str] = []
    for error in errors[1 : 1 + MAX_MORE_PROBLEMS]:
        other_path, other_line, other_message = _problem(error, lines)
        place = format_location(other_path) or "top level"
        more.append(f"{place}{f' (line {other_line})' if other_line else ''}: {other_message}")
    remaining = len(errors) - 1
    if remaining:
        unnamed = remaining - len(more)
        named = "; ".join(more) + (f"; {unnamed} more" if unnamed else "")
        message += f" (and {remaining} more problem{'s' if remaining > 1 else ''}: {named})"
    return InputError(f"invalid {what}: {message}", path=source, line=line, location=format_location(doc_path))


def validate(model: type[ModelT], data: Any, source: Path, lines: LineMap | None, what: str) -> ModelT:
    """Validate plain data into ``model``, mapping schema errors back to file and line."""
    if not isinstance(data, Mapping):
        raise InputError(f"invalid {what}: expected a mapping at the top level", path=source, line=1)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc, source, lines, what) from None
