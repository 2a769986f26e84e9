"""Reading one `multipart/form-data` upload as it streams in (python-multipart's parser),
with the size limit enforced on the way: past `max_bytes` the read stops and the caller
answers 413, having kept at most `max_bytes` in a temporary file and nothing in memory
beyond one chunk. Small text fields (sessionId, fingerprint) are kept too."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from python_multipart.multipart import MultipartParser, parse_options_header

MAX_FIELD_BYTES = 1024
MAX_FIELDS = 8


class UploadError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Upload:
    fields: dict[str, str] = field(default_factory=dict)
    filename: str | None = None
    file: IO[bytes] | None = None
    size: int = 0

    def read_all(self) -> bytes:
        assert self.file is not None
        self.file.seek(0)
        return self.file.read()

    def close(self) -> None:
        if self.file is not None:
            self.file.close()


def _disposition(value: bytes) -> tuple[str | None, str | None]:
    _, params = parse_options_header(value)
    name = params.get(b"name")
    filename = params.get(b"filename")
    return (
        name.decode(errors="replace") if name is not None else None,
        filename.decode(errors="replace") if filename is not None else None,
    )


async def read_upload(
    content_type: str | None, chunks: AsyncIterator[bytes], max_bytes: int, spool_dir: Path
) -> Upload:
    """The one `file` part (and small fields) of a multipart body; UploadError 413 past
    `max_bytes`, 400 when the body is not multipart or has no file."""
    kind, params = parse_options_header(content_type or "")
    boundary = params.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise UploadError(400, "Send multipart/form-data with one part named file.")
    upload = Upload()
    state: dict[str, Any] = {"headers": {}, "field": None, "name": None, "value": b""}
    header: dict[str, bytes] = {"field": b"", "value": b""}

    def on_part_begin() -> None:
        state["headers"] = {}

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header["field"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header["value"] += data[start:end]

    def on_header_end() -> None:
        state["headers"][header["field"].lower()] = header["value"]
        header["field"], header["value"] = b"", b""

    def on_headers_finished() -> None:
        name, filename = _disposition(state["headers"].get(b"content-disposition", b""))
        state["name"], state["value"] = name, b""
        if name == "file" and filename is not None and upload.file is None:
            spool_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            upload.file = tempfile.TemporaryFile(dir=spool_dir)  # noqa: SIM115 (closed by Upload.close)
            upload.filename = filename
            state["field"] = "file"
        else:
            state["field"] = "text" if filename is None else "ignored"

    def on_part_data(data: bytes, start: int, end: int) -> None:
        piece = data[start:end]
        if state["field"] == "file":
            assert upload.file is not None
            upload.size += len(piece)
            if upload.size > max_bytes:
                raise UploadError(413, f"The file is larger than {max_bytes} bytes.")
            upload.file.write(piece)
        elif state["field"] == "text":
            state["value"] += piece
            if len(state["value"]) > MAX_FIELD_BYTES:
                raise UploadError(400, "A form field is too long.")

    def on_part_end() -> None:
        if state["field"] == "text" and state["name"]:
            if len(upload.fields) >= MAX_FIELDS:
                raise UploadError(400, "Too many form fields.")
            upload.fields[state["name"]] = state["value"].decode(errors="replace")

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
        },
    )
    try:
        async for chunk in chunks:
            parser.write(chunk)
        parser.finalize()
    except UploadError:
        upload.close()
        raise
    except Exception:
        upload.close()
        raise UploadError(400, "The multipart body could not be read.") from None
    if upload.file is None:
        raise UploadError(400, "Send the file as a part named file.")
    return upload
