"""Where attachments' bytes live: one small interface, two implementations. The data
directory (default) suits one node, or several sharing a volume; an S3-compatible store
(`WEBCHAT_STORAGE_URL=s3://bucket?endpoint=…`) suits several nodes on several machines."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, urlsplit

CHUNK = 64 * 1024


class Storage(Protocol):
    async def put(self, key: str, data: bytes) -> None: ...

    def read(self, key: str, start: int, end: int) -> AsyncIterator[bytes]:
        """Bytes `start`..`end` inclusive (an async generator)."""
        ...

    async def delete(self, key: str) -> None: ...

    async def close(self) -> None: ...


class FileStorage:
    """Files under `<data dir>/attachments/`, written whole to a temporary name then
    renamed, so a reader never sees half a file."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        # Keys are ours (tenant id / ULID), never a client's name.
        return self.root / key

    async def put(self, key: str, data: bytes) -> None:
        await asyncio.to_thread(self._put, self._path(key), data)

    @staticmethod
    def _put(path: Path, data: bytes) -> None:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}")
        temporary.write_bytes(data)
        os.replace(temporary, path)

    async def read(self, key: str, start: int, end: int) -> AsyncIterator[bytes]:
        path = self._path(key)
        handle = await asyncio.to_thread(path.open, "rb")
        try:
            await asyncio.to_thread(handle.seek, start)
            left = end - start + 1
            while left > 0:
                chunk = await asyncio.to_thread(handle.read, min(CHUNK, left))
                if not chunk:
                    break
                left -= len(chunk)
                yield chunk
        finally:
            await asyncio.to_thread(handle.close)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, True)

    async def delete_all(self) -> None:
        await asyncio.to_thread(shutil.rmtree, self.root, True)

    async def close(self) -> None:
        return None


def open_storage(url: str, data_dir: Path) -> Storage:
    if not url:
        return FileStorage(data_dir / "attachments")
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise ValueError("WEBCHAT_STORAGE_URL must be s3://bucket?endpoint=https://…")
    from webchat.files.s3 import S3Storage

    options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    return S3Storage(parts.netloc, options)
