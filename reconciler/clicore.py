"""The one CLI core every command group shares: options, output, errors, exit codes.

Exit codes (DESIGN section 10): 0 ok; 1 any error, usage errors included; 2 only "changes
present" (``plan --detailed-exitcode``) and "drift"; 3 refused; 4 partially applied.
click's own usage errors exit 2 by default, which a CI step would read as "there are
changes": :class:`Group` makes them exit 1.

Colour only on a terminal and never with ``NO_COLOR`` set, for every line privcall prints.
Every option can also be set from the environment: ``PRIVCALL_<COMMAND>_<OPTION>``
(``PRIVCALL_PLAN_FORMAT=json``), through click's ``auto_envvar_prefix``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from functools import wraps
from pathlib import Path
from typing import IO, Any, TypeVar

import click

from reconciler.errors import PrivcallError, Problem, ValidationFailed

F = TypeVar("F", bound=Callable[..., Any])

ENV_PREFIX = "PRIVCALL"
EXIT_ERROR = 1
EXIT_INTERRUPTED = 130
MESSAGE_MAX = 4000
"""Longest error message printed (characters); the rest is cut with a note."""


def colour(stream: IO[str] | None = None) -> bool:
    """Whether to colour what goes to ``stream``: a terminal, and no ``NO_COLOR``."""
    stream = stream or sys.stdout
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and "NO_COLOR" not in os.environ


def say(text: str, *, nl: bool = True) -> None:
    """A line on standard output."""
    click.echo(text, nl=nl)


def warn(text: str, *, style: dict[str, Any] | None = None) -> None:
    """A line on standard error, styled only when :func:`colour` allows it."""
    shown = click.style(text, **style) if style and colour(sys.stderr) else text
    click.echo(shown, err=True, color=colour(sys.stderr))


def _bounded(text: str) -> str:
    if len(text) <= MESSAGE_MAX:
        return text
    return text[:MESSAGE_MAX] + f"… ({len(text) - MESSAGE_MAX} more characters not shown)"


def error(prefix: str, text: str) -> None:
    """``prefix: text`` on standard error in red (where colour is allowed). Library
    messages are masked where they are made (with the repository's virtual numbers)."""
    warn(f"{prefix}: {_bounded(text)}", style={"fg": "red"})


# -- validation problems ----------------------------------------------------------------


def shown_path(root: Path, file: str) -> str:
    """A file of the repository as the user can open it from where privcall runs."""
    full = (root / file).resolve()
    try:
        return full.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(full)


def _escape_annotation(text: str, *, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if prop else text


def report_problems(problems: Sequence[Problem], root: Path) -> None:
    """Every problem as ``file:line:col: message`` (plus a GitHub annotation in Actions)."""
    github = os.environ.get("GITHUB_ACTIONS") == "true"
    for problem in problems:
        path = shown_path(root, problem.file)
        click.echo(f"{path}:{problem.line}:{problem.column}: {problem.message}")
        if github:
            click.echo(
                f"::error file={_escape_annotation(path, prop=True)},line={problem.line},"
                f"col={problem.column}::{_escape_annotation(problem.message)}"
            )
    count = len(problems)
    warn(
        f"{count} problem{'s' if count != 1 else ''} found; nothing was sent to the platform.",
        style={"fg": "red"},
    )


# -- errors -----------------------------------------------------------------------------


def handles_errors(func: F) -> F:
    """Turn privcall's errors into a message on stderr and their exit code; never a
    traceback for anything privcall can explain."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ValidationFailed as exc:
            report_problems(exc.problems, kwargs.get("root") or Path("."))
            sys.exit(exc.exit_code)
        except PrivcallError as exc:
            error("refused" if exc.exit_code == 3 else "error", str(exc))
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            warn("interrupted")
            sys.exit(EXIT_INTERRUPTED)
        except (OSError, UnicodeError) as exc:
            error("error", _os_error(exc))
            sys.exit(EXIT_ERROR)

    return wrapper  # type: ignore[return-value]


def _os_error(exc: OSError | UnicodeError) -> str:
    if isinstance(exc, OSError) and exc.filename is not None:
        reason = exc.strerror or type(exc).__name__
        return f"{exc.filename}: {reason}"
    return str(exc) or type(exc).__name__


class Group(click.Group):
    """A command group whose usage errors exit 1 (click's default is 2, which privcall
    keeps for "changes present"), and whose options read ``PRIVCALL_*`` variables."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        extra.setdefault("auto_envvar_prefix", ENV_PREFIX)
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            result = super().main(args, prog_name, complete_var, False, **extra)
        except click.exceptions.Abort:
            warn("aborted")
            sys.exit(EXIT_ERROR)
        except click.ClickException as exc:
            exc.show()
            sys.exit(EXIT_ERROR if exc.exit_code == 2 else exc.exit_code)
        sys.exit(result if isinstance(result, int) else 0)


# -- shared options ---------------------------------------------------------------------

repo_option = click.option(
    "-C",
    "--dir",
    "root",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("."),
    show_default=True,
    help="The bindings repository (the folder with privcall.yaml).",
)
apps_option = click.option(
    "--app", "apps", multiple=True, help="Only this app of privcall.yaml (repeatable)."
)
format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "json"]),
    default="text",
    show_default=True,
    help="text for a terminal, markdown for a pull-request comment, json for machines.",
)
unmask_option = click.option(
    "--unmask",
    is_flag=True,
    help="Show real phone numbers unmasked (local debugging only; refused in CI).",
)
adopt_option = click.option(
    "--adopt",
    is_flag=True,
    help="Take over bindings privcall did not create that match a declared one.",
)
