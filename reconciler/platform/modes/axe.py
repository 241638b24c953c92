"""AXE operations; one binding through query v1.0, every binding of an X through the
cursor-paged query v2.0."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from reconciler.model import Mode
from reconciler.modes import AXEBinding, Binding
from reconciler.platform.errors import NotFound
from reconciler.platform.live import BindResult, Live
from reconciler.platform.mapping import axe as mapping
from reconciler.platform.modes.base import (
    ModeApi,
    by_subscription,
    change,
    parse,
    query,
    unique,
)
from reconciler.platform.wire import axe as wire


class AxeApi(ModeApi):
    mode = Mode.AXE

    async def bind(self, binding: Binding, *, now: datetime, user_data: str | None) -> BindResult:
        if not isinstance(binding, AXEBinding):
            raise self._wrong(binding)
        where = binding.x or f"the X numbers of area {binding.area_code}"
        op = change(
            "axe.bind",
            f"list {where} (list_x) for a binding of {binding.a}",
            a=binding.a,
            x=binding.x,
            area_code=binding.area_code,
            extension=binding.extension,
        )
        request = mapping.bind_request(binding, user_data, now)
        data = await self.caller.call(op, "POST", wire.PATH, body=request)
        answer = parse(self.caller, op, wire.BindResponse, data)
        return BindResult(
            subscription_id=answer.subscriptionId, x=answer.virtualNum, extension=answer.extendNum
        )

    async def modify(
        self,
        subscription_id: str,
        changes: Mapping[str, Any],
        *,
        now: datetime,
        desired: Binding | None = None,
    ) -> None:
        wanted = desired if isinstance(desired, AXEBinding) else None
        request = mapping.modify_request(subscription_id, changes, now, wanted)
        op = by_subscription("axe.modify", subscription_id)
        await self.caller.call(op, "PUT", wire.PATH, body=request)

    async def unbind(self, subscription_id: str) -> None:
        op = by_subscription("axe.unbind", subscription_id)
        params = wire.UnbindParams(subscriptionId=subscription_id)
        await self.caller.call(op, "DELETE", wire.PATH, params=params)

    async def query_one(self, subscription_id: str) -> Live | None:
        op = query("axe.query")
        params = wire.QueryParams(subscriptionId=subscription_id)
        try:
            data = await self.caller.call(op, "GET", wire.PATH, params=params)
        except NotFound as exc:
            if exc.code == "1016001":
                return None
            raise
        return mapping.live(parse(self.caller, op, wire.QueryResponse, data))

    async def list_x(self, x: str) -> list[Live]:
        """Every binding on X, each once, following v2.0's cursor to the end."""
        op = query("axe.query")
        found: list[Live] = []
        cursor = wire.FIRST_CURSOR
        seen_cursors = {cursor}
        while True:
            params = wire.QueryV2Params(virtualNum=x, cursor=cursor, limit=wire.PAGE_LIMIT)
            try:
                data = await self.caller.call(op, "GET", wire.V2_PATH, params=params)
            except NotFound as exc:
                if exc.code == "1016001":
                    break
                raise
            answer = parse(self.caller, op, wire.QueryV2Response, data)
            found.extend(mapping.live(info) for info in answer.bindList)
            cursor = answer.nextCursor or ""
            if not cursor or not answer.bindList or cursor in seen_cursors:
                break
            seen_cursors.add(cursor)
        return unique(found)
