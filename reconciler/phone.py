"""Phone numbers: parse, validate and normalise to E.164, fast.

Validation is the ``phonenumbers`` library's. Because a bindings repository can hold
hundreds of thousands of numbers, two things keep it cheap:

* numbers already written in E.164 (``+8613800000001``) are checked against patterns
  compiled once from ``phonenumbers``' own metadata for the country code's region, which
  is exactly the test ``phonenumbers.is_valid_number`` makes, without building objects;
* every result is cached by the text the user wrote.

Everything else (spaces, dashes, national format) goes through ``phonenumbers.parse``.
Numbers written without a country code are read as Chinese (``DEFAULT_REGION``), the
platform's home.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

import phonenumbers
from phonenumbers import NumberParseException, PhoneMetadata, ValidationResult

DEFAULT_REGION = "CN"

_E164 = re.compile(r"\+[1-9]\d{1,14}")
# What a written number may contain: phonenumbers itself would also accept letters and
# trailing junk ("+86 138 0000 0001 ext"), which in a config file is a mistake.
_WRITTEN = re.compile(r"\+?[0-9][0-9 ().\-]*")
_DESC_NAMES = (
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
    "fixed_line",
    "mobile",
)


class InvalidNumber(ValueError):
    """A text that is not a valid phone number; the message says why, without the number."""


@dataclass(frozen=True)
class _Desc:
    lengths: frozenset[int]
    pattern: re.Pattern[str]

    def matches(self, nsn: str) -> bool:
        if self.lengths and len(nsn) not in self.lengths:
            return False
        return self.pattern.fullmatch(nsn) is not None


@dataclass(frozen=True)
class _Region:
    """A region's validity test: the general pattern, then one alternation of every number
    type's pattern per national-number length (a number is valid when some type matches)."""

    general: _Desc
    by_length: dict[int, re.Pattern[str]]

    @classmethod
    def of(cls, general: _Desc, types: tuple[_Desc, ...]) -> _Region:
        by_length = {}
        for length in general.lengths:
            patterns = [d.pattern.pattern for d in types if length in d.lengths]
            if patterns:
                by_length[length] = re.compile("|".join(f"(?:{p})" for p in patterns))
        return cls(general, by_length)

    def is_valid(self, nsn: str) -> bool:
        if not self.general.matches(nsn):
            return False
        combined = self.by_length.get(len(nsn))
        return combined is not None and combined.fullmatch(nsn) is not None


def _desc(desc: object, fallback: frozenset[int]) -> _Desc | None:
    pattern = getattr(desc, "national_number_pattern", None)
    if desc is None or pattern is None:
        return None
    lengths = frozenset(getattr(desc, "possible_length", ()) or ()) or fallback
    return _Desc(lengths, re.compile(pattern))


@cache
def _region_for_code(country_code: int) -> _Region | None:
    """Compiled validity patterns for a country code served by exactly one region."""
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(country_code, ())
    if len(regions) != 1:
        return None
    meta = PhoneMetadata.metadata_for_region(regions[0])
    if meta is None:
        return None
    general = _desc(meta.general_desc, frozenset())
    if general is None:
        return None
    types = tuple(
        d for name in _DESC_NAMES if (d := _desc(getattr(meta, name), general.lengths)) is not None
    )
    return _Region.of(general, types)


def _fast_e164(text: str) -> bool:
    """True when ``text`` is E.164 and valid by the compiled metadata patterns."""
    if _E164.fullmatch(text) is None:
        return False
    digits = text[1:]
    for size in (1, 2, 3):
        code = int(digits[:size])
        if code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            region = _region_for_code(code)
            return region is not None and region.is_valid(digits[size:])
    return False


_REASONS = {
    ValidationResult.INVALID_COUNTRY_CODE: "its country code is unknown",
    ValidationResult.TOO_SHORT: "it is too short",
    ValidationResult.TOO_LONG: "it is too long",
    ValidationResult.INVALID_LENGTH: "it has the wrong number of digits",
}


@lru_cache(maxsize=1 << 20)
def normalize(text: str) -> str:
    """Return the E.164 form of ``text`` or raise :class:`InvalidNumber`."""
    if _fast_e164(text):
        return text
    if _WRITTEN.fullmatch(text) is None:
        raise InvalidNumber(
            "only digits, spaces, dashes and a leading + belong in a number, like +86 138 xxxx xxxx"
        )
    try:
        parsed = phonenumbers.parse(text, DEFAULT_REGION)
    except NumberParseException as exc:
        raise InvalidNumber("write it with its country code, like +86 138 xxxx xxxx") from exc
    if not phonenumbers.is_valid_number(parsed):
        reason = _REASONS.get(
            phonenumbers.is_possible_number_with_reason(parsed),
            "no number range of its country matches it",
        )
        raise InvalidNumber(reason)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
