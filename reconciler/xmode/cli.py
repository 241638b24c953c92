"""``privcall xmode``: serve the X apps' declared routes; plan, apply and check their drift."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import cast

import click

from reconciler.clicore import (
    Group,
    apps_option,
    colour,
    format_option,
    handles_errors,
    repo_option,
    say,
    unmask_option,
    warn,
)
from reconciler.digest import Digest, DigestKeyError
from reconciler.errors import ConfigError
from reconciler.loader import Repository, load_repository
from reconciler.masking import Masker
from reconciler.xmode import plan as xplan
from reconciler.xmode.render import Format, render_applied, render_plan
from reconciler.xmode.serve import DEFAULT_PORT, build_server, x_apps
from reconciler.xmode.serve import serve as serve_http
from reconciler.xmode.server import HEALTH_PATH, TABLE_PATH

EXIT_CHANGES = 2


@click.group(name="xmode", cls=Group)
def xmode() -> None:
    """X mode: serve the declared routes to the platform's Block callin; plan, apply, drift.

    X mode is not open to new customers on the platform; existing X apps can use it.
    """


def _masker(repo: Repository, unmask: bool) -> Masker:
    if unmask and os.environ.get("CI"):
        raise ConfigError("--unmask is for local debugging and is refused when CI is set")
    try:
        digest = Digest.from_env(os.environ)
    except DigestKeyError as exc:
        raise ConfigError(str(exc)) from None
    return Masker(repo.virtual_numbers(), unmask=unmask, digest=digest)


@xmode.command()
@repo_option
@apps_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--window",
    default=300,
    show_default=True,
    type=click.IntRange(1, 86400),
    help="Accept pushes whose Created is at most this many seconds from this server's clock.",
)
@click.option(
    "--no-save",
    is_flag=True,
    help="Do not keep served tables in .privcall/xmode/ (a restart serves the YAML's again).",
)
@click.option("--log-level", default="warning", show_default=True, help="uvicorn's log level.")
@handles_errors
def serve(
    root: Path,
    apps: tuple[str, ...],
    host: str,
    port: int,
    window: int,
    no_save: bool,
    log_level: str,
) -> None:
    """Answer the platform's Block callin for the X apps, per the served route tables.

    Point the app's call-status URL at http://HOST:PORT/ (any path). Pushes must be signed
    with the app's key and secret; the admin endpoint needs the token of xmode.token_env.
    """
    repo = load_repository(root)
    names = x_apps(repo, apps)
    app = build_server(
        repo, os.environ, apps=names, window=timedelta(seconds=window), persist=not no_save
    )
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    def ready(url: str) -> None:
        for name in names:
            index = app.tables.current(name)
            say(
                f"app {name}: serving table version {index.version} "
                f"({len(index.table.routes)} routes) at {url}/"
            )
        say(f"admin: {url}{TABLE_PATH} (bearer token), health: {url}{HEALTH_PATH}")

    serve_http(app, host, port, on_ready=ready, log_level=log_level)


@xmode.command()
@repo_option
@apps_option
@format_option
@unmask_option
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when the plan has changes.")
@handles_errors
def plan(
    root: Path, apps: tuple[str, ...], fmt: str, unmask: bool, detailed_exitcode: bool
) -> None:
    """Show what apply would change in the tables the route server serves."""
    repo = load_repository(root)
    masker = _masker(repo, unmask)
    result = asyncio.run(xplan.make_plan(repo, xplan.XOptions(apps=apps)))
    say(render_plan(result, masker, cast(Format, fmt)), nl=False)
    if detailed_exitcode and result.has_changes:
        sys.exit(EXIT_CHANGES)


def _confirmer(fmt: str, masker: Masker, auto_approve: bool) -> Callable[[xplan.XPlan], bool]:
    def confirm(planned: xplan.XPlan) -> bool:
        if fmt != "json":
            say(render_plan(planned, masker, cast(Format, fmt)), nl=False)
        if auto_approve:
            return True
        answer = click.prompt(
            "Replace these route tables? Only 'yes' is accepted", default="", show_default=False
        )
        if answer.strip() != "yes":
            say("Apply cancelled: nothing was changed.")
            return False
        return True

    return confirm


@xmode.command()
@repo_option
@apps_option
@format_option
@unmask_option
@click.option("--auto-approve", is_flag=True, help="Apply without asking (for CI).")
@click.option("--checksum", help="Apply only if the plan still has this checksum (exit 3 if not).")
@click.option(
    "--allow-removals",
    type=click.IntRange(min=0),
    help="Accept a breached removal gate for exactly this many removed routes.",
)
@click.option(
    "--allow-changes",
    type=click.IntRange(min=0),
    help="Accept a breached change gate for exactly this many changed routes.",
)
@handles_errors
def apply(
    root: Path,
    apps: tuple[str, ...],
    fmt: str,
    unmask: bool,
    auto_approve: bool,
    checksum: str | None,
    allow_removals: int | None,
    allow_changes: int | None,
) -> None:
    """Replace the served route tables with the YAML's, atomically, after the gates."""
    if not auto_approve and not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise ConfigError(
            "apply asks for confirmation, and this is not a terminal: pass --auto-approve "
            "(in CI, with --checksum of the reviewed plan)"
        )
    repo = load_repository(root)
    masker = _masker(repo, unmask)
    planned, done = asyncio.run(
        xplan.apply(
            repo,
            xplan.XOptions(apps=apps),
            checksum=checksum,
            allow_removals=allow_removals,
            allow_changes=allow_changes,
            confirm=_confirmer(fmt, masker, auto_approve),
        )
    )
    if done is None and planned.has_changes:
        return  # not confirmed
    if done is None and fmt != "json":
        say("Nothing to apply: every served table matches the YAML.")
        return
    say(render_applied(done or [], planned, masker, cast(Format, fmt)), nl=False)


@xmode.command()
@repo_option
@apps_option
@format_option
@unmask_option
@handles_errors
def drift(root: Path, apps: tuple[str, ...], fmt: str, unmask: bool) -> None:
    """Check whether the served route tables still match the YAML (exit 2 when not)."""
    repo = load_repository(root)
    masker = _masker(repo, unmask)
    result = asyncio.run(xplan.make_plan(repo, xplan.XOptions(apps=apps)))
    say(render_plan(result, masker, cast(Format, fmt), "drift"), nl=False)
    if xplan.drifted(result):
        if colour(sys.stderr):
            warn("drift found", style={"fg": "yellow"})
        sys.exit(EXIT_CHANGES)
