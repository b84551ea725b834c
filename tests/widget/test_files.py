"""The widget's script files: an entry at a fixed path cached for minutes, modules at versioned
paths cached for a year, gzip, ETag, CORS; the version changes whenever any file does."""

import gzip
from pathlib import Path
from urllib.parse import urljoin

import httpx
import pytest

from helpline.core.assets import digest_of, load_assets
from helpline.widget.routes import (
    ENTRY,
    IMMUTABLE,
    REVALIDATE,
    SHORT_CACHE,
    STATIC_DIR,
    VERSION_PLACEHOLDER,
    assets,
    entry,
    entry_of,
    widget_version,
)

MODULES = sorted(p.name for p in STATIC_DIR.glob("*.js"))
# Everything but the entry: what the versioned folder holds.
VERSIONED = [name for name in MODULES if name != ENTRY]


def test_every_module_is_served() -> None:
    assert {"widget.js", "main.js"} <= set(MODULES)
    assert sorted(assets()) == MODULES


def test_the_entry_imports_the_widget_from_the_current_version() -> None:
    served = entry().body.decode()

    assert VERSION_PLACEHOLDER not in served
    assert f'import "./{widget_version()}/main.js";' in served
    assert served == (STATIC_DIR / ENTRY).read_text().replace(VERSION_PLACEHOLDER, widget_version())
    assert entry().etag != assets()[ENTRY].etag


async def test_head_answers_like_get_without_the_body(client: httpx.AsyncClient) -> None:
    for path in ("/widget/v1/widget.js", f"/widget/v1/{widget_version()}/main.js"):
        got = await client.get(path, headers={"Accept-Encoding": "gzip"})
        head = await client.head(path, headers={"Accept-Encoding": "gzip"})

        assert head.status_code == 200, path
        for header in ("content-type", "content-encoding", "etag", "cache-control"):
            assert head.headers[header] == got.headers[header], (path, header)


