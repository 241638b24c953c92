"""Route files of X apps: YAML -> one :class:`~reconciler.xmode.table.Table` per app.

A binding file whose ``app:`` is an X app declares ``routes:`` instead of ``bindings:``
(and may declare the app's ``default:``)::

    app: hotline
    default: {close: true, close_tone: closed.wav}     # calls no route matches
    routes:
      - x: "+8675500020001"
        from: "+8613800000001"          # one caller, a list of callers, or any (omitted)
        to: "+8613900000002"
        max_duration_minutes: 30
      - x: "+8675500020001"             # the X's route for any other caller
        close: true
        close_tone: closed.wav

The loader hands these files to :class:`RouteCollector` and reports its problems with
file, line and column like every other problem (real numbers masked there). Checked:
numbers the app does not own (or another app owns), virtual numbers used as real ones,
values out of range, tones not in the app's ``tones:``, overlapping routes (a caller
routed twice on one X) and shadowed ones (a route no call can reach), one default per app.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Protocol, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from reconciler.config import App
from reconciler.located import Pending, Where
from reconciler.model import Key, Minutes, Mode, RealNumber, Tone, UserData, VirtualNumber
from reconciler.xmode.table import ANY, Answer, Close, Connect, Route, Table

FILE_KEYS = ("app", "mode", "default", "routes")
TONE_FIELDS = ("wait_tone", "record_hint_tone", "last_minute_tone", "close_tone")
CONNECT_ONLY = (
    "display",
    "max_duration_minutes",
    "last_minute_tone",
    "record",
    "record_hint_tone",
    "wait_tone",
)

_M = TypeVar("_M", bound=BaseModel)


class Validate(Protocol):
    """The loader's pydantic validation: a model or None, its errors recorded located."""

    def __call__(self, model: type[_M], data: Any, where: Where) -> _M | None: ...


def _callers(value: Any) -> Any:
    if value is None or value == ANY:
        return None
    return value if isinstance(value, list) else [value]


Callers = Annotated[
    Annotated[list[RealNumber], Field(min_length=1)] | None, BeforeValidator(_callers)
]


class AnswerSpec(BaseModel):
    """What a call gets: connect ``to`` a callee, or ``close``."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    to: RealNumber | None = Field(None, description="The real number to connect the call to")
    close: bool = Field(False, description="Refuse the call (with close_tone)")
    close_tone: Tone | None = Field(None, description="Tone played when the call is closed")
    display: VirtualNumber | None = Field(
        None, description="Number the callee sees (one of the app's); default: the called X"
    )
    max_duration_minutes: Minutes = Field(0, description="Call limit, 0 (none) to 1440")
    last_minute_tone: Tone | None = Field(None, description="Tone one minute before the limit")
    record: bool = Field(False, description="Record the call")
    record_hint_tone: Tone | None = Field(None, description="Tone announcing the recording")
    wait_tone: Tone | None = Field(None, description="Tone the caller hears while connecting")
    user_data: UserData | None = Field(None, description="Echoed in the call's events and CDR")

    def problems(self) -> list[tuple[str, str]]:
        """Rules across the answer's fields, as (YAML key, message)."""
        given = self.model_fields_set
        if self.close:
            found = []
            if self.to is not None:
                found.append(("to", "a route connects (to:) or closes (close: true), not both"))
            found += [
                (
                    name,
                    f"{name} is for calls that connect; a close route takes close_tone, user_data",
                )
                for name in CONNECT_ONLY
                if name in given and name != "to"
            ]
            return found
        found = []
        if self.to is None:
            found.append(("", "give to: (the number to connect) or close: true (refuse the call)"))
        if self.close_tone is not None:
            found.append(("close_tone", "close_tone is for close: true routes"))
        if self.record and self.record_hint_tone is None:
            found.append(
                (
                    "record",
                    "record: true needs record_hint_tone: carriers block recorded calls that "
                    "do not announce the recording",
                )
            )
        if self.last_minute_tone is not None and self.max_duration_minutes == 0:
            found.append(
                (
                    "last_minute_tone",
                    "last_minute_tone plays one minute before the call limit, so it needs "
                    "max_duration_minutes above 0",
                )
            )
        return found

    def answer(self, x: str | None) -> Answer:
        """The table's answer; a display equal to the called X is the default (None)."""
        if self.close:
            return Close(self.close_tone, self.user_data)
        assert self.to is not None
        return Connect(
            callee=self.to,
            display=None if self.display == x else self.display,
            max_duration=self.max_duration_minutes,
            wait_tone=self.wait_tone,
            record=self.record,
            record_hint_tone=self.record_hint_tone,
            last_minute_tone=self.last_minute_tone,
            user_data=self.user_data,
        )


