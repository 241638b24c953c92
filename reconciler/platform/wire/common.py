"""What every API's wire format shares: the envelope, booleans, enums, ``preVoice``.

Requests are strict (unknown fields are a bug in privcall); responses are lenient (the
platform may add fields), and accept both spellings the platform is known to use:
booleans as ``"true"``/``"false"`` strings or JSON booleans, integers as numbers or
strings, enum codes as strings or numbers.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer


def _text(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


WireBool = Annotated[
    bool,
    PlainSerializer(lambda v: "true" if v else "false", return_type=str),
]
"""A String(enum) ``"true"``/``"false"`` on the wire (sent as a string). Read in pydantic's
lax mode: ``"true"``/``"false"`` (any case), JSON booleans, and ``0``/``1`` are accepted."""

Code = Annotated[str, BeforeValidator(_text)]
"""A String(enum) code like ``"0"``; a JSON number is accepted in responses."""


class Request(BaseModel):
    """A request body or set of URL parameters; ``None`` fields are not sent."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    def wire(self) -> dict[str, Any]:
        """The JSON body / URL parameters: the fields that are set, as the wire spells them."""
        return self.model_dump(mode="json", exclude_none=True, by_alias=True)


class Response(BaseModel):
    """A response: ``resultcode`` (``"0"`` = success) and ``resultdesc`` plus API fields."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    resultcode: Code
    resultdesc: str = ""


class Element(BaseModel):
    """One binding in a query response (lenient, like :class:`Response`)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    def reported(self, name: str) -> bool:
        """Whether the platform sent the field ``name`` (as opposed to defaulting)."""
        return name in self.model_fields_set


class PlayInfo(BaseModel):
    """``preVoice`` (ApiPlayInfo): the tone when A (callerHintTone) or the other party
    (calleeHintTone) calls X."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    callerHintTone: str | None = None
    calleeHintTone: str | None = None

    def wire(self) -> dict[str, str]:
        return self.model_dump(exclude_none=True)
