"""The dashboard's scripts and styles: immutable caching under a versioned path, gzip, and
HEAD answered like GET."""

import httpx

from helpline.dashboard.templating import static_url

IMMUTABLE = "public, max-age=31536000, immutable"


async def test_a_file_is_compressed_and_cached_for_good(client: httpx.AsyncClient) -> None:
    response = await client.get(static_url("app.js"), headers={"Accept-Encoding": "gzip"})

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["cache-control"] == IMMUTABLE
    again = await client.get(
        static_url("app.js"), headers={"If-None-Match": response.headers["etag"]}
    )
    assert again.status_code == 304


async def test_head_answers_like_get(client: httpx.AsyncClient) -> None:
    got = await client.get(static_url("dashboard.css"))
    head = await client.head(static_url("dashboard.css"))

    assert head.status_code == 200
    for header in ("content-type", "etag", "cache-control"):
        assert head.headers[header] == got.headers[header], header


async def test_an_unknown_file_is_a_404(client: httpx.AsyncClient) -> None:
    response = await client.get(static_url("nothing-here.js"))

    assert response.status_code == 404
    assert "no such file" in response.text
