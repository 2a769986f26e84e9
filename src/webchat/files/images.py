"""Images are decoded and written again before they are kept: a file that does not
decode is refused, and the copy carries no metadata (EXIF, GPS, comments)."""

from __future__ import annotations

import io

from PIL import Image, ImageOps

# Decompression bombs: a small file that decodes into gigapixels.
Image.MAX_IMAGE_PIXELS = 50_000_000
FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/webp": "WEBP"}


class NotAnImage(ValueError):
    pass


def reencode(data: bytes, content_type: str) -> bytes:
    """The same picture, re-encoded in its own format without metadata (CPU-bound: run it
    in a thread)."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            fmt = FORMATS[content_type]
            if image.format != fmt:
                raise NotAnImage(f"the bytes are {image.format}, not {fmt}")
            frames = getattr(image, "n_frames", 1)
            out = io.BytesIO()
            if fmt == "GIF" and frames > 1:
                # Animated GIFs keep their frames; GIF carries no EXIF to strip.
                image.save(out, format="GIF", save_all=True, loop=image.info.get("loop", 0))
            else:
                # Orientation is applied, then dropped with the rest of the metadata.
                clean = ImageOps.exif_transpose(image)
                if fmt == "JPEG" and clean.mode not in ("RGB", "L"):
                    clean = clean.convert("RGB")
                clean.info = {}
                clean.save(out, format=fmt)
            return out.getvalue()
    except NotAnImage:
        raise
    except Exception as exc:  # Pillow raises many kinds for broken files
        raise NotAnImage(f"the image does not decode ({type(exc).__name__})") from None
