"""What a mode's domain table holds, and the parts every mode shares.

A :class:`DomainTable` is one mode's domain meaning in one place: its binding model, its
identity (the derived key and the natural identity the planner joins on), the slots its
bindings hold on a number and the limits of those slots, its lifetime bounds, whether the
platform can modify it, and its rules across bindings. The planner, the loader's rules,
the importer, the journal and the renderers read the table; none of them branches on a
mode. The wire meaning of each field is the platform client's own table
(:mod:`reconciler.platform.tables`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from reconciler.located import Pending
from reconciler.model import BindingBase, Mode

if TYPE_CHECKING:
    from reconciler.config import App
    from reconciler.platform.live import Live
    from reconciler.rules import DesiredBinding

Slot = tuple[str, ...]
"""Something a live binding occupies that another binding may need: an X of its own, a
real number's place on an X, an extension on an X ... (see each mode's table)."""

Areas = Mapping[str, str]
"""The city code of each of the app's virtual numbers."""


@dataclass(frozen=True)
class Limits:
    """The platform's per-number limits of a mode (reference section 10); 0 = no limit."""

    x_per_a: int = 0
    """Virtual numbers one real number A may hold."""
    pairs_per_x: int = 0
    """Bindings one X may hold (AX and AXYB: 1, an X of its own)."""
    relations_per_y: int = 0
    """AXYB: relations one Y may carry."""


def group(
    items: Iterable[DesiredBinding], by: Callable[[DesiredBinding], str | None]
) -> dict[str, list[DesiredBinding]]:
    """``items`` grouped by ``by`` (items for which it is None are left out)."""
    groups: dict[str, list[DesiredBinding]] = defaultdict(list)
    for item in items:
        value = by(item)
        if value is not None:
            groups[value].append(item)
    return groups


def over_limit(
    groups: Mapping[str, list[DesiredBinding]], limit: int, field: str, message: str
) -> list[Pending]:
    """One problem per group larger than ``limit``, at its first binding over the limit.

    ``message`` is formatted with ``value`` (what the group shares) and ``count``.
    """
    found = []
    for value, members in groups.items():
        if len(members) > limit:
            found.append(
                Pending(
                    members[limit].where.child(field),
                    message.format(value=value, count=len(members)),
                    tuple(d.where for d in members[:limit] + members[limit + 1 :]),
                )
            )
    return found


class DomainTable(ABC):
    """One mode's domain meaning (see the module docstring)."""

    mode: ClassVar[Mode]
    model: ClassVar[type[BindingBase]]
    limits: ClassVar[Limits]
    can_modify: ClassVar[bool] = True
    """Whether the platform has a modify API for the mode (AXYB has none)."""
    max_lifetime: ClassVar[timedelta | None] = None
    """The longest a binding may live from when it is bound or modified (None: never expires)."""
    min_lifetime: ClassVar[timedelta | None] = None
    """The shortest lifetime the platform accepts at bind time (None: no floor)."""
    exclusive_x: ClassVar[bool] = False
    """Every binding holds a virtual number of its own (AX, AXYB): the planner counts
    the numbers left per city."""
    two_step: ClassVar[bool] = False
    """A bind is two platform calls, so a half-made binding can be live (AXYB)."""

    # -- identity ---------------------------------------------------------------------

    @abstractmethod
    def natural_key(self, binding: Any) -> str:
        """The key a binding gets when it declares none (DESIGN section 3)."""

    @abstractmethod
    def identity(self, binding: Any) -> str:
        """What the planner joins a desired binding on to find a live one privcall did
        not create (a conflict, or one to adopt)."""

    @abstractmethod
    def live_identities(self, live: Live, areas: Areas) -> list[str]:
        """The identities a live binding matches (the same format as :meth:`identity`)."""

    @abstractmethod
    def live_name(self, live: Live) -> str:
        """A name for a live binding that has no declared key: its numbers."""

    # -- slots ------------------------------------------------------------------------

    @abstractmethod
    def held(self, live: Live) -> set[Slot]:
        """What a live binding occupies that another binding may need."""

    @abstractmethod
    def needed(self, binding: Any, x: str | None) -> set[Slot]:
        """What ``binding`` needs once bound (or kept) on ``x`` (None: not known yet)."""

    def can_bind_first(self, binding: Any, live: Live) -> bool:
        """Whether a replacement can be bound while the old binding still exists (so callers
        are not cut off): not when it needs the old one's place."""
        return not (self.needed(binding, binding.pinned_number()) & self.held(live))

    # -- replace or modify ------------------------------------------------------------

    def replace_reason(self, binding: Any, live: Live, areas: Areas) -> str | None:
        """Why ``live`` cannot become ``binding`` by a modify, or None."""
        pinned = binding.pinned_number()
        if pinned is not None and live.x != pinned:
            return f"x changes from {live.x} to {pinned}"
        area = binding.area()
        if (
            pinned is None
            and area is not None
            and not binding.loose()
            and areas.get(live.x) != area
        ):
            return f"its area changes from {areas.get(live.x, 'unknown')} to {area}"
        return self.mode_replace_reason(binding, live, areas)

    def mode_replace_reason(self, binding: Any, live: Live, areas: Areas) -> str | None:
        """The mode's own reasons for a replace (identity fields it cannot modify)."""
        return None

    def incomplete(self, live: Live) -> bool:
        """Whether a live binding is only half made (AXYB without its YB step)."""
        return False

    # -- rules across bindings --------------------------------------------------------

    def check(self, name: str, app: App, items: list[DesiredBinding]) -> list[Pending]:
        """The platform limits that the declared bindings of one app break together."""
        return []

    # -- lifetime ---------------------------------------------------------------------

    def lifetime_problem(self, binding: Any, now: datetime) -> str | None:
        """Why ``binding`` cannot be bound at ``now`` because of its expiry, or None.

        The platform caps a binding's lifetime, counted from the bind: this check belongs
        to bind time, not load time, and the message says so.
        """
        expires: datetime | None = binding.expiry()
        if expires is None or self.max_lifetime is None:
            return None
        cap = self.max_lifetime
        left = expires - now
        if left > cap:
            days = cap.total_seconds() / 86400
            return (
                f"expires {expires.isoformat()} is {left.days} days away, but the platform keeps "
                f"a {self.mode} binding at most {days:g} days ({int(cap.total_seconds()):,} s) "
                "from when it is bound: set expires at most that far ahead and move it later"
            )
        floor = self.min_lifetime
        if floor is not None and timedelta(0) < left < floor:
            return (
                f"a {self.mode} binding must live at least {int(floor.total_seconds())} seconds "
                "when it is bound"
            )
        return None

    # -- import -----------------------------------------------------------------------

    def import_values(self, values: dict[str, Any], live: Live, areas: Areas) -> None:
        """Adjust the YAML values of an imported live binding (numbers and placement)."""
        values["x"] = live.x
