"""Binding models: what a user declares, one model per mode, in readable snake_case.

These models know nothing of the wire: the platform client maps them to the API's field
names, one place per mode. They hold the platform's limits as validation so that a
mistake is reported on load, with its file, line and column, before any API call.

Field names are shared across modes where the meaning is the same (``a``, ``b``, ``x``,
``area_code``, ``record``, ``call_direction``, ``expires``, ``user_data`` ...).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
)

from reconciler.phone import InvalidNumber, normalize


class Mode(StrEnum):
    """An app's mode; an app is created for exactly one. Each has a domain table in
    :mod:`reconciler.modes` and a wire table in :mod:`reconciler.platform.tables`."""

    AX = "AX"
    AXB = "AXB"
    AXE = "AXE"
    AXYB = "AXYB"
    X = "X"  # no bindings: routes served by privcall xmode serve (reconciler/xmode)


class CallDirection(StrEnum):
    """Who may call whom through the privacy number.

    In AX, ``b_only`` means "only others may call A through X" (A cannot call out).
    """

    both = "both"
    a_only = "a_only"
    b_only = "b_only"


class AreaMatch(StrEnum):
    """How strictly the platform must pick a number in ``area_code``."""

    strict = "strict"
    loose = "loose"


class CalleeDisplay(StrEnum):
    """What A's phone shows when someone calls A through X: X, or the real caller."""

    x = "x"
    real_caller = "real_caller"


# -- limits --------------------------------------------------------------------------------

USER_DATA_FIELD_MAX = 256
"""The platform's limit for ``userData``."""

MARKER_RESERVED = 56
"""Characters of ``userData`` kept free for privcall's marker (see DESIGN section 3)."""

USER_DATA_MAX = USER_DATA_FIELD_MAX - MARKER_RESERVED
MAX_CALL_MINUTES = 1440
TONE_MAX = 128

NINETY_DAYS = timedelta(seconds=7_776_000)
"""The longest lifetime the platform gives a binding (AXB, AXYB; AXE by privcall's choice)."""

# -- field types -----------------------------------------------------------------------------


