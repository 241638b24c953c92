"""`privcall import`: the live bindings privcall does not manage yet, as YAML to adopt.

Reads every virtual number of the selected apps and writes, per app, one binding file with
the live bindings that carry no privcall marker and are not already in conflict with a
declared binding (those are adopted as they are, with ``apply --adopt``). The user reviews
the file, commits it, and ``privcall apply --adopt`` writes privcall's marker into each of
them (see ``docs/import.md``).

Choices, each in one place:

* **Keys** (:func:`suggest_key`): ``imported-<last 4 digits of x>-<n>``, ``n`` counting
  from 1 in the order of x, extension, bind time and subscription id, skipping every key
  the app already uses. Stable for the same live state; rename them freely before adopting.
* **Numbers**: ``x`` is pinned to the live number (AXE: with its extension), so adoption
  modifies the binding instead of re-binding it. AXYB bindings cannot pin numbers: they
  get the ``area_code`` (and ``y_area_code``) of their numbers.
* **Fields**: only those that differ from the model's defaults; fields the platform does
  not report are left at privcall's defaults (adoption writes them).
* **Expiry**: ``expires`` is absolute, ``bound_at + lifetime`` when the platform reports
  both. AXE reports a lifetime but not when the binding was bound: such a binding gets a
  comment asking for ``expires`` (adoption without it makes the binding permanent).
* A live binding the YAML could not declare (a broken rule, a tone that is not approved,
  an expiry too close) is left out, and the file's header says which and why.
"""

from __future__ import annotations

import dataclasses
import textwrap
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from io import StringIO
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from reconciler.config import App
from reconciler.engine import read_all
from reconciler.errors import ConfigError, PrivcallError, Problem, ValidationFailed
from reconciler.loader import BINDING_SUFFIXES, AppIndex, Repository, app_problems, load_repository
from reconciler.located import Where
from reconciler.marker import Codec
from reconciler.masking import Masker
from reconciler.model import Mode
from reconciler.modes import MODELS, Binding, domain
from reconciler.plan import EXPIRY_TOLERANCE, AppPlan, Kind, NoteKind, plan_app, plan_minute
from reconciler.platform.live import NEVER, Live
from reconciler.render.common import mask_text
from reconciler.rules import DesiredBinding, check_app
from reconciler.runner import RunOptions, binding_apps

KEY_PREFIX = "imported"
FILE_NAME = "imported-{app}.yaml"

_FIRST = ("key", "a", "b", "x", "area_code", "y_area_code", "extension")
_LAST = ("user_data",)
_WIDTH = 90
_IDENTITY = frozenset({"a", "b", "x", "area_code", "extension"})


class ImportRefused(PrivcallError):
    """A file import would write already exists (and ``--force`` was not given)."""

    def __init__(self, paths: list[str]) -> None:
        self.paths = paths
        super().__init__(
            f"{', '.join(paths)} already exist{'s' if len(paths) == 1 else ''}: review and "
            "commit (or delete) what an earlier import wrote, or pass --force to overwrite it"
        )


class ImportInvalid(PrivcallError):
    """A written file does not load back; a bug in privcall, reported with the problems."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(
            "the imported bindings were written but the repository no longer validates:\n"
            f"{lines}\nFix or delete the imported file(s) before committing, and please "
            "report this as a privcall bug"
        )


@dataclass(frozen=True)
class Imported:
    """One live binding written to YAML under a suggested key."""

    key: str
    subscription_id: str
    x: str
    binding: Binding
    comment: str | None = None
    """A note written above the binding in the file (what the user must still decide)."""


@dataclass(frozen=True)
class Skipped:
    """A live binding left out of the file, and why (the text holds no real number)."""

    subscription_id: str
    x: str
    reason: str


@dataclass(frozen=True)
class Target:
    """Where an app's imported bindings go."""

    path: Path
    display: str
    """The path as the loader names it (relative to the repository), or as given."""
    loaded: bool
    """Whether ``privcall`` reads this file (inside the bindings folder, .yaml/.yml)."""


