"""The widget's script files, served from Helpline at a versioned path.

They are the same public code for every workspace, so they are not API routes: this router is
included by `create_app` outside `helpline.api.ROUTERS` and hidden from the OpenAPI document
(the isolation sweep lists it in its STATIC_ROUTES). Each file is read and gzipped once, then
served from memory with a year-long immutable cache, an ETag, and CORS (`type="module"` scripts
from another origin are fetched in CORS mode, so the host page needs it to run them).
"""

import gzip
import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated, Final

from fastapi import APIRouter, Header, Response
from fastapi import Path as PathParam

from helpline.core.errors import NotFound

STATIC_DIR: Final = Path(__file__).parent / "static"
CONTENT_TYPES: Final = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
}
IMMUTABLE: Final = "public, max-age=31536000, immutable"

router = APIRouter()


@dataclass(frozen=True)
class Asset:
    body: bytes
    gzipped: bytes
    content_type: str
    etag: str


@cache
def assets() -> dict[str, Asset]:
    """Every file of static/ (not its subfolders), by name; read once per process."""
    found: dict[str, Asset] = {}
    for path in sorted(STATIC_DIR.iterdir()):
        content_type = CONTENT_TYPES.get(path.suffix)
        if content_type is None or not path.is_file():
            continue
        body = path.read_bytes()
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        # mtime=0: the same bytes on every node, so one ETag fits every encoding and node.
        gzipped = gzip.compress(body, compresslevel=9, mtime=0)
        found[path.name] = Asset(body, gzipped, content_type, etag)
    return found


def _accepts_gzip(accept_encoding: str | None) -> bool:
    for part in (accept_encoding or "").split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() in ("gzip", "*") and params.replace(" ", "") != "q=0":
            return True
    return False


@router.get("/widget/v1/{name}", include_in_schema=False)
async def widget_file(
    name: Annotated[str, PathParam(max_length=64)],
    accept_encoding: Annotated[str | None, Header()] = None,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    asset = assets().get(name)
    if asset is None:
        raise NotFound("The widget has no such file.")
    headers = {
        "Cache-Control": IMMUTABLE,
        "ETag": asset.etag,
        "Vary": "Accept-Encoding",
        "Access-Control-Allow-Origin": "*",
        "Cross-Origin-Resource-Policy": "cross-origin",
    }
    if if_none_match is not None and asset.etag in if_none_match:
        return Response(status_code=304, headers=headers)
    if _accepts_gzip(accept_encoding):
        headers["Content-Encoding"] = "gzip"
        return Response(asset.gzipped, media_type=asset.content_type, headers=headers)
    return Response(asset.body, media_type=asset.content_type, headers=headers)
