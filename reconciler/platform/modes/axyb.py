"""AXYB operations: bind in two steps (AX, then YB; a failed YB step undoes the AX step),
unbind, query; ``app_key`` goes in the URL of every call. No modify API exists."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from reconciler.errors import PlatformError
from reconciler.model import Mode
from reconciler.modes import AXYBBinding, Binding
from reconciler.platform.errors import (
    LocalRefusal,
    NotFound,
    NotModifiable,
    PlatformAnswerError,
    TransportError,
)
from reconciler.platform.live import BindResult, Live
from reconciler.platform.mapping import axyb as mapping
from reconciler.platform.modes.base import Caller, ModeApi, by_subscription, change, parse, query
from reconciler.platform.wire import axyb as wire


class PartialBind(PlatformError):
    """The YB step of an AXYB bind failed and undoing the AX step failed too: A is bound
    to X without B. ``subscription_id`` names that half binding."""

    def __init__(self, app: str, subscription_id: str, step: Exception, undo: Exception) -> None:
        self.subscription_id = subscription_id
        super().__init__(
            f"{app}: axyb.bind: the YB step failed ({step}) and unbinding the AX step "
            f"(subscriptionId {subscription_id}) failed too ({undo}): A is bound to X "
            "without B",
            hint=f"unbind subscriptionId {subscription_id}, or run privcall apply again",
        )


class AxybApi(ModeApi):
    mode = Mode.AXYB

    def __init__(self, caller: Caller, app_key: str) -> None:
        super().__init__(caller)
        self.app_key = app_key

    def _key(self) -> wire.AppKeyParams:
        return wire.AppKeyParams(app_key=self.app_key)

    async def bind(self, binding: Binding, *, now: datetime, user_data: str | None) -> BindResult:
        if not isinstance(binding, AXYBBinding):
            raise self._wrong(binding)
        ax_request = mapping.ax_step(binding, user_data, now)
        op = change(
            "axyb.bind",
            f"list the X numbers of area {binding.area_code} (list_x) for one bound to {binding.a}",
            a=binding.a,
            area_code=binding.area_code,
        )
        data = await self.caller.call(op, "POST", wire.PATH, body=ax_request, params=self._key())
        ax = parse(self.caller, op, wire.BindResponse, data)
        sub_id, x = ax.subscriptionId, ax.relationNumber
        yb_op = change(
            "axyb.bind (YB step)",
            f"query subscriptionId {sub_id} (query_one): with a Y the bind is complete; "
            "without, unbind it and bind again",
            subscription_id=sub_id,
        )
        try:
            yb_request = mapping.yb_step(binding, sub_id, now)
            data = await self.caller.call(
                yb_op, "POST", wire.PATH, body=yb_request, params=self._key()
            )
        except (PlatformAnswerError, TransportError, LocalRefusal) as exc:
            raise await self._undo(sub_id, exc) from exc
        yb = parse(self.caller, yb_op, wire.BindResponse, data)
        return BindResult(subscription_id=sub_id, x=x, y=yb.relationNumber)

    async def _undo(self, sub_id: str, failure: PlatformError) -> PlatformError:
        """Unbind the AX step after a failed YB step; the error to raise."""
        try:
            await self.unbind(sub_id)
        except PlatformError as undo:
            return PartialBind(self.caller.app, sub_id, failure, undo)
        if not isinstance(failure, PlatformAnswerError):
            return PlatformError(
                f"{self.caller.app}: axyb.bind: the YB step failed ({failure}); the AX step "
                "was unbound again",
                code=failure.code,
                description=failure.description,
                hint=failure.hint,
            )
        return type(failure)(
            operation="axyb.bind (YB step; the AX step was unbound again)",
            app=failure.app,
            status=failure.status,
            code=failure.code,
            description=failure.description,
            hint=failure.hint,
            masker=self.caller.masker,
        )

    async def modify(
        self,
        subscription_id: str,
        changes: Mapping[str, Any],
        *,
        now: datetime,
        desired: Binding | None = None,
    ) -> None:
        raise NotModifiable(str(Mode.AXYB), sorted(changes), [])

    async def unbind(self, subscription_id: str) -> None:
        op = by_subscription("axyb.unbind", subscription_id)
        params = wire.UnbindParams(app_key=self.app_key, subscriptionId=subscription_id)
        await self.caller.call(op, "DELETE", wire.PATH, params=params)

    async def _query(self, params: wire.QueryParams) -> list[Live]:
        op = query("axyb.query")
        try:
            data = await self.caller.call(op, "GET", wire.PATH, params=params)
        except NotFound as exc:
            if exc.code == "1016001":
                return []
            raise
        answer = parse(self.caller, op, wire.QueryResponse, data)
        return [mapping.live(info) for info in answer.xyRelationNumList]

    async def query_one(self, subscription_id: str) -> Live | None:
        found = await self._query(
            wire.QueryParams(app_key=self.app_key, subscriptionId=subscription_id)
        )
        return found[0] if found else None

    async def list_x(self, x: str) -> list[Live]:
        return await self._query(wire.QueryParams(app_key=self.app_key, relationNum=x))
