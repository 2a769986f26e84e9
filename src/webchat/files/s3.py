"""Attachments in an S3-compatible store (AWS S3, MinIO, Garage, Ceph…) through
aiobotocore. Credentials come from the usual AWS variables (`AWS_ACCESS_KEY_ID`, …) or
the URL's `key`/`secret` parameters; `endpoint` points at a non-AWS store."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from aiobotocore.session import get_session
from botocore.exceptions import ClientError


class S3Storage:
    def __init__(self, bucket: str, options: dict[str, str]) -> None:
        self.bucket = bucket
        self._options: dict[str, Any] = {
            "endpoint_url": options.get("endpoint"),
            "region_name": options.get("region", "us-east-1"),
        }
        if "key" in options:
            self._options["aws_access_key_id"] = options["key"]
            self._options["aws_secret_access_key"] = options.get("secret", "")
        self._stack = contextlib.AsyncExitStack()
        self._client: Any = None

    async def _s3(self) -> Any:
        if self._client is None:
            self._client = await self._stack.enter_async_context(
                get_session().create_client("s3", **self._options)
            )
        return self._client

    async def put(self, key: str, data: bytes) -> None:
        s3 = await self._s3()
        await s3.put_object(Bucket=self.bucket, Key=key, Body=data)

    async def read(self, key: str, start: int, end: int) -> AsyncIterator[bytes]:
        s3 = await self._s3()
        response = await s3.get_object(Bucket=self.bucket, Key=key, Range=f"bytes={start}-{end}")
        async with response["Body"] as body:
            while chunk := await body.read(64 * 1024):
                yield chunk

    async def delete(self, key: str) -> None:
        s3 = await self._s3()
        with contextlib.suppress(ClientError):
            await s3.delete_object(Bucket=self.bucket, Key=key)

    async def close(self) -> None:
        await self._stack.aclose()
        self._client = None
