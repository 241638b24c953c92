"""Plan, apply and drift for X apps: the table the route server serves is the live state.

* :func:`diff` compares the YAML's table with the served one route by route (by key):
  added, changed (with the fields that differ, in YAML names) and removed, plus a change
  of the app's default.
* The plan's checksum covers, per app, the served version and what would be served; so
  ``apply --checksum`` refuses (exit 3) when the server or the YAML moved since review.
* The gates reuse the app's ``safety``: removed routes against ``max_unbind_percent`` /
  ``max_unbinds``, changed ones (the default included) against ``max_modify_percent`` /
  ``max_modifies``, above ``min_existing`` served routes; an override names the count.
* :func:`apply` replaces each changed app's table in one compare-and-swap on the version it
  planned against: a concurrent apply makes it fail with nothing replaced for that app.
* Drift: any difference between the served table and the YAML (exit 2).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum

import httpx

from reconciler.config import App
from reconciler.digest import UNKEYED, Digest, DigestKeyError
from reconciler.errors import ConfigError
from reconciler.loader import Repository
from reconciler.xmode.admin import AdminClient, Served
from reconciler.xmode.errors import XModeError, XModeRefused
from reconciler.xmode.serve import admin_token, x_apps
from reconciler.xmode.table import Answer, Close, Connect, Route, Table, canonical

FORMAT_VERSION = 1

_YAML_NAMES = {
    "callee": "to",
    "display": "display",
    "max_duration": "max_duration_minutes",
    "wait_tone": "wait_tone",
    "record": "record",
    "record_hint_tone": "record_hint_tone",
    "last_minute_tone": "last_minute_tone",
    "user_data": "user_data",
    "tone": "close_tone",
}


class ChangeKind(StrEnum):
    add = "add"
    change = "change"
    remove = "remove"


@dataclass(frozen=True)
class RouteChange:
    kind: ChangeKind
    key: str
    before: Route | None
    after: Route | None
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class DefaultChange:
    before: Answer | None
    after: Answer | None
    fields: tuple[str, ...]


@dataclass(frozen=True)
class AppPlan:
    app: str
    url: str
    served: Served
    desired: Table
    changes: tuple[RouteChange, ...]
    default: DefaultChange | None

    @property
    def has_changes(self) -> bool:
        return bool(self.changes) or self.default is not None

    @property
    def existing(self) -> int:
        return len(self.served.table.routes)

    def count(self, kind: ChangeKind) -> int:
        return sum(c.kind is kind for c in self.changes)


@dataclass(frozen=True)
class XPlan:
    apps: tuple[AppPlan, ...]
    digest: Digest = field(default=UNKEYED, repr=False, compare=False)

    @property
    def has_changes(self) -> bool:
        return any(a.has_changes for a in self.apps)

    @property
    def checksum(self) -> str:
        """Over each app's served version and checksum and the table it would serve; keyed
        (:mod:`reconciler.digest`), as the tables hold real numbers."""
        text = canonical(
            [
                {
                    "app": a.app,
                    "served": [a.served.version, a.served.checksum],
                    "desired": a.desired.checksum(),
                }
                for a in self.apps
            ]
        )
        return self.digest.hexmac("xmode-plan", text)


# -- diffing ------------------------------------------------------------------------------


def answer_fields(before: Answer | None, after: Answer | None) -> tuple[str, ...]:
    """The YAML names of what differs between two answers."""
    if before is None or after is None:
        return () if before == after else ("default",)
    if type(before) is not type(after):
        return ("close",)
    names = [f.name for f in fields(before)]
    return tuple(_YAML_NAMES[n] for n in names if getattr(before, n) != getattr(after, n))


def diff(desired: Table, served: Table) -> tuple[tuple[RouteChange, ...], DefaultChange | None]:
    changes: list[RouteChange] = []
    for route in desired.routes:
        live = served.route(route.key)
        if live is None:
            changes.append(RouteChange(ChangeKind.add, route.key, None, route))
            continue
        changed = (("x",) if live.x != route.x else ()) + (
            ("from",) if live.callers != route.callers else ()
        )
        changed += answer_fields(live.answer, route.answer)
        if changed:
            changes.append(RouteChange(ChangeKind.change, route.key, live, route, changed))
    changes += [
        RouteChange(ChangeKind.remove, r.key, r, None)
        for r in served.routes
        if desired.route(r.key) is None
    ]
    default = None
    if desired.default != served.default:
        default = DefaultChange(
            served.default, desired.default, answer_fields(served.default, desired.default)
        )
    order = {ChangeKind.remove: 0, ChangeKind.change: 1, ChangeKind.add: 2}
    return tuple(sorted(changes, key=lambda c: (order[c.kind], c.key))), default


# -- gates --------------------------------------------------------------------------------


def breaches(
    plan: XPlan,
    apps: Mapping[str, App],
    *,
    allow_removals: int | None = None,
    allow_changes: int | None = None,
) -> list[str]:
    """Why the plan may not be applied, or []; each reason says how to override it."""
    reasons: list[str] = []
    totals = {
        "removals": sum(a.count(ChangeKind.remove) for a in plan.apps),
        "changes": sum(a.count(ChangeKind.change) + (a.default is not None) for a in plan.apps),
    }
    allowed = {"removals": allow_removals, "changes": allow_changes}
    found: dict[str, list[str]] = {"removals": [], "changes": []}
    for app_plan in plan.apps:
        safety = apps[app_plan.app].safety
        removals, changed = totals_of(app_plan)
        counts = {"removals": removals, "changes": changed}
        limits = {
            "removals": (safety.max_unbind_percent, safety.max_unbinds),
            "changes": (safety.max_modify_percent, safety.max_modifies),
        }
        existing = app_plan.existing
        for what, count in counts.items():
            percent, cap = limits[what]
            if cap is not None and count > cap:
                limit = f"the cap of {cap}"
            elif existing > safety.min_existing and count * 100 > percent * existing:
                limit = f"{percent:g}% ({what} / served routes)"
            else:
                continue
            found[what].append(
                f"app {app_plan.app!r}: {count} route {what} of {existing} served routes "
                f"exceeds {limit}"
            )
    for what in ("removals", "changes"):
        given, total = allowed[what], totals[what]
        if given is not None and given != total:
            reasons.append(
                f"--allow-{what} {given} does not match the plan, which has {total} {what}; "
                "re-read the plan and pass its exact count"
            )
        elif found[what] and given is None:
            reasons += [
                f"{line}; if this is intended, run apply again with --allow-{what} {total}"
                for line in found[what]
            ]
    return reasons


def totals_of(app_plan: AppPlan) -> tuple[int, int]:
    """(removed routes, changed routes counting a changed default)."""
    return (
        app_plan.count(ChangeKind.remove),
        app_plan.count(ChangeKind.change) + (app_plan.default is not None),
    )


# -- reading and applying -------------------------------------------------------------------


@dataclass
class XOptions:
    """The apps, the environment, and a transport for the admin endpoint (tests)."""

    apps: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    transport: Callable[[], httpx.AsyncBaseTransport] | None = None

    def client(self, repo: Repository, name: str) -> AdminClient:
        settings = repo.config.apps[name].xmode
        assert settings is not None
        transport = self.transport() if self.transport is not None else None
        return AdminClient(
            settings.url, name, admin_token(repo, name, self.env), transport=transport
        )

    def digest(self) -> Digest:
        try:
            return Digest.from_env(self.env)
        except DigestKeyError as exc:
            raise ConfigError(str(exc)) from None


async def make_plan(repo: Repository, options: XOptions) -> XPlan:
    """Read every selected X app's served table and diff it against the YAML."""
    plans = []
    for name in x_apps(repo, options.apps):
        async with options.client(repo, name) as client:
            served = await client.read()
        desired = repo.routes[name]
        changes, default = diff(desired, served.table)
        plans.append(AppPlan(name, client.url, served, desired, changes, default))
    return XPlan(tuple(plans), options.digest())


