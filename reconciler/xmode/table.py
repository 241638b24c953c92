"""The route table an X app serves: its answers, its JSON form, its checksum, its index.

An answer is what the server replies to a Block ``callin`` (reference section 7)::

    {"operation": "connect", "connectInfo": {"calleeNum": ..., "displayCalleeNum": ...,
     "maxDuration": 30, "waitVoice": ..., "recordFlag": "true", "recordHintTone": ...,
     "lastMinVoice": ..., "userData": ...}}
    {"operation": "close", "closeInfo": {"closeHintTone": ..., "userData": ...}}

privcall writes the documented object form. Reading (a table sent to the admin endpoint,
an answer in a test), it also accepts ``connectInfo`` / ``closeInfo`` as a one-element
array, the form Huawei's demo writes.

A table (JSON, ``FORMAT``) is ``{"format", "app", "default", "routes": [{"key", "x",
"from", "answer"}]}``; ``from`` is ``"any"`` or a list of callers. :class:`Index` answers a
call in O(1): the caller's own route on the called X, else the X's route for any caller,
else the table's default, else close without a tone. It never fails on a call.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler.phone import InvalidNumber, normalize
from reconciler.xmode.errors import TableError

FORMAT = 1
MAX_MINUTES = 1440
ANY = "any"

_TONE = re.compile(r"[^\x00-\x1f{}]{1,128}")
_USER_DATA = re.compile(r"[ -z|~]{1,256}")

_CONNECT_KEYS = (
    "calleeNum",
    "displayCalleeNum",
    "maxDuration",
    "waitVoice",
    "recordFlag",
    "recordHintTone",
    "lastMinVoice",
    "userData",
)
_CLOSE_KEYS = ("closeHintTone", "userData")


@dataclass(frozen=True, slots=True)
class Connect:
    """Connect the call to ``callee``; ``display`` None shows the called X to the callee."""

    callee: str
    display: str | None = None
    max_duration: int = 0
    wait_tone: str | None = None
    record: bool = False
    record_hint_tone: str | None = None
    last_minute_tone: str | None = None
    user_data: str | None = None


@dataclass(frozen=True, slots=True)
class Close:
    """Refuse the call, playing ``tone`` when given."""

    tone: str | None = None
    user_data: str | None = None


Answer = Connect | Close

CLOSE_SILENTLY = Close()
"""What a call gets when neither a route nor a default matches."""


def to_wire(answer: Answer, called: str) -> dict[str, Any]:
    """The documented Block answer; ``called`` is the X, shown when no display is set."""
    if isinstance(answer, Close):
        info: dict[str, Any] = {}
        _put(info, "closeHintTone", answer.tone)
        _put(info, "userData", answer.user_data)
        return {"operation": "close", "closeInfo": info}
    info = {"calleeNum": answer.callee}
    _put(info, "displayCalleeNum", answer.display or called or None)
    if answer.max_duration:
        info["maxDuration"] = answer.max_duration
    _put(info, "waitVoice", answer.wait_tone)
    if answer.record:
        info["recordFlag"] = "true"
    _put(info, "recordHintTone", answer.record_hint_tone)
    _put(info, "lastMinVoice", answer.last_minute_tone)
    _put(info, "userData", answer.user_data)
    return {"operation": "connect", "connectInfo": info}


def _put(info: dict[str, Any], name: str, value: object) -> None:
    if value is not None:
        info[name] = value


# -- reading ------------------------------------------------------------------------------


def from_wire(data: object, where: str = "") -> Answer:
    """Read a Block answer (object or one-element-array form); :class:`TableError` if bad."""
    obj = _mapping(data, where, "an answer")
    _known(obj, ("operation", "connectInfo", "closeInfo"), where)
    operation = obj.get("operation")
    if operation == "connect":
        if "closeInfo" in obj:
            raise TableError(where, "a connect answer carries connectInfo, not closeInfo")
        return _connect(_info(obj, "connectInfo", where), _at(where, "connectInfo"))
    if operation == "close":
        if "connectInfo" in obj:
            raise TableError(where, "a close answer carries closeInfo, not connectInfo")
        info = _info(obj, "closeInfo", where, required=False)
        at = _at(where, "closeInfo")
        _known(info, _CLOSE_KEYS, at)
        return Close(
            _tone(info, "closeHintTone", at), _user_data(info.get("userData"), at + ".userData")
        )
    raise TableError(_at(where, "operation"), 'operation must be "connect" or "close"')


def _info(
    obj: Mapping[str, Any], name: str, where: str, *, required: bool = True
) -> Mapping[str, Any]:
    at = _at(where, name)
    value = obj.get(name)
    if value is None:
        if required:
            raise TableError(at, f"missing: a {obj['operation']} answer needs {name}")
        return {}
    if isinstance(value, list):
        if len(value) != 1:
            raise TableError(at, f"{name} as an array must hold exactly one object")
        value = value[0]
    return _mapping(value, at, name)


def _connect(info: Mapping[str, Any], at: str) -> Connect:
    _known(info, _CONNECT_KEYS, at)
    callee = _number(info.get("calleeNum"), at + ".calleeNum", required=True)
    assert callee is not None
    duration = info.get("maxDuration", 0)
    if isinstance(duration, str) and duration.isdigit():
        duration = int(duration)
    if isinstance(duration, bool) or not isinstance(duration, int):
        raise TableError(at + ".maxDuration", "must be a whole number of minutes")
    if not 0 <= duration <= MAX_MINUTES:
        raise TableError(at + ".maxDuration", f"must be 0 to {MAX_MINUTES} minutes")
    flag = info.get("recordFlag", "false")
    if flag not in ("true", "false", True, False):
        raise TableError(at + ".recordFlag", 'must be "true" or "false"')
    return Connect(
        callee=callee,
        display=_number(info.get("displayCalleeNum"), at + ".displayCalleeNum"),
        max_duration=duration,
        wait_tone=_tone(info, "waitVoice", at),
        record=flag in ("true", True),
        record_hint_tone=_tone(info, "recordHintTone", at),
        last_minute_tone=_tone(info, "lastMinVoice", at),
        user_data=_user_data(info.get("userData"), at + ".userData"),
    )


def _mapping(data: object, where: str, what: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise TableError(where, f"{what} must be a JSON object")
    return data


def _known(obj: Mapping[str, Any], names: tuple[str, ...], where: str) -> None:
    unknown = sorted(str(k) for k in obj if k not in names)
    if unknown:
        raise TableError(where, f"unknown field {unknown[0]!r} (known: {', '.join(names)})")


def _at(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def _number(value: object, where: str, *, required: bool = False) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise TableError(where, "must be a phone number in E.164, like +8613800000001")
    try:
        return normalize(value)
    except InvalidNumber as exc:
        raise TableError(where, f"not a valid phone number: {exc}") from None


def _tone(info: Mapping[str, Any], name: str, at: str) -> str | None:
    value = info.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or _TONE.fullmatch(value) is None:
        raise TableError(f"{at}.{name}", "must be an audio file name, 1 to 128 characters")
    return value


def _user_data(value: object, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or _USER_DATA.fullmatch(value) is None:
        raise TableError(where, "must be 1 to 256 printable ASCII characters without braces")
    return value


# -- the table ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Route:
    """Calls to ``x`` from ``callers`` (None: any caller) get ``answer``."""

    key: str
    x: str
    callers: frozenset[str] | None
    answer: Answer

    def __post_init__(self) -> None:
        # Showing the called X is what no display means: one form for one meaning.
        if isinstance(self.answer, Connect) and self.answer.display == self.x:
            object.__setattr__(self, "answer", dataclasses.replace(self.answer, display=None))

    def to_json(self) -> dict[str, Any]:
        callers: Any = ANY if self.callers is None else sorted(self.callers)
        return {
            "key": self.key,
            "x": self.x,
            "from": callers,
            "answer": to_wire(self.answer, self.x),
        }


@dataclass(frozen=True)
class Table:
    """One app's routes (sorted by key) and its default."""

    app: str
    routes: tuple[Route, ...] = ()
    default: Answer | None = None
    _by_key: dict[str, Route] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.routes, key=lambda r: r.key))
        object.__setattr__(self, "routes", ordered)
        self._by_key.update((r.key, r) for r in ordered)

    def route(self, key: str) -> Route | None:
        return self._by_key.get(key)

    def to_json(self) -> dict[str, Any]:
        # A default that connects without a display number shows the called X.
        default = None if self.default is None else to_wire(self.default, "")
        return {
            "format": FORMAT,
            "app": self.app,
            "default": default,
            "routes": [r.to_json() for r in self.routes],
        }

    def checksum(self) -> str:
        """SHA-256 over the canonical JSON: what the server's version is checked against."""
        return hashlib.sha256(canonical(self.to_json()).encode("utf-8")).hexdigest()

    @classmethod
    def from_json(cls, data: object) -> Table:
        """Read and check a table; :class:`TableError` names the bad value's path."""
        obj = _mapping(data, "", "a table")
        _known(obj, ("format", "app", "default", "routes"), "")
        if obj.get("format") != FORMAT:
            raise TableError("format", f"must be {FORMAT}")
        app = obj.get("app")
        if not isinstance(app, str) or not app:
            raise TableError("app", "must be the app's name")
        default = obj.get("default")
        routes = obj.get("routes", [])
        if not isinstance(routes, list):
            raise TableError("routes", "must be a list")
        read = [_route(item, f"routes[{i}]") for i, item in enumerate(routes)]
        _check_unique(read)
        return cls(app, tuple(read), None if default is None else from_wire(default, "default"))


