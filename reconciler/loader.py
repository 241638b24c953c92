"""Load a bindings repository: ``privcall.yaml`` plus its binding files, into models.

Every problem of every file is collected in one run and reported with its file, line and
column (:class:`reconciler.errors.ValidationFailed`); nothing is called on the platform
before the whole repository is valid. Real numbers in messages are masked.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from reconciler.config import App, Config, app_name_problem
from reconciler.errors import ConfigError, Problem, ValidationFailed
from reconciler.located import Pending, Where
from reconciler.masking import Masker
from reconciler.model import REAL_NUMBER_FIELDS, TONE_FIELDS, Mode
from reconciler.modes import MODELS, AXEBinding, AXYBBinding, Binding, binding_key, modes_with_field
from reconciler.rules import DesiredBinding, check_app
from reconciler.xmode.routes import RouteCollector
from reconciler.xmode.table import Table
from reconciler.yamlsrc import Path_, Positions, YamlTrap, decode, parse

M = TypeVar("M", bound=BaseModel)

CONFIG_FILE = "privcall.yaml"
BINDING_SUFFIXES = (".yaml", ".yml")
_CONFIG_KEYS = ("apps", "bindings_dir")
_FILE_KEYS = ("app", "mode", "bindings")


@dataclass(frozen=True)
class Repository:
    """A valid bindings repository."""

    root: Path
    config: Config
    bindings: dict[str, tuple[DesiredBinding, ...]]
    files: tuple[str, ...]
    routes: dict[str, Table] = field(default_factory=dict)
    """X apps' route tables (reconciler.xmode), by app."""

    def virtual_numbers(self) -> set[str]:
        """Every X and Y number of every app."""
        return {
            entry.number
            for app in self.config.apps.values()
            for entry in (*app.numbers, *app.y_numbers)
        }


def load_repository(root: Path | str) -> Repository:
    """Load and validate the repository at ``root``; raise ValidationFailed listing every
    problem, or ConfigError when there is no repository there at all."""
    return _Loader(Path(root)).load()


@dataclass
class AppIndex:
    """What a binding is checked against: the app's numbers, cities and tones."""

    app: App
    x_numbers: frozenset[str]
    areas: frozenset[str]
    y_areas: frozenset[str]
    virtual: frozenset[str]
    tones: frozenset[str] | None

    @classmethod
    def of(cls, app: App) -> AppIndex:
        xs = frozenset(n.number for n in app.numbers)
        ys = frozenset(n.number for n in app.y_numbers)
        return cls(
            app,
            xs,
            frozenset(n.area_code for n in app.numbers),
            frozenset(n.area_code for n in app.y_numbers),
            xs | ys,
            frozenset(app.tones) if app.tones is not None else None,
        )