@dataclass(frozen=True)
class AppImport:
    app: str
    mode: Mode
    sandbox: bool
    target: Target
    imported: tuple[Imported, ...]
    skipped: tuple[Skipped, ...]
    managed: int
    """Live bindings that carry privcall's marker."""
    conflicts: int
    """Foreign bindings matching a declared one: adopted as declared with apply --adopt."""

    @property
    def written(self) -> bool:
        return bool(self.imported)


@dataclass(frozen=True)
class ImportResult:
    apps: tuple[AppImport, ...]
    imported_at: datetime

    @property
    def count(self) -> int:
        return sum(len(app.imported) for app in self.apps)

    @property
    def sandbox(self) -> bool:
        return any(app.sandbox for app in self.apps)


# -- the run ----------------------------------------------------------------------------------


async def import_bindings(
    repo: Repository,
    options: RunOptions,
    *,
    output: Path | None = None,
    force: bool = False,
) -> ImportResult:
    """Read the selected apps and write their unmanaged live bindings as YAML.

    ``output`` replaces the default file (``<bindings_dir>/imported-<app>.yaml``) and needs
    exactly one app. An existing file is refused unless ``force``; with ``force`` its
    bindings are left out of the comparison, so a re-import rewrites it from scratch.
    """
    names = binding_apps(repo, options.apps)
    targets = {name: _target(repo, name, output, names) for name in names}
    existing = [t.display for t in targets.values() if t.path.exists()]
    if existing and not force:
        raise ImportRefused(existing)
    base = _without(repo, {t.display for t in targets.values() if t.loaded})
    async with options.session(base) as session:
        live = await read_all(session)
        codec = session.codec
    for name in names:
        _refuse_adopted(repo, name, targets[name], live[name], codec)
    now = options.now()
    at = plan_minute(now)
    results = []
    for name in names:
        app = base.config.apps[name]
        planned = plan_app(name, app, base.bindings[name], live[name], now, codec=codec)
        results.append(_app_import(base, name, app, live[name], planned, targets[name], at))
    result = ImportResult(tuple(results), at)
    for item in result.apps:
        if item.written:
            item.target.path.parent.mkdir(parents=True, exist_ok=True)
            item.target.path.write_text(render_file(item, at), encoding="utf-8")
    if any(item.written and item.target.loaded for item in result.apps):
        _verify(repo.root)
    return result


def _target(repo: Repository, name: str, output: Path | None, names: list[str]) -> Target:
    folder = (repo.root / repo.config.bindings_dir).resolve()
    if output is None:
        path = folder / FILE_NAME.format(app=name)
    elif len(names) != 1:
        raise ConfigError(
            f"-o writes the bindings of one app, and {len(names)} are selected: "
            "choose the app with --app"
        )
    else:
        path = output.resolve()
    root = repo.root.resolve()
    display = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    loaded = (
        path.is_relative_to(folder)
        and path.suffix in BINDING_SUFFIXES
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    )
    return Target(path, display, loaded)


def _without(repo: Repository, files: set[str]) -> Repository:
    """``repo`` without the bindings of ``files`` (the files a forced import rewrites)."""
    if not files:
        return repo
    bindings = {
        name: tuple(item for item in items if item.where.file not in files)
        for name, items in repo.bindings.items()
    }
    return dataclasses.replace(repo, bindings=bindings)


class ImportWouldDrop(PrivcallError):
    """Overwriting a file would drop declarations of bindings privcall manages now."""


def _refuse_adopted(
    repo: Repository, name: str, target: Target, live: list[Live], codec: Codec
) -> None:
    """Refuse to overwrite a file whose bindings were adopted: without them in the YAML, the
    next apply would unbind them."""
    declared = {
        index
        for d in repo.bindings[name]
        if d.where.file == target.display
        for index in codec.indexes(d.key)
    }
    if not declared:
        return
    adopted = sum(
        1 for binding in live if (found := binding.marker) is not None and found.index in declared
    )
    if adopted:
        raise ImportWouldDrop(
            f"{target.display} declares {adopted} binding(s) of app {name!r} that privcall "
            "manages now: overwriting it would drop them, and the next apply would unbind "
            "them. Keep that file (rename it if you like) and import into a new one with -o"
        )


