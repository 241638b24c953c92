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
    """An app's mode; an app is created for exactly one."""

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

MAX_LIFETIME: dict[Mode, timedelta] = {
    Mode.AXB: timedelta(seconds=7_776_000),
    Mode.AXYB: timedelta(seconds=7_776_000),
    # [I] AXE's bindExpiredTime range is not documented; privcall applies the same 90 days.
    Mode.AXE: timedelta(days=90),
}
"""The longest a binding may live, counted from when it is bound (AX never expires)."""

AXYB_MIN_LIFETIME = timedelta(seconds=60)

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


class _Located(BindingBase):
    """Modes whose virtual number is pinned by ``x`` or picked by the platform in ``area_code``."""

    x: VirtualNumber | None = Field(None, description="Pin this virtual number (one the app owns)")
    area_code: AreaCode | None = Field(
        None, description="Let the platform pick a number in this city"
    )
    area_match: AreaMatch | None = Field(
        None, description="strict (default): only this city; loose: another city if none is free"
    )

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


class _CallLimits(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    max_duration_minutes: Minutes = Field(
        0, description="Hang up calls after this many minutes (0 = no limit, at most 1440)"
    )
    last_minute_tone: Tone | None = Field(
        None, description="Tone played one minute before max_duration_minutes"
    )

    def _limit_problems(self) -> list[FieldProblem]:
        if self.last_minute_tone is not None and self.max_duration_minutes == 0:
            return [
                (
                    "last_minute_tone",
                    "last_minute_tone plays one minute before the call limit, so it needs "
                    "max_duration_minutes above 0",
                )
            ]
        return []


def _pair_problems(a: str, b: str) -> list[FieldProblem]:
    return [("b", "a and b are the same number")] if a == b else []


class AXBinding(_CallLimits, _Located):
    """AX: anyone calling X reaches A; A calls out through X. Never expires."""

    mode: ClassVar[Mode] = Mode.AX

    call_direction: CallDirection = Field(
        CallDirection.both,
        description="both; a_only: A may only call out; b_only: others may only call A",
    )
    callee_display: CalleeDisplay = Field(
        CalleeDisplay.x, description="What A sees when called through X"
    )
    sms: bool = Field(True, description="SMS through X")
    active: bool = Field(True, description="false switches the privacy number off (turnFlag)")
    pre_tone_a_calls: Tone | None = Field(None, description="Tone before connecting when A calls X")
    pre_tone_others_call: Tone | None = Field(
        None, description="Tone before connecting when someone else calls X"
    )

    def problems(self) -> list[FieldProblem]:
        return super().problems() + self._limit_problems()


class AXBBinding(_CallLimits, _Located):
    """AXB: A and B talk to each other through X."""

    mode: ClassVar[Mode] = Mode.AXB

    b: RealNumber = Field(description="B: the other real number")
    call_direction: CallDirection = Field(CallDirection.both)
    expires: Expires | None = Field(None, description="When the platform removes it; omit: never")
    sms: bool = Field(True, description="SMS through X")
    pre_tone_a_calls: Tone | None = Field(None, description="Tone before connecting when A calls X")
    pre_tone_b_calls: Tone | None = Field(None, description="Tone before connecting when B calls X")

    def problems(self) -> list[FieldProblem]:
        return super().problems() + self._limit_problems() + _pair_problems(self.a, self.b)


class AXEBinding(_Located):
    """AXE: A gets X plus an extension; callers dial X then the extension."""

    mode: ClassVar[Mode] = Mode.AXE

    extension: Extension | None = Field(
        None, description="Requested extension, 1-4 digits; omit to let the platform assign one"
    )
    callee_display: CalleeDisplay = Field(CalleeDisplay.x)
    expires: Expires | None = Field(None, description="When the platform removes it; omit: never")
    callback_tone: Tone | None = Field(
        None, description="Tone when A calls X and nobody called A recently"
    )
    callback_number: RealNumber | None = Field(
        None, description="Number A reaches when calling X and nobody called A recently"
    )
    callback_window_minutes: Annotated[int, Field(ge=0, le=129_600, strict=True)] | None = Field(
        None, description="How long the platform remembers who last called A (callback records)"
    )

    def problems(self) -> list[FieldProblem]:
        found = super().problems()
        if self.callback_tone is not None and self.callback_number is not None:
            found.append(
                (
                    "callback_number",
                    "give callback_tone or callback_number, not both: the platform refuses "
                    "the pair",
                )
            )
        return found


class AXYBBinding(BindingBase):
    """AXYB: A is reached on X, B on Y; no modify API, so every change re-binds."""

    mode: ClassVar[Mode] = Mode.AXYB
    pins_x: ClassVar[bool] = False

    b: RealNumber = Field(description="B: the other real number")
    area_code: AreaCode = Field(description="City of the X number")
    y_area_code: AreaCode | None = Field(
        None, description="City of the Y number; default area_code"
    )
    area_match: AreaMatch | None = Field(None)
    call_direction: CallDirection = Field(CallDirection.both)
    expires: Expires | None = Field(None, description="When the whole binding ends; omit: never")
    b_expires: Expires | None = Field(
        None, description="When only B's side (Y) ends; at most expires; omit: with the binding"
    )
    pre_tone_x: Tone | None = Field(None, description="Tone before connecting through X")
    pre_tone_y: Tone | None = Field(None, description="Tone before connecting through Y")

    def problems(self) -> list[FieldProblem]:
        found = super().problems() + _pair_problems(self.a, self.b)
        if (
            self.b_expires is not None
            and self.expires is not None
            and self.b_expires > self.expires
        ):
            found.append(
                ("b_expires", "b_expires is after expires: B's side cannot outlive the binding")
            )
        return found


Binding = AXBinding | AXBBinding | AXEBinding | AXYBBinding

MODELS: dict[Mode, type[AXBinding] | type[AXBBinding] | type[AXEBinding] | type[AXYBBinding]] = {
    Mode.AX: AXBinding,
    Mode.AXB: AXBBinding,
    Mode.AXE: AXEBinding,
    Mode.AXYB: AXYBBinding,
}


def field_names(mode: Mode) -> list[str]:
    """The YAML keys a binding of ``mode`` accepts."""
    return list(MODELS[mode].model_fields)


def modes_with_field(name: str) -> list[Mode]:
    """The modes whose bindings accept the YAML key ``name``."""
    return [m for m, model in MODELS.items() if name in model.model_fields]


def natural_identity(binding: Binding) -> str:
    """The mode's natural identity (DESIGN section 3), used as the key when none is given.

    AX and AXE: A at X (or at the area code); AXB and AXYB: the pair A, B.
    """
    if isinstance(binding, (AXBBinding, AXYBBinding)):
        return f"{binding.a}~{binding.b}"
    where = binding.x if binding.x is not None else binding.area_code
    return f"{binding.a}@{where}"


def binding_key(binding: Binding) -> str:
    """The binding's key: the explicit one, else its natural identity."""
    return binding.key if binding.key is not None else natural_identity(binding)


def lifetime_problem(binding: Binding, now: datetime) -> str | None:
    """Why ``binding`` cannot be bound at ``now`` because of its expiry, or None.

    The platform caps a binding's lifetime, counted from the bind: this check belongs to
    bind time, not load time, and the message says so.
    """
    expires: datetime | None = getattr(binding, "expires", None)
    if expires is None:
        return None
    cap = MAX_LIFETIME[binding.mode]
    left = expires - now
    if left > cap:
        days = cap.total_seconds() / 86400
        return (
            f"expires {expires.isoformat()} is {left.days} days away, but the platform keeps a "
            f"{binding.mode} binding at most {days:g} days ({int(cap.total_seconds()):,} s) from "
            "when it is bound: set expires at most that far ahead and move it later"
        )
    if isinstance(binding, AXYBBinding) and timedelta(0) < left < AXYB_MIN_LIFETIME:
        return "an AXYB binding must live at least 60 seconds when it is bound"
    return None


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
