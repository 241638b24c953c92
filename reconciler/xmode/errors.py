"""X mode's errors, under privcall's one exception tree (:mod:`reconciler.errors`)."""

from __future__ import annotations

from reconciler.errors import PrivcallError, RefusedError


class XModeError(PrivcallError):
    """Base of the X-mode errors (exit 1)."""


class TableError(XModeError):
    """A route table (or one Block answer) that does not have the documented shape.

    ``where`` is the path of the bad value inside the document (``routes[3].answer``).
    """

    def __init__(self, where: str, message: str) -> None:
        self.where = where
        self.reason = message
        super().__init__(f"{where}: {message}" if where else message)


class ServerError(XModeError):
    """The route server could not be reached, refused privcall's token, or answered
    something that is not a served table."""


class VersionConflict(XModeError):
    """The served table changed between the read and the swap (another apply ran)."""

    exit_code = 3


class XModeRefused(RefusedError):
    """An X-mode apply refused before any change; ``reasons`` says why, one line each."""

    def __init__(self, headline: str, reasons: list[str]) -> None:
        self.headline = headline
        self.reasons = reasons
        super().__init__(headline + "".join(f"\n  - {r}" for r in reasons))
