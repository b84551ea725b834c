"""Files on the local disk, under one root folder (settings.data_dir / "attachments").

Layout: `objects/<first two hex digits>/<key>` for stored files, `tmp/` for uploads in
progress. A file is written under a temporary name, flushed to disk, then renamed into
place, so a reader never sees half a file and a crash leaves only a `tmp/*.part` behind.
"""

import hashlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import anyio.to_thread
from typing_extensions import override

from helpline.storage.base import (
    CHUNK_BYTES,
    FileTooLarge,
    StoredFile,
    StoredFileMissing,
    is_valid_key,
    new_key,
)


class LocalStorage:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.objects = root / "objects"
        self.tmp = root / "tmp"

    def path_of(self, key: str) -> Path:
        # Keys come from our database, but are checked anyway: a key that is not one of
        # ours must never become a path (no "..", no separators).
        if not is_valid_key(key):
            raise ValueError("Not a storage key.")
        return self.objects / key[:2] / key

    async def save(self, stream: AsyncIterator[bytes], *, max_bytes: int) -> StoredFile:
        key = new_key()
        await anyio.Path(self.tmp).mkdir(parents=True, exist_ok=True)
        partial = anyio.Path(self.tmp / f"{new_key()}.part")
        try:
            size, sha256 = await _write(partial, stream, max_bytes)
            final = anyio.Path(self.path_of(key))
            await final.parent.mkdir(parents=True, exist_ok=True)
            await partial.rename(final)
        except BaseException:
            # Shielded: a cancelled upload must still remove its partial file.
            with anyio.CancelScope(shield=True):
                await partial.unlink(missing_ok=True)
            raise
        return StoredFile(key=key, size_bytes=size, sha256=sha256)

    async def open(self, key: str) -> AsyncIterator[bytes]:
        path = self.path_of(key)
        if not await anyio.Path(path).is_file():
            raise StoredFileMissing(key)
        return _chunks(path)

    async def delete(self, key: str) -> None:
        await anyio.Path(self.path_of(key)).unlink(missing_ok=True)

    async def close(self) -> None:
        return None

    @override
    def __repr__(self) -> str:
        return f"LocalStorage({str(self.root)!r})"


async def _write(path: anyio.Path, stream: AsyncIterator[bytes], max_bytes: int) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    async with await anyio.open_file(path, "xb") as out:
        async for chunk in stream:
            size += len(chunk)
            if size > max_bytes:
                raise FileTooLarge(max_bytes)
            digest.update(chunk)
            await out.write(chunk)
        await out.flush()
        # Durable before the row that points at it commits (RELIABILITY.md, Delivery 1).
        await anyio.to_thread.run_sync(os.fsync, out.wrapped.fileno())
    return size, digest.hexdigest()


async def _chunks(path: Path) -> AsyncIterator[bytes]:
    async with await anyio.open_file(path, "rb") as source:
        while chunk := await source.read(CHUNK_BYTES):
            yield chunk
