"""The emulator's apps file: which apps exist, their mode, secret and number pools.

```yaml
apps:
  - app_key: demo-axb
    app_secret: not-a-real-secret
    mode: AXB
    numbers: [{number: "+8675500000001", area_code: "0755"}]
    recording: true
```
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from reconciler.errors import ConfigError

Mode = Literal["AX", "AXB", "AXE", "AXYB"]

_GLOBAL_NUMBER = re.compile(r"^\+[1-9]\d{4,30}$")
_AREA_CODE = re.compile(r"^\d{1,32}$")


class NumberSpec(BaseModel):
    """A virtual number (X, or Y in AXYB) owned by an app, with its city code."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    number: str
    area_code: str

    @field_validator("number")
    @classmethod
    def _global_format(cls, value: str) -> str:
        if not _GLOBAL_NUMBER.match(value):
            raise ValueError(f"{value!r} is not a global number like +8675500000001")
        return value

    @field_validator("area_code")
    @classmethod
    def _area_digits(cls, value: str) -> str:
        if not _AREA_CODE.match(value):
            raise ValueError(f"{value!r} is not a city code like 0755")
        return value


class AppSpec(BaseModel):
    """One app: key, secret, mode and its numbers, plus the app-level switches."""

    model_config = ConfigDict(extra="forbid")

    app_key: str = Field(min_length=1, max_length=128)
    app_secret: str = Field(min_length=1)
    mode: Mode
    numbers: list[NumberSpec]
    y_numbers: list[NumberSpec] = []
    recording: bool = True
    extension_digits: int = Field(default=4, ge=1, le=4)
    tones: list[str] | None = None
    transparent: bool = False

    @model_validator(mode="after")
    def _y_numbers_only_for_axyb(self) -> AppSpec:
        if self.y_numbers and self.mode != "AXYB":
            raise ValueError(f"app {self.app_key}: y_numbers are only for AXYB apps")
        return self


class EmulatorConfig(BaseModel):
    """All apps plus the emulator-wide settings (limits default to the platform's)."""

    model_config = ConfigDict(extra="forbid")

    apps: list[AppSpec]
    auth_window_seconds: float = Field(default=900.0, gt=0)
    ax_max_x_per_a: int = Field(default=5, ge=1)
    axb_max_pairs_per_x: int = Field(default=5000, ge=1)
    axyb_max_relations_per_y: int = Field(default=1000, ge=1)
    axyb_default_duration: int = Field(default=7200, ge=0)
    axe_default_bind_expired_hours: int = Field(default=168, ge=0)

    @model_validator(mode="after")
    def _unique(self) -> EmulatorConfig:
        keys = [app.app_key for app in self.apps]
        duplicates = sorted({k for k in keys if keys.count(k) > 1})
        if duplicates:
            raise ValueError(f"app_key used by more than one app: {', '.join(duplicates)}")
        owners: dict[str, str] = {}
        for app in self.apps:
            for spec in [*app.numbers, *app.y_numbers]:
                if spec.number in owners:
                    raise ValueError(
                        f"number {spec.number} is listed twice (apps {owners[spec.number]} "
                        f"and {app.app_key}); a virtual number belongs to exactly one app"
                    )
                owners[spec.number] = app.app_key
        return self

    def app(self, app_key: str) -> AppSpec | None:
        for app in self.apps:
            if app.app_key == app_key:
                return app
        return None


def parse_config(data: Any, source: str = "<config>") -> EmulatorConfig:
    """Validate already-loaded YAML/JSON data as an :class:`EmulatorConfig`."""
    try:
        return EmulatorConfig.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'apps'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigError(
            f"{source}: invalid emulator apps file: {problems}. "
            "See docs/emulator.md for the format."
        ) from None


def load_config(path: str | Path) -> EmulatorConfig:
    """Read the emulator's apps file (YAML) from ``path``."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read the emulator apps file ({exc.strerror})") from None
    try:
        data = YAML(typ="safe").load(text)
    except YAMLError as exc:
        raise ConfigError(f"{file}: not valid YAML: {exc}") from None
    return parse_config(data, str(file))
