"""The widget's script files, served from Helpline at a versioned path.

They are the same public code for every workspace, so they are not API routes: this router is
included by `create_app` outside `helpline.api.ROUTERS` and hidden from the OpenAPI document
(the isolation sweep lists it in its STATIC_ROUTES). Each file is read and gzipped once, then
served from memory with a year-long immutable cache, an ETag, and CORS (`type="module"` scripts
from another origin are fetched in CORS mode, so the host page needs it to run them).
"""

from functools import cache
from pathlib import Path
from typing import Annotated, Final

from fastapi import APIRouter, Header, Response
from fastapi import Path as PathParam

from helpline.core.assets import IMMUTABLE, Asset, asset_response, load_assets
from helpline.core.errors import NotFound

STATIC_DIR: Final = Path(__file__).parent / "static"

router = APIRouter()


@cache
def assets() -> dict[str, Asset]:
    """Every file of static/, by name; read once per process."""
    return load_assets(STATIC_DIR)


@router.get("/widget/v1/{name}", include_in_schema=False)
async def widget_file(
    name: Annotated[str, PathParam(max_length=64)],
    accept_encoding: Annotated[str | None, Header()] = None,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    asset = assets().get(name)
    if asset is None:
        raise NotFound("The widget has no such file.")
    return asset_response(
        asset,
        accept_encoding=accept_encoding,
        if_none_match=if_none_match,
        headers={
            "Cache-Control": IMMUTABLE,
            "Access-Control-Allow-Origin": "*",
            "Cross-Origin-Resource-Policy": "cross-origin",
        },
    )