def _verify(root: Path) -> None:
    try:
        load_repository(root)
    except ValidationFailed as exc:
        raise ImportInvalid(exc.problems) from exc


# -- one app ----------------------------------------------------------------------------------


def _app_import(
    repo: Repository,
    name: str,
    app: App,
    live: list[Live],
    planned: AppPlan,
    target: Target,
    at: datetime,
) -> AppImport:
    claimed = _claimed(planned)
    managed = [b for b in live if b.marker is not None]
    foreign = [b for b in live if b.marker is None and b.subscription_id not in claimed]
    built, skipped = _build_all(app, sorted(foreign, key=_order), at)
    declared = list(repo.bindings[name])
    imported = _with_keys(built, {item.key for item in declared})
    imported, broken = _check_rules(name, app, declared, imported, target.display)
    return AppImport(
        name,
        app.mode,
        app.sandbox,
        target,
        tuple(imported),
        tuple(skipped + broken),
        len(managed),
        len(claimed),
    )


def _claimed(planned: AppPlan) -> set[str]:
    """Foreign bindings the plan already pairs with a declared binding (conflicts; in an
    owned app, adopts)."""
    found = {
        note.live.subscription_id
        for note in planned.notes
        if note.kind is NoteKind.conflict and note.live is not None
    }
    found |= {
        op.live.subscription_id
        for op in planned.operations
        if op.kind is Kind.adopt and op.live is not None
    }
    return found


def _order(live: Live) -> tuple[str, str, str, str]:
    bound = live.bound_at.isoformat() if live.bound_at is not None else ""
    return (live.x, live.extension or "", bound, live.subscription_id)


def _build_all(app: App, foreign: list[Live], at: datetime) -> tuple[list[Imported], list[Skipped]]:
    built: list[Imported] = []
    skipped: list[Skipped] = []
    index = AppIndex.of(app)
    for live in foreign:
        outcome = build_binding(app, live, at, index)
        if isinstance(outcome, Skipped):
            skipped.append(outcome)
        else:
            built.append(outcome)
    return built, skipped


def _with_keys(built: list[Imported], used: set[str]) -> list[Imported]:
    taken = set(used)
    keyed = []
    for item in built:
        key = suggest_key(item.x, taken)
        taken.add(key)
        binding = item.binding.model_copy(update={"key": key})
        keyed.append(dataclasses.replace(item, key=key, binding=binding))
    return keyed


def suggest_key(x: str, taken: Iterable[str]) -> str:
    """``imported-<last 4 digits of x>-<n>``: the first ``n`` from 1 not in ``taken``."""
    used = set(taken)
    n = 1
    while f"{KEY_PREFIX}-{x[-4:]}-{n}" in used:
        n += 1
    return f"{KEY_PREFIX}-{x[-4:]}-{n}"


def _check_rules(
    name: str, app: App, declared: list[DesiredBinding], imported: list[Imported], file: str
) -> tuple[list[Imported], list[Skipped]]:
    """Leave out the imported bindings that break a rule across the app's bindings (with
    the declared ones), until none does."""
    skipped: list[Skipped] = []
    while True:
        items = [
            DesiredBinding(name, item.key, item.binding, Where(file, ("bindings", i)))
            for i, item in enumerate(imported)
        ]
        offenders: dict[int, str] = {}
        for pending in check_app(name, app, declared + items):
            for where in (pending.where, *pending.others):
                if where.file == file and len(where.path) >= 2 and where.path[0] == "bindings":
                    offenders.setdefault(int(where.path[1]), pending.message)
                    break
        if not offenders:
            return imported, skipped
        for i, message in offenders.items():
            item = imported[i]
            skipped.append(Skipped(item.subscription_id, item.x, _numberless(message, item)))
        imported = [item for i, item in enumerate(imported) if i not in offenders]


