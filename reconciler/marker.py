"""privcall's marker in ``userData``: how privcall knows a live binding is its own.

Two versions (documented in ``docs/marker.md``)::

    [<user's own user_data>|]pc2.<key id>.<key hash>.<flags>.<state hash>.<field hashes>
    [<user's own user_data>|]pc1.<key hash>.<flags>.<state hash>.<field hashes>

* ``pc2`` is written when a digest key is set (``PRIVCALL_DIGEST_KEY``): every hash is a
  keyed digest (:mod:`reconciler.digest`), and the key id (2 characters) names the key, so
  markers made before a key rotation are still recognised (``PRIVCALL_DIGEST_KEY_PREVIOUS``)
  and rewritten on their next modify. ``pc1`` (bare SHA-256) is written without a key, and
  always read. A ``pc2`` marker under a key privcall does not have is an error, never a
  foreign binding (it is privcall's, and treating it as foreign could unbind or duplicate it).
* key hash — 10 base32 characters over the binding's key.
* flags — letters, sorted: ``p`` = protect. Empty when none.
* state hash — 6 base32 characters over every field of the binding as privcall last wrote
  it: when it equals the YAML's, the YAML has not changed since, so a reported field that
  differs was changed on the platform, out of band.
* field hashes — 4 base32 characters per field the platform does not report faithfully
  (:func:`reconciler.platform.tables.marker_fields`; ``pc1``: :data:`PC1_FIELDS`), in that
  order, over the value privcall last wrote: how a change to them is found without diffing
  against nothing.

The marker is always the end of ``userData``, after a ``|`` when the user has ``user_data``
of their own, so splitting is exact. Base32 is lower-case ASCII without braces, as the
platform requires; the whole marker fits in :data:`reconciler.model.MARKER_RESERVED`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from reconciler.digest import UNKEYED, Digest
from reconciler.errors import PrivcallError
from reconciler.model import MARKER_RESERVED, BindingBase, Mode

PC1 = "pc1"
PC2 = "pc2"
KEY_HASH_LENGTH = 10
STATE_HASH_LENGTH = 6
FIELD_HASH_LENGTH = 4
SEPARATOR = "|"

PC1_FIELDS: dict[Mode, tuple[str, ...]] = {
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
"""The field hashes of a version-1 marker, in their order (frozen: markers on the platform
carry them)."""

_B32 = "[a-z2-7]"
_MARKER = re.compile(
    rf"(?:^|\{SEPARATOR})(?:{PC1}|{PC2}\.({_B32}{{2}}))\.({_B32}{{{KEY_HASH_LENGTH}}})\.([a-z]*)"
    rf"\.({_B32}{{{STATE_HASH_LENGTH}}})\.({_B32}*)$"
)


class UnknownDigestKey(PrivcallError):
    """Live bindings carry privcall markers made under a digest key privcall was not given."""


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


@dataclass(frozen=True)
class Marker:
    """A parsed or computed marker; ``key_id`` is ``""`` for a version-1 marker."""

    key_hash: str
    protect: bool
    state_hash: str
    field_hashes: tuple[str, ...]
    key_id: str = ""

    @property
    def version(self) -> str:
        return PC2 if self.key_id else PC1

    @property
    def index(self) -> str:
        """What the planner joins on: the version, key id and key hash."""
        return f"{self.version}.{self.key_id}.{self.key_hash}"

    def encode(self) -> str:
        flags = "p" if self.protect else ""
        fields = "".join(self.field_hashes)
        head = f"{PC2}.{self.key_id}" if self.key_id else PC1
        return f"{head}.{self.key_hash}.{flags}.{self.state_hash}.{fields}"


def split(user_data: str | None) -> tuple[str | None, Marker | None]:
    """``userData`` as read from the platform -> (the user's own part, privcall's marker).

    Without a well-formed marker the whole text is the user's (a foreign binding).
    """
    if not user_data:
        return None, None
    found = _MARKER.search(user_data)
    if found is None:
        return user_data, None
    hashes = found.group(5)
    if len(hashes) % FIELD_HASH_LENGTH:
        return user_data, None
    marker = Marker(
        found.group(2),
        "p" in found.group(3),
        found.group(4),
        tuple(hashes[i : i + FIELD_HASH_LENGTH] for i in range(0, len(hashes), FIELD_HASH_LENGTH)),
        found.group(1) or "",
    )
    own = user_data[: found.start()] or None
    return own, marker


def compose(user_data: str | None, marker: Marker) -> str:
    """The ``userData`` to send: the user's own data, then the marker."""
    encoded = marker.encode()
    return f"{user_data}{SEPARATOR}{encoded}" if user_data else encoded


def _fields_of(binding: BindingBase) -> list[str]:
    return sorted(name for name in type(binding).model_fields if name != "key")


