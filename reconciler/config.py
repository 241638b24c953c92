"""The ``privcall.yaml`` model: the apps of a bindings repository.

Credentials are never written in YAML: an app names the environment variables that hold
its key and secret (``key_env`` / ``secret_env``). A literal key or secret is an error
whose message says how to do it instead, and never repeats the value.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from reconciler.model import AreaCode, Mode, Tone, VirtualNumber

DEFAULT_BINDINGS_DIR = "bindings"


class Ownership(StrEnum):
    """Which live bindings privcall may change."""

    marked = "marked"
    owned = "owned"


_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")


def _env_name(value: str) -> str:
    if _ENV_NAME.fullmatch(value) is None:
        # Never echo the value: it may be the secret itself pasted in the wrong place.
        raise ValueError(
            "must be the NAME of an environment variable (like PRIVCALL_ORDERS_KEY), not the "
            "key or secret itself; put the value in that variable (a CI secret)"
        )
    return value


EnvName = Annotated[str, AfterValidator(_env_name)]

_SECRET_KEYS = frozenset(
    {"key", "secret", "app_key", "app_secret", "appkey", "appsecret", "password", "token"}
)


class Credentials(BaseModel):
    """Where the app key and secret come from: environment variable names only."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key_env: EnvName = Field(description="Environment variable holding the app key")
    secret_env: EnvName = Field(description="Environment variable holding the app secret")

    @model_validator(mode="before")
    @classmethod
    def _no_literal_secrets(cls, data: Any) -> Any:
        if isinstance(data, dict):
            literal = sorted(k for k in data if isinstance(k, str) and k.lower() in _SECRET_KEYS)
            if literal:
                raise ValueError(
                    f"must not hold the {' or '.join(literal)} itself: write "
                    "key_env: and secret_env: with the names of environment variables, and set "
                    "those variables from your CI's secrets"
                )
        return data


class NumberEntry(BaseModel):
    """A virtual number the app owns, with its city code."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    number: VirtualNumber
    area_code: AreaCode


class Safety(BaseModel):
    """Safety gates checked on every apply (DESIGN section 4)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_unbind_percent: Annotated[float, Field(ge=0, le=100)] = Field(
        30, description="Refuse an apply that unbinds more than this share of existing bindings"
    )
    max_modify_percent: Annotated[float, Field(ge=0, le=100)] = Field(
        50, description="Refuse an apply that modifies more than this share of existing bindings"
    )
    min_existing: Annotated[int, Field(ge=0)] = Field(
        10, description="The percentages apply only above this many existing bindings"
    )
    max_unbinds: Annotated[int, Field(ge=0)] | None = Field(
        None, description="Absolute cap on unbinds in one apply"
    )
    max_modifies: Annotated[int, Field(ge=0)] | None = Field(
        None, description="Absolute cap on modifies in one apply"
    )


class RateLimit(BaseModel):
    """How hard privcall may call the platform for this app."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    qps: Annotated[float, Field(gt=0, le=10_000)] = Field(20, description="Requests per second")
    concurrency: Annotated[int, Field(ge=1, le=256)] = Field(
        8, description="Requests in flight at once"
    )


_ENDPOINT = re.compile(r"https?://[A-Za-z0-9.\-\[\]:]+(/[^\s?#]*)?")


def _endpoint(value: str) -> str:
    if _ENDPOINT.fullmatch(value) is None:
        raise ValueError(
            "must be the app's access address, like https://rtcpns.cn-north-1.myhuaweicloud.com"
        )
    return value.rstrip("/")


class XModeServer(BaseModel):
    """X mode only: the route server (``privcall xmode serve``) and its admin token."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: Annotated[str, AfterValidator(_endpoint)] = Field(
        "http://127.0.0.1:8790", description="Where plan / apply / drift reach the running server"
    )
    token_env: EnvName = Field(description="Environment variable holding the admin bearer token")


class App(BaseModel):
    """One app: one mode, its numbers, and how privcall treats it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mode: Mode
    endpoint: Annotated[str, AfterValidator(_endpoint)] | None = Field(
        None, description="The platform's address; omit to use the built-in sandbox"
    )
    credentials: Credentials | None = Field(
        None, description="Environment variables with the app key and secret (not for the sandbox)"
    )
    numbers: list[NumberEntry] = Field(
        min_length=1, description="The app's virtual numbers (X) with their city codes"
    )
    y_numbers: list[NumberEntry] = Field(
        default_factory=list, description="AXYB only: the app's Y numbers"
    )
    ownership: Ownership = Field(
        Ownership.marked,
        description="marked: touch only privcall's bindings; owned: the whole pool",
    )
    safety: Safety = Field(default_factory=Safety)
    rate_limit: RateLimit = Field(default_factory=RateLimit)
    extension_digits: Annotated[int, Field(ge=1, le=4)] | None = Field(
        None, description="AXE only: the extension length the app was created with"
    )
    tones: list[Tone] | None = Field(
        None, description="The approved tone files; when given, bindings may only use these"
    )
    xmode: XModeServer | None = Field(None, description="X mode only: the route server")

    @property
    def sandbox(self) -> bool:
        """True when the app runs against the built-in sandbox (no endpoint)."""
        return self.endpoint is None

    def problems(self) -> list[tuple[str, str]]:
        """Rules across fields of the app, as (YAML key, message)."""
        found: list[tuple[str, str]] = []
        if self.endpoint is not None and self.credentials is None:
            found.append(
                (
                    "endpoint",
                    "an app with an endpoint needs credentials: {key_env: ..., secret_env: ...}",
                )
            )
        if self.mode is Mode.AXYB and not self.y_numbers:
            found.append(("mode", "an AXYB app needs y_numbers: the Y numbers B is reached on"))
        if self.mode is not Mode.AXYB and self.y_numbers:
            found.append(("y_numbers", f"y_numbers are for AXYB apps; this app is {self.mode}"))
        if self.mode is not Mode.AXE and self.extension_digits is not None:
            found.append(
                ("extension_digits", f"extension_digits is for AXE apps; this app is {self.mode}")
            )
        if (self.mode is Mode.X) != (self.xmode is not None):
            found.append(
                ("mode", "an X app needs xmode: {token_env: ...}, the route server's admin token")
                if self.mode is Mode.X
                else ("xmode", f"xmode is for X apps; this app is {self.mode}")
            )
        return found

    def owns(self, number: str) -> bool:
        """Whether ``number`` (E.164) is one of the app's X numbers."""
        return any(n.number == number for n in self.numbers)


_APP_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")


class Config(BaseModel):
    """The whole ``privcall.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    apps: dict[str, App] = Field(min_length=1, description="The apps, by a name you choose")
    bindings_dir: str = Field(
        DEFAULT_BINDINGS_DIR, description="Folder of binding files, relative to privcall.yaml"
    )


def app_name_problem(name: object) -> str | None:
    """Why ``name`` cannot name an app, or None."""
    if isinstance(name, str) and _APP_NAME.fullmatch(name) is not None:
        return None
    return (
        f"app name {name!r} must be lower-case letters, digits, '-' or '_' (at most 63), "
        "starting with a letter or digit"
    )
