"""Keyed digests: the one way privcall turns personal data into something it can publish.

Everything privcall publishes or stores outside the platform's own fields that is derived
from a phone number or a key holding one — the plan checksum, the journal's key hashes,
the marker's key hash, the short tags after masked numbers, index columns of the events
store — is an HMAC-SHA256 under the **digest key**, never a bare hash: a masked number
hides only four digits (10⁴ guesses), and a bare hash of anything containing it falls to
brute force in milliseconds.

The key comes from ``PRIVCALL_DIGEST_KEY`` (a CI secret, the same in the pull-request job
and the merge job, so their checksums agree). ``PRIVCALL_DIGEST_KEY_PREVIOUS`` (comma
separated) lists keys used before a rotation: markers written under them are still
recognised. Each purpose gets its own sub-key (``HMAC(key, "privcall/" + purpose)``), so a
value published for one purpose says nothing about another.

Without a key (a local run, the sandbox) privcall still works, and says what is weaker:
the digests are then plain SHA-256 (as privcall 0.1 made them), tags are not shown, and
the plan checksum covers only the masked plan (see ``docs/privacy.md``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from reconciler.errors import ConfigError

KEY_ENV = "PRIVCALL_DIGEST_KEY"
PREVIOUS_ENV = "PRIVCALL_DIGEST_KEY_PREVIOUS"
MIN_KEY_LENGTH = 16
TAG_LENGTH = 4
KEY_ID_LENGTH = 2

UNKEYED_WARNING = (
    f"{KEY_ENV} is not set: digests are not keyed, so masked numbers carry no tag and the "
    "plan checksum covers only the masked plan; set it (a CI secret) for the full protection"
)


class DigestKeyError(ConfigError):
    """The digest key in the environment cannot be used; the message says why (never the key)."""


def _b32(data: bytes, length: int) -> str:
    needed = (length + 7) // 8 * 5
    return base64.b32encode(data[:needed]).decode("ascii").lower()[:length]


def _check(value: str, name: str) -> bytes:
    key = value.strip()
    if len(key) < MIN_KEY_LENGTH:
        raise DigestKeyError(
            f"{name} is shorter than {MIN_KEY_LENGTH} characters: use a long random value, "
            "e.g. the output of `python3 -c 'import secrets; print(secrets.token_urlsafe(32))'`"
        )
    return key.encode("utf-8")


@dataclass(frozen=True)
class Digest:
    """Keyed digests under one key (``key=None``: unkeyed, see the module docstring)."""

    key: bytes | None = field(default=None, repr=False)
    previous: tuple[bytes, ...] = field(default=(), repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Digest:
        """The digest of ``PRIVCALL_DIGEST_KEY`` (unkeyed when unset or empty)."""
        raw = env.get(KEY_ENV, "")
        if not raw.strip():
            return cls()
        previous = tuple(
            _check(part, PREVIOUS_ENV)
            for part in env.get(PREVIOUS_ENV, "").split(",")
            if part.strip()
        )
        return cls(_check(raw, KEY_ENV), previous)

    @property
    def keyed(self) -> bool:
        return self.key is not None

    @property
    def key_id(self) -> str:
        """Two characters naming the key (``""`` unkeyed): lets a marker say which key made it."""
        if self.key is None:
            return ""
        return _b32(self.mac("key-id", ""), KEY_ID_LENGTH)

    def rotated(self) -> list[Digest]:
        """Digests under the previous keys, newest first (for recognising old markers)."""
        return [Digest(key) for key in self.previous]

    def mac(self, purpose: str, text: str) -> bytes:
        """The raw digest of ``text`` for ``purpose``."""
        return _mac(self.key, purpose, text)

    def hexmac(self, purpose: str, text: str) -> str:
        """:meth:`mac` as 64 hex characters (index columns, checksums)."""
        return self.mac(purpose, text).hex()

    def b32(self, purpose: str, text: str, length: int) -> str:
        """The first ``length`` lower-case base32 characters of :meth:`mac`."""
        return _b32(self.mac(purpose, text), length)

    def tag(self, number: str) -> str:
        """A short tag for a phone number (E.164): the same number always gets the same
        tag under one key, and the tag says nothing about the number without the key.
        ``""`` when unkeyed (an unkeyed tag would give the masked digits back)."""
        if self.key is None:
            return ""
        return self.b32("tag", number, TAG_LENGTH)


@lru_cache(maxsize=1 << 16)
def _mac(key: bytes | None, purpose: str, text: str) -> bytes:
    data = text.encode("utf-8")
    if key is None:
        return hashlib.sha256(data).digest()
    sub = hmac.new(key, f"privcall/{purpose}".encode(), hashlib.sha256).digest()
    return hmac.new(sub, data, hashlib.sha256).digest()


UNKEYED = Digest()
