"""AXE wire format (reference section 5): bind/modify/unbind/query v1.0 on
``/rest/caas/extendnumber/v1.0`` and the cursor-paged query v2.0 on
``/rest/caas/extendnumber/v2.0``."""

from __future__ import annotations

from pydantic import AliasChoices, Field, model_validator

from reconciler.platform.wire.common import Code, Element, Request, Response, WireBool

PATH = "/rest/caas/extendnumber/v1.0"
V2_PATH = "/rest/caas/extendnumber/v2.0"
FIRST_CURSOR = "0000000000000_0"
PAGE_LIMIT = 100
"""[I] v2.0 ``limit``: the range is not documented; 1-100 like the binding-count query."""
HOURS = "0"
MINUTES = "1"


class BindRequest(Request):
    bindNum: str
    virtualNum: str | None = None
    areaCode: str | None = None
    areaMatchMode: Code | None = None
    extendNum: str | None = None
    displayNumMode: Code | None = None
    recordFlag: WireBool | None = None
    recordHintTone: str | None = None
    callbackTone: str | None = None
    callbackNum: str | None = None
    timeUnit: Code | None = None
    bindExpiredTime: int | None = None
    callbackExpiredTime: int | None = None
    userData: str | None = None


class BindResponse(Response):
    subscriptionId: str
    virtualNum: str
    extendNum: str
    bindNum: str | None = None
    userData: str | None = None


class ModifyRequest(Request):
    subscriptionId: str | None = None
    virtualNum: str | None = None
    extendNum: str | None = None
    displayNumMode: Code | None = None
    recordFlag: WireBool | None = None
    recordHintTone: str | None = None
    callbackTone: str | None = None
    callbackNum: str | None = None
    timeUnit: Code | None = None
    bindExpiredTime: int | None = None
    callbackExpiredTime: int | None = None
    userData: str | None = None

    @model_validator(mode="after")
    def _time_unit_needs_both(self) -> ModifyRequest:
        if self.timeUnit is not None and (
            self.bindExpiredTime is None or self.callbackExpiredTime is None
        ):
            raise ValueError(
                "timeUnit in a modify needs bindExpiredTime and callbackExpiredTime too"
            )
        if self.callbackTone and self.callbackNum:
            raise ValueError("callbackTone and callbackNum must not be sent together")
        return self


class UnbindParams(Request):
    subscriptionId: str | None = None
    virtualNum: str | None = None
    extendNum: str | None = None


class QueryParams(Request):
    """v1.0 (one binding)."""

    subscriptionId: str | None = None
    virtualNum: str | None = None
    extendNum: str | None = None


class BindingInfo(Element):
    """The flat v1.0 answer, and one element of v2.0's list."""

    subscriptionId: str
    virtualNum: str
    extendNum: str
    bindNum: str
    displayNumMode: Code = "0"
    recordFlag: WireBool = False
    recordHintTone: str | None = None
    callbackTone: str | None = None
    callbackNum: str | None = None
    timeUnit: Code | None = None
    bindExpiredTime: int | None = None
    callbackExpiredTime: int | None = None
    userData: str | None = None


class QueryResponse(Response, BindingInfo):
    """v1.0: the binding's fields flat beside ``resultcode``."""


class QueryV2Params(Request):
    subscriptionId: str | None = None
    virtualNum: str | None = None
    extendNum: str | None = None
    cursor: str | None = None
    limit: int | None = None


class QueryV2Response(Response):
    """[I] v2.0's response is undocumented: the list is ``bindList`` and the next cursor
    ``nextCursor`` (the doc's request table spells it ``nextCusor``; both are read).
    No (or an empty) next cursor ends the listing."""

    bindList: list[BindingInfo] = Field(default_factory=list)
    nextCursor: str | None = Field(None, validation_alias=AliasChoices("nextCursor", "nextCusor"))
