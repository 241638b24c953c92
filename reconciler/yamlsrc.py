"""Reading YAML files: fast when they are right, exact when they are wrong.

Data comes from ``yaml_rs`` (YAML 1.2, Rust): about 0.5 s for 100,000 bindings, duplicate
keys refused, alias expansion capped. It knows no positions, so when a file has a problem
its text is walked once more, as events from ruamel.yaml's C parser, to find the line and
column of every node (:class:`Positions`). That costs about a second per 100,000 bindings
and is paid only for files with problems.

The YAML traps users fall into each get their own message: a file that is not UTF-8,
an empty file, tabs, duplicate keys, several documents in one file, anchors that expand
without end, a top level that is not a mapping. Unquoted numbers are the models' concern
(:mod:`reconciler.model`).
"""

from __future__ import annotations

import codecs
import contextlib
import re
from dataclasses import dataclass, field
from typing import Any

import yaml_rs
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)

Path_ = tuple[str | int, ...]
"""A path to a node: mapping keys and sequence indexes from the top."""

Pos = tuple[int, int]
"""A 1-based (line, column)."""


class YamlTrap(Exception):
    """A file that cannot be read as one YAML mapping; the message says what to do."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


def decode(data: bytes) -> str:
    """UTF-8 text of ``data`` (a UTF-8 byte-order mark is allowed); else :class:`YamlTrap`."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            raise YamlTrap(f"the file is saved as {name}; save it as UTF-8")
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
        raise YamlTrap(
            f"the file is not UTF-8 (byte 0x{data[exc.start]:02x} cannot be read); "
            "save it as UTF-8",
            line,
            column,
        ) from None


_ERROR_AT = re.compile(r"line (\d+), column (\d+)")
_NOT_BLANK = re.compile(r"^[ \t]*[^\s#]", re.MULTILINE)
_MERGE_KEY = re.compile(r"(^|[\s{,])<<\s*:", re.MULTILINE)

ALIAS_EVENTS_PER_CHAR = 4
"""Alias expansion allowed, in events, per character of the file: anchors used for shared
defaults stay well below it; a "billion laughs" file grows exponentially past it."""


def parse(text: str, needs: str) -> dict[str, Any]:
    """The top-level mapping of one YAML document; :class:`YamlTrap` if there is none.

    ``needs`` says what the file must hold, for the message about an empty file.
    """
    if _NOT_BLANK.search(text) is None:
        raise YamlTrap(f"the file is empty: it needs {needs}")
    limits = yaml_rs.AliasLimits(
        max_total_replayed_events=max(100_000, ALIAS_EVENTS_PER_CHAR * len(text)),
        max_replay_stack_depth=64,
    )
    try:
        data = yaml_rs.loads(text, parse_datetime=False, alias_limits=limits)
    except yaml_rs.YAMLDecodeError as exc:
        raise _explain(text, str(exc)) from None
    if isinstance(data, list) and Positions(text).documents > 1:
        second = Positions(text).second_document
        raise YamlTrap(
            "the file holds several YAML documents (separated by ---); keep one per file",
            *second,
        )
    if not isinstance(data, dict):
        kind = {list: "a list", type(None): "empty"}.get(type(data), "a single value")
        raise YamlTrap(f"the top level of the file is {kind}; it must be a mapping of keys")
    if "<<" in text and _MERGE_KEY.search(text):
        data = _merge_keys(data)
    return data


def _explain(text: str, error: str) -> YamlTrap:
    """Turn a yaml_rs error into a located, plain message."""
    if error.startswith("duplicate mapping key"):
        dup = Positions(text).duplicates
        if dup:
            key, at, first = dup[0]
            return YamlTrap(
                f"duplicate key {key!r} (first at line {first[0]}, column {first[1]}): YAML would "
                "keep only one of them; remove or rename one",
                *at,
            )
    if "alias" in error and ("limit" in error or "exceeded" in error):
        at = Positions(text).first_alias or (1, 1)
        return YamlTrap(
            "anchors and aliases (& and *) here expand to an enormous document (a 'billion "
            "laughs' file?); privcall refuses to expand it: write the values out instead",
            *at,
        )
    match = _ERROR_AT.search(error)
    line, column = (int(match.group(1)), int(match.group(2))) if match else (1, 1)
    tab = _indent_tab(text, line) if "tab" in error else None
    if tab is not None:
        return YamlTrap(
            "a tab character is used for indentation; YAML indents with spaces only", *tab
        )
    reason = error.strip().splitlines()[-1].strip() if error.strip() else "unreadable YAML"
    return YamlTrap(f"YAML syntax error: {reason}", line, column)


