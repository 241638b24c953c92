"""Read the platform and plan: the part of plan, apply and drift that they share.

Every virtual number of every selected app is read in full (all pages) before anything
is planned; any failed or partial read aborts with :class:`ReadFailed`, so a read error
can never turn into unbinds.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from reconciler.errors import PlatformError, PrivcallError
from reconciler.loader import Repository
from reconciler.marker import Codec
from reconciler.plan import Plan, plan_app, plan_minute
from reconciler.platform import Live
from reconciler.session import Connection, Session


class ReadFailed(PrivcallError):
    """The live state of an app could not be read completely; nothing was planned."""

    def __init__(self, app: str, cause: PrivcallError) -> None:
        self.app = app
        self.cause = cause
        code = (
            f" (platform code {cause.code})"
            if isinstance(cause, PlatformError) and cause.code
            else ""
        )
        super().__init__(
            f"could not read the bindings of app {app!r}{code}: {cause}\n"
            "Nothing was planned: privcall never plans from a partial read."
        )


async def read_app(connection: Connection) -> list[Live]:
    """Every live binding on every virtual number of the app (X; for AXYB, the X side)."""
    numbers = [entry.number for entry in connection.app.numbers]
    try:
        by_number = await connection.client.list_many(numbers)
    except PrivcallError as exc:
        raise ReadFailed(connection.name, exc) from exc
    return [live for number in numbers for live in by_number[number]]


async def read_all(session: Session) -> dict[str, list[Live]]:
    """:func:`read_app` for every selected app, in parallel; the first failure aborts."""
    names = list(session.connections)
    results = await asyncio.gather(*(read_app(session.connections[n]) for n in names))
    return dict(zip(names, results, strict=True))


def plan_from(
    repo: Repository,
    live: dict[str, list[Live]],
    now: datetime,
    *,
    adopt: bool = False,
    codec: Codec | None = None,
) -> Plan:
    """The plan for the apps in ``live`` (pure: no I/O)."""
    codec = codec or Codec()
    apps = tuple(
        plan_app(
            name,
            repo.config.apps[name],
            repo.bindings[name],
            bindings,
            now,
            adopt=adopt,
            codec=codec,
        )
        for name, bindings in live.items()
    )
    return Plan(apps, plan_minute(now), codec.digest)


async def read_and_plan(session: Session, now: datetime, *, adopt: bool = False) -> Plan:
    """Read the platform, then plan."""
    live = await read_all(session)
    return plan_from(session.repo, live, now, adopt=adopt, codec=session.codec)
