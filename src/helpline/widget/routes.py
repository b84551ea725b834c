"""The widget's script files, served from Helpline at versioned paths.

They are the same public code for every workspace, so they are not API routes: this router is
included by `create_app` outside `helpline.api.ROUTERS` and hidden from the OpenAPI document
(the isolation sweep lists it in its STATIC_ROUTES). Each file is read and gzipped once, then
served from memory with an ETag and CORS (`type="module"` scripts from another origin are
fetched in CORS mode, so the host page needs it to run them).

- `/widget/v1/widget.js`, the entry websites paste, keeps its URL forever, so it is cached for
  five minutes (then revalidated: a 304 while unchanged). It is a loader of one line that
  imports `./<version>/main.js`; the server writes the version in place of its placeholder.
- `/widget/v1/<version>/<name>`: every other module. `<version>` is `digest_of` every file, so
  a release (or any edited file) moves every module to new URLs at once, and these are cached
  for a year. The modules import each other by relative paths, which stay in the folder.
- `/widget/v1/<name>` still serves every module, cached for five minutes only: pages that
  import a module by its plain path (the dashboard's preview imports `format.js`) and loaders
  cached before versioned paths existed.
"""

from functools import cache
from pathlib import Path
from typing import Annotated, Final

from fastapi import APIRouter, Header, Response
from fastapi import Path as PathParam

from helpline.core.assets import IMMUTABLE, Asset, asset_of, asset_response, digest_of, load_assets
from helpline.core.errors import NotFound

STATIC_DIR: Final = Path(__file__).parent / "static"
ENTRY: Final = "widget.js"
# Written by the server, in the entry only, in place of the version (see entry_of).
VERSION_PLACEHOLDER: Final = "__HELPLINE_WIDGET_VERSION__"
# The entry, and modules at their plain paths: a release reaches every visitor within minutes.
SHORT_CACHE: Final = "public, max-age=300"
# A version that is not the current one: today's file, never stored without asking again.
REVALIDATE: Final = "no-cache"

router = APIRouter()


@cache
def assets() -> dict[str, Asset]:
    """Every file of static/, by name, as it is on disk; read once per process."""
    return load_assets(STATIC_DIR)


@cache
def widget_version() -> str:
    """The folder of the versioned modules: a hash of every file, the entry's included."""
    return digest_of(assets())


def entry_of(files: dict[str, Asset], version: str) -> Asset:
    """The entry as served: its placeholder replaced by `version`. A missing placeholder is a
    broken release, so it fails here rather than in visitors' browsers."""
    source = files[ENTRY]
    text = source.body.decode("utf-8")
    if text.count(VERSION_PLACEHOLDER) != 1:
        raise RuntimeError(f"static/{ENTRY} must hold {VERSION_PLACEHOLDER} exactly once.")
    return asset_of(text.replace(VERSION_PLACEHOLDER, version).encode(), source.content_type)


@cache
def entry() -> Asset:
    return entry_of(assets(), widget_version())


def _served(
    asset: Asset, cache_control: str, accept_encoding: str | None, if_none_match: str | None
) -> Response:
    return asset_response(
        asset,
        accept_encoding=accept_encoding,
        if_none_match=if_none_match,
        headers={
            "Cache-Control": cache_control,
            "Access-Control-Allow-Origin": "*",
            "Cross-Origin-Resource-Policy": "cross-origin",
        },
    )


# HEAD too: uptime checkers and CDNs probe the script without downloading it.
@router.api_route("/widget/v1/{name}", methods=["GET", "HEAD"], include_in_schema=False)
async def widget_file(
    name: Annotated[str, PathParam(max_length=64)],
    accept_encoding: Annotated[str | None, Header()] = None,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """The entry, or a module at its plain path: both cached for minutes."""
    asset = entry() if name == ENTRY else assets().get(name)
    if asset is None:
        raise NotFound("The widget has no such file.")
    return _served(asset, SHORT_CACHE, accept_encoding, if_none_match)


@router.api_route("/widget/v1/{version}/{name}", methods=["GET", "HEAD"], include_in_schema=False)
async def versioned_widget_file(
    version: Annotated[str, PathParam(max_length=32)],
    name: Annotated[str, PathParam(max_length=64)],
    accept_encoding: Annotated[str | None, Header()] = None,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """A module of the current version, cached for a year.

    Any other version also gets today's file, but with `no-cache`, not the year: an unknown
    version is not refused, because a 404 would break the widget on pages that loaded the
    entry just before an upgrade (the entry is cached for five minutes) and, while nodes of a
    cluster are upgraded one by one, on every page whose entry and modules come from nodes of
    different releases. Only the current version is stored for a year, so no URL is ever
    cached with a file of another release than the one it names: a node of the previous
    release that is asked for the new version cannot make browsers or proxies keep its old
    file under the new URL. The cost is that such a page may run modules of two releases once;
    its next load runs one release.
    """
    if name == ENTRY:
        # The entry lives beside the folders: its import would point to <version>/<version>/.
        raise NotFound("The widget has no such file.")
    asset = assets().get(name)
    if asset is None:
        raise NotFound("The widget has no such file.")
    cache_control = IMMUTABLE if version == widget_version() else REVALIDATE
    return _served(asset, cache_control, accept_encoding, if_none_match)
