"""The platform's errors as exceptions: one class per family, all under
:class:`reconciler.errors.PlatformError`.

Every error carries ``code`` (the platform's ``resultcode``, ``""`` when none came),
``description`` (its ``resultdesc``, numbers masked), ``hint`` (what to do) and
``status`` (the HTTP status, 0 when none). Messages mask real phone numbers.

``1010010`` means two things: with HTTP 401 a wrong digest (authentication), with HTTP 403
platform flow control. :func:`error_for` tells them apart by the status.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from reconciler.errors import PlatformError
from reconciler.masking import Masker


class PlatformAnswerError(PlatformError):
    """The platform answered with an error result code (base of the families below)."""

    retryable: ClassVar[bool] = False
    family: ClassVar[str] = "error"
    default_hint: ClassVar[str] = "see the platform's result-code table for this code"

    def __init__(
        self,
        *,
        operation: str,
        app: str,
        status: int,
        code: str,
        description: str,
        hint: str = "",
        masker: Masker | None = None,
    ) -> None:
        masker = masker or Masker()
        description = masker.text(description, foreign=True)
        hint = hint or self.default_hint
        shown = f"{code} {description!r}" if code else f"HTTP {status}"
        message = (
            f"{app}: {operation} failed, {self.family}: the platform answered {shown} "
            f"(HTTP {status}); {hint}"
        )
        self.operation = operation
        self.app = app
        self.status = status
        super().__init__(message, code=code, description=description, hint=hint)


class AuthenticationError(PlatformAnswerError):
    """The request was not accepted as this app's: headers, digest, clock, key, IP.
    Never retried: repeated failures get the caller's IP blocked for 30 minutes."""

    family = "authentication"
    default_hint = (
        "check the app key and secret (the credentials' environment variables) and the "
        "system clock; privcall does not retry, because repeated failures get this IP blocked"
    )


class InvalidRequest(PlatformAnswerError):
    """The platform refused a parameter (``1010002`` and kin); ``parameter`` names it
    when the platform's description does."""

    family = "invalid request"
    default_hint = "fix the named parameter in the binding; repeating the request cannot help"

    def __init__(
        self,
        *,
        operation: str,
        app: str,
        status: int,
        code: str,
        description: str,
        hint: str = "",
        masker: Masker | None = None,
    ) -> None:
        self.parameter = parameter_of(description)
        super().__init__(
            operation=operation,
            app=app,
            status=status,
            code=code,
            description=description,
            hint=hint,
            masker=masker,
        )


class NotFound(PlatformAnswerError):
    """No binding (or no such number) matched the request."""

    family = "not found"
    default_hint = (
        "the binding no longer exists (unbound, or expired by the platform); re-read the live "
        "state with privcall plan"
    )


class NumberNotOwned(NotFound):
    """The virtual number is not in this app's pool."""

    family = "number not owned by the app"
    default_hint = (
        "the virtual number is not one of this app's numbers: check numbers: in privcall.yaml "
        "against the app in the console"
    )


class Conflict(PlatformAnswerError):
    """A number is already bound (``1012010``, ``1013102``, ``1016002``, ``1011005``)."""

    family = "conflict"
    default_hint = (
        "a number of this binding is already bound on that virtual number; unbind the other "
        "binding first, or use another virtual number"
    )


class CapacityError(PlatformAnswerError):
    """No number or slot left: the pool, an X's pairs, an A's 5 X, the extensions."""

    family = "capacity"
    default_hint = "add numbers to the app's pool, or free some by unbinding"


class FlowControl(PlatformAnswerError):
    """The platform (``1010010`` with HTTP 403) or the caller (``1011006``) is flow
    controlled; retried with backoff, and the client slows down."""

    retryable = True
    family = "flow control"
    default_hint = "lower rate_limit.qps for this app, or retry in a minute"


class AccountFrozen(PlatformAnswerError):
    """The account is frozen (``1010029``), typically for arrears."""

    family = "account frozen"
    default_hint = "the Huawei Cloud account is frozen (arrears?): settle it in the console"


class ServerError(PlatformAnswerError):
    """An internal error of the platform (HTTP 5xx, ``1010001`` ...): retried with backoff."""

    retryable = True
    family = "platform error"
    default_hint = "an internal error of the platform; try again later"


class UnknownResultCode(PlatformAnswerError):
    """A result code privcall does not know."""

    family = "unknown result code"
    default_hint = (
        "privcall does not know this result code; look it up in the platform's result-code "
        "table (the description above is the platform's own)"
    )


class UnexpectedResponse(PlatformError):
    """An answer that is not the platform's JSON (wrong endpoint, proxy page, bad body)."""

    def __init__(self, message: str, *, status: int = 0) -> None:
        self.status = status
        super().__init__(
            message,
            hint="check the app's endpoint: it should be the platform's access address",
        )


class TransportError(PlatformError):
    """No answer could be had: connection refused, DNS, TLS, or a query timing out even
    after the retries. A bind, modify or unbind that may have been sent raises
    :class:`UnknownOutcome` instead."""

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(
            message,
            hint=hint or "check the endpoint and the network, then run the command again",
        )


