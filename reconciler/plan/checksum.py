"""The plan checksum: what ``apply --checksum`` compares with the reviewed plan.

It covers every operation and every refusal, in plan order (the canonical plan). It is
published (PR comment, job summary), and the canonical plan holds real numbers, so it is
a keyed digest (:mod:`reconciler.digest`): without the key, trying the 10⁴ completions of
a masked number against it gets nowhere. Without a key it is SHA-256 over the *masked*
canonical plan: still stable, but blind to a change inside the hidden digits (the plan
says so).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from reconciler.marker import canonical
from reconciler.masking import Masker
from reconciler.plan.values import Operation, Plan


def _canonical_op(op: Operation) -> dict[str, Any]:
    desired = {k: canonical(v) for k, v in op.desired.model_dump().items()} if op.desired else None
    return {
        "kind": op.kind.value,
        "app": op.app,
        "key": op.key,
        "subscription_id": op.subscription_id,
        "desired": desired,
        "changes": [
            [c.field, None if not c.reported else canonical(c.before), canonical(c.after)]
            for c in op.changes
        ],
    }


def canonical_plan(plan: Plan) -> list[dict[str, Any]]:
    """What the checksum covers: every operation and every refusal, in plan order."""
    items = [_canonical_op(op) for op in plan.operations]
    items += [
        {
            "refusal": n.kind.value,
            "app": n.app,
            "key": n.key,
            "live": n.live.subscription_id if n.live is not None else None,
        }
        for n in plan.refusals
    ]
    return items


def checksum(plan: Plan) -> str:
    """The checksum of ``plan`` under its digest (64 hex characters)."""
    text = json.dumps(canonical_plan(plan), sort_keys=True, separators=(",", ":"))
    if plan.digest.keyed:
        return plan.digest.hexmac("plan-checksum", text)
    return hashlib.sha256(Masker().text(text).encode("utf-8")).hexdigest()
