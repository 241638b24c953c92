"""Masking of real phone numbers (A, B, callees) in everything privcall shows, logs or stores.

One masking layer for every message: validation errors, platform text, journal lines, keys
and ``user_data`` all go through :meth:`Masker.text`, which finds every written form of a
number — E.164 (``+8613800000001``), without the ``+`` (``8613800000001``), national
(``13800000001``, ``075528000001``), spaced, dashed, dotted or parenthesised
(``+86 139 1234 5678``, ``139-7123-1104``, ``(0755) 2800 0001``), URL-encoded
(``%2B8613971231105``) and glued to other text (``buyer-13971231101``) — and masks it with
at least four hidden digits, in the platform's own style: ``+86138****0001``.

With a keyed :class:`~reconciler.digest.Digest`, each masked number is followed by a short
keyed tag (``+86138****0001·k7f2``): the same number gets the same tag in the plan, the
comment, drift and the journal, so a reviewer can tell numbers apart, and learns nothing
else. Virtual numbers (X, Y) belong to the company and are shown in full.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from reconciler.digest import UNKEYED, Digest

TAG_SEPARATOR = "·"
HIDDEN = 4
"""Digits hidden in every masked number, at least."""
_HEAD_MAX = 5
_KEEP_TAIL = 4

# A candidate: an optional "+" (or its URL encoding), then digits with single separators
# (space, dash, dot, parentheses) between them; not glued to other digits.
_CANDIDATE = re.compile(
    r"(?<![0-9])(?P<plus>\+|%2[Bb])?\(?\d(?:(?:[ .\-]|\) ?|\()?\d){6,19}(?![0-9])"
)
_SEPARATED = re.compile(r"[ .\-()]")


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def mask_number(number: str) -> str:
    """Mask one phone number: ``+8613800000001`` -> ``+86138****0001``.

    At least four digits are hidden; short numbers keep fewer digits at each end.
    """
    plus = "+" if number.startswith("+") else ""
    digits = _digits(number)
    if len(digits) < HIDDEN + 2:
        return plus + "*" * len(digits)
    tail = _KEEP_TAIL if len(digits) >= 11 else 2
    international = plus or (digits.startswith("86") and len(digits) >= 12)
    head = min(_HEAD_MAX if international else 3, len(digits) - HIDDEN - tail)
    return f"{plus}{digits[:head]}{'*' * HIDDEN}{digits[-tail:]}"


def e164_guess(digits: str, plus: bool) -> str:
    """The E.164 form a written number most likely stands for (Chinese national forms read
    as +86), used to recognise virtual numbers and to give one number one tag."""
    if plus:
        return "+" + digits
    if digits.startswith("86") and len(digits) >= 12:
        return "+" + digits
    if digits.startswith("0"):
        return "+86" + digits[1:]
    if len(digits) == 11 and digits.startswith("1"):
        return "+86" + digits
    return "+" + digits


def _is_number(found: str, digits: str, plus: bool) -> bool:
    """Whether a candidate is a phone number (not a date, an id or an amount)."""
    if plus:
        return len(digits) >= 7
    if len(digits) < 10:
        return False
    if _SEPARATED.search(found) is None:
        # a bare run: 11+ digits that look like a mobile, a landline or E.164 without "+"
        return len(digits) >= 12 or digits[0] in "01"
    # written with separators: a Chinese mobile (1...) or a landline with its trunk 0
    return digits[0] in "01"


class Masker:
    """Masks real numbers; leaves the configured virtual numbers alone.

    ``unmask=True`` is the explicit opt-out (``--unmask``, refused in CI): everything is
    shown as is. ``digest`` adds a keyed tag to every masked number.
    """

    def __init__(
        self,
        virtual_numbers: Iterable[str] = (),
        *,
        unmask: bool = False,
        digest: Digest | None = None,
    ) -> None:
        self._virtual = {"+" + _digits(n) for n in virtual_numbers}
        self.unmask = unmask
        self.digest = digest or UNKEYED

    def with_digest(self, digest: Digest) -> Masker:
        """The same masker with ``digest``'s tags."""
        other = Masker(unmask=self.unmask, digest=digest)
        other._virtual = self._virtual
        return other

    def is_virtual(self, number: str) -> bool:
        return e164_guess(_digits(number), number.startswith("+")) in self._virtual

    def tag(self, number: str) -> str:
        """The keyed tag of a number (``""`` unkeyed); any written form gives the same tag."""
        return self.digest.tag(e164_guess(_digits(number), number.startswith("+")))

    def _masked(self, written: str, digits: str, plus: bool, prefix: str) -> str:
        shown = prefix + mask_number(("+" if plus else "") + digits).lstrip("+")
        tag = self.digest.tag(e164_guess(digits, plus))
        return f"{shown}{TAG_SEPARATOR}{tag}" if tag else shown

    def number(self, number: str | None) -> str | None:
        """Mask a number known to be real (A, B, a callee), with its tag."""
        if number is None or self.unmask:
            return number
        plus = number.startswith("+")
        return self._masked(number, _digits(number), plus, "+" if plus else "")

    def text(self, text: str, *, foreign: bool = False) -> str:
        """Mask every written form of a phone number in ``text``, except virtual numbers.

        ``foreign`` is accepted for compatibility: every text is searched for every form.
        """
        del foreign
        if self.unmask or not text:
            return text

        def repl(match: re.Match[str]) -> str:
            found = match.group(0)
            marker = match.group("plus") or ""
            plus = bool(marker)
            digits = _digits(found[len(marker) :])
            if not _is_number(found, digits, plus):
                return found
            if e164_guess(digits, plus) in self._virtual:
                return found
            prefix = "+" if marker == "+" else marker
            return self._masked(found, digits, plus, prefix)

        return _CANDIDATE.sub(repl, text)


def mask_text(text: str, *, foreign: bool = False) -> str:
    """Mask every phone number in ``text`` (no virtual numbers known, no tags)."""
    return Masker().text(text, foreign=foreign)
