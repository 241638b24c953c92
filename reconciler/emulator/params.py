"""Reading and validating request parameters as the platform's tables declare them.

Every problem raises ``1010002 Invalid request.`` with the parameter named in the
``resultdesc`` (``Invalid request.duration must be an integer from 0 to 7776000.``).
A JSON ``null`` counts as not sent. Parameters the API does not know are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from reconciler.emulator.codes import invalid

_GLOBAL_NUMBER = re.compile(r"^\+[1-9]\d{3,30}$")
_DIGITS = re.compile(r"^\d+$")
_INT_TEXT = re.compile(r"^-?\d+$")


class Params:
    """Typed access to one request's parameters (a JSON body or URL query parameters)."""

    def __init__(self, data: Mapping[str, Any], tones: list[str] | None = None) -> None:
        self._data = data
        self._tones = tones

    def has(self, name: str) -> bool:
        return self._data.get(name) is not None

    def string(
        self,
        name: str,
        *,
        required: bool = False,
        min_len: int = 1,
        max_len: int = 256,
    ) -> str | None:
        value = self._data.get(name)
        if value is None:
            if required:
                raise invalid(name, "is mandatory.")
            return None
        if not isinstance(value, str):
            raise invalid(name, "must be a string.")
        if not min_len <= len(value) <= max_len:
            raise invalid(name, f"must be {min_len}-{max_len} characters long.")
        return value

    def need_string(self, name: str, *, min_len: int = 1, max_len: int = 256) -> str:
        """A mandatory string parameter."""
        value = self.string(name, required=True, min_len=min_len, max_len=max_len)
        if value is None:
            raise invalid(name, "is mandatory.")
        return value

    def need_number(self, name: str, *, min_len: int = 1, max_len: int = 32) -> str:
        """A mandatory phone number in global format."""
        value = self.number(name, required=True, min_len=min_len, max_len=max_len)
        if value is None:
            raise invalid(name, "is mandatory.")
        return value

    def number(
        self, name: str, *, required: bool = False, min_len: int = 1, max_len: int = 32
    ) -> str | None:
        """A phone number in global format (``+`` and country code); sent in a URL it must
        have been escaped as ``%2B`` (an unescaped ``+`` arrives as a space)."""
        value = self.string(name, required=required, min_len=min_len, max_len=max_len)
        if value is not None and not _GLOBAL_NUMBER.match(value):
            raise invalid(name, "must be a number in global format, e.g. +8613800000001.")
        return value

    def area_code(self, name: str = "areaCode", *, required: bool = False) -> str | None:
        """A city code like ``0755``; an empty value counts as not sent."""
        value = self.string(name, required=required, min_len=0, max_len=32)
        if value == "":
            if required:
                raise invalid(name, "is mandatory.")
            return None
        if value is not None and not _DIGITS.match(value):
            raise invalid(name, "must be a city code of digits, e.g. 0755.")
        return value

    def integer(self, name: str, low: int, high: int, *, required: bool = False) -> int | None:
        """An Integer parameter; a JSON number or a string of digits."""
        value = self._data.get(name)
        if value is None:
            if required:
                raise invalid(name, "is mandatory.")
            return None
        number: int | None = None
        if isinstance(value, bool):
            number = None
        elif isinstance(value, int):
            number = value
        elif isinstance(value, float) and value.is_integer():
            number = int(value)
        elif isinstance(value, str) and _INT_TEXT.match(value.strip()):
            number = int(value.strip())
        if number is None or not low <= number <= high:
            raise invalid(name, f"must be an integer from {low} to {high}.")
        return number

    def boolean(self, name: str) -> bool | None:
        """A ``true``/``false`` parameter: a JSON boolean or the strings ``"true"``/``"false"``."""
        value = self._data.get(name)
        if value is None:
            return None
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value in ("true", "false"):
            return value == "true"
        raise invalid(name, "must be true or false.")

    def enum(self, name: str, allowed: tuple[str, ...]) -> str | None:
        """A String(enum) parameter; a JSON integer is accepted for numeric enums."""
        value = self._data.get(name)
        if value is None:
            return None
        text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
        if not isinstance(text, str) or text not in allowed:
            raise invalid(name, f"must be one of {', '.join(allowed)}.")
        return text

    def tone(self, name: str, *, min_len: int = 1, max_len: int = 128) -> str | None:
        """A voice file name; with an approved-tone list configured it must be on it.
        An empty value (allowed where the table says String(0-...)) is returned as is."""
        value = self.string(name, min_len=min_len, max_len=max_len)
        if value:
            self._check_tone(name, value)
        return value

    def _check_tone(self, name: str, value: str) -> None:
        if self._tones is not None and value not in self._tones:
            raise invalid(name, f"{value} is not an approved voice file of this app.")

    def user_data(self, name: str = "userData") -> str | None:
        """``userData``: 1-256 ASCII characters without ``{`` or ``}``."""
        value = self.string(name, max_len=256)
        if value is None:
            return None
        if not value.isascii():
            raise invalid(name, "must contain only ASCII characters.")
        if "{" in value or "}" in value:
            raise invalid(name, "must not contain { or }.")
        return value

    def play_info(self, name: str = "preVoice") -> dict[str, str] | None:
        """``preVoice`` (ApiPlayInfo): ``{callerHintTone, calleeHintTone}``, each String(0-128)."""
        value = self._data.get(name)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise invalid(name, "must be an object with callerHintTone and calleeHintTone.")
        info: dict[str, str] = {}
        for key in ("callerHintTone", "calleeHintTone"):
            tone = value.get(key)
            if tone is None:
                continue
            if not isinstance(tone, str) or len(tone) > 128:
                raise invalid(f"{name}.{key}", "must be a string of 0-128 characters.")
            if tone:
                self._check_tone(f"{name}.{key}", tone)
                info[key] = tone
        return info
