"""The privcall command line: options in, one library call, render, exit code.

Only this module (and the CLI modules of sub-packages it registers) talks to the terminal.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import IO, cast

import click
from rich.console import Console
from rich.progress import Progress, TaskID

from reconciler import __version__, importer, runner
from reconciler import drift as drift_check
from reconciler.apply import ApplyResult, Outcome
from reconciler.clicore import (
    Group,
    adopt_option,
    apps_option,
    colour,
    format_option,
    handles_errors,
    repo_option,
    shown_path,
    unmask_option,
    warn,
)
from reconciler.emulator.cli import emulator
from reconciler.errors import ConfigError
from reconciler.github.cli import github
from reconciler.loader import Repository, load_repository
from reconciler.masking import Masker
from reconciler.model import Mode
from reconciler.modes import MODELS
from reconciler.plan import Plan
from reconciler.render import Format, plan_document, render
from reconciler.render.drift import render as render_drift
from reconciler.render.result import (
    render_result_json,
    render_result_markdown,
    render_result_text,
)
from reconciler.schema import bindings_schema, config_schema
from reconciler.xmode.cli import xmode


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="privcall")
def main() -> None:
    """privcall: privacy-number bindings (AX, AXB, AXE, AXYB) declared in YAML, planned and
    applied like infrastructure."""


@main.command()
@repo_option
@handles_errors
def validate(root: Path) -> None:
    """Check privcall.yaml and every binding file; list every problem with its place.

    Exits 0 when all is valid and 1 otherwise. In GitHub Actions, problems are also
    emitted as annotations on the files.
    """
    repo = load_repository(root)
    count = sum(len(items) for items in repo.bindings.values())
    click.echo(
        f"valid: {count} binding{'s' if count != 1 else ''} in {len(repo.files)} "
        f"file{'s' if len(repo.files) != 1 else ''} for {len(repo.config.apps)} "
        f"app{'s' if len(repo.config.apps) != 1 else ''}"
    )


@main.command()
@click.argument("kind", type=click.Choice(["bindings", "config"]), default="bindings")
@click.option(
    "--mode",
    type=click.Choice([m.value for m in Mode if m in MODELS]),
    help="Only this mode's bindings (default: chosen by the file's mode: key).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write to this file instead of standard output.",
)
@handles_errors
def schema(kind: str, mode: str | None, output: Path | None) -> None:
    """Print the JSON Schema of binding files (or of privcall.yaml: `schema config`).

    Point your editor at it with a first line like
    `# yaml-language-server: $schema=schema/bindings.schema.json`.
    """
    document = (
        config_schema() if kind == "config" else bindings_schema(Mode(mode) if mode else None)
    )
    text = json.dumps(document, indent=2, sort_keys=True) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)


def _colour(stream: IO[str] | None = None) -> bool:
    return colour(stream)


def _render_plan(plan: Plan, fmt: str, masker: Masker) -> str:
    return render(plan, masker, cast(Format, fmt), color=_colour())


def _note_x_apps(repo: Repository, apps: tuple[str, ...]) -> None:
    """X apps have routes, not bindings: they are planned by `privcall xmode`."""
    names = [n for n, a in repo.config.apps.items() if a.mode is Mode.X and (not apps or n in apps)]
    if names:
        warn(f"X app(s) {', '.join(names)}: routes are planned with privcall xmode plan / apply")


def _masker(repo: Repository, unmask: bool) -> Masker:
    return Masker(repo.virtual_numbers(), unmask=unmask)


@main.command()
@repo_option
@apps_option
@format_option
@unmask_option
@adopt_option
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 2 when the plan has changes (0: none, 1: error).",
)
@click.option(
    "--save",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write the plan's checksum and operations (masked) here, for apply --reviewed.",
)
@handles_errors
def plan(
    root: Path,
    apps: tuple[str, ...],
    fmt: str,
    unmask: bool,
    adopt: bool,
    detailed_exitcode: bool,
    save: Path | None,
) -> None:
    """Show what apply would change: read the platform, compare with the YAML."""
    repo = load_repository(root)
    _note_x_apps(repo, apps)
    masker = _masker(repo, unmask)
    result = asyncio.run(runner.plan(repo, runner.RunOptions(apps=apps, adopt=adopt)))
    click.echo(_render_plan(result, fmt, masker), nl=False)
    if save is not None:
        runner.save_reviewed(result, save, _masker(repo, False))
    if detailed_exitcode and result.has_changes:
        sys.exit(2)


def _confirmer(fmt: str, masker: Masker, auto_approve: bool) -> Callable[[Plan], bool]:
    def confirm(plan: Plan) -> bool:
        if fmt != "json":
            click.echo(_render_plan(plan, fmt, masker), nl=False)
        elif not auto_approve:  # the JSON document comes at the end; show a person the plan
            click.echo(render(plan, masker, "text", color=_colour(sys.stderr)), nl=False, err=True)
        if auto_approve:
            return True
        answer = click.prompt(
            f"Apply these {len(plan.operations)} operation(s)? Only 'yes' is accepted",
            default="",
            show_default=False,
        )
        if answer.strip() != "yes":
            click.echo("Apply cancelled: nothing was changed.")
            return False
        return True

    return confirm


def _render_result(result: ApplyResult, fmt: str, masker: Masker, plan: Plan) -> str:
    if fmt == "json":
        return render_result_json(result, masker, plan_document(plan, masker))
    if fmt == "markdown":
        return render_result_markdown(result, masker)
    return render_result_text(result, masker)


@main.command()
@repo_option
@apps_option
@format_option
@unmask_option
@adopt_option
@click.option("--auto-approve", is_flag=True, help="Apply without asking (for CI).")
@click.option("--checksum", help="Apply only if the plan still has this checksum (exit 3 if not).")
@click.option(
    "--reviewed",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="The file plan --save wrote for the reviewed plan: names what differs.",
)
@click.option(
    "--allow-unbinds",
    type=click.IntRange(min=0),
    help="Accept a breached unbind gate for exactly this many unbinds (replaces count).",
)
@click.option(
    "--allow-modifies",
    type=click.IntRange(min=0),
    help="Accept a breached modify gate for exactly this many modifies.",
)
@handles_errors
def apply(
    root: Path,
    apps: tuple[str, ...],
    fmt: str,
    unmask: bool,
    adopt: bool,
    auto_approve: bool,
    checksum: str | None,
    reviewed: Path | None,
    allow_unbinds: int | None,
    allow_modifies: int | None,
) -> None:
    """Make the platform match the YAML: re-read, re-plan, check the gates, run."""
    if not auto_approve and not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise ConfigError(
            "apply asks for confirmation, and this is not a terminal: pass --auto-approve "
            "(in CI, with --checksum of the reviewed plan)"
        )
    repo = load_repository(root)
    _note_x_apps(repo, apps)
    masker = _masker(repo, unmask)
    request = runner.ApplyRequest(checksum, reviewed, allow_unbinds, allow_modifies)
    with _Progress(enabled=fmt == "text" and _colour(sys.stderr)) as progress:
        planned, result = asyncio.run(
            runner.apply(
                repo,
                runner.RunOptions(apps=apps, adopt=adopt),
                request,
                confirm=progress.wrap(_confirmer(fmt, masker, auto_approve)),
                on_outcome=progress.advance,
                masker=masker,
            )
        )
    if result is None and planned.has_changes:
        return  # not confirmed
    if result is None and fmt == "text":
        click.echo("Nothing to apply: the platform matches the YAML.")
        return
    result = result or ApplyResult([])
    click.echo(_render_result(result, fmt, masker, planned), nl=False)
    sys.exit(result.exit_code)


class _Progress:
    """A progress bar on stderr for applies of more than a few operations."""

    THRESHOLD = 5

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled
        self._bar: Progress | None = None
        self._task: TaskID | None = None

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def wrap(self, confirm: Callable[[Plan], bool]) -> Callable[[Plan], bool]:
        def start_after_confirm(plan: Plan) -> bool:
            accepted = confirm(plan)
            if accepted and self.enabled and len(plan.operations) > self.THRESHOLD:
                self._bar = Progress(transient=True, console=Console(stderr=True))
                self._bar.start()
                self._task = self._bar.add_task("applying", total=len(plan.operations))
            return accepted

        return start_after_confirm

    def advance(self, outcome: Outcome) -> None:
        if self._bar is not None and self._task is not None:
            self._bar.advance(self._task)


@main.command("import")
@repo_option
@apps_option
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write here instead of <bindings_dir>/imported-<app>.yaml (one app only).",
)
@click.option("--force", is_flag=True, help="Overwrite a file an earlier import wrote.")
@handles_errors
def import_(root: Path, apps: tuple[str, ...], output: Path | None, force: bool) -> None:
    """Write the live bindings privcall does not manage yet as YAML, to review and adopt.

    One file per app (bindings/imported-<app>.yaml) with suggested keys and x pinned to
    the live number. The files hold real phone numbers; this summary is masked. Commit
    them, then run `privcall apply --adopt`.
    """
    repo = load_repository(root)
    result = asyncio.run(
        importer.import_bindings(repo, runner.RunOptions(apps=apps), output=output, force=force)
    )
    lines = importer.summary_lines(result, _masker(repo, False), partial(shown_path, root))
    click.echo("\n".join(lines))


@main.command()
@repo_option
@apps_option
@format_option
@unmask_option
@handles_errors
def drift(root: Path, apps: tuple[str, ...], fmt: str, unmask: bool) -> None:
    """Check whether the platform still matches the YAML (for a scheduled job).

    Never changes anything. Classifies each difference as changed out of band, expired by
    the platform, deleted, or new foreign binding; changes in the YAML not applied yet are
    shown as pending. Exits 0 when the platform matches (pending allowed), 2 on drift, 1 on
    errors. Markdown output fits a GitHub issue body.
    """
    repo = load_repository(root)
    _note_x_apps(repo, apps)
    report = asyncio.run(drift_check.check(repo, runner.RunOptions(apps=apps)))
    click.echo(render_drift(report, fmt, _masker(repo, unmask)), nl=False)
    sys.exit(report.exit_code)


main.add_command(emulator)
main.add_command(github)
main.add_command(xmode)
