"""AXYB wire format (reference section 6): ``/rest/omp/xyrelationnumber/v1.0`` with
``app_key`` as a URL parameter on every call; bind is two calls (AX step, then YB step);
there is no modify."""

from __future__ import annotations

from pydantic import Field

from reconciler.platform.wire.common import Code, Element, Request, Response, WireBool

PATH = "/rest/omp/xyrelationnumber/v1.0"


class AxBindRequest(Request):
    """Step 1: A gets X in ``areaCode``."""

    origNum: str
    areaCode: str
    areaMatchMode: Code | None = None
    callDirection: int | None = None
    duration: int | None = None
    ybDuration: int | None = None
    recordFlag: WireBool | None = None
    recordHintTone: str | None = None
    preVoiceX: str | None = None
    userData: str | None = None


class YbBindRequest(Request):
    """Step 2: B (``origNum``) gets Y on the AX step's ``subscriptionId``."""

    origNum: str
    subscriptionId: str
    areaCode: str | None = None
    areaMatchMode: Code | None = None
    preVoiceY: str | None = None
    ybDuration: int | None = None


class BindResponse(Response):
    """``relationNumber`` is X after the AX step and Y after the YB step."""

    subscriptionId: str
    relationNumber: str


class AppKeyParams(Request):
    app_key: str


class UnbindParams(AppKeyParams):
    subscriptionId: str
    yNum: str | None = None
    bNum: str | None = None


class QueryParams(AppKeyParams):
    subscriptionId: str | None = None
    relationNum: str | None = None


class BindingInfo(Element):
    """``xyRelationNumInfo``; ``duration``/``ybDuration`` are strings on the wire."""

    bindId: str
    numA: str
    numX: str
    numY: str | None = None
    numB: str | None = None
    recordFlag: WireBool = False
    recordHintTone: str | None = None
    subscribeTime: str | None = None
    callDirection: int = 0
    duration: int = 0
    ybDuration: int = 0
    preVoiceX: str | None = None
    preVoiceY: str | None = None
    userData: str | None = None


class QueryResponse(Response):
    xyRelationNumList: list[BindingInfo] = Field(default_factory=list)
