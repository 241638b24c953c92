"""Hidden markers: how privcall finds its own comment or issue again.

A marker is an HTML comment (invisible in rendered markdown) naming what the comment is
about: ``<!-- privcall-plan:<scope> -->`` for the plan of one bindings directory (and app
selection) in a pull request, ``<!-- privcall-drift:<scope> -->`` for the drift issue. The
scope is the directory as given on the command line, normalised, plus ``:app1,app2`` when
``--app`` limits the apps, so that several directories or app selections in one repository
each keep their own comment.
"""

from __future__ import annotations

import contextlib
import os
import re
import urllib.parse
from collections.abc import Iterable
from pathlib import Path

PLAN = "privcall-plan"
DRIFT = "privcall-drift"
CHECKSUM = "privcall-checksum"
REVIEWED = "privcall-reviewed"

_DASHES = re.compile(r"-{2,}")


def scope(directory: Path | str, apps: Iterable[str] = (), *, cwd: Path | None = None) -> str:
    """The scope of ``directory`` (relative to ``cwd`` when inside it) and ``apps``."""
    path = Path(directory)
    if path.is_absolute():
        with contextlib.suppress(ValueError):
            path = path.resolve().relative_to((cwd or Path.cwd()).resolve())
    text = os.path.normpath(path.as_posix()).replace("\\", "/")
    names = sorted(set(apps))
    return f"{text}:{','.join(names)}" if names else text


def _encode(text: str) -> str:
    """Safe inside an HTML comment: no ``--``, no ``>``, no spaces or newlines."""
    quoted = urllib.parse.quote(text, safe="/.,:_=+@")
    return _DASHES.sub(lambda m: "%2D" * len(m.group()), quoted)


def marker(kind: str, scope_: str) -> str:
    return f"<!-- {kind}:{_encode(scope_)} -->"


def has_marker(body: str, kind: str, scope_: str) -> bool:
    """Whether ``body`` carries the marker on a line of its own."""
    wanted = marker(kind, scope_)
    return any(line.strip() == wanted for line in body.splitlines())


def value_marker(kind: str, value: str) -> str:
    return f"<!-- {kind}:{_encode(value)} -->"


def read_value(body: str, kind: str) -> str | None:
    """The value of the last ``<!-- kind:value -->`` line of ``body``."""
    pattern = re.compile(rf"^<!-- {re.escape(kind)}:(\S*) -->$")
    found = None
    for line in body.splitlines():
        match = pattern.match(line.strip())
        if match:
            found = urllib.parse.unquote(match.group(1))
    return found
