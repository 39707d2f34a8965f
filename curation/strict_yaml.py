"""
Reading one dataset file (data/*.yaml) as a curator meant it, or refusing it with the field and the reason.

PyYAML's `safe_load` executes nothing, but it still takes whatever a file says: a repeated key silently keeps the
last value, an alias bomb (a few lines of `&a [*b, *b, ...]`) expands to gigabytes, deep nesting overflows the
stack, `2020-13-45` raises a bare ValueError, and any text of any size is accepted. The curated files need none of
that, so `load_strict` refuses it all:

- a file larger than MAX_FILE_BYTES, or not UTF-8 text;
- anchors and aliases (`&name`, `*name`): no curated file uses them, and they are how a small file becomes huge;
- nesting deeper than MAX_DEPTH;
- a key repeated in one mapping, or a key that is not text;
- a text value longer than MAX_FIELD_CHARS;
- a value YAML cannot construct (a date such as 2020-13-45).

Each refusal is a StrictYamlError whose `field` says where (`outcomes[2].hazard_ratio`) and whose message says why.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

# The largest curated file is about 6 KB and the longest text (an abstract) a few KB: these leave ample room.
MAX_FILE_BYTES = 1024 * 1024
MAX_FIELD_CHARS = 100_000
MAX_DEPTH = 20


class StrictYamlError(ValueError):
    """A file the dataset refuses: where in it (`field`, "" for the file itself; `line`, 1-based) and why."""

    def __init__(self, reason: str, *, field: str = "", line: int | None = None) -> None:
        self.reason, self.field, self.line = reason, field, line
        super().__init__(self.describe())

    def describe(self) -> str:
        where = []
        if self.field:
            where.append(f"field '{self.field}'")
        if self.line is not None:
            where.append(f"line {self.line}")
        return f"{', '.join(where)}: {self.reason}" if where else self.reason

    def inside(self, step: str) -> StrictYamlError:
        """The same error, one level further out: `step` is the key or [index] that led here."""
        joined = step + ("" if not self.field else self.field if self.field.startswith("[") else f".{self.field}")
        return StrictYamlError(self.reason, field=joined, line=self.line)


def _line(node: Node) -> int:
    return node.start_mark.line + 1


try:
    from yaml.cyaml import CParser
except ImportError:  # PyYAML built without libyaml
    CParser = None
ON_LIBYAML = CParser is not None
if ON_LIBYAML:

    class _SafeLoaderOnLibyaml(Composer, CParser, SafeConstructor, Resolver):
        """PyYAML's own composer, safe constructor and resolver over libyaml's parser: the same values and hooks
        as SafeLoader, but the scanning and parsing, most of a dataset load's time, run ten times faster in C."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)

    _SafeBase: type = _SafeLoaderOnLibyaml
else:
    _SafeBase = yaml.SafeLoader


class StrictLoader(_SafeBase):
    """SafeLoader without anchors and aliases, deep nesting, repeated keys or oversized text; everything built
    deeply, so that an error deep inside names its whole path."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise StrictYamlError(
                f"uses the alias *{event.anchor}: anchors and aliases are not allowed in dataset files",
                line=event.start_mark.line + 1,
            )
        event = self.peek_event()
        if getattr(event, "anchor", None):
            raise StrictYamlError(
                f"defines the anchor &{event.anchor}: anchors and aliases are not allowed in dataset files",
                line=event.start_mark.line + 1,
            )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise StrictYamlError(f"nested deeper than {MAX_DEPTH} levels", line=event.start_mark.line + 1)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: Node, deep: bool = False) -> dict:
        if not isinstance(node, MappingNode):
            raise StrictYamlError(f"expected a mapping, found {node.id}", line=_line(node))
        self.flatten_mapping(node)  # `<<:` merges of inline mappings (aliases are refused above)
        mapping: dict = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                raise StrictYamlError(f"the key {key!r} is not text", line=_line(key_node))
            if key in mapping:
                raise StrictYamlError("appears twice in the same mapping", field=key, line=_line(key_node))
            mapping[key] = self._construct_part(value_node, key)
        return mapping

    def construct_sequence(self, node: Node, deep: bool = False) -> list:
        if not isinstance(node, SequenceNode):
            raise StrictYamlError(f"expected a list, found {node.id}", line=_line(node))
        return [self._construct_part(child, f"[{index}]") for index, child in enumerate(node.value)]

    def _construct_part(self, node: Node, step: str) -> Any:
        try:
            value = self.construct_object(node, deep=True)
        except StrictYamlError as error:
            raise error.inside(step) from None
        except (ValueError, TypeError, OverflowError, yaml.constructor.ConstructorError) as error:
            # What YAML's own constructors raise for a value of the right shape but impossible content.
            reason = getattr(error, "problem", None) or str(error)
            shown = repr(node.value[:80]) if isinstance(node, ScalarNode) else f"this {node.id}"
            raise StrictYamlError(f"{shown} cannot be read: {reason}", field=step, line=_line(node)) from None
        if isinstance(value, str) and len(value) > MAX_FIELD_CHARS:
            raise StrictYamlError(
                f"is {len(value):,} characters long; at most {MAX_FIELD_CHARS:,} are allowed",
                field=step,
                line=_line(node),
            )
        return value


class PlainDumper(yaml.SafeDumper):
    """SafeDumper that writes a repeated object out again instead of as an anchor and alias, which
    `load_strict` refuses: what the export writes, the loader reads."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def load_strict(path: Path) -> Any:
    """The document in `path`, or StrictYamlError (size, encoding, structure, value) or yaml.YAMLError (syntax)."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise StrictYamlError(f"the file is {size:,} bytes; at most {MAX_FILE_BYTES:,} are allowed")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise StrictYamlError(
            f"not UTF-8 text: byte 0x{raw[error.start]:02x} cannot be decoded (save the file as UTF-8)", line=line
        ) from None
    return parse_strict(text)


def parse_strict(text: str) -> Any:
    """The document in `text` under the same rules as `load_strict` (structure and values)."""
    if ON_LIBYAML and "&" not in text and "*" not in text:
        # Without `&` or `*` the text can hold no anchor or alias, so libyaml may build the nodes itself (ten times
        # faster than PyYAML's composer, which is most of a dataset load); the depth and the values are checked as
        # they are on the careful path. Any error is reported by the careful path, in its words.
        with contextlib.suppress(yaml.YAMLError, StrictYamlError):
            return _parse_composed_in_c(text)
    loader = StrictLoader(text)
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as error:
        # libyaml's scanner reads ahead and stops a flow nested 1,000 deep before the composer counts 21 levels.
        if "maximum nesting depth" in (error.problem or ""):
            line = error.problem_mark.line + 1 if error.problem_mark else None
            raise StrictYamlError(f"nested deeper than {MAX_DEPTH} levels", line=line) from None
        raise
    finally:
        loader.dispose()


def _parse_composed_in_c(text: str) -> Any:
    loader = StrictLoader(text)
    try:
        node = CParser.get_single_node(loader)
        if node is None:
            return None
        _check_depth(node)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _check_depth(root: Node) -> None:
    pending = [(root, 1)]
    while pending:
        node, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise StrictYamlError(f"nested deeper than {MAX_DEPTH} levels", line=_line(node))
        if isinstance(node, SequenceNode):
            pending.extend((child, depth + 1) for child in node.value)
        elif isinstance(node, MappingNode):
            pending.extend((part, depth + 1) for pair in node.value for part in pair)
