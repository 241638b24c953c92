"""The privcall command line: options in, one library call, render, exit code.

Only this module (and the CLI modules of sub-packages it registers) talks to the terminal.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from reconciler import __version__
from reconciler.emulator.cli import emulator
from reconciler.errors import PrivcallError, Problem, ValidationFailed
from reconciler.loader import load_repository
from reconciler.model import Mode
from reconciler.schema import bindings_schema, config_schema

F = TypeVar("F", bound=Callable[..., Any])

repo_option = click.option(
    "-C",
    "--dir",
    "root",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("."),
    show_default=True,
    help="The bindings repository (the folder with privcall.yaml).",
)


def handles_errors(func: F) -> F:
    """Turn privcall's own errors into a message on stderr and their exit code."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ValidationFailed as exc:
            root = kwargs.get("root", Path("."))
            _report_problems(exc.problems, root)
            sys.exit(exc.exit_code)
        except PrivcallError as exc:
            click.secho(f"error: {exc}", fg="red", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


def _shown_path(root: Path, file: str) -> str:
    """A problem's file as the user can open it from where privcall runs."""
    full = (root / file).resolve()
    try:
        return full.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(full)


def _escape_annotation(text: str, *, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if prop else text


def _report_problems(problems: list[Problem], root: Path) -> None:
    github = os.environ.get("GITHUB_ACTIONS") == "true"
    for problem in problems:
        path = _shown_path(root, problem.file)
        click.echo(f"{path}:{problem.line}:{problem.column}: {problem.message}")
        if github:
            click.echo(
                f"::error file={_escape_annotation(path, prop=True)},line={problem.line},"
                f"col={problem.column}::{_escape_annotation(problem.message)}"
            )
    count = len(problems)
    click.secho(
        f"{count} problem{'s' if count != 1 else ''} found; nothing was sent to the platform.",
        fg="red",
        err=True,
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
    type=click.Choice([m.value for m in Mode]),
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


main.add_command(emulator)
