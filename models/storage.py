"""Where submitted files live: a small interface, and the local-disk store used by default.

The bytes never pass through the database: a row keeps the key a store gave back. Keys are made
by the caller from ids only (never from a client's file name), so they cannot climb out of the
store's directory; `LocalDiskStorage` checks it all the same."""

import asyncio
import re
from collections.abc import AsyncIterable, AsyncIterator, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

CHUNK_BYTES = 64 * 1024
KEY = re.compile(r"[0-9a-f]{32}(/[0-9a-f]{32})*")


class FileTooLarge(Exception):
    """The bytes went past the limit the caller set; nothing of them is kept."""


class FileStorage(Protocol):
    """A place for uploaded files. `save` keeps nothing when it raises."""

    async def save(self, key: str, chunks: AsyncIterable[bytes], *, max_bytes: int) -> int: ...

    def read(self, key: str) -> AsyncIterator[bytes]: ...

    async def exists(self, key: str) -> bool: ...

    async def delete(self, keys: Iterable[str]) -> None: ...

    async def listed(self) -> list[tuple[str, datetime]]:
        """Every key kept, with when its file was written (for sweeping orphans)."""
        ...


class LocalDiskStorage:
    """Files under one directory (the UPLOAD_DIR setting), one file per key."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        if not KEY.fullmatch(key):
            raise ValueError(f"not a storage key: {key!r}")
        path = (self.root / key).resolve()
        if self.root not in path.parents:
            raise ValueError(f"not a storage key: {key!r}")
        return path

    async def save(self, key: str, chunks: AsyncIterable[bytes], *, max_bytes: int) -> int:
        path = self._path(key)
        await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
        size = 0
        handle = await asyncio.to_thread(path.open, "xb")
        try:
            async for chunk in chunks:
                size += len(chunk)
                if size > max_bytes:
                    raise FileTooLarge(key)
                await asyncio.to_thread(handle.write, chunk)
        except BaseException:
            await asyncio.to_thread(handle.close)
            await asyncio.to_thread(path.unlink, missing_ok=True)
            raise
        await asyncio.to_thread(handle.close)
        return size

    async def read(self, key: str) -> AsyncIterator[bytes]:  # type: ignore[override]
        handle = await asyncio.to_thread(self._path(key).open, "rb")
        try:
            while chunk := await asyncio.to_thread(handle.read, CHUNK_BYTES):
                yield chunk
        finally:
            await asyncio.to_thread(handle.close)

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self._path(key).is_file)

    async def delete(self, keys: Iterable[str]) -> None:
        for key in keys:
            path = self._path(key)
            await asyncio.to_thread(path.unlink, missing_ok=True)
            for parent in path.parents:  # empty directories of the key go too
                if parent == self.root or not await asyncio.to_thread(_remove_if_empty, parent):
                    break

    async def listed(self) -> list[tuple[str, datetime]]:
        return await asyncio.to_thread(self._listed)

    def _listed(self) -> list[tuple[str, datetime]]:
        found = []
        for path in self.root.rglob("*") if self.root.is_dir() else ():
            key = path.relative_to(self.root).as_posix()
            if KEY.fullmatch(key) and path.is_file():
                found.append((key, datetime.fromtimestamp(path.stat().st_mtime, UTC)))
        return found


def _remove_if_empty(directory: Path) -> bool:
    try:
        directory.rmdir()
    except OSError:
        return False
    return True