def _number(kind: str, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError(f'must be a {kind} in quotes, like "+86 138 xxxx xxxx"')
    if isinstance(value, int):
        # The value itself stays out of the message: it is a real phone number.
        raise ValueError(
            f'write the {kind} in quotes, like "+86 138 xxxx xxxx": unquoted, YAML reads it as '
            "an integer and drops the '+'"
        )
    try:
        return normalize(value.strip())
    except InvalidNumber as exc:
        raise ValueError(f"not a valid {kind}: {exc}") from None


def _real_number(value: Any) -> str:
    return _number("phone number", value)


def _virtual_number(value: Any) -> str:
    return _number("virtual number", value)


_NUMBER_SCHEMA = {"type": "string", "pattern": r"^\+?[0-9][0-9 ()-]{5,20}$"}

RealNumber = Annotated[
    str,
    BeforeValidator(_real_number),
    WithJsonSchema(
        {**_NUMBER_SCHEMA, "description": "A real phone number, E.164 like +8613800000001"}
    ),
]
VirtualNumber = Annotated[
    str,
    BeforeValidator(_virtual_number),
    WithJsonSchema({**_NUMBER_SCHEMA, "description": "A virtual number of the app, E.164"}),
]

_AREA_CODE = re.compile(r"0\d{2,3}")


def _area_code(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        raise ValueError(
            f'write the area code in quotes, like "0{value}": unquoted, YAML reads it as '
            f"the number {value} and drops the leading 0"
        )
    if not isinstance(value, str) or _AREA_CODE.fullmatch(value) is None:
        raise ValueError('must be a leading 0 and 2-3 digits in quotes, like "0755"')
    return value


AreaCode = Annotated[
    str,
    BeforeValidator(_area_code),
    WithJsonSchema(
        {"type": "string", "pattern": r"^0\d{2,3}$", "description": 'City code, e.g. "0755"'}
    ),
]


def _extension(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        raise ValueError(
            f'write the extension in quotes, like "012": unquoted, YAML reads it as the '
            f"number {value} and drops leading zeros"
        )
    if not isinstance(value, str) or re.fullmatch(r"\d{1,4}", value) is None:
        raise ValueError('must be 1 to 4 digits in quotes, like "012"')
    return value


Extension = Annotated[
    str,
    BeforeValidator(_extension),
    WithJsonSchema({"type": "string", "pattern": r"^\d{1,4}$", "description": "AXE extension"}),
]

_TONE = re.compile(r"[^\x00-\x1f{}]{1,128}")


def _tone(value: str) -> str:
    if _TONE.fullmatch(value) is None:
        raise ValueError(
            f"must be the name of an approved audio file, 1 to {TONE_MAX} characters "
            "without control characters or braces"
        )
    return value


Tone = Annotated[
    str,
    Field(min_length=1, max_length=TONE_MAX),
    AfterValidator(_tone),
    WithJsonSchema({"type": "string", "minLength": 1, "maxLength": TONE_MAX}),
]


def _user_data(value: str) -> str:
    if len(value) > USER_DATA_MAX:
        raise ValueError(
            f"is {len(value)} characters; at most {USER_DATA_MAX} fit, because the "
            f"platform keeps {USER_DATA_FIELD_MAX} and privcall keeps {MARKER_RESERVED} for its "
            "marker"
        )
    bad = sorted({c for c in value if c in "{}" or not (" " <= c <= "~")})
    if bad:
        shown = ", ".join(repr(c) for c in bad[:5])
        raise ValueError(f"must be printable ASCII without braces (the platform refuses {shown})")
    return value


UserData = Annotated[
    str,
    Field(min_length=1),
    AfterValidator(_user_data),
    WithJsonSchema(
        {"type": "string", "minLength": 1, "maxLength": USER_DATA_MAX, "pattern": r"^[ -z|~]*$"}
    ),
]

_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/@+~-]{0,99}")


def _key(value: str) -> str:
    if _KEY.fullmatch(value) is None:
        raise ValueError(
            "must be 1 to 100 letters, digits and . _ : / @ + ~ -, starting with a letter or digit"
        )
    return value


Key = Annotated[
    str,
    AfterValidator(_key),
    WithJsonSchema({"type": "string", "pattern": r"^[A-Za-z0-9][A-Za-z0-9._:/@+~-]{0,99}$"}),
]


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            "needs a UTC offset, like 2026-12-31T00:00:00+08:00, so that it means the same "
            "moment everywhere"
        )
    return value


Expires = Annotated[
    datetime,
    AfterValidator(_aware),
    PlainSerializer(lambda v: v.isoformat(), return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]

Minutes = Annotated[int, Field(ge=0, le=MAX_CALL_MINUTES, strict=True)]

# -- models ------------------------------------------------------------------------------

FieldProblem = tuple[str, str]
"""A rule broken by a binding: the YAML key it concerns ("" for the whole binding) and why."""


class BindingBase(BaseModel):
    """Fields every mode shares.

    Single fields are checked by pydantic on construction; rules that tie several fields
    together are in :meth:`problems`, so that every broken rule is reported at its key.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    mode: ClassVar[Mode]
    pins_x: ClassVar[bool] = True

    key: Key | None = Field(
        None, description="Stable identity; derived from the numbers if omitted"
    )
    a: RealNumber = Field(description="A: the real number the privacy number protects")
    record: bool = Field(False, description="Record every call of this binding")
    record_hint_tone: Tone | None = Field(
        None, description="Tone telling callers the call is recorded; required with record"
    )
    user_data: UserData | None = Field(
        None, description="Your own data, echoed in call events and CDRs"
    )
    protect: bool = Field(False, description="Refuse to unbind this binding until set to false")

    # Typed access to what every mode has in its own way (no getattr by string).

    def pinned_number(self) -> str | None:
        """The virtual number the binding pins (``x``), or None when the platform picks it."""
        return None

    def area(self) -> str | None:
        """The city the platform picks the virtual number in (``area_code``), or None."""
        return None

    def loose(self) -> bool:
        """Whether another city will do when ``area`` has no free number."""
        return False

    def expiry(self) -> datetime | None:
        """When the binding ends (``expires``), or None: never."""
        return None

    def problems(self) -> list[FieldProblem]:
        """Every rule across fields that this binding breaks."""
        found: list[FieldProblem] = []
        if self.record and self.record_hint_tone is None:
            found.append(
                (
                    "record",
                    "record: true needs record_hint_tone: carriers block recorded calls that "
                    "do not announce the recording",
                )
            )
        return found


class Located(BindingBase):
    """Modes whose virtual number is pinned by ``x`` or picked by the platform in ``area_code``."""

    x: VirtualNumber | None = Field(None, description="Pin this virtual number (one the app owns)")
    area_code: AreaCode | None = Field(
        None, description="Let the platform pick a number in this city"
    )
    area_match: AreaMatch | None = Field(
        None, description="strict (default): only this city; loose: another city if none is free"
    )

    def pinned_number(self) -> str | None:
        return self.x

    def area(self) -> str | None:
        return self.area_code

    def loose(self) -> bool:
        return self.area_match is AreaMatch.loose

    def problems(self) -> list[FieldProblem]:
        found = super().problems()
        if self.x is not None and self.area_code is not None:
            found.append(("x", "give x (pin a virtual number) or area_code, not both"))
        elif self.x is None and self.area_code is None:
            found.append(
                ("", "give x (pin a virtual number) or area_code (let the platform pick one)")
            )
        if self.area_match is not None and self.area_code is None:
            found.append(("area_match", "area_match only applies with area_code"))
        return found


class CallLimits(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    max_duration_minutes: Minutes = Field(
        0, description="Hang up calls after this many minutes (0 = no limit, at most 1440)"
    )
    last_minute_tone: Tone | None = Field(
        None, description="Tone played one minute before max_duration_minutes"
    )

    def limit_problems(self) -> list[FieldProblem]:
        if self.last_minute_tone is not None and self.max_duration_minutes == 0:
            return [
                (
                    "last_minute_tone",
                    "last_minute_tone plays one minute before the call limit, so it needs "
                    "max_duration_minutes above 0",
                )
            ]
        return []


def pair_problems(a: str, b: str) -> list[FieldProblem]:
    """A pair of real numbers (AXB, AXYB) must be two numbers."""
    return [("b", "a and b are the same number")] if a == b else []


TONE_FIELDS = frozenset(
    {
        "record_hint_tone",
        "last_minute_tone",
        "pre_tone_a_calls",
        "pre_tone_others_call",
        "pre_tone_b_calls",
        "pre_tone_x",
        "pre_tone_y",
        "callback_tone",
    }
)
"""Fields naming an audio file that must be approved in the console."""

REAL_NUMBER_FIELDS = ("a", "b", "callback_number")
"""Fields holding real (personal) phone numbers: masked in every output."""