@dataclass(frozen=True)
class _Scheme:
    """One way markers are made: a version, its digest, its hashed fields."""

    digest: Digest
    key_id: str
    fields: dict[Mode, tuple[str, ...]]

    def key_hash(self, key: str) -> str:
        return self.digest.b32("marker-key", key, KEY_HASH_LENGTH)

    def state_hash(self, binding: BindingBase) -> str:
        text = "\0".join(
            f"{name}={canonical(getattr(binding, name))}" for name in _fields_of(binding)
        )
        return self.digest.b32("marker-state", text, STATE_HASH_LENGTH)

    def field_hash(self, name: str, value: Any) -> str:
        return self.digest.b32("marker-field", f"{name}\0{canonical(value)}", FIELD_HASH_LENGTH)

    def index(self, key: str) -> str:
        return f"{PC2 if self.key_id else PC1}.{self.key_id}.{self.key_hash(key)}"


@dataclass(frozen=True)
class Codec:
    """Makes and reads markers under the digest of a run (see the module docstring).

    ``marker_fields`` gives, per mode, the fields a ``pc2`` marker hashes (the platform
    client's wire table decides which fields the query does not report faithfully).
    """

    digest: Digest = UNKEYED
    marker_fields: dict[Mode, tuple[str, ...]] = field(default_factory=lambda: dict(PC1_FIELDS))

    def _writer(self) -> _Scheme:
        if self.digest.keyed:
            return _Scheme(self.digest, self.digest.key_id, self.marker_fields)
        return _Scheme(UNKEYED, "", PC1_FIELDS)

    def _readers(self) -> list[_Scheme]:
        schemes = [self._writer()]
        schemes += [_Scheme(old, old.key_id, self.marker_fields) for old in self.digest.rotated()]
        if self.digest.keyed:
            schemes.append(_Scheme(UNKEYED, "", PC1_FIELDS))
        return schemes

    def _scheme(self, marker: Marker) -> _Scheme:
        for scheme in self._readers():
            if scheme.key_id == marker.key_id:
                return scheme
        raise UnknownDigestKey(
            f"a live binding carries a privcall marker made under digest key {marker.key_id!r}, "
            "which this run does not have: set PRIVCALL_DIGEST_KEY to the key the bindings were "
            "applied with (and PRIVCALL_DIGEST_KEY_PREVIOUS to older keys after a rotation); "
            "without it privcall cannot tell its own bindings apart and stops"
        )

    def check(self, marker: Marker) -> None:
        """Raise :class:`UnknownDigestKey` when ``marker`` was made under an unknown key."""
        self._scheme(marker)

    def indexes(self, key: str) -> list[str]:
        """Every :attr:`Marker.index` a marker of ``key`` may carry (current key first)."""
        return [scheme.index(key) for scheme in self._readers()]

    def key_hashes(self, key: str) -> list[str]:
        """The key hashes of ``key`` under every scheme read (current first)."""
        return [scheme.key_hash(key) for scheme in self._readers()]

    def key_hash(self, key: str) -> str:
        """The key hash the current scheme writes (the journal uses it too)."""
        return self._writer().key_hash(key)

    def make(self, mode: Mode, key: str, binding: BindingBase) -> Marker:
        """The marker privcall writes for ``binding`` under ``key``."""
        scheme = self._writer()
        return Marker(
            scheme.key_hash(key),
            binding.protect,
            scheme.state_hash(binding),
            tuple(scheme.field_hash(name, getattr(binding, name)) for name in scheme.fields[mode]),
            scheme.key_id,
        )

    def user_data(self, mode: Mode, key: str, binding: BindingBase) -> str:
        """The whole ``userData`` privcall sends for ``binding``."""
        return compose(binding.user_data, self.make(mode, key, binding))

    def unchanged(self, marker: Marker, binding: BindingBase) -> bool:
        """Whether the YAML is as it was when privcall wrote ``marker``."""
        return self._scheme(marker).state_hash(binding) == marker.state_hash

    def stored_hash(self, marker: Marker, mode: Mode, name: str) -> str | None:
        """The hash ``marker`` holds for field ``name``, or None if it holds none."""
        fields = self._scheme(marker).fields[mode]
        if name not in fields or len(marker.field_hashes) != len(fields):
            return None
        return marker.field_hashes[fields.index(name)]

    def field_hash(self, marker: Marker, name: str, value: Any) -> str:
        """The hash ``value`` of field ``name`` has under the scheme of ``marker``."""
        return self._scheme(marker).field_hash(name, value)


def longest_marker(marker_fields: Sequence[tuple[str, ...]]) -> int:
    """Characters the longest marker takes, separator included."""
    most = max(len(fields) for fields in marker_fields)
    return (
        len(SEPARATOR)
        + len(f"{PC2}.xx.")
        + KEY_HASH_LENGTH
        + 1
        + 1
        + 1
        + STATE_HASH_LENGTH
        + 1
        + (most * FIELD_HASH_LENGTH)
    )


def fits(marker_fields: Sequence[tuple[str, ...]]) -> bool:
    """Whether the longest marker fits in the space ``userData`` keeps for it."""
    return longest_marker(marker_fields) <= MARKER_RESERVED
