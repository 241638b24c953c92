"""Plans built directly from the plan's value objects, for the renderer tests.

Every real number used here is in :data:`REAL`, every virtual number in :data:`VIRTUAL`:
the golden masking test looks for each of them in every output.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from reconciler.masking import Masker
from reconciler.model import CallDirection, Mode
from reconciler.modes import AXBBinding, AXBinding, AXEBinding, AXYBBinding
from reconciler.plan import (
    NOT_REPORTED,
    AppPlan,
    FieldChange,
    Kind,
    Note,
    NoteKind,
    Operation,
    Plan,
)
from reconciler.platform.live import Live

AT = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)

A1, A2, A3, A4 = "+8613800000001", "+8613800000002", "+8613800000003", "+8613800000004"
B1, B2, B3 = "+8613900000001", "+8613900000002", "+8613900000003"
C1, C2 = "+8613700000001", "+8613700000002"
U1 = "+8613600000001"
"""A real number inside user_data text."""
REAL = (A1, A2, A3, A4, B1, B2, B3, C1, C2, U1)

X1, X2, X3, X4 = "+8675500010001", "+8675500010002", "+8675500010003", "+8675500010004"
Y1 = "+8675500020001"
VIRTUAL = (X1, X2, X3, X4, Y1)


def masker(*, unmask: bool = False) -> Masker:
    return Masker(VIRTUAL, unmask=unmask)


def live(mode: Mode, sub: str, x: str, a: str, **kw: Any) -> Live:
    fields = {"a": a, "x": x, **({"b": kw["b"]} if "b" in kw else {})}
    return Live(mode, sub, x, a, fields, frozenset(), **kw)


def op(kind: Kind, app: str, mode: Mode, key: str, reason: str, **kw: Any) -> Operation:
    return Operation(kind, app, mode, key, reason, **kw)


def couriers(*, sandbox: bool = True) -> AppPlan:
    """An AX app with a bind, a modify, an adopt and an unbind; protected and foreign notes."""
    mode, app = Mode.AX, "couriers"
    ops = (
        op(
            Kind.unbind,
            app,
            mode,
            f"{A4}@{X4} [abcdefghij]",
            "no longer declared",
            live=live(mode, "sub-4", X4, A4),
        ),
        op(
            Kind.modify,
            app,
            mode,
            "courier-li",
            "changed on the platform, out of band: a",
            desired=AXBinding(key="courier-li", a=A2, x=X2, record=True, record_hint_tone="r.wav"),
            live=live(mode, "sub-2", X2, A3),
            changes=(
                FieldChange("a", A3, A2, out_of_band=True),
                FieldChange("record", False, True),
                FieldChange("record_hint_tone", NOT_REPORTED, "r.wav"),
                FieldChange("call_direction", CallDirection.both, CallDirection.a_only),
            ),
        ),
        op(
            Kind.adopt,
            app,
            mode,
            f"{A3}@0755",
            "taken over on request: privcall writes its marker",
            desired=AXBinding(a=A3, area_code="0755", user_data=f"ref{U1}"),
            live=live(mode, "sub-3", X3, A3, user_data=f"old {U1}"),
            changes=(FieldChange("user_data", f"old {U1}", f"ref{U1}"),),
        ),
        op(
            Kind.bind,
            app,
            mode,
            "courier-zhang",
            "declared, not on the platform",
            desired=AXBinding(key="courier-zhang", a=A1, area_code="0755", sms=False),
        ),
    )
    notes = (
        Note(
            NoteKind.protected,
            app,
            f"{A1}@{X1} [bcdefghijk]",
            "protected, but no longer declared: privcall refuses to unbind it. "
            "Declare it again, or apply protect: false first",
            live=live(mode, "sub-9", X1, A1),
        ),
        Note(
            NoteKind.foreign,
            app,
            "",
            "3 binding(s) privcall did not create: left alone (ownership: marked)",
            count=3,
        ),
    )
    return AppPlan(app, mode, sandbox, 12, ops, notes)


def orders(*, sandbox: bool = False) -> AppPlan:
    """An AXB app with two replaces (one with a gap) and a bind; conflict, blocked, expired."""
    mode, app = Mode.AXB, "orders"
    expires = datetime(2026, 5, 1, tzinfo=UTC)
    ops = (
        op(
            Kind.replace,
            app,
            mode,
            f"{A1}~{B1}",
            f"x changes from {X1} to {X2}",
            desired=AXBBinding(a=A1, b=B1, x=X2),
            live=live(mode, "sub-10", X1, A1, b=B1),
            number_may_change=True,
            bind_first=True,
        ),
        op(
            Kind.replace,
            app,
            mode,
            "order-7",
            "its area changes from 0755 to 0756",
            desired=AXBBinding(key="order-7", a=A2, b=B2, area_code="0756"),
            live=live(mode, "sub-11", X2, A2, b=B2),
            changes=(FieldChange("b", B3, B2),),
            number_may_change=True,
            bind_first=False,
        ),
        op(
            Kind.bind,
            app,
            mode,
            "order-8",
            "declared, not on the platform",
            desired=AXBBinding(key="order-8", a=A3, b=B3, area_code="0755", expires=expires),
        ),
    )
    notes = (
        Note(NoteKind.blocked, app, "order-9", "cannot bind: expires 2027-01-01 is 306 days away"),
        Note(
            NoteKind.conflict,
            app,
            f"{A4}~{B3}",
            "a binding privcall did not create (sub-12) has the same numbers: adopt it with "
            "--adopt (or privcall import) to manage it",
            live=live(mode, "sub-12", X3, A4, b=B3),
        ),
        Note(NoteKind.expired, app, "order-1", "expired at 2026-02-01T00:00:00+00:00"),
    )
    return AppPlan(app, mode, sandbox, 40, ops, notes)


def shops() -> AppPlan:
    """AXE and AXYB changes: callback_number and a Y number."""
    mode = Mode.AXE
    change = op(
        Kind.modify,
        "shops",
        mode,
        "shop-1",
        "changed in the YAML",
        desired=AXEBinding(key="shop-1", a=A1, x=X1, extension="12", callback_number=C2),
        live=live(mode, "sub-20", X1, A1, extension="12"),
        changes=(FieldChange("callback_number", C1, C2),),
    )
    return AppPlan("shops", mode, False, 3, (change,), ())


def pairs() -> AppPlan:
    mode = Mode.AXYB
    expires = AT + timedelta(days=10)
    change = op(
        Kind.replace,
        "pairs",
        mode,
        f"{A2}~{B2}",
        "AXYB has no modify API (expires change)",
        desired=AXYBBinding(a=A2, b=B2, area_code="0755", expires=expires),
        live=live(mode, "sub-30", X1, A2, b=B2, y=Y1),
        changes=(FieldChange("expires", None, expires),),
        number_may_change=True,
        bind_first=True,
    )
    return AppPlan("pairs", mode, False, 1, (change,), ())


def full_plan() -> Plan:
    """Every kind and every note, a sandbox app and three on the platform."""
    return Plan((couriers(), orders(), shops(), pairs()), AT)


def empty_plan(*, sandbox: bool = False) -> Plan:
    return Plan((AppPlan("couriers", Mode.AX, sandbox, 12, (), ()),), AT)


def big_plan(count: int) -> Plan:
    """One app with ``count`` modifies (and a refusal), far too many for one comment."""
    mode, app = Mode.AXB, "bulk"
    ops = tuple(
        op(
            Kind.modify,
            app,
            mode,
            f"order-{i:05d}",
            "changed in the YAML",
            desired=AXBBinding(key=f"order-{i:05d}", a=A1, b=B1, x=X1, record=True),
            live=live(mode, f"sub-{i:05d}", X1, A2, b=B1),
            changes=(FieldChange("a", A2, A1), FieldChange("record", False, True)),
        )
        for i in range(count)
    )
    notes = (Note(NoteKind.protected, app, "order-x", "protected, but no longer declared"),)
    return Plan((AppPlan(app, mode, True, count, ops, notes), orders()), AT)