@dataclass
class _Loader:
    root: Path
    pending: list[Pending] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)
    routes: RouteCollector | None = None

    # -- the run ---------------------------------------------------------------------------

    def load(self) -> Repository:
        if not self.root.is_dir():
            raise ConfigError(
                f"{self.root} is not a directory; pass the bindings repository with -C DIR"
            )
        if not (self.root / CONFIG_FILE).is_file():
            raise ConfigError(
                f"no {CONFIG_FILE} in {self.root}: run privcall in your bindings repository, or "
                "pass its directory with -C DIR"
            )
        apps, broken, bindings_dir = self._config()
        files = self._binding_files(bindings_dir)
        desired: dict[str, list[DesiredBinding]] = {name: [] for name in apps}
        indexes = {name: AppIndex.of(app) for name, app in apps.items()}
        self.routes = RouteCollector(apps, self._validate)
        for display in files:
            self._binding_file(display, apps, broken, indexes, desired)
        for name, items in desired.items():
            if not self.routes.handles(apps[name]):
                self.pending += check_app(name, apps[name], items)
        self.pending += self.routes.check()
        if self.pending or self.problems:
            raise ValidationFailed(self._resolve(apps.values()))
        config = Config(apps=apps, bindings_dir=bindings_dir)
        return Repository(
            self.root,
            config,
            {name: tuple(items) for name, items in desired.items()},
            tuple(files),
            self.routes.tables(),
        )

    def _read(self, display: str, needs: str) -> dict[str, Any] | None:
        try:
            text = decode((self.root / display).read_bytes())
            self.texts[display] = text
            return parse(text, needs)
        except YamlTrap as trap:
            self.problems.append(Problem(display, trap.line, trap.column, trap.message))
        except OSError as exc:
            self.problems.append(Problem(display, 1, 1, f"cannot read the file: {exc.strerror}"))
        return None

    # -- privcall.yaml ---------------------------------------------------------------------

    def _config(self) -> tuple[dict[str, App], set[str], str]:
        """The valid apps, the names of invalid ones, and the bindings folder."""
        apps: dict[str, App] = {}
        broken: set[str] = set()
        raw = self._read(CONFIG_FILE, "apps: with at least one app")
        if raw is None:
            return apps, broken, "bindings"
        top = Where(CONFIG_FILE, ())
        self._unknown_keys(top, raw, _CONFIG_KEYS, "privcall.yaml")
        bindings_dir = raw.get("bindings_dir", "bindings")
        if not isinstance(bindings_dir, str) or not bindings_dir.strip():
            self._add(top.child("bindings_dir", key=False), "bindings_dir must be a folder name")
            bindings_dir = "bindings"
        raw_apps = raw.get("apps")
        if not isinstance(raw_apps, dict) or not raw_apps:
            self._add(
                top.child("apps") if "apps" in raw else top,
                "privcall.yaml needs apps: a mapping of app names to their settings",
            )
            return apps, broken, bindings_dir
        for name, raw_app in raw_apps.items():
            where = Where(CONFIG_FILE, ("apps", name))
            problem = app_name_problem(name)
            if problem is not None:
                self._add(Where(CONFIG_FILE, ("apps", name), key=True), problem)
            app = self._validate(App, raw_app, where)
            if app is None or problem is not None:
                broken.add(str(name))
                continue
            found = app.problems()
            for key, message in found:
                self._add(where.child(key), message)
            if found:
                broken.add(name)
            else:
                apps[name] = app
        self._unique_numbers(apps)
        return apps, broken, bindings_dir

    def _unique_numbers(self, apps: dict[str, App]) -> None:
        seen: dict[str, Where] = {}
        for name, app in apps.items():
            for group in ("numbers", "y_numbers"):
                for i, entry in enumerate(getattr(app, group)):
                    where = Where(CONFIG_FILE, ("apps", name, group, i, "number"))
                    first = seen.get(entry.number)
                    if first is not None:
                        self.pending.append(
                            Pending(
                                where,
                                f"virtual number {entry.number} is listed twice; a number belongs "
                                "to exactly one app, once",
                                (first,),
                            )
                        )
                    else:
                        seen[entry.number] = where

    # -- binding files ---------------------------------------------------------------------

    def _binding_files(self, bindings_dir: str) -> list[str]:
        folder = (self.root / bindings_dir).resolve()
        if not folder.is_relative_to(self.root.resolve()):
            self._add(
                Where(CONFIG_FILE, ("bindings_dir",)),
                "bindings_dir must be a folder inside the repository",
            )
            return []
        if not folder.is_dir():
            self._add(
                Where(CONFIG_FILE, ("bindings_dir",), key=True),
                f"the bindings folder {bindings_dir!r} does not exist; create it (keep a .gitkeep "
                "in it if there are no bindings yet)",
            )
            return []
        found = [
            p.relative_to(self.root.resolve()).as_posix()
            for p in folder.rglob("*")
            if p.suffix in BINDING_SUFFIXES
            and p.is_file()
            and not any(part.startswith(".") for part in p.relative_to(folder).parts)
        ]
        return sorted(found)

    def _binding_file(
        self,
        display: str,
        apps: dict[str, App],
        broken: set[str],
        indexes: dict[str, AppIndex],
        desired: dict[str, list[DesiredBinding]],
    ) -> None:
        raw = self._read(display, "app: (an app of privcall.yaml) and bindings: (a list)")
        if raw is None:
            return
        if self._routes_file(display, raw, apps, broken):
            return
        top = Where(display, ())
        self._unknown_keys(top, raw, _FILE_KEYS, "a bindings file")
        name = raw.get("app")
        if name not in apps:
            if name not in broken:
                self._unknown_app(top, name, apps)
            return
        app = apps[name]
        self._declared_mode(top, raw, name, app)
        items = raw.get("bindings")
        if items is None:
            if "bindings" not in raw:
                self._add(top, "missing required key 'bindings': the list of this file's bindings")
            return
        if not isinstance(items, list):
            self._add(
                top.child("bindings", key=False), "bindings must be a list (items start with -)"
            )
            return
        model = MODELS[app.mode]
        index = indexes[name]
        for i, item in enumerate(items):
            where = Where(display, ("bindings", i))
            if not isinstance(item, dict):
                self._add(
                    where,
                    'each binding is a mapping of keys (like a: "+86..."), not a single value',
                )
                continue
            binding = self._validate(model, item, where, mode=app.mode, app_name=name)
            if binding is None:
                continue
            problems = [*binding.problems(), *app_problems(binding, index)]
            for key, message in problems:
                self._add(where.child(key) if key else where, message)
            if not problems:
                desired[name].append(DesiredBinding(name, binding_key(binding), binding, where))

    def _routes_file(
        self, display: str, raw: dict[str, Any], apps: dict[str, App], broken: set[str]
    ) -> bool:
        """X apps' files declare routes: reconciler.xmode.routes checks them (True: done)."""
        name = raw.get("app")
        if isinstance(name, str) and name in broken and "bindings" not in raw:
            return True  # an invalid app: its route file is not checked further
        if not (isinstance(name, str) and name in apps and self.routes is not None):
            return False
        if not self.routes.handles(apps[name]):
            return False
        self.pending += self.routes.add_file(display, raw, name)
        return True

    def _unknown_app(self, top: Where, name: object, apps: dict[str, App]) -> None:
        if name is None:
            self._add(top, "missing required key 'app': the name of an app in privcall.yaml")
            return
        hint = _did_you_mean(str(name), apps)
        known = ", ".join(sorted(apps)) or "none are valid"
        self._add(
            top.child("app", key=False),
            f"unknown app {name!r}{hint}; the apps of privcall.yaml are: {known}",
        )

    def _declared_mode(self, top: Where, raw: dict[str, Any], name: str, app: App) -> None:
        declared = raw.get("mode")
        if declared is not None and declared != app.mode.value:
            self._add(
                top.child("mode", key=False),
                f"this file says mode {declared!r} but app {name!r} is {app.mode.value} in "
                "privcall.yaml; an app has exactly one mode",
            )

    # -- pydantic errors -------------------------------------------------------------------

    def _validate(
        self,
        model: type[M],
        data: Any,
        where: Where,
        *,
        mode: Mode | None = None,
        app_name: str = "",
    ) -> M | None:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            for error in exc.errors(include_url=False, include_input=False):
                self._pydantic(model, error, where, mode, app_name)
        return None

    def _pydantic(
        self,
        model: type[BaseModel],
        error: Any,
        where: Where,
        mode: Mode | None,
        app_name: str,
    ) -> None:
        loc: Path_ = tuple(p for p in error["loc"] if isinstance(p, int) or "[" not in p)
        name = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
        at = Where(where.file, (*where.path, *loc), key=True)
        kind = error["type"]
        message: str = error["msg"]
        if kind == "extra_forbidden":
            self._add(at, _unknown_key(str(loc[-1]), _fields_at(model, loc[:-1]), mode, app_name))
        elif kind == "missing":
            self._add(Where(at.file, at.path[:-1]), f"missing required key {name!r}")
        elif kind == "value_error":
            text = message.removeprefix("Value error, ")
            self._add(at if loc else where, f"{name}: {text}" if loc else text)
        elif message.startswith("Input should"):
            self._add(at, f"{name} should{message.removeprefix('Input should')}")
        else:
            self._add(at, f"{name}: {message[:1].lower()}{message[1:]}" if name else message)

    def _unknown_keys(
        self, where: Where, raw: dict[str, Any], known: Iterable[str], what: str
    ) -> None:
        for key in raw:
            if key not in known:
                hint = _did_you_mean(str(key), known)
                self._add(where.child(key), f"unknown key {key!r} in {what}{hint}")

    def _add(self, where: Where, message: str) -> None:
        self.pending.append(Pending(where, message))

    # -- positions -------------------------------------------------------------------------

    def _resolve(self, apps: Iterable[App]) -> list[Problem]:
        masker = Masker(n.number for app in apps for n in (*app.numbers, *app.y_numbers))
        positions: dict[str, Positions] = {}

        def locate(where: Where) -> tuple[int, int]:
            if where.file not in positions:
                positions[where.file] = Positions(self.texts.get(where.file, ""))
            found = positions[where.file]
            return found.key(where.path) if where.key else found.value(where.path)

        problems = [
            Problem(p.file, p.line, p.column, masker.text(p.message)) for p in self.problems
        ]
        for pending in self.pending:
            line, column = locate(pending.where)
            message = pending.message
            if pending.others:
                places = []
                for other in pending.others:
                    other_line, other_column = locate(other)
                    places.append(f"{other.file}:{other_line}:{other_column}")
                message += f" (also at {', '.join(places)})"
            problems.append(Problem(pending.where.file, line, column, masker.text(message)))
        return problems


