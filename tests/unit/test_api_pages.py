"""`webchat.api.pages` in an embedded app: static files never leave their directory."""

from __future__ import annotations

import httpx
import pytest

from webchat.api.pages import STATIC_DIRS


def assert_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]


@pytest.mark.parametrize(
    "path",
    [
        "/static/widget/../../config.py",
        "/static/widget/%2e%2e/%2e%2e/config.py",
        "/static/widget/..%2f..%2fconfig.py",
        "/static/console/..%2F..%2F..%2Fpyproject.toml",
        "/static/widget/%2Fetc%2Fpasswd",
        "/static/widget//etc/passwd",
        "/static/pages/../../app.py",
        "/static/console/../../../../../../etc/passwd",
        "/static/nope/x.js",
        "/static/console/index.html",
        "/static/pages/demo.html",
        "/static/widget/",
    ],
)
async def test_static_paths_outside_the_bundles_are_404(
    embedded_client: httpx.AsyncClient, path: str
) -> None:
    response = await embedded_client.get(path)
    assert_error(response, 404, "not_found")
    assert "root:" not in response.text and "import" not in response.text


async def test_nul_byte_in_a_static_path_is_a_client_error(
    embedded_client: httpx.AsyncClient,
) -> None:
    response = await embedded_client.get("/static/widget/a%00.js")
    assert response.status_code in (400, 404), response.text
    assert response.json()["error"]["code"] in ("invalid_request", "not_found")


async def test_a_real_static_file_is_served(embedded_client: httpx.AsyncClient) -> None:
    files = sorted(p for p in STATIC_DIRS["console"].iterdir() if p.suffix in (".js", ".css"))
    if not files:
        pytest.skip("console bundle not built")
    response = await embedded_client.get(f"/static/console/{files[0].name}")
    assert response.status_code == 200
    assert response.content == files[0].read_bytes()
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "immutable" in response.headers["cache-control"]


async def test_demo_page_embeds_the_demo_public_key(embedded_client: httpx.AsyncClient) -> None:
    response = await embedded_client.get("/demo")
    assert response.status_code == 200
    assert "pk_demo" in response.text
    assert "{public_key}" not in response.text
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


async def test_unknown_route_is_a_404_error_object(embedded_client: httpx.AsyncClient) -> None:
    assert_error(await embedded_client.get("/no/such/route"), 404, "not_found")
