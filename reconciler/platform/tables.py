"""The registry of per-mode wire tables: what the platform's API can do with each field.

``modifiable(mode)``: the fields the mode's modify API can change (a change to any other
field is a replace). ``marker_fields(mode)``: the fields the query does not report
faithfully (only when sent, inexactly, computed or never), compared through privcall's
marker; their order is the order of the field hashes in a ``pc2`` marker.
"""

from __future__ import annotations

from reconciler.marker import PC1_FIELDS
from reconciler.model import Mode
from reconciler.platform.mapping import ax, axb, axe, axyb

_MODIFIABLE: dict[Mode, frozenset[str]] = {
    Mode.AX: ax.MODIFIABLE,
    Mode.AXB: axb.MODIFIABLE,
    Mode.AXE: axe.MODIFIABLE,
    Mode.AXYB: axyb.MODIFIABLE,
}


def modifiable(mode: Mode) -> frozenset[str]:
    """The privcall fields the modify API of ``mode`` can change."""
    return _MODIFIABLE[mode]


def marker_fields(mode: Mode) -> tuple[str, ...]:
    """The fields compared through the marker, in marker order."""
    return PC1_FIELDS[mode]


def all_marker_fields() -> dict[Mode, tuple[str, ...]]:
    return {mode: marker_fields(mode) for mode in _MODIFIABLE}
