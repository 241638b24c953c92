"""What the client returns, in privcall's terms: :class:`Live` and :class:`BindResult`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel

from reconciler.marker import Marker, split
from reconciler.model import Mode

NEVER = timedelta(0)
"""A reported lifetime of 0: the binding never expires."""


@dataclass(frozen=True)
class BindResult:
    """A successful bind: the binding's id and the numbers the platform gave it."""

    subscription_id: str
    x: str
    extension: str | None = None
    y: str | None = None


@dataclass(slots=True)
class Live:
    """One live binding as the platform's query reports it, in privcall's names.

    ``fields`` holds every field of the mode's binding model that the query reported
    (``a``, ``x``, ``b``, ``extension``, ``call_direction``, ``record`` ... and, where it can
    be computed, ``expires`` / ``b_expires``, ``None`` meaning never), with privcall's values
    (enums, booleans). ``unreported`` names the model fields the query did not report:
    compare those through privcall's marker, never against nothing. ``user_data`` is the raw
    ``userData`` (marker included). ``bound_at`` is ``subscribeTime`` (UTC; for AXB and AXYB
    the time of the bind *or last change*), ``lifetime`` the reported duration
    (``timedelta(0)`` = never, ``None`` = not reported), ``b_lifetime`` AXYB's
    ``ybDuration`` (``timedelta(0)`` = ends with the binding). ``wire`` is the query's
    element as parsed (for diagnostics). A value: do not change it (it is not frozen only
    because frozen dataclasses cost twice as much to build, and listings build many).
    """

    mode: Mode
    subscription_id: str
    x: str
    a: str
    fields: Mapping[str, Any]
    unreported: frozenset[str]
    user_data: str | None = None
    b: str | None = None
    y: str | None = None
    extension: str | None = None
    bound_at: datetime | None = None
    lifetime: timedelta | None = None
    b_lifetime: timedelta | None = None
    wire: BaseModel | None = field(default=None, repr=False, compare=False)
    _split: tuple[str | None, Marker | None] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def _parts(self) -> tuple[str | None, Marker | None]:
        if self._split is None:
            self._split = split(self.user_data)
        return self._split

    @property
    def marker(self) -> Marker | None:
        """privcall's marker in ``userData`` (None: a binding privcall did not create)."""
        return self._parts()[1]

    @property
    def own_user_data(self) -> str | None:
        """``userData`` without privcall's marker: the user's own part."""
        return self._parts()[0]

    @property
    def expires(self) -> datetime | None:
        """When the platform will remove it (``None``: never, or not known — see
        :attr:`expiry_known`)."""
        if self.lifetime is None or self.lifetime == NEVER or self.bound_at is None:
            return None
        return self.bound_at + self.lifetime

    @property
    def expiry_known(self) -> bool:
        return self.lifetime is not None and (self.lifetime == NEVER or self.bound_at is not None)