def _route(item: object, where: str) -> Route:
    obj = _mapping(item, where, "a route")
    _known(obj, ("key", "x", "from", "answer"), where)
    key = obj.get("key")
    if not isinstance(key, str) or not key:
        raise TableError(f"{where}.key", "must be a non-empty string")
    x = _number(obj.get("x"), f"{where}.x", required=True)
    assert x is not None
    raw = obj.get("from", ANY)
    callers: frozenset[str] | None = None
    if raw != ANY:
        if not isinstance(raw, list) or not raw:
            raise TableError(f"{where}.from", f'must be "{ANY}" or a non-empty list of callers')
        numbers = [_number(c, f"{where}.from[{i}]", required=True) for i, c in enumerate(raw)]
        callers = frozenset(n for n in numbers if n is not None)
    return Route(key, x, callers, from_wire(obj.get("answer"), f"{where}.answer"))


def _check_unique(routes: list[Route]) -> None:
    keys: set[str] = set()
    taken: set[tuple[str, str | None]] = set()
    for i, route in enumerate(routes):
        if route.key in keys:
            raise TableError(f"routes[{i}].key", "is used by another route")
        keys.add(route.key)
        for caller in route.callers if route.callers is not None else (None,):
            if (route.x, caller) in taken:
                raise TableError(
                    f"routes[{i}].from",
                    "overlaps another route on the same X (one caller, one route)",
                )
            taken.add((route.x, caller))


