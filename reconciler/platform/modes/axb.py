"""AXB operations; listing an X pages through ``pageIndex``/``pageSize``, the pages after
the first fetched in parallel."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from reconciler.model import Mode
from reconciler.modes import AXBBinding, Binding
from reconciler.platform.errors import NotFound
from reconciler.platform.live import BindResult, Live
from reconciler.platform.mapping import axb as mapping
from reconciler.platform.modes.base import (
    ModeApi,
    by_subscription,
    change,
    parse,
    query,
    unique,
)
from reconciler.platform.wire import axb as wire

PAGE_SIZE = wire.PAGE_SIZE_MAX


class AxbApi(ModeApi):
    mode = Mode.AXB

    async def bind(self, binding: Binding, *, now: datetime, user_data: str | None) -> BindResult:
        if not isinstance(binding, AXBBinding):
            raise self._wrong(binding)
        where = binding.x or f"the X numbers of area {binding.area_code}"
        op = change(
            "axb.bind",
            f"list {where} (list_x) for the pair {binding.a} / {binding.b}",
            a=binding.a,
            b=binding.b,
            x=binding.x,
            area_code=binding.area_code,
        )
        request = mapping.bind_request(binding, user_data, now)
        data = await self.caller.call(op, "POST", wire.PATH, body=request)
        answer = parse(self.caller, op, wire.BindResponse, data)
        return BindResult(subscription_id=answer.subscriptionId, x=answer.relationNum)

    async def modify(
        self,
        subscription_id: str,
        changes: Mapping[str, Any],
        *,
        now: datetime,
        desired: Binding | None = None,
    ) -> None:
        wanted = desired if isinstance(desired, AXBBinding) else None
        request = mapping.modify_request(subscription_id, changes, now, wanted)
        op = by_subscription("axb.modify", subscription_id)
        await self.caller.call(op, "PUT", wire.PATH, body=request)

    async def unbind(self, subscription_id: str) -> None:
        op = by_subscription("axb.unbind", subscription_id)
        params = wire.UnbindParams(subscriptionId=subscription_id)
        await self.caller.call(op, "DELETE", wire.PATH, params=params)

    async def _page(self, params: wire.QueryParams) -> wire.QueryResponse | None:
        op = query("axb.query")
        try:
            data = await self.caller.call(op, "GET", wire.PATH, params=params)
        except NotFound as exc:
            if exc.code == "1016001":
                return None
            raise
        return parse(self.caller, op, wire.QueryResponse, data)

    async def query_one(self, subscription_id: str) -> Live | None:
        page = await self._page(wire.QueryParams(subscriptionId=subscription_id))
        if page is None or not page.relationNumList:
            return None
        return mapping.live(page.relationNumList[0])

    async def list_x(self, x: str) -> list[Live]:
        """Every binding on X, each once: page 1, then the rest in parallel, then more
        pages one by one while the count says some are still missing."""

        async def page(index: int) -> wire.QueryResponse | None:
            params = wire.QueryParams(relationNum=x, pageIndex=index, pageSize=PAGE_SIZE)
            return await self._page(params)

        first = await page(1)
        if first is None:
            return []
        total = first.totalCount or 0
        size = first.pageSize or PAGE_SIZE
        pages = max(1, math.ceil(total / size))
        found = [mapping.live(info) for info in first.relationNumList]
        rest = await asyncio.gather(*(page(i) for i in range(2, pages + 1)))
        last = first
        for answer in rest:
            if answer is not None:
                found.extend(mapping.live(info) for info in answer.relationNumList)
                last = answer
        index = pages
        while len(unique(found)) < total and len(last.relationNumList) >= size:
            index += 1
            more = await page(index)
            if more is None or not more.relationNumList:
                break
            found.extend(mapping.live(info) for info in more.relationNumList)
            last = more
        return unique(found)