def _indent_tab(text: str, line: int) -> Pos | None:
    """The first tab in the indentation of ``line`` or a later line (the parser reports a
    tab where the scalar before it ends, often one line too early)."""
    for number, src in enumerate(text.splitlines()[line - 1 :], start=line):
        indent = src[: len(src) - len(src.lstrip(" \t"))]
        if "\t" in indent:
            return (number, indent.index("\t") + 1)
    return None


def _merge_keys(node: Any) -> Any:
    """Apply YAML merge keys (``<<: *defaults``), which yaml_rs leaves as plain keys."""
    if isinstance(node, list):
        return [_merge_keys(item) for item in node]
    if not isinstance(node, dict):
        return node
    own = {k: _merge_keys(v) for k, v in node.items() if k != "<<"}
    if "<<" not in node:
        return own
    sources = node["<<"]
    merged: dict[Any, Any] = {}
    for source in reversed(sources if isinstance(sources, list) else [sources]):
        if isinstance(source, dict):
            merged.update(_merge_keys(source))
    merged.update(own)
    return merged


@dataclass
class _Frame:
    path: Path_
    is_map: bool
    index: int = 0
    key: str | None = None
    seen: dict[str, Pos] = field(default_factory=dict)


class Positions:
    """Line and column of every node of a YAML text, from one pass over its events.

    ``value(path)`` is where the node at ``path`` starts; ``key(path)`` where its mapping
    key is written. A path that does not exist (a missing key, a node inside an alias)
    falls back to its nearest existing ancestor.
    """

    def __init__(self, text: str) -> None:
        self._values: dict[Path_, Pos] = {}
        self._keys: dict[Path_, Pos] = {}
        self.duplicates: list[tuple[str, Pos, Pos]] = []
        self.first_alias: Pos | None = None
        self.documents = 0
        self.second_document: Pos = (1, 1)
        # Positions found before a syntax error stay usable.
        with contextlib.suppress(MarkedYAMLError):
            self._walk(YAML(typ="safe", pure=False).parse(text))

    def _walk(self, events: Any) -> None:
        stack: list[_Frame] = []
        for event in events:
            if isinstance(event, DocumentStartEvent):
                self.documents += 1
                if self.documents == 2:
                    self.second_document = _pos(event)
                stack = []
                continue
            if isinstance(event, (MappingEndEvent, SequenceEndEvent)):
                stack.pop()
                self._advance(stack)
                continue
            if not isinstance(
                event, (ScalarEvent, MappingStartEvent, SequenceStartEvent, AliasEvent)
            ):
                continue
            parent = stack[-1] if stack else None
            if parent is not None and parent.is_map and parent.key is None:
                if not isinstance(event, ScalarEvent):
                    return  # a list or mapping used as a key: keep what was found so far
                self._key(parent, event)
                continue
            path = self._child_path(parent)
            self._values.setdefault(path, _pos(event))
            if isinstance(event, AliasEvent) and self.first_alias is None:
                self.first_alias = _pos(event)
            if isinstance(event, (MappingStartEvent, SequenceStartEvent)):
                stack.append(_Frame(path, isinstance(event, MappingStartEvent)))
            else:
                self._advance(stack)

    def _key(self, frame: _Frame, event: ScalarEvent) -> None:
        name: str = event.value
        at = _pos(event)
        if name in frame.seen:
            self.duplicates.append((name, at, frame.seen[name]))
        else:
            frame.seen[name] = at
        frame.key = name
        self._keys.setdefault((*frame.path, name), at)

    @staticmethod
    def _child_path(parent: _Frame | None) -> Path_:
        if parent is None:
            return ()
        if parent.is_map:
            assert parent.key is not None
            return (*parent.path, parent.key)
        return (*parent.path, parent.index)

    @staticmethod
    def _advance(stack: list[_Frame]) -> None:
        if not stack:
            return
        top = stack[-1]
        if top.is_map:
            top.key = None
        else:
            top.index += 1

    def value(self, path: Path_) -> Pos:
        """Where the node at ``path`` (or its nearest existing ancestor) starts."""
        for end in range(len(path), -1, -1):
            found = self._values.get(path[:end])
            if found is not None:
                return found
        return (1, 1)

    def key(self, path: Path_) -> Pos:
        """Where the key of the node at ``path`` is written (else where the node starts)."""
        found = self._keys.get(path)
        return found if found is not None else self.value(path)


def _pos(event: Event) -> Pos:
    mark = event.start_mark
    return (mark.line + 1, mark.column + 1)