def _numberless(message: str, item: Imported) -> str:
    """A rule's message without the binding's real numbers (they are shown masked anyway,
    but a skip reason is also written in the file's header)."""
    for name in ("a", "b", "callback_number"):
        number = getattr(item.binding, name, None)
        if number:
            message = message.replace(number, name.upper() if len(name) == 1 else name)
    return message


# -- one binding ------------------------------------------------------------------------------


def build_binding(
    app: App, live: Live, at: datetime, index: AppIndex | None = None
) -> Imported | Skipped:
    """The binding a live one is declared as (key to be set), or why it cannot be."""
    model = MODELS[app.mode]
    values = _values(app, live)
    dropped: list[str] = []
    while True:
        try:
            binding: Binding = model.model_validate(values)
            break
        except ValidationError as exc:
            bad = {str(e["loc"][0]) for e in exc.errors(include_input=False) if e["loc"]}
            if not bad or bad & _IDENTITY or not bad <= values.keys():
                fields = ", ".join(sorted(bad)) or "the binding"
                return Skipped(live.subscription_id, live.x, f"{fields}: not a valid value")
            for name in sorted(bad):
                del values[name]
                dropped.append(name)
    problems = binding.problems() + app_problems(binding, index or AppIndex.of(app))
    if problems:
        reason = "; ".join(message for _, message in problems)
        return Skipped(live.subscription_id, live.x, reason)
    expires = binding.expiry()
    if expires is not None and expires - at <= EXPIRY_TOLERANCE:
        return Skipped(
            live.subscription_id,
            live.x,
            f"expires at {expires.isoformat()}: too soon to adopt (the platform removes it)",
        )
    return Imported("", live.subscription_id, live.x, binding, _comment(binding, live, dropped))


def _values(app: App, live: Live) -> dict[str, Any]:
    """The model's fields as the platform reported them (``None``: not set, or unknown)."""
    fields = MODELS[app.mode].model_fields
    values = {k: v for k, v in live.fields.items() if k in fields and v is not None}
    areas = {entry.number: entry.area_code for entry in (*app.numbers, *app.y_numbers)}
    domain(app.mode).import_values(values, live, areas)
    own = live.own_user_data
    if own:
        values["user_data"] = own
    return values