@dataclass(frozen=True)
class Applied:
    app: str
    before: int
    after: int


class XModePartial(XModeError):
    """Some apps' tables were replaced, then one failed (exit 4); apply again converges."""

    exit_code = 4

    def __init__(self, done: list[Applied], failed: str, cause: XModeError) -> None:
        self.done = done
        replaced = ", ".join(f"{a.app} (now version {a.after})" for a in done)
        super().__init__(
            f"partially applied: replaced {replaced}; app {failed!r} failed: {cause}; run plan "
            "and apply again"
        )


async def apply(
    repo: Repository,
    options: XOptions,
    *,
    checksum: str | None = None,
    allow_removals: int | None = None,
    allow_changes: int | None = None,
    confirm: Callable[[XPlan], bool] = lambda plan: True,
) -> tuple[XPlan, list[Applied] | None]:
    """Re-read, re-plan, check the checksum and gates, confirm, swap each changed table."""
    plan = await make_plan(repo, options)
    if checksum is not None and checksum != plan.checksum:
        raise XModeRefused(
            "the plan changed since it was reviewed; nothing was applied.",
            [f"reviewed checksum: {checksum}", f"current checksum:  {plan.checksum}"],
        )
    reasons = breaches(
        plan, repo.config.apps, allow_removals=allow_removals, allow_changes=allow_changes
    )
    if reasons:
        raise XModeRefused("a safety gate stops this apply before any change:", reasons)
    if not plan.has_changes or not confirm(plan):
        return plan, None
    done: list[Applied] = []
    for app_plan in plan.apps:
        if not app_plan.has_changes:
            continue
        try:
            async with options.client(repo, app_plan.app) as client:
                new = await client.replace(app_plan.served.version, app_plan.desired)
        except XModeError as exc:
            if not done:
                raise
            raise XModePartial(done, app_plan.app, exc) from None
        done.append(Applied(app_plan.app, app_plan.served.version, new.version))
    return plan, done


def drifted(plan: XPlan) -> bool:
    """Drift: a served table differs from the YAML."""
    return plan.has_changes


def describe_answer(answer: Answer | None) -> str:
    """A one-line description of an answer (real numbers unmasked: mask the result)."""
    if answer is None:
        return "close (no tone)"
    if isinstance(answer, Close):
        return f"close with {answer.tone}" if answer.tone else "close (no tone)"
    assert isinstance(answer, Connect)
    parts = [f"connect to {answer.callee}"]
    if answer.display:
        parts.append(f"showing {answer.display}")
    if answer.max_duration:
        parts.append(f"at most {answer.max_duration} min")
    if answer.record:
        parts.append("recorded")
    return ", ".join(parts)
