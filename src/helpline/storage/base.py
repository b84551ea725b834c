"""The storage interface. Backends keep opaque bytes under keys they make up themselves."""

import re
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Final, Protocol

# 160 random bits, in lowercase hex: nothing in a key comes from a user, so a key can never
# name a path outside the store or another object (RELIABILITY.md, Isolation 4).
KEY_BYTES: Final = 20
_KEY_PATTERN: Final = re.compile(rf"[0-9a-f]{{{KEY_BYTES * 2}}}")
CHUNK_BYTES: Final = 64 * 1024


def new_key() -> str:
    return secrets.token_hex(KEY_BYTES)


def is_valid_key(key: str) -> bool:
    return _KEY_PATTERN.fullmatch(key) is not None


class FileTooLarge(ValueError):
    """The stream went past `max_bytes`; nothing was kept."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        super().__init__(f"The file is larger than {max_bytes} bytes.")


class StoredFileMissing(LookupError):
    """No object under this key (deleted, or never stored)."""


@dataclass(frozen=True, slots=True)
class StoredFile:
    key: str
    size_bytes: int
    # Lowercase hex SHA-256 of the bytes, computed while they were written.
    sha256: str


class Storage(Protocol):
    """A place for uploaded bytes. Implementations must be safe to share between concurrent
    requests, and must never leave a partial object behind under a key."""

    async def save(self, stream: AsyncIterator[bytes], *, max_bytes: int) -> StoredFile:
        """Store the stream under a new random key. Raise FileTooLarge, keeping nothing, as
        soon as more than `max_bytes` arrive."""
        ...

    async def open(self, key: str) -> AsyncIterator[bytes]:
        """The stored bytes in chunks. Raises StoredFileMissing before returning when there
        is no such object, so that a caller can answer before it starts streaming."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the object; a missing one is not an error."""
        ...

    async def close(self) -> None:
        """Release connections (the process is stopping)."""
        ...
