"""AX operations: bind, modify, unbind, query, list an X, set the temporary callee."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from reconciler.model import Mode
from reconciler.modes import AXBinding, Binding
from reconciler.platform.errors import LocalRefusal, NotFound
from reconciler.platform.live import BindResult, Live
from reconciler.platform.mapping import ax as mapping
from reconciler.platform.modes.base import ModeApi, by_subscription, change, parse, query
from reconciler.platform.wire import ax as wire

CALLEE_SECONDS_MAX = 259_200


class AxApi(ModeApi):
    mode = Mode.AX

    async def bind(self, binding: Binding, *, now: datetime, user_data: str | None) -> BindResult:
        if not isinstance(binding, AXBinding):
            raise self._wrong(binding)
        op = change(
            "ax.bind",
            f"query origNum {binding.a} (the A number's bindings) for one on "
            f"{binding.x or 'area ' + str(binding.area_code)}",
            a=binding.a,
            x=binding.x,
            area_code=binding.area_code,
        )
        request = mapping.bind_request(binding, user_data)
        data = await self.caller.call(op, "POST", wire.PATH, body=request)
        answer = parse(self.caller, op, wire.BindResponse, data)
        return BindResult(subscription_id=answer.subscriptionId, x=answer.privateNum)

    async def modify(
        self,
        subscription_id: str,
        changes: Mapping[str, Any],
        *,
        now: datetime,
        desired: Binding | None = None,
    ) -> None:
        request = mapping.modify_request(subscription_id, changes)
        op = by_subscription("ax.modify", subscription_id)
        await self.caller.call(op, "PUT", wire.PATH, body=request)

    async def unbind(self, subscription_id: str) -> None:
        op = by_subscription("ax.unbind", subscription_id)
        params = wire.UnbindParams(subscriptionId=subscription_id)
        await self.caller.call(op, "DELETE", wire.PATH, params=params)

    async def _query(self, params: wire.QueryParams) -> list[Live]:
        op = query("ax.query")
        try:
            data = await self.caller.call(op, "GET", wire.PATH, params=params)
        except NotFound as exc:
            if exc.code == "1016001":
                return []
            raise
        answer = parse(self.caller, op, wire.QueryResponse, data)
        return [mapping.live(info) for info in answer.privateNumList]

    async def query_one(self, subscription_id: str) -> Live | None:
        found = await self._query(wire.QueryParams(subscriptionId=subscription_id))
        return found[0] if found else None

    async def list_x(self, x: str) -> list[Live]:
        """The binding on X (AX: at most one); ``[]`` when X is free."""
        return await self._query(wire.QueryParams(privateNum=x))

    async def list_a(self, a: str) -> list[Live]:
        """The (up to 5) bindings of the real number A: resolves an unknown AX bind."""
        return await self._query(wire.QueryParams(origNum=a))

    async def set_temp_callee(
        self,
        subscription_id: str,
        callee: str,
        *,
        duration: timedelta | None = None,
        user_data: str | None = None,
    ) -> None:
        seconds = None
        if duration is not None:
            seconds = math.ceil(duration.total_seconds())
            if not 1 <= seconds <= CALLEE_SECONDS_MAX:
                raise LocalRefusal(
                    f"a temporary callee lasts 1 to {CALLEE_SECONDS_MAX} seconds, not {seconds}"
                )
        request = wire.CalleeRequest(
            subscriptionId=subscription_id, calleeNum=callee, duration=seconds, userData=user_data
        )
        op = by_subscription("ax.callee", subscription_id)
        await self.caller.call(op, "PUT", wire.CALLEE_PATH, body=request)