async def test_the_entry_keeps_its_path_and_is_cached_for_minutes(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/widget/v1/widget.js", headers={"Accept-Encoding": "gzip"})

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["cache-control"] == SHORT_CACHE == "public, max-age=300"
    assert response.headers["etag"] == entry().etag
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.content == entry().body
    # Revalidation after the five minutes: a 304 while the release is the same.
    again = await client.get(
        "/widget/v1/widget.js", headers={"If-None-Match": response.headers["etag"]}
    )
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["cache-control"] == SHORT_CACHE


async def test_the_module_the_entry_imports_is_served(client: httpx.AsyncClient) -> None:
    loader_url = "http://test/widget/v1/widget.js"
    [target] = [
        line.split('"')[1]
        for line in entry().body.decode().splitlines()
        if line.startswith("import ")
    ]

    response = await client.get(urljoin(loader_url, target))

    assert urljoin(loader_url, target) == f"http://test/widget/v1/{widget_version()}/main.js"
    assert response.status_code == 200
    assert response.headers["cache-control"] == IMMUTABLE
    assert response.content == (STATIC_DIR / "main.js").read_bytes()


@pytest.mark.parametrize("name", VERSIONED)
async def test_a_module_is_served_gzipped_at_its_version_and_cached_for_a_year(
    client: httpx.AsyncClient, name: str
) -> None:
    response = await client.get(
        f"/widget/v1/{widget_version()}/{name}", headers={"Accept-Encoding": "gzip, br"}
    )

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["cache-control"] == IMMUTABLE
    assert response.headers["etag"] == assets()[name].etag
    assert response.headers["vary"] == "Accept-Encoding"
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["cross-origin-resource-policy"] == "cross-origin"
    assert response.headers["x-content-type-options"] == "nosniff"
    # httpx decodes the gzip: the bytes are the file's.
    assert response.content == (STATIC_DIR / name).read_bytes()


async def test_a_known_etag_of_a_versioned_module_answers_304(client: httpx.AsyncClient) -> None:
    path = f"/widget/v1/{widget_version()}/client.js"
    first = await client.get(path)
    again = await client.get(path, headers={"If-None-Match": first.headers["etag"]})

    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["cache-control"] == IMMUTABLE
    assert again.headers["etag"] == first.headers["etag"]


async def test_another_version_gets_todays_file_but_not_for_a_year(
    client: httpx.AsyncClient,
) -> None:
    """A page that loaded the entry just before an upgrade still gets a widget; its old URL
    is never stored with the new file for a year (routes.py says why)."""
    response = await client.get("/widget/v1/0123456789ab/client.js")

    assert response.status_code == 200
    assert response.headers["cache-control"] == REVALIDATE == "no-cache"
    assert response.headers["etag"] == assets()["client.js"].etag
    assert response.content == (STATIC_DIR / "client.js").read_bytes()


async def test_a_module_at_its_plain_path_is_cached_for_minutes(
    client: httpx.AsyncClient,
) -> None:
    """The dashboard's preview imports /widget/v1/format.js; entries cached before versioned
    paths existed import their modules there too."""
    response = await client.get("/widget/v1/format.js")

    assert response.status_code == 200
    assert response.headers["cache-control"] == SHORT_CACHE
    assert response.content == (STATIC_DIR / "format.js").read_bytes()


async def test_without_gzip_the_plain_file_is_served(client: httpx.AsyncClient) -> None:
    path = f"/widget/v1/{widget_version()}/main.js"
    response = await client.get(path, headers={"Accept-Encoding": "identity"})

    assert "content-encoding" not in response.headers
    assert response.content == (STATIC_DIR / "main.js").read_bytes()
    refused = await client.get(path, headers={"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in refused.headers
    entry_plain = await client.get("/widget/v1/widget.js", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in entry_plain.headers
    assert entry_plain.content == entry().body


@pytest.mark.parametrize("path", ["/widget/v1/{version}/protocol.js", "/widget/v1/widget.js"])
async def test_the_gzip_is_real(client: httpx.AsyncClient, path: str) -> None:
    async with client.stream(
        "GET", path.format(version=widget_version()), headers={"Accept-Encoding": "gzip"}
    ) as response:
        raw = b"".join([chunk async for chunk in response.aiter_raw()])
    body = entry().body if path.endswith(ENTRY) else (STATIC_DIR / "protocol.js").read_bytes()
    assert gzip.decompress(raw) == body
    assert len(raw) < len(body)


@pytest.mark.parametrize(
    "path",
    [
        "/widget/v1/nope.js",
        "/widget/v1/package.json",
        "/widget/v1/..%2Fapi.py",
        "/widget/v1/%2e%2e%2froutes.py",
        "/widget/v2/widget.js",
        "/widget/v1/{version}/nope.js",
        "/widget/v1/{version}/package.json",
        "/widget/v1/{version}/..%2Froutes.py",
        "/widget/v1/{version}/%2e%2e%2f%2e%2e%2fapp.py",
        "/widget/v1/..%2F..%2Fcore/assets.py",
        # The entry lives beside the folders only: its import would not resolve in one.
        "/widget/v1/{version}/widget.js",
        "/widget/v1/{version}/{version}/main.js",
        "/widget/v2/{version}/main.js",
    ],
)
async def test_only_the_widget_modules_are_served(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path.format(version=widget_version()))

    assert response.status_code == 404
    assert "import" not in response.text


async def test_the_files_are_not_in_the_api_document(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/api/openapi.json")).json()["paths"]

    assert not [p for p in paths if p.startswith("/widget/")]


def test_the_version_changes_whenever_any_file_does(tmp_path: Path) -> None:
    (tmp_path / "widget.js").write_text(f'import "./{VERSION_PLACEHOLDER}/main.js";\n')
    (tmp_path / "main.js").write_text('import { a } from "./a.js";\n')
    (tmp_path / "a.js").write_text("export const a = 1;\n")
    (tmp_path / "package.json").write_text("{}")
    first = digest_of(load_assets(tmp_path))

    assert digest_of(load_assets(tmp_path)) == first  # the same files, the same version
    assert len(first) == 12
    assert first.isalnum()
    (tmp_path / "package.json").write_text('{"type": "module"}')  # not served: no new version
    assert digest_of(load_assets(tmp_path)) == first
    for change in (
        lambda: (tmp_path / "a.js").write_text("export const a = 2;\n"),
        lambda: (tmp_path / "main.js").write_text('import { a } from "./a.js"; // new\n'),
        lambda: (tmp_path / "widget.js").write_text(
            f'// new\nimport "./{VERSION_PLACEHOLDER}/main.js";\n'
        ),
        lambda: (tmp_path / "b.js").write_text("export const b = 1;\n"),
        lambda: (tmp_path / "b.js").rename(tmp_path / "c.js"),
        lambda: (tmp_path / "c.js").unlink(),
    ):
        before = digest_of(load_assets(tmp_path))
        change()
        assert digest_of(load_assets(tmp_path)) != before

    # The entry as served names the folder of the files it came with.
    files = load_assets(tmp_path)
    served = entry_of(files, digest_of(files))
    assert served.body == f'// new\nimport "./{digest_of(files)}/main.js";\n'.encode()
    assert gzip.decompress(served.gzipped) == served.body


def test_an_entry_without_its_placeholder_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "widget.js").write_text('import "./main.js";\n')

    with pytest.raises(RuntimeError, match=VERSION_PLACEHOLDER):
        entry_of(load_assets(tmp_path), "0123456789ab")
