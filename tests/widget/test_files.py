"""The widget's script files: versioned path, immutable caching, gzip, ETag, CORS."""

import gzip

import httpx
import pytest

from helpline.widget.routes import IMMUTABLE, STATIC_DIR, assets

MODULES = sorted(p.name for p in STATIC_DIR.glob("*.js"))


def test_every_module_is_served() -> None:
    assert "widget.js" in MODULES
    assert sorted(assets()) == MODULES


@pytest.mark.parametrize("name", MODULES)
async def test_a_module_is_served_gzipped_and_cached_for_a_year(
    client: httpx.AsyncClient, name: str
) -> None:
    response = await client.get(f"/widget/v1/{name}", headers={"Accept-Encoding": "gzip, br"})

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["cache-control"] == IMMUTABLE
    assert response.headers["vary"] == "Accept-Encoding"
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["x-content-type-options"] == "nosniff"
    # httpx decodes the gzip: the bytes are the file's.
    assert response.content == (STATIC_DIR / name).read_bytes()


async def test_without_gzip_the_plain_file_is_served(client: httpx.AsyncClient) -> None:
    response = await client.get("/widget/v1/widget.js", headers={"Accept-Encoding": "identity"})

    assert "content-encoding" not in response.headers
    assert response.content == (STATIC_DIR / "widget.js").read_bytes()
    refused = await client.get("/widget/v1/widget.js", headers={"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in refused.headers


async def test_the_gzip_is_real(client: httpx.AsyncClient) -> None:
    async with client.stream(
        "GET", "/widget/v1/protocol.js", headers={"Accept-Encoding": "gzip"}
    ) as response:
        raw = b"".join([chunk async for chunk in response.aiter_raw()])
    body = (STATIC_DIR / "protocol.js").read_bytes()
    assert gzip.decompress(raw) == body
    assert len(raw) < len(body) / 2


async def test_a_known_etag_answers_304(client: httpx.AsyncClient) -> None:
    first = await client.get("/widget/v1/widget.js")
    again = await client.get(
        "/widget/v1/widget.js", headers={"If-None-Match": first.headers["etag"]}
    )

    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["cache-control"] == IMMUTABLE


@pytest.mark.parametrize(
    "path",
    [
        "/widget/v1/nope.js",
        "/widget/v1/package.json",
        "/widget/v1/..%2Fapi.py",
        "/widget/v1/%2e%2e%2froutes.py",
        "/widget/v2/widget.js",
    ],
)
async def test_only_the_widget_modules_are_served(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)

    assert response.status_code == 404
    assert "import" not in response.text


async def test_the_files_are_not_in_the_api_document(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/api/openapi.json")).json()["paths"]

    assert not [p for p in paths if p.startswith("/widget/")]
