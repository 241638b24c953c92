"""AX wire format (reference section 3): bind/modify/unbind/query on
``/rest/provision/caas/privatenumber/v1.0`` and the temporary callee on
``/rest/caas/privatenumber/calleenumber/v1.0``."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from reconciler.platform.wire.common import Code, Element, PlayInfo, Request, Response, WireBool

PATH = "/rest/provision/caas/privatenumber/v1.0"
CALLEE_PATH = "/rest/caas/privatenumber/calleenumber/v1.0"


class BindRequest(Request):
    origNum: str
    privateNum: str | None = None
    privateNumType: Literal["mobile-virtual"] | None = None
    areaCode: str | None = None
    areaMatchMode: Code | None = None
    recordFlag: WireBool | None = None
    recordHintTone: str | None = None
    calleeNumDisplay: Code | None = None
    privateSms: WireBool | None = None
    preVoice: PlayInfo | None = None
    maxDuration: int | None = None
    lastMinVoice: str | None = None
    turnFlag: Literal["on", "off"] | None = None
    callDirection: int | None = None
    userData: str | None = None


class BindResponse(Response):
    origNum: str
    privateNum: str
    subscriptionId: str


class ModifyRequest(Request):
    subscriptionId: str | None = None
    privateNum: str | None = None
    origNum: str | None = None
    privateSms: WireBool | None = None
    recordFlag: WireBool | None = None
    recordHintTone: str | None = None
    maxDuration: int | None = None
    lastMinVoice: str | None = None
    callDirection: int | None = None
    userData: str | None = None
    # [I] not in the captured modify table; privcall does not send them (mapping/ax.py).
    calleeNumDisplay: Code | None = None
    preVoice: PlayInfo | None = None
    turnFlag: Literal["on", "off"] | None = None


class UnbindParams(Request):
    subscriptionId: str | None = None
    privateNum: str | None = None
    origNum: str | None = None


class QueryParams(Request):
    subscriptionId: str | None = None
    origNum: str | None = None
    privateNum: str | None = None


class BindingInfo(Element):
    """``privateNumInfo``."""

    origNum: str
    privateNum: str
    subscriptionId: str
    privateNumType: str | None = None
    subscribeTime: str | None = None
    recordFlag: WireBool = False
    recordHintTone: str | None = None
    lastMinVoice: str | None = None
    turnFlag: str = "on"
    callDirection: int = 0
    privateSms: WireBool = True
    maxDuration: int = 0
    calleeNumDisplay: Code | None = None
    preVoice: PlayInfo | None = None
    userData: str | None = None


class QueryResponse(Response):
    privateNumList: list[BindingInfo] = Field(default_factory=list)


class CalleeRequest(Request):
    subscriptionId: str | None = None
    origNum: str | None = None
    privateNum: str | None = None
    calleeNum: str
    duration: int | None = None
    userData: str | None = None
