"""privcall's marker in ``userData``: how privcall knows a live binding is its own.

Format, version 1 (documented in ``docs/marker.md``)::

    [<user's own user_data>|]pc1.<key hash>.<flags>.<state hash>.<field hashes>

* ``pc1`` — the format and its version.
* key hash — 10 base32 characters of SHA-256 over the binding's key.
* flags — letters, sorted: ``p`` = protect. Empty when none.
* state hash — 6 base32 characters over every field of the binding as privcall last wrote
  it: when it equals the YAML's, the YAML has not changed since, so a reported field that
  differs was changed on the platform, out of band.
* field hashes — 4 base32 characters per field of :data:`HASHED` for the mode, in that
  order: SHA-256 over the field's desired value when privcall last bound or modified the
  binding. These are the fields a query may not report (or reports inexactly, like an
  expiry counted from the platform's clock); comparing hashes is how a change to them is
  found without diffing against nothing.

The marker is always the end of ``userData``, after a ``|`` when the user has
``user_data`` of their own, so splitting is exact: everything before the last ``|pc1.``
that is followed by a well-formed marker is the user's. Base32 is lower-case ASCII
without braces, as the platform requires; the whole marker fits in
:data:`reconciler.model.MARKER_RESERVED`.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from reconciler.model import Binding, Mode

VERSION = "pc1"
KEY_HASH_LENGTH = 10
STATE_HASH_LENGTH = 6
FIELD_HASH_LENGTH = 4
SEPARATOR = "|"

HASHED: dict[Mode, tuple[str, ...]] = {
    Mode.AX: (
        "callee_display",
        "sms",
        "last_minute_tone",
        "record_hint_tone",
        "pre_tone_a_calls",
        "pre_tone_others_call",
    ),
    Mode.AXB: (
        "expires",
        "sms",
        "last_minute_tone",
        "record_hint_tone",
        "pre_tone_a_calls",
        "pre_tone_b_calls",
    ),
    Mode.AXE: ("expires", "callback_window_minutes", "record_hint_tone"),
    Mode.AXYB: ("expires", "b_expires", "record_hint_tone"),
}
"""Per mode, the fields compared through the marker (see the module docstring)."""

_B32 = "[a-z2-7]"
_MARKER = re.compile(
    rf"(?:^|\{SEPARATOR}){VERSION}\.({_B32}{{{KEY_HASH_LENGTH}}})\.([a-z]*)"
    rf"\.({_B32}{{{STATE_HASH_LENGTH}}})\.({_B32}*)$"
)
_FLAGS = {"protect": "p"}


def _b32(data: bytes, length: int) -> str:
    """The first ``length`` base32 characters of ``data`` (5 bytes make 8 characters, so
    only the bytes those characters need are encoded)."""
    needed = (length + 7) // 8 * 5
    return base64.b32encode(data[:needed]).decode("ascii").lower()[:length]


def key_hash(key: str) -> str:
    """The marker's hash of a binding key."""
    return _b32(hashlib.sha256(key.encode("utf-8")).digest(), KEY_HASH_LENGTH)


def canonical(value: Any) -> str:
    """A field value as the stable text that is hashed (and compared)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)


def field_hash(name: str, value: Any) -> str:
    """The marker's hash of one field's value."""
    digest = hashlib.sha256(f"{name}\0{canonical(value)}".encode()).digest()
    return _b32(digest, FIELD_HASH_LENGTH)


@dataclass(frozen=True)
class Marker:
    """A parsed or computed marker."""

    key_hash: str
    protect: bool
    state_hash: str
    field_hashes: tuple[str, ...]

    def encode(self) -> str:
        flags = "p" if self.protect else ""
        fields = "".join(self.field_hashes)
        return f"{VERSION}.{self.key_hash}.{flags}.{self.state_hash}.{fields}"

    def hash_of(self, mode: Mode, name: str) -> str | None:
        """The stored hash of field ``name``, or None if the marker has none for it."""
        fields = HASHED[mode]
        if name not in fields or len(self.field_hashes) != len(fields):
            return None
        return self.field_hashes[fields.index(name)]


def state_hash(binding: Binding) -> str:
    """The marker's hash over every field of ``binding`` but its key."""
    text = "\0".join(
        f"{name}={canonical(getattr(binding, name))}"
        for name in sorted(type(binding).model_fields)
        if name != "key"
    )
    return _b32(hashlib.sha256(text.encode("utf-8")).digest(), STATE_HASH_LENGTH)


def marker_for(mode: Mode, key: str, binding: Binding) -> Marker:
    """The marker privcall writes for ``binding`` under ``key``."""
    return Marker(
        key_hash(key),
        binding.protect,
        state_hash(binding),
        tuple(field_hash(name, getattr(binding, name)) for name in HASHED[mode]),
    )


def compose(user_data: str | None, marker: Marker) -> str:
    """The ``userData`` to send: the user's own data, then the marker."""
    encoded = marker.encode()
    return f"{user_data}{SEPARATOR}{encoded}" if user_data else encoded


def split(user_data: str | None) -> tuple[str | None, Marker | None]:
    """``userData`` as read from the platform -> (the user's own part, privcall's marker).

    Without a well-formed marker the whole text is the user's (a foreign binding).
    """
    if not user_data:
        return None, None
    found = _MARKER.search(user_data)
    if found is None:
        return user_data, None
    hashes = found.group(4)
    if len(hashes) % FIELD_HASH_LENGTH:
        return user_data, None
    marker = Marker(
        found.group(1),
        "p" in found.group(2),
        found.group(3),
        tuple(hashes[i : i + FIELD_HASH_LENGTH] for i in range(0, len(hashes), FIELD_HASH_LENGTH)),
    )
    own = user_data[: found.start()] or None
    return own, marker


def longest_marker() -> int:
    """Characters the longest marker takes, separator included (checked against the
    space :data:`reconciler.model.MARKER_RESERVED` keeps)."""
    most = max(len(fields) for fields in HASHED.values())
    dots = 4
    return (
        len(SEPARATOR)
        + len(VERSION)
        + dots
        + KEY_HASH_LENGTH
        + len(_FLAGS)
        + STATE_HASH_LENGTH
        + most * FIELD_HASH_LENGTH
    )
