"""What an uploaded file is, from its bytes (never the client's Content-Type), and a
name that is safe to store and to send back in a header."""

from __future__ import annotations

import re
import unicodedata

import filetype

# CONTRACT §11: images the widget and console show inline, PDF, plain text.
IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
ACCEPTED = IMAGE_TYPES | {"application/pdf", "text/plain"}
# How much of the file the detection reads.
SNIFF_BYTES = 8192
MAX_NAME = 200


def detect_type(head: bytes) -> str | None:
    """The accepted type these first bytes begin, or None (refused: 415)."""
    kind = filetype.guess(head)
    if kind is not None:
        return kind.mime if kind.mime in ACCEPTED else None
    return "text/plain" if _looks_like_text(head) else None


def _looks_like_text(head: bytes) -> bool:
    """UTF-8 without NULs or markup that a browser would sniff as HTML, SVG or XML."""
    if not head or b"\x00" in head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # The sniffed window may end inside a character.
        if exc.start < len(head) - 4:
            return False
        text = head[: exc.start].decode("utf-8")
    start = text.lstrip().lower()
    return not start.startswith(("<", "\ufeff<"))


def sanitize_name(name: str | None, content_type: str) -> str:
    """The file's own name, without a path, control characters or quotes; a default
    when nothing is left."""
    base = re.split(r"[\\/]", name or "")[-1]
    cleaned = "".join(
        c for c in unicodedata.normalize("NFC", base) if unicodedata.category(c)[0] != "C"
    )
    cleaned = cleaned.replace('"', "'").strip().strip(".")
    if not cleaned:
        cleaned = "file" + _EXTENSIONS.get(content_type, "")
    return cleaned[:MAX_NAME]


_EXTENSIONS = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "application/pdf": ".pdf",
    "text/plain": ".txt",
}