class UnknownOutcome(PlatformError):
    """A bind, modify or unbind was sent but its answer never came: it may or may not have
    taken effect. Never repeat it blindly; resolve it by a query.

    ``operation`` and ``app`` say what was sent; ``lookup`` holds exactly what to query
    (``{"subscription_id": ...}`` for modify/unbind; for a bind, the numbers to look for, e.g.
    ``{"x": ..., "a": ..., "b": ...}``), ``resolve`` says it in words. The numbers in
    ``lookup`` are unmasked (for the program); the message masks them.
    """

    def __init__(
        self,
        *,
        operation: str,
        app: str,
        cause: str,
        resolve: str,
        lookup: Mapping[str, str],
        masker: Masker | None = None,
    ) -> None:
        masker = masker or Masker()
        self.operation = operation
        self.app = app
        self.lookup = dict(lookup)
        self.resolve = masker.text(resolve)
        message = (
            f"{app}: {operation} was sent but no answer came ({cause}): it may or may not have "
            f"taken effect, and privcall does not repeat it blindly; {self.resolve}"
        )
        super().__init__(
            message,
            hint="run privcall plan: it re-reads the live state and shows what is left to do",
        )


class LocalRefusal(PlatformError):
    """privcall refused to send a request that cannot be right (nothing was sent)."""

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message, hint=hint)


class NotModifiable(LocalRefusal):
    """A change the mode's modify API cannot make (the binding must be replaced)."""

    def __init__(self, mode: str, fields: list[str], allowed: list[str]) -> None:
        self.fields = fields
        message = (
            f"the {mode} modify API cannot change {', '.join(fields)}; it can change "
            f"{', '.join(allowed) or 'nothing'}. Replace the binding (unbind and bind) instead"
        )
        super().__init__(message, hint="replace the binding instead of modifying it")


class LifetimeError(LocalRefusal):
    """An ``expires`` that cannot be sent: already past, or beyond the mode's cap."""


# -- classification --------------------------------------------------------------------------

_AUTH_HINTS: dict[str, str] = {
    "1010010": "the digest is wrong: check the app secret (and the app key it belongs to)",
    "1010013": "the platform finds the request's time too far from its own: sync the clock (NTP)",
    "1010003": "the platform does not know this app key: check the credentials",
    "1010008": "the app is disabled: enable it in the console",
    "1020150": "the platform does not know this app key: check the credentials",
    "1020166": "this machine's IP is not in the app's IP whitelist: add it in the console",
    "1020176": (
        "this IP is blocked after repeated authentication failures: fix the credentials and "
        "wait 30 minutes (or have the block lifted)"
    ),
    "1010040": (
        "the app may not call this API: it was created for another mode; check mode: in "
        "privcall.yaml"
    ),
}
_INVALID_HINTS: dict[str, str] = {
    "1010002": "fix the named parameter in the binding; repeating the request cannot help",
    "1012012": "the app has no recording: enable recording for the app, or set record: false",
    "1020178": (
        "the app may not show the real caller: set callee_display: x (calleeNumDisplay / "
        "displayNumMode 0)"
    ),
    "1020179": "the app has no SMS function: enable it for the app, or set sms: false",
}
_NOT_FOUND: dict[str, str] = {
    "1016001": "",
    "1012007": "the virtual number does not exist (or was released): check numbers:",
}
_NOT_OWNED = frozenset({"1011001", "1011004", "1012001"})
_CONFLICT: dict[str, str] = {
    "1012010": "",
    "1013102": "",
    "1016002": "this A and this X are already bound to each other",
    "1011005": "the requested X is bound to another A: pick another x or use area_code",
}
_CAPACITY: dict[str, str] = {
    "1011002": "no free X in that city: add numbers, or set area_match: loose",
    "1011003": "A already holds 5 virtual numbers (the AX limit): unbind one first",
    "1012008": "no free X in that city: add numbers, or set area_match: loose",
    "1012009": "that X already holds 5000 pairs: use another X",
    "1020167": "the extension is taken, or the X has no free extension: pick another",
    "1012102": "the X is blocked (complaints, arrears or real-name check): use another number",
}
_FLOW_CONTROL = frozenset({"1011006"})
_FROZEN = frozenset({"1010029"})
_SERVER = frozenset({"1010001", "1020001", "1020002", "1023001", "1023002", "1020152"})


def parameter_of(description: str) -> str:
    """The parameter named in ``Invalid request.<param> ...`` ("" if none)."""
    _, sep, rest = description.partition("Invalid request.")
    if not sep:
        return ""
    words = rest.strip().split()
    return words[0].rstrip(".,:;…") if words else ""


def _family(status: int, code: str) -> tuple[type[PlatformAnswerError], str]:
    if code == "1010010":
        if status == 401:
            return AuthenticationError, _AUTH_HINTS[code]
        return FlowControl, ""
    if (code.startswith("10230") and status == 400) or code in _AUTH_HINTS:
        return AuthenticationError, _AUTH_HINTS.get(code, "")
    if code in _INVALID_HINTS:
        return InvalidRequest, _INVALID_HINTS[code]
    if code in _NOT_OWNED:
        return NumberNotOwned, ""
    tables: list[tuple[type[PlatformAnswerError], Mapping[str, str]]] = [
        (NotFound, _NOT_FOUND),
        (Conflict, _CONFLICT),
        (CapacityError, _CAPACITY),
    ]
    for family, hints in tables:
        if code in hints:
            return family, hints[code]
    if code in _FLOW_CONTROL:
        return FlowControl, ""
    if code in _FROZEN:
        return AccountFrozen, ""
    if code in _SERVER or status >= 500:
        return ServerError, ""
    return UnknownResultCode, ""


def error_for(
    status: int,
    code: str,
    description: str,
    *,
    operation: str,
    app: str,
    masker: Masker | None = None,
) -> PlatformAnswerError:
    """The exception for one error answer of the platform."""
    family, hint = _family(status, code)
    return family(
        operation=operation,
        app=app,
        status=status,
        code=code,
        description=description,
        hint=hint,
        masker=masker,
    )