def _comment(binding: Binding, live: Live, dropped: list[str]) -> str | None:
    notes = []
    # the platform reports a lifetime but not when it started (AXE): ask for expires
    unknown_expiry = (
        binding.expiry() is None
        and live.bound_at is None
        and live.lifetime is not None
        and live.lifetime != NEVER
    )
    if unknown_expiry:
        assert live.lifetime is not None
        minutes = int(live.lifetime.total_seconds() // 60)
        notes.append(
            f"the platform removes this binding {minutes} minute(s) after it was bound, but "
            "does not say when that was: add expires: (absolute), or adoption makes it "
            "permanent"
        )
    if dropped:
        notes.append(
            f"left out {', '.join(dropped)}: the platform reported a value privcall cannot "
            "declare; adoption sets privcall's default"
        )
    return "\n".join(notes) or None


# -- the file ---------------------------------------------------------------------------------


def render_file(item: AppImport, at: datetime) -> str:
    """The YAML file of an app's imported bindings (ruamel.yaml round-trip output)."""
    document = CommentedMap()
    document["app"] = item.app
    document["mode"] = item.mode.value
    bindings = CommentedSeq()
    for i, imported in enumerate(item.imported):
        bindings.append(binding_map(imported.binding))
        if imported.comment is not None:
            text = "\n".join(
                line
                for para in imported.comment.splitlines()
                for line in textwrap.wrap(para, _WIDTH)
            )
            bindings.yaml_set_comment_before_after_key(i, before=text, indent=2)
    document["bindings"] = bindings
    document.yaml_set_start_comment(header(item, at))
    document.yaml_set_comment_before_after_key("app", before="\n", indent=0)
    document.yaml_set_comment_before_after_key("bindings", before="\n", indent=0)
    yaml = YAML()
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = _WIDTH
    out = StringIO()
    yaml.dump(document, out)
    return out.getvalue()


def header(item: AppImport, at: datetime) -> str:
    """The comment at the top of an imported file."""
    source = "privcall's sandbox" if item.sandbox else "the platform"
    lines = [
        f"Imported by `privcall import` at {at.isoformat()} from {source}:",
        f"the live bindings of app {item.app!r} ({item.mode.value}) that privcall did not create.",
        "",
        "THE PHONE NUMBERS BELOW ARE REAL AND UNMASKED (personal data): keep this file with",
        "the other binding files, under the same access rules; never paste it into a ticket.",
        "",
        "Review every binding (the keys are suggestions: rename them now, before adopting),",
        "commit, then run `privcall apply --adopt`: privcall writes its marker into each",
        "binding's userData and manages it from then on. x is pinned to the live number, so",
        "adoption does not re-bind. Fields the platform does not report are left at",
        "privcall's defaults; adoption writes them.",
    ]
    if not domain(item.mode).can_modify:
        lines += [
            "",
            f"{item.mode.value} has no modify API: adopting cannot write the marker without",
            "re-binding (see docs/import.md).",
        ]
    if item.skipped:
        lines += ["", "Not imported (the YAML could not declare them as they are):"]
        for s in item.skipped:
            lines += textwrap.wrap(
                f"subscription {s.subscription_id} on {s.x}: {s.reason}",
                _WIDTH,
                initial_indent="  - ",
                subsequent_indent="    ",
            )
    return "\n".join(lines)


def binding_map(binding: Binding) -> CommentedMap:
    """The fields of ``binding`` that differ from the model's defaults, in a readable order."""
    fields = type(binding).model_fields
    names = [n for n in _FIRST if n in fields]
    names += [n for n in fields if n not in names and n not in _LAST]
    names += [n for n in _LAST if n in fields]
    out = CommentedMap()
    for name in names:
        value = getattr(binding, name)
        if value != fields[name].get_default(call_default_factory=True):
            out[name] = value if name == "key" else yaml_value(value)
    return out


def yaml_value(value: Any) -> Any:
    """A field's value as the YAML writes it: text double-quoted, enums by their value,
    times as absolute ISO 8601."""
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime):
        return DoubleQuotedScalarString(value.isoformat())
    if isinstance(value, str):
        return DoubleQuotedScalarString(value)
    return value


def summary_lines(result: ImportResult, masker: Masker, shown: Callable[[str], str]) -> list[str]:
    """The terminal summary of an import: counts per app and the files, real numbers masked.
    ``shown`` turns a target's display path into the path the user sees."""
    lines = []
    if result.sandbox:
        lines.append(
            "SANDBOX: read from privcall's built-in sandbox emulator (.privcall/sandbox.db), "
            "not Huawei Cloud"
        )
    for app in result.apps:
        where = f" -> {shown(app.target.display)}" if app.written else " (no file written)"
        lines.append(
            f"{app.app} ({app.mode.value}): {len(app.imported)} imported{where}; "
            f"{app.managed} managed by privcall, {app.conflicts} in conflict with a declared "
            f"binding (adopt with apply --adopt), {len(app.skipped)} not imported"
        )
        lines += [
            f"  not imported: subscription {s.subscription_id} on {s.x}: {s.reason}"
            for s in app.skipped
        ]
        notes = sum(1 for i in app.imported if i.comment is not None)
        if notes:
            lines.append(f"  {notes} binding(s) carry a comment to act on before adopting")
        if app.written and not app.target.loaded:
            lines.append(
                f"  warning: {shown(app.target.display)} is not a .yaml file in the bindings "
                "folder, so privcall does not read it: move it there before apply --adopt"
            )
    total = result.count
    if total:
        lines.append(
            f"Imported {total} binding(s). The files hold REAL, unmasked phone numbers: review "
            "them, commit, then run `privcall apply --adopt`."
        )
    else:
        lines.append("Nothing to import: every live binding is managed or declared.")
    return [mask_text(masker, line) for line in lines]
