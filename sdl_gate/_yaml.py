"""Strict, bounded YAML and JSON loading that remembers line numbers and validates into models.

PyYAML's constructors expand aliases into shared objects, so a "billion laughs" document costs
little to compose but explodes when walked. We compose the node graph and build plain values
ourselves, with a budget on the number of values produced and on nesting depth, and reject
duplicate keys and non-standard tags. Every value's path is mapped to its line so that schema
errors can name the line.
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

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


@dataclass
class LineMap:
    """Where in the source each value of a loaded document starts (1-based lines)."""

    lines: dict[PathKey, int] = field(default_factory=dict)

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


class _Builder:
    def __init__(self, source: Path) -> None:
        self.source = source
        self.count = 0
        self.lines = LineMap()
        self.constructor = yaml.SafeLoader("")

    def error(self, message: str, node: yaml.Node, path: PathKey) -> InputError:
        return InputError(message, path=self.source, line=node.start_mark.line + 1, location=format_location(path))

    def build(self, node: yaml.Node, path: PathKey, active: frozenset[int]) -> Any:
        self.count += 1
        if self.count > MAX_VALUES:
            raise self.error(f"document expands to more than {MAX_VALUES} values (an alias bomb?); refused", node, path)
        if len(path) > MAX_DEPTH:
            raise self.error(f"document is nested deeper than {MAX_DEPTH} levels; refused", node, path)
        if id(node) in active:
            raise self.error("recursive alias; refused", node, path)
        self.lines.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            if node.tag != _TAG + "map":
                raise self.error(f"unsupported YAML tag {node.tag!r}", node, path)
            return self._mapping(node, path, active | {id(node)})
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _TAG + "seq":
                raise self.error(f"unsupported YAML tag {node.tag!r}", node, path)
            inner = active | {id(node)}
            return [self.build(item, (*path, index), inner) for index, item in enumerate(node.value)]
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, path)
        raise self.error(f"unsupported YAML node {type(node).__name__}", node, path)

    def _mapping(self, node: yaml.MappingNode, path: PathKey, active: frozenset[int]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _TAG + "merge":
                raise self.error("YAML merge keys (<<) are not supported; write the keys out", key_node, path)
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.error("mapping keys must be plain strings", key_node, path)
            key = str(self._scalar(key_node, path))
            key_path = (*path, key)
            if key in result:
                raise self.error(f"duplicate key {key!r}", key_node, key_path)
            self.lines.lines[key_path] = key_node.start_mark.line + 1
            result[key] = self.build(value_node, key_path, active)
        return result

    def _scalar(self, node: yaml.ScalarNode, path: PathKey) -> Any:
        tag = node.tag
        if tag in (_TAG + "str", _TAG + "timestamp"):
            # Dates and datetimes stay text: the models parse them strictly, including time zones.
            return node.value
        if tag == _TAG + "int":
            try:
                return self.constructor.construct_yaml_int(node)
            except ValueError:  # more digits than Python converts
                raise self.error(_too_many_digits(node.value), node, path) from None
        if tag == _TAG + "float":
            number = self.constructor.construct_yaml_float(node)
            if not math.isfinite(number):
                raise self.error(f"{node.value[:40]!r} is not a finite number", node, path)
            return number
        if tag == _TAG + "bool":
            return self.constructor.construct_yaml_bool(node)
        if tag == _TAG + "null":
            return None
        raise self.error(f"unsupported YAML tag {tag!r}", node, path)


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
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    depth = 0
    try:
        for event in yaml.parse(text, Loader=loader):
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


def parse_yaml_text(text: str, source: Path) -> tuple[Any, LineMap]:
    """Parse one YAML document into plain values and the line of every value."""
    check_yaml_depth(text, source)
    try:
        # libyaml composes about twenty times faster where PyYAML was built with it; the nodes are the same.
        nodes = list(yaml.compose_all(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
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
    if len(nodes) > 1:
        second = nodes[1]
        raise InputError(
            "more than one YAML document; expected exactly one",
            path=source,
            line=second.start_mark.line + 1 if second is not None else None,
        )
    if not nodes or nodes[0] is None:
        raise InputError("file is empty; expected a YAML mapping", path=source, line=1)
    builder = _Builder(source)
    return builder.build(nodes[0], (), frozenset()), builder.lines


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


def load_yaml_model(model: type[ModelT], path: Path, what: str, *, root: Path | None = None) -> ModelT:
    """Load a YAML file and validate it into ``model``."""
    data, lines = load_yaml(path, root=root)
    return validate(model, data, path, lines, what)
