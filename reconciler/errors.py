"""The one exception tree of privcall.

Every error privcall raises on purpose derives from :class:`PrivcallError`. Its ``str()``
is a complete message for a user: what went wrong and what to do. Messages never carry an
app secret and never an unmasked real phone number (see :mod:`reconciler.masking`).

``exit_code`` is what the command line exits with when the error reaches it:
1 error (config, credentials, platform), 3 refused (safety gate, checksum, protected).
"""

from __future__ import annotations

from dataclasses import dataclass


class PrivcallError(Exception):
    """Base of every deliberate privcall error."""

    exit_code: int = 1


@dataclass(frozen=True, order=True)
class Problem:
    """One validation problem at a place in a file (line and column are 1-based)."""

    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


class ValidationFailed(PrivcallError):
    """The bindings repository is invalid; ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        super().__init__(f"{count} {noun} found:\n" + "\n".join(map(str, self.problems)))


class ConfigError(PrivcallError):
    """A problem with the environment around the YAML: a missing directory, an unset
    credential variable, an unknown app name on the command line."""


class RefusedError(PrivcallError):
    """privcall refused to act: a safety gate, a checksum mismatch, a protected binding."""

    exit_code = 3


class PlatformError(PrivcallError):
    """An error answered by (or on the way to) the privacy-number platform.

    ``code`` is the platform's ``resultcode`` (empty when no answer came), ``description``
    its ``resultdesc``, ``hint`` what the user should do about it.
    """

    def __init__(
        self, message: str, *, code: str = "", description: str = "", hint: str = ""
    ) -> None:
        self.code = code
        self.description = description
        self.hint = hint
        super().__init__(message)
