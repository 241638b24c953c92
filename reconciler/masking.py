"""Masking of real phone numbers (A, B, callees) in everything privcall shows or logs.

The style is the platform's own: country code and the first three national digits, four
stars, the last four digits (``+86138****0001``). Virtual numbers (X, Y) belong to the
company and are shown in full; a :class:`Masker` is told which numbers those are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# A phone number in privcall's own text: always E.164, so "+" then 7-15 digits.
_E164_IN_TEXT = re.compile(r"(?<![\w*+])\+\d{7,15}(?![\w*])")
# In text from elsewhere (the platform's descriptions): also bare runs of 11-15 digits,
# not glued to letters or other digits (so ids and hashes are left alone).
_ANY_NUMBER_IN_TEXT = re.compile(r"(?<![\w*+])(?:\+\d{7,15}|\d{11,15})(?![\w*])")

_KEEP_TAIL = 4


def mask_number(number: str) -> str:
    """Mask one phone number: ``+8613800000001`` -> ``+86138****0001``.

    Short numbers keep fewer digits so that at least half of them are hidden.
    """
    plus = "+" if number.startswith("+") else ""
    digits = number[len(plus) :]
    if len(digits) >= 11:
        head, tail = digits[:5], digits[-_KEEP_TAIL:]
    elif len(digits) >= 7:
        head, tail = digits[:2], digits[-2:]
    else:
        return plus + "*" * len(digits)
    return f"{plus}{head}****{tail}"


class Masker:
    """Masks real numbers; leaves the configured virtual numbers alone.

    ``unmask=True`` is the explicit opt-out (``--unmask``): everything is shown as is.
    """

    def __init__(self, virtual_numbers: Iterable[str] = (), *, unmask: bool = False) -> None:
        self._virtual = {n.lstrip("+") for n in virtual_numbers}
        self.unmask = unmask

    def number(self, number: str | None) -> str | None:
        """Mask a number known to be real (A, B, a callee)."""
        if number is None or self.unmask:
            return number
        return mask_number(number)

    def text(self, text: str, *, foreign: bool = False) -> str:
        """Mask the phone numbers in free text, except the virtual numbers.

        ``foreign=True`` is for text privcall did not write (the platform's descriptions),
        where numbers may also appear without their "+".
        """
        if self.unmask:
            return text

        def repl(match: re.Match[str]) -> str:
            found = match.group(0)
            if found.lstrip("+") in self._virtual:
                return found
            return mask_number(found)

        pattern = _ANY_NUMBER_IN_TEXT if foreign else _E164_IN_TEXT
        return pattern.sub(repl, text)


def mask_text(text: str, *, foreign: bool = False) -> str:
    """Mask every phone number in ``text`` (no virtual numbers known)."""
    return Masker().text(text, foreign=foreign)
