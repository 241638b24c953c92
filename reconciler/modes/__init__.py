"""The registry of per-mode domain tables: one module per mode (model, identity, slots and
limits, lifetime, modify support, rules across bindings), keyed by :class:`Mode`.

This registry and the platform client's wire-table registry
(:mod:`reconciler.platform.tables`) are the only places outside the per-mode modules that
name more than one mode.
"""

from __future__ import annotations

from reconciler.model import Mode
from reconciler.modes.ax import AXBinding, AxTable
from reconciler.modes.axb import AXBBinding, AxbTable
from reconciler.modes.axe import AXEBinding, AxeTable
from reconciler.modes.axyb import AXYBBinding, AxybTable
from reconciler.modes.base import Areas, DomainTable, Limits, Slot

Binding = AXBinding | AXBBinding | AXEBinding | AXYBBinding
"""A declared binding of any mode."""

BindingModel = type[AXBinding] | type[AXBBinding] | type[AXEBinding] | type[AXYBBinding]

REGISTRY: dict[Mode, DomainTable] = {
    Mode.AX: AxTable(),
    Mode.AXB: AxbTable(),
    Mode.AXE: AxeTable(),
    Mode.AXYB: AxybTable(),
}

MODELS: dict[Mode, BindingModel] = {
    Mode.AX: AXBinding,
    Mode.AXB: AXBBinding,
    Mode.AXE: AXEBinding,
    Mode.AXYB: AXYBBinding,
}


def domain(mode: Mode) -> DomainTable:
    """The domain table of ``mode``."""
    return REGISTRY[mode]


def binding_key(binding: Binding) -> str:
    """The binding's key: the explicit one, else its mode's natural identity."""
    return binding.key if binding.key is not None else domain(binding.mode).natural_key(binding)


def field_names(mode: Mode) -> list[str]:
    """The YAML keys a binding of ``mode`` accepts."""
    return list(MODELS[mode].model_fields)


def modes_with_field(name: str) -> list[Mode]:
    """The modes whose bindings accept the YAML key ``name``."""
    return [m for m, model in MODELS.items() if name in model.model_fields]


__all__ = [
    "MODELS",
    "REGISTRY",
    "AXBBinding",
    "AXBinding",
    "AXEBinding",
    "AXYBBinding",
    "Areas",
    "Binding",
    "BindingModel",
    "DomainTable",
    "Limits",
    "Slot",
    "binding_key",
    "domain",
    "field_names",
    "modes_with_field",
]
