"""AXB wire format (reference section 4): all four operations on
``/rest/caas/relationnumber/partners/v1.0``."""

from __future__ import annotations

from pydantic import Field

from reconciler.platform.wire.common import Code, Element, PlayInfo, Request, Response, WireBool

PATH = "/rest/caas/relationnumber/partners/v1.0"
PAGE_SIZE_MAX = 100


class BindRequest(Request):
    relationNum: str | None = None
    callerNum: str
    calleeNum: str
    areaCode: str | None = None
    areaMatchMode: Code | None = None
    callDirection: int | None = None
    duration: int | None = None
    recordFlag: WireBool | None = None
    recordHintTone: str | None = None
    maxDuration: int | None = None
    lastMinVoice: str | None = None
    privateSms: WireBool | None = None
    preVoice: PlayInfo | None = None
    userData: str | None = None


class BindResponse(Response):
    """The bind answer echoes the binding's attributes ([I] beyond these)."""

    subscriptionId: str
    relationNum: str
    callerNum: str | None = None
    calleeNum: str | None = None
    callDirection: int | None = None


class ModifyRequest(Request):
    subscriptionId: str
    callerNum: str | None = None
    calleeNum: str | None = None
    callDirection: int | None = None
    duration: int | None = None
    maxDuration: int | None = None
    lastMinVoice: str | None = None
    privateSms: WireBool | None = None
    recordFlag: WireBool | None = None
    recordHintTone: str | None = None
    preVoice: PlayInfo | None = None
    userData: str | None = None


class UnbindParams(Request):
    subscriptionId: str | None = None
    relationNum: str | None = None


class QueryParams(Request):
    subscriptionId: str | None = None
    relationNum: str | None = None
    callerNum: str | None = None
    calleeNum: str | None = None
    pageIndex: int | None = None
    pageSize: int | None = None


class BindingInfo(Element):
    """One element of ``relationNumList``."""

    subscriptionId: str
    relationNum: str
    callerNum: str
    calleeNum: str
    callDirection: int = 0
    duration: int = 0
    maxDuration: int = 0
    recordFlag: WireBool = False
    recordHintTone: str | None = None
    lastMinVoice: str | None = None
    privateSms: WireBool = True
    preVoice: PlayInfo | None = None
    userData: str | None = None
    subscribeTime: str | None = None


class QueryResponse(Response):
    app_key: str | None = None
    relationNumList: list[BindingInfo] = Field(default_factory=list)
    totalCount: int | None = None
    pageIndex: int | None = None
    pageSize: int | None = None
