"""The pages and bundles: `/widget.js`, `/demo`, `/console`, and their static files.

Bundles are built by `npm run build` into `widget/static/` and `console/static/` of the
package. Names with a content hash (`name-HASH.ext`) are cached forever; the rest briefly.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from webchat.errors import ApiError, not_found

router = APIRouter(include_in_schema=False)

PACKAGE_DIR = Path(__file__).resolve().parent.parent
STATIC_DIRS = {
    "widget": PACKAGE_DIR / "widget" / "static",
    "console": PACKAGE_DIR / "console" / "static",
    "pages": PACKAGE_DIR / "api" / "pages",
}
HASHED_NAME = re.compile(r"-[A-Za-z0-9_-]{8,}\.(js|css|mjs|map|woff2|svg|png)$")
# Short enough that a new release reaches every host page within minutes.
LOADER_MAX_AGE = 300
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "connect-src 'self' ws: wss:; img-src 'self' data:; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cache-Control": "no-cache",
}


def bundle_missing(name: str) -> ApiError:
    return ApiError(503, "unavailable", f"The {name} bundle is not built: run `npm run build`.")


@router.api_route("/widget.js", methods=["GET", "HEAD"])
async def widget_js() -> Response:
    path = STATIC_DIRS["widget"] / "widget.js"
    if not path.is_file():
        raise bundle_missing("widget")
    return FileResponse(
        path,
        media_type="text/javascript",
        headers={
            "Cache-Control": f"public, max-age={LOADER_MAX_AGE}",
            "Access-Control-Allow-Origin": "*",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.api_route("/static/{app}/{name:path}", methods=["GET", "HEAD"])
async def static_file(app: str, name: str) -> Response:
    root = STATIC_DIRS.get(app)
    if root is None:
        raise not_found()
    path = (root / name).resolve()
    if not path.is_relative_to(root.resolve()) or not path.is_file() or path.suffix == ".html":
        raise not_found()
    cache = "public, max-age=31536000, immutable" if HASHED_NAME.search(name) else "no-cache"
    return FileResponse(
        path,
        headers={
            "Cache-Control": cache,
            "Access-Control-Allow-Origin": "*",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get("/demo")
async def demo(request: Request) -> Response:
    public_key = getattr(request.app.state, "demo_public_key", None)
    if public_key is None:
        raise not_found("The demo tenant is disabled (WEBCHAT_DEMO=false).")
    origin = str(request.base_url).rstrip("/")
    page = (STATIC_DIRS["pages"] / "demo.html").read_text()
    page = page.replace("{public_key}", html.escape(public_key)).replace(
        "{origin}", html.escape(origin)
    )
    return HTMLResponse(page, headers=PAGE_HEADERS)


@router.get("/console")
async def console() -> Response:
    path = STATIC_DIRS["console"] / "index.html"
    if not path.is_file():
        raise bundle_missing("console")
    return FileResponse(path, media_type="text/html", headers=PAGE_HEADERS)
