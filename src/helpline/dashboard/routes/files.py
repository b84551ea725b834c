"""The dashboard's scripts and styles, at `/app/static/<version>/<name>` (templating.py): the
same public files for everyone, cached for a year since any change makes a new version."""

from typing import Annotated

from fastapi import APIRouter, Header, Response
from fastapi import Path as PathParam

from helpline.core.assets import IMMUTABLE, asset_response
from helpline.core.errors import NotFound
from helpline.dashboard.templating import STATIC_PREFIX, assets

router = APIRouter(include_in_schema=False)


@router.api_route(STATIC_PREFIX + "/{version}/{name}", methods=["GET", "HEAD"])
async def dashboard_file(
    version: Annotated[str, PathParam(max_length=32)],  # noqa: ARG001 (see below)
    name: Annotated[str, PathParam(max_length=64)],
    accept_encoding: Annotated[str | None, Header()] = None,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    # Any version serves today's file: a page of the previous release still loads, and the
    # next reload moves it to the new URLs.
    asset = assets().get(name)
    if asset is None:
        raise NotFound("The dashboard has no such file.")
    return asset_response(
        asset,
        accept_encoding=accept_encoding,
        if_none_match=if_none_match,
        headers={"Cache-Control": IMMUTABLE},
    )
