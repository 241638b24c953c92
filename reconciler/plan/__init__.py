"""The plan: what privcall would do to make the platform match the YAML (DESIGN section 4).

- :mod:`.values` — the plan as a value: operations, notes, per-app plans;
- :mod:`.match` — matching live bindings to desired ones (hash joins), operations and notes;
- :mod:`.diff` — how one live binding differs from its desired one, field by field;
- :mod:`.order` — slots, what is blocked, replace order, capacity;
- :mod:`.checksum` — the keyed checksum ``apply --checksum`` compares.
"""

from reconciler.plan.checksum import canonical_plan, checksum
from reconciler.plan.diff import EXPIRY_TOLERANCE, field_changes
from reconciler.plan.match import plan_app, plan_minute
from reconciler.plan.values import (
    NOT_REPORTED,
    REFUSING,
    AppPlan,
    FieldChange,
    Kind,
    Note,
    NoteKind,
    Operation,
    Plan,
)

__all__ = [
    "EXPIRY_TOLERANCE",
    "NOT_REPORTED",
    "REFUSING",
    "AppPlan",
    "FieldChange",
    "Kind",
    "Note",
    "NoteKind",
    "Operation",
    "Plan",
    "canonical_plan",
    "checksum",
    "field_changes",
    "plan_app",
    "plan_minute",
]
