"""A faithful local emulator of the Privacy Protection Call binding APIs (AX, AXB, AXE, AXYB).

It validates requests from its own reading of the platform's API facts and never imports
privcall's client. Use it in-process as an httpx transport or over HTTP
(``privcall emulator serve``); see docs/emulator.md.
"""

from reconciler.emulator.config import AppSpec, EmulatorConfig, NumberSpec, load_config
from reconciler.emulator.emulator import Emulator
from reconciler.emulator.faults import DropRule, ErrorRule, Faults

__all__ = [
    "AppSpec",
    "DropRule",
    "Emulator",
    "EmulatorConfig",
    "ErrorRule",
    "Faults",
    "NumberSpec",
    "load_config",
]
