"""Phone numbers: the compiled fast path agrees with phonenumbers; masking hides A and B."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.masking import Masker, mask_number, mask_text
from reconciler.phone import InvalidNumber, _fast_e164, normalize


def _reference_valid(text: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(text, None))
    except phonenumbers.NumberParseException:
        return False


@settings(max_examples=1000, deadline=None)
@given(
    st.sampled_from(["86", "1", "44", "7", "852", "49", "81", "33"]),
    st.text(alphabet="0123456789", min_size=4, max_size=13),
)
def test_fast_path_never_accepts_what_phonenumbers_rejects(code: str, rest: str) -> None:
    text = f"+{code}{rest}"
    if _fast_e164(text):
        assert _reference_valid(text), text


@settings(max_examples=500, deadline=None)
@given(st.from_regex(r"\+861[3-9][0-9]{9}", fullmatch=True))
def test_fast_path_agrees_on_chinese_mobiles(text: str) -> None:
    assert _fast_e164(text) == _reference_valid(text)


@pytest.mark.parametrize(
    ("written", "e164"),
    [
        ("+8613800000001", "+8613800000001"),
        ("+86 138 0000 0001", "+8613800000001"),
        ("+86-138-0000-0001", "+8613800000001"),
        ("13800000001", "+8613800000001"),
        ("+86 755 0001 0001", "+8675500010001"),
        ("+1 650-253-0000", "+16502530000"),
    ],
)
def test_normalize_writes_e164(written: str, e164: str) -> None:
    assert normalize(written) == e164


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("+86123", "it is too short"),
        ("+8613800000001999", "it is too long"),
        (
            "hello",
            "only digits, spaces, dashes and a leading + belong in a number, like "
            "+86 138 xxxx xxxx",
        ),
        (
            '+8613900000100"',
            "only digits, spaces, dashes and a leading + belong in a number, "
            "like +86 138 xxxx xxxx",
        ),
        (
            "+86 138 0000 0001 ext",
            "only digits, spaces, dashes and a leading + belong in a "
            "number, like +86 138 xxxx xxxx",
        ),
        ("+86", "write it with its country code, like +86 138 xxxx xxxx"),
        ("+86 100 0000 0000", "no number range of its country matches it"),
    ],
)
def test_invalid_numbers_say_why_without_the_number(written: str, reason: str) -> None:
    with pytest.raises(InvalidNumber) as failed:
        normalize(written)
    assert str(failed.value) == reason


def test_mask_number_uses_the_platform_style() -> None:
    assert mask_number("+8613800000001") == "+86138****0001"
    assert mask_number("+8675528000001") == "+86755****0001"
    # at least four digits hidden, also in short numbers (DESIGN section 11)
    assert mask_number("+12025550123") == "+120****0123"
    assert mask_number("13971231103") == "139****1103"


def test_masker_keeps_virtual_numbers_and_masks_real_ones() -> None:
    masker = Masker(["+8675500010001"])
    text = "bind +8613800000001 on +8675500010001 (key +8613800000001~+8613900000002)"
    assert masker.text(text) == (
        "bind +86138****0001 on +8675500010001 (key +86138****0001~+86139****0002)"
    )
    assert Masker(unmask=True).text(text) == text


def test_text_masking_leaves_ids_and_dates_alone_but_not_bare_numbers() -> None:
    assert mask_text("order-20261231001 sub 8613800000001 at 2026-12-31 23:59:59") == (
        "order-20261231001 sub 86138****0001 at 2026-12-31 23:59:59"
    )


def test_foreign_text_masking_also_catches_numbers_without_plus() -> None:
    assert mask_text("The number 8613800000001 has been bound.", foreign=True) == (
        "The number 86138****0001 has been bound."
    )
