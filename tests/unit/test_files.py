"""Attachments' pieces: type detection from bytes, safe names, image cleaning, signed links."""

from __future__ import annotations

import io
import time

import pytest
from PIL import Image

from webchat.files.detect import detect_type, sanitize_name
from webchat.files.images import NotAnImage, reencode
from webchat.files.signing import LinkSigner


def image_bytes(fmt: str, exif: bytes | None = None) -> bytes:
    out = io.BytesIO()
    picture = Image.new("RGB", (8, 6), (200, 30, 30))
    if exif is not None:
        picture.save(out, format=fmt, exif=exif)
    else:
        picture.save(out, format=fmt)
    return out.getvalue()


def gps_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "Spy Camera Co."  # Make
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (48.0, 51.0, 24.0)
    return exif.tobytes()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (image_bytes("PNG"), "image/png"),
        (image_bytes("JPEG"), "image/jpeg"),
        (image_bytes("GIF"), "image/gif"),
        (image_bytes("WEBP"), "image/webp"),
        (b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", "application/pdf"),
        ("Bonjour, voilà mon problème\n".encode(), "text/plain"),
    ],
)
def test_accepted_types_are_told_by_their_bytes(data: bytes, expected: str) -> None:
    assert detect_type(data) == expected


@pytest.mark.parametrize(
    "data",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b"<!doctype html><html><script>alert(1)</script>",
        b"  <html>",
        b"\xef\xbb\xbf<script>alert(1)</script>",
        b"PK\x03\x04 a zip file",
        b"MZ\x90\x00 a windows program",
        b"\x00\x01\x02 binary",
        b"\xff\xfe not utf-8 \xff",
        b"",
    ],
)
def test_everything_else_is_refused(data: bytes) -> None:
    assert detect_type(data) is None


def test_a_text_sniff_may_end_inside_a_character() -> None:
    head = ("é" * 4096).encode()[:8191]
    assert detect_type(head) == "text/plain"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\eve\\report.pdf", "report.pdf"),
        ('evil"\r\nX-Header: 1.png', "evil'X-Header: 1.png"),
        ("\u202eexe.png", "exe.png"),
        ("...", "file.png"),
        ("", "file.png"),
        (None, "file.png"),
        ("a" * 500 + ".png", "a" * 200),
    ],
)
def test_names_are_sanitized(name: str | None, expected: str) -> None:
    assert sanitize_name(name, "image/png") == expected


def test_reencoding_drops_exif_and_gps() -> None:
    original = image_bytes("JPEG", exif=gps_exif())
    assert b"Spy Camera" in original
    cleaned = reencode(original, "image/jpeg")
    assert b"Spy Camera" not in cleaned
    with Image.open(io.BytesIO(cleaned)) as picture:
        assert picture.size == (8, 6) and not picture.getexif()


def test_an_image_that_does_not_decode_is_refused() -> None:
    broken = image_bytes("PNG")[:40]
    with pytest.raises(NotAnImage):
        reencode(broken, "image/png")
    with pytest.raises(NotAnImage):
        reencode(image_bytes("GIF"), "image/png")  # the type it claims is not the one it is


def test_links_are_signed_and_expire() -> None:
    signer = LinkSigner("k" * 40)
    url = signer.url("01ARYZ6S41TSV4RRFFQ69G5FAV", "report.pdf")
    path, _, query = url.partition("?")
    params = dict(part.split("=") for part in query.split("&"))
    assert path == "/attachments/01ARYZ6S41TSV4RRFFQ69G5FAV/report.pdf"
    assert signer.check("01ARYZ6S41TSV4RRFFQ69G5FAV", "report.pdf", params["e"], params["s"])
    assert not signer.check("01ARYZ6S41TSV4RRFFQ69G5FAW", "report.pdf", params["e"], params["s"])
    assert not signer.check("01ARYZ6S41TSV4RRFFQ69G5FAV", "other.pdf", params["e"], params["s"])
    later = str(int(params["e"]) + 1)
    assert not signer.check("01ARYZ6S41TSV4RRFFQ69G5FAV", "report.pdf", later, params["s"])
    assert not LinkSigner("j" * 40).check(
        "01ARYZ6S41TSV4RRFFQ69G5FAV", "report.pdf", params["e"], params["s"]
    )
    old = signer.url("01ARYZ6S41TSV4RRFFQ69G5FAV", "report.pdf", now=time.time() - 25 * 3600)
    e, s = (p.split("=")[1] for p in old.partition("?")[2].split("&"))
    assert not signer.check("01ARYZ6S41TSV4RRFFQ69G5FAV", "report.pdf", e, s)
