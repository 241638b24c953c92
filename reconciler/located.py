"""Places in the bindings repository, and problems found at them before positions are known.

Line and column are looked up only for files that have a problem (see
:class:`reconciler.yamlsrc.Positions`), so checks record a :class:`Where` (file and path)
and the loader turns :class:`Pending` problems into located :class:`Problem` s at the end.
"""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.yamlsrc import Path_


@dataclass(frozen=True, slots=True)
class Where:
    """A node of a file: ``key=True`` points at its mapping key rather than its value."""

    file: str
    path: Path_
    key: bool = False

    def child(self, name: str | int, *, key: bool = True) -> Where:
        return Where(self.file, (*self.path, name), key)


@dataclass(frozen=True, slots=True)
class Pending:
    """A problem at ``where``; ``others`` are the other places involved, named in the message."""

    where: Where
    message: str
    others: tuple[Where, ...] = ()