def canonical(document: object) -> str:
    """Compact JSON with sorted keys: the same document always gives the same text."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# -- answering ----------------------------------------------------------------------------


def caller_key(number: object) -> str:
    """A pushed number as the index keys it: E.164 with its "+", spaces dropped."""
    if not isinstance(number, str):
        return ""
    text = number.replace(" ", "").replace("-", "")
    if text.isdigit():
        return "+" + text
    return text


@dataclass(frozen=True, slots=True)
class Match:
    """What a call got: the route's key (None: the default) and the answer's JSON bytes."""

    key: str | None
    body: bytes


class Index:
    """O(1) answers for one table; immutable, so a swap is one reference assignment."""

    def __init__(self, table: Table, version: int) -> None:
        self.table = table
        self.version = version
        self.checksum = table.checksum()
        self._exact: dict[tuple[str, str], Match] = {}
        self._any: dict[str, Match] = {}
        for route in table.routes:
            match = Match(route.key, _encode(to_wire(route.answer, route.x)))
            if route.callers is None:
                self._any[route.x] = match
            else:
                for caller in route.callers:
                    self._exact[(route.x, caller)] = match
        self._default = table.default or CLOSE_SILENTLY
        self._default_by_x: dict[str, Match] = {}

    def answer(self, called: object, caller: object) -> Match:
        x = caller_key(called)
        found = self._exact.get((x, caller_key(caller))) or self._any.get(x)
        if found is not None:
            return found
        cached = self._default_by_x.get(x)
        if cached is None:
            cached = Match(None, _encode(to_wire(self._default, x)))
            if len(self._default_by_x) < 10_000:  # bounded: called numbers come from outside
                self._default_by_x[x] = cached
        return cached


def _encode(document: dict[str, Any]) -> bytes:
    return json.dumps(document, separators=(",", ":")).encode("utf-8")