class RouteSpec(AnswerSpec):
    """One route: calls to ``x`` from ``from`` (a caller, a list, or any)."""

    key: Key | None = Field(None, description="Stable identity; derived from x and from")
    x: VirtualNumber = Field(description="The X number called (one the app owns)")
    from_: Callers = Field(None, alias="from", description="A caller, a list, or any (default)")


ROUTE_KEYS = tuple(f.alias or n for n, f in RouteSpec.model_fields.items())


def _did_you_mean(word: str) -> str:
    close = difflib.get_close_matches(word, ROUTE_KEYS, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


@dataclass(frozen=True, slots=True)
class _Declared:
    key: str
    spec: RouteSpec
    where: Where
    callers: tuple[str, ...] | None


def derived_key(x: str, callers: tuple[str, ...] | None) -> str:
    """A route's key when it has none: X and its caller (the lowest one for a list)."""
    if callers is None:
        return f"{x} from {ANY}"
    if len(callers) == 1:
        return f"{x} from {callers[0]}"
    return f"{x} from {min(callers)} and others"


class RouteCollector:
    """Collects the route files of the X apps, then checks the rules across files."""

    def __init__(self, apps: Mapping[str, App], validate: Validate) -> None:
        self._apps = apps
        self._validate = validate
        self._owner = {n.number: name for name, app in apps.items() for n in app.numbers}
        self._virtual = {n.number for app in apps.values() for n in (*app.numbers, *app.y_numbers)}
        self._routes: dict[str, list[_Declared]] = defaultdict(list)
        self._defaults: dict[str, list[tuple[AnswerSpec, Where]]] = defaultdict(list)

    @staticmethod
    def handles(app: App) -> bool:
        return app.mode is Mode.X

    # -- one file -------------------------------------------------------------------------

    def add_file(self, display: str, raw: Mapping[str, Any], name: str) -> list[Pending]:
        """Validate one route file of app ``name``; the problems found in it."""
        top = Where(display, ())
        found = [
            Pending(top.child(k), f"unknown key {k!r} in a route file (X app {name!r})")
            for k in raw
            if k not in (*FILE_KEYS, "bindings")
        ]
        if "bindings" in raw:
            found.append(
                Pending(
                    top.child("bindings"),
                    f"app {name!r} is an X app: it has no bindings; declare routes: instead",
                )
            )
        declared = raw.get("mode")
        if declared is not None and declared != Mode.X.value:
            found.append(
                Pending(
                    top.child("mode", key=False),
                    f"this file says mode {declared!r} but app {name!r} is X in privcall.yaml; "
                    "an app has exactly one mode",
                )
            )
        if "default" in raw:
            found += self._default(raw["default"], top.child("default", key=False), name)
        items = raw.get("routes")
        if items is None:
            if "routes" not in raw and "default" not in raw and "bindings" not in raw:
                found.append(Pending(top, "missing required key 'routes': this file's routes"))
            return found
        if not isinstance(items, list):
            found.append(
                Pending(
                    top.child("routes", key=False), "routes must be a list (items start with -)"
                )
            )
            return found
        for i, item in enumerate(items):
            found += self._route(item, Where(display, ("routes", i)), name)
        return found

    def _default(self, data: Any, where: Where, name: str) -> list[Pending]:
        if not isinstance(data, dict):
            return [Pending(where, "default must be a mapping, like {close: true}")]
        spec = self._validate(AnswerSpec, data, where)
        if spec is None:
            return []
        found = self._answer_problems(spec, where, name, None)
        if not found:
            self._defaults[name].append((spec, where))
        return found

    def _route(self, item: Any, where: Where, name: str) -> list[Pending]:
        if not isinstance(item, dict):
            return [
                Pending(where, 'each route is a mapping of keys (like x: "+86..."), not a value')
            ]
        found = [
            Pending(where.child(k), f"unknown key {k!r} in a route{_did_you_mean(str(k))}")
            for k in item
            if k not in ROUTE_KEYS
        ]
        spec = self._validate(RouteSpec, {k: v for k, v in item.items() if k in ROUTE_KEYS}, where)
        if spec is None:
            return found
        found += self._answer_problems(spec, where, name, spec.x)
        found += self._number_owner(spec.x, where.child("x"), name, "x")
        callers = None if spec.from_ is None else tuple(spec.from_)
        listed = isinstance(item.get("from"), list)
        for i, caller in enumerate(callers or ()):
            at = Where(where.file, (*where.path, "from", i)) if listed else where.child("from")
            if caller in self._virtual:
                found.append(Pending(at, "from: is a virtual number; callers are real numbers"))
            elif callers is not None and caller in callers[:i]:
                found.append(Pending(at, f"from: caller {caller} is listed twice"))
            elif caller == spec.to:
                found.append(Pending(at, f"from: caller {caller} is also the route's to: number"))
        if not found:
            key = spec.key or derived_key(spec.x, callers)
            self._routes[name].append(_Declared(key, spec, where, callers))
        return found

    def _answer_problems(
        self, spec: AnswerSpec, where: Where, name: str, x: str | None
    ) -> list[Pending]:
        found = [Pending(where.child(k) if k else where, m) for k, m in spec.problems()]
        if spec.to is not None and spec.to in self._virtual:
            found.append(
                Pending(where.child("to"), "to: is a virtual number; a call connects to a real one")
            )
        if spec.display is not None:
            found += self._number_owner(spec.display, where.child("display"), name, "display")
        tones = self._apps[name].tones
        if tones is not None:
            for field_name in TONE_FIELDS:
                tone = getattr(spec, field_name)
                if tone is not None and tone not in tones:
                    found.append(
                        Pending(
                            where.child(field_name),
                            f"{field_name}: {tone!r} is not one of the app's approved tones "
                            f"({', '.join(sorted(tones))})",
                        )
                    )
        return found

    def _number_owner(self, number: str, where: Where, name: str, field_name: str) -> list[Pending]:
        owner = self._owner.get(number)
        if owner == name:
            return []
        if owner is not None:
            return [
                Pending(
                    where,
                    f"{field_name}: {number} belongs to app {owner!r}, not to {name!r}; one X "
                    "number belongs to exactly one app",
                )
            ]
        return [
            Pending(
                where,
                f"{field_name}: {number} is not one of the numbers of app {name!r}; list it under "
                "numbers: in privcall.yaml",
            )
        ]

    # -- across files ---------------------------------------------------------------------

    def check(self) -> list[Pending]:
        """The rules across the files: unique keys, no overlap or shadow, one default."""
        found: list[Pending] = []
        for name, defaults in self._defaults.items():
            first = defaults[0][1]
            found += [
                Pending(where, f"app {name!r} already has a default", (first,))
                for _, where in defaults[1:]
            ]
        for name, routes in self._routes.items():
            overlapping = _overlaps(routes)
            flagged = {p.where.file + repr(p.where.path[:2]) for p in overlapping}
            found += overlapping + [
                p
                for p in _unique_keys(name, routes)
                if p.where.file + repr(p.where.path[:2]) not in flagged
            ]
        return found

    def tables(self) -> dict[str, Table]:
        """One table per X app (empty when it declares nothing)."""
        tables = {}
        for name, app in self._apps.items():
            if not self.handles(app):
                continue
            routes = [
                Route(
                    d.key,
                    d.spec.x,
                    None if d.callers is None else frozenset(d.callers),
                    d.spec.answer(d.spec.x),
                )
                for d in self._routes.get(name, [])
            ]
            defaults = self._defaults.get(name)
            default = defaults[0][0].answer(None) if defaults else None
            tables[name] = Table(name, tuple(routes), default)
        return tables


def _unique_keys(name: str, routes: list[_Declared]) -> list[Pending]:
    seen: dict[str, _Declared] = {}
    found = []
    for route in routes:
        first = seen.setdefault(route.key, route)
        if first is not route:
            explicit = route.spec.key is not None
            where = route.where.child("key") if explicit else route.where
            how = "" if explicit else " (derived from x and from: give the routes keys)"
            found.append(
                Pending(
                    where,
                    f"route key {route.key!r} is used twice in app {name!r}{how}",
                    (first.where,),
                )
            )
    return found


def _overlaps(routes: list[_Declared]) -> list[Pending]:
    """A caller routed twice on one X overlaps; a route no call reaches is shadowed."""
    found = []
    any_route: dict[str, _Declared] = {}
    taken: dict[tuple[str, str], _Declared] = {}
    for route in routes:
        x = route.spec.x
        if route.callers is None:
            first = any_route.setdefault(x, route)
            if first is not route:
                found.append(
                    Pending(
                        route.where,
                        f"shadowed: X {x} already has a route for any caller, so no call "
                        "reaches this one",
                        (first.where,),
                    )
                )
            continue
        clashes = [(c, taken[(x, c)]) for c in route.callers if (x, c) in taken]
        for caller in route.callers:
            taken.setdefault((x, caller), route)
        if not clashes:
            continue
        others = tuple(dict.fromkeys(other.where for _, other in clashes))
        if len(clashes) == len(route.callers):
            message = (
                f"shadowed: every caller of this route is already routed on X {x} by another "
                "route, so no call reaches it"
            )
        else:
            shown = ", ".join(c for c, _ in clashes[:3])
            more = f" and {len(clashes) - 3} more" if len(clashes) > 3 else ""
            message = (
                f"overlaps: caller {shown}{more} is already routed on X {x} by another route; "
                "a caller has one route per X"
            )
        found.append(Pending(route.where.child("from"), message, others))
    return found