def app_problems(binding: Binding, index: AppIndex) -> list[tuple[str, str]]:
    """Rules that tie one binding to its app: owned numbers, cities, tones, extensions."""
    found: list[tuple[str, str]] = []
    fields = type(binding).model_fields
    x = None if isinstance(binding, AXYBBinding) else binding.x
    if x is not None and x not in index.x_numbers:
        found.append(
            (
                "x",
                "x: not one of this app's numbers; list it under numbers: in privcall.yaml",
            )
        )
    area = binding.area_code
    loose = binding.area_match == "loose"
    if area is not None and not loose and area not in index.areas:
        found.append(
            (
                "area_code",
                f"area_code: the app has no number in area {area}; add one to privcall.yaml or set "
                "area_match: loose",
            )
        )
    if isinstance(binding, AXYBBinding):
        y_area = binding.y_area_code or binding.area_code
        if not loose and y_area not in index.y_areas:
            field_name = "y_area_code" if binding.y_area_code else "area_code"
            found.append(
                (
                    field_name,
                    f"{field_name}: the app has no Y number in area {y_area}; add one to "
                    "y_numbers or set area_match: loose",
                )
            )
    for name in REAL_NUMBER_FIELDS:
        if name in fields and getattr(binding, name) in index.virtual:
            found.append(
                (name, f"{name}: is one of the app's virtual numbers; it must be a real one")
            )
    if index.tones is not None:
        for name in TONE_FIELDS & fields.keys():
            tone = getattr(binding, name)
            if tone is not None and tone not in index.tones:
                found.append(
                    (
                        name,
                        f"{name}: {tone!r} is not one of the app's approved tones "
                        f"({', '.join(sorted(index.tones))})",
                    )
                )
    if isinstance(binding, AXEBinding) and binding.extension and index.app.extension_digits:
        digits = index.app.extension_digits
        if len(binding.extension) != digits:
            found.append(
                ("extension", f"extension: must have {digits} digits (the app's extension_digits)")
            )
    return found


def _did_you_mean(word: str, candidates: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _unknown_key(key: str, fields: list[str], mode: Mode | None, app_name: str) -> str:
    message = f"unknown key {key!r}{_did_you_mean(key, fields)}"
    if mode is not None and "did you mean" not in message:
        elsewhere = [m.value for m in modes_with_field(key)]
        if elsewhere:
            message += (
                f": {key} belongs to {' and '.join(elsewhere)} bindings, and app {app_name!r} "
                f"is {mode.value}"
            )
    return message


def _fields_at(model: type[BaseModel], loc: Path_) -> list[str]:
    """The field names of the (nested) model found at ``loc`` below ``model``."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        info = current.model_fields.get(str(part))
        if info is None:
            return []
        current = _model_in(info.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _model_in(annotation: Any) -> Any:
    """The BaseModel inside an annotation like ``X | None``, ``list[X]`` or ``dict[str, X]``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in (list, dict, typing.Union, types.UnionType):
        for arg in reversed(typing.get_args(annotation)):
            found = _model_in(arg)
            if found is not None:
                return found
    return None
