"""What every mode's operations share: the :class:`Op` descriptor and the :class:`Caller`
(the client core that signs, limits, retries and classifies errors)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel, ValidationError

from reconciler.masking import Masker
from reconciler.model import Mode
from reconciler.modes import Binding
from reconciler.platform.errors import LocalRefusal, UnexpectedResponse, UnknownOutcome
from reconciler.platform.live import BindResult, Live
from reconciler.platform.wire.common import Request


@dataclass(frozen=True)
class Op:
    """One kind of call: its name (``axb.bind``), whether it changes state, and, for those
    that do, what to query if its answer is lost."""

    name: str
    mutating: bool = False
    resolve: str = ""
    lookup: Mapping[str, str] = field(default_factory=dict)


def query(name: str) -> Op:
    return Op(name)


def change(name: str, resolve: str, **lookup: str | None) -> Op:
    return Op(name, True, resolve, {k: v for k, v in lookup.items() if v is not None})


def by_subscription(name: str, subscription_id: str) -> Op:
    return change(
        name,
        f"query subscriptionId {subscription_id} (query_one) to see whether it took effect",
        subscription_id=subscription_id,
    )


class Caller(Protocol):
    app: str
    masker: Masker

    async def call(
        self,
        op: Op,
        method: str,
        path: str,
        *,
        body: Request | None = None,
        params: Request | None = None,
    ) -> dict[str, Any]: ...


M = TypeVar("M", bound=BaseModel)


def parse(caller: Caller, op: Op, model: type[M], data: dict[str, Any]) -> M:
    """The answer as ``model``; an unreadable answer to a change is an unknown outcome."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        fields = ", ".join(".".join(map(str, e["loc"])) for e in exc.errors()[:5])
        if op.mutating:
            raise UnknownOutcome(
                operation=op.name,
                app=caller.app,
                cause=f"the success answer could not be read: {fields}",
                resolve=op.resolve,
                lookup=op.lookup,
                masker=caller.masker,
            ) from None
        raise UnexpectedResponse(
            f"{caller.app}: {op.name}: the platform's answer lacks or mangles {fields}"
        ) from None


class ModeApi(ABC):
    """The operations of one mode; each mode's module implements them."""

    mode: Mode

    def __init__(self, caller: Caller) -> None:
        self.caller = caller

    def _wrong(self, binding: object) -> TypeError:
        return TypeError(f"a {self.mode} app cannot bind a {type(binding).__name__}")

    @abstractmethod
    async def bind(self, binding: Binding, *, now: datetime, user_data: str | None) -> BindResult:
        """See :class:`reconciler.platform.AppClient`."""

    @abstractmethod
    async def modify(
        self,
        subscription_id: str,
        changes: Mapping[str, Any],
        *,
        now: datetime,
        desired: Binding | None = None,
    ) -> None:
        """See :class:`reconciler.platform.AppClient`."""

    @abstractmethod
    async def unbind(self, subscription_id: str) -> None:
        """See :class:`reconciler.platform.AppClient`."""

    @abstractmethod
    async def query_one(self, subscription_id: str) -> Live | None:
        """See :class:`reconciler.platform.AppClient`."""

    @abstractmethod
    async def list_x(self, x: str) -> list[Live]:
        """See :class:`reconciler.platform.AppClient`."""

    async def set_temp_callee(
        self,
        subscription_id: str,
        callee: str,
        *,
        duration: timedelta | None = None,
        user_data: str | None = None,
    ) -> None:
        raise LocalRefusal(
            f"{self.caller.app}: a temporary callee exists only in AX mode, not {self.mode}"
        )


def unique(lives: list[Live]) -> list[Live]:
    """Each binding once (by subscription id), in first-seen order."""
    seen: dict[str, Live] = {}
    for item in lives:
        seen.setdefault(item.subscription_id, item)
    return list(seen.values())
