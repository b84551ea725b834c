"""Cursor pagination over time-ordered ids.

A cursor is the opaque encoding of the last id a page returned. Pages stay stable while rows
are added (unlike offsets), and each page is one index range scan.
"""

import base64
import binascii
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from helpline.core.errors import BadRequest

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


@dataclass(frozen=True, slots=True)
class PageParams:
    cursor: uuid.UUID | None = None
    limit: int = DEFAULT_PAGE_SIZE


def encode_cursor(last_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(last_id.bytes).decode().rstrip("=")


def decode_cursor(cursor: str) -> uuid.UUID:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        return uuid.UUID(bytes=raw)
    except (binascii.Error, ValueError) as exc:
        raise BadRequest(
            "The cursor is not valid: pass the next_cursor value of a previous page."
        ) from exc


def _page_params(
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
) -> PageParams:
    return PageParams(cursor=decode_cursor(cursor) if cursor else None, limit=limit)


PageParamsDep = Annotated[PageParams, Depends(_page_params)]


async def paginate(
    session: AsyncSession,
    statement: Select[T],
    *,
    id_column: InstrumentedAttribute[Any],
    params: PageParams,
    newest_first: bool = False,
) -> tuple[Sequence[T], str | None]:
    """Run `statement` for one page; returns the rows and the cursor of the next page."""
    if params.cursor is not None:
        after = id_column < params.cursor if newest_first else id_column > params.cursor
        statement = statement.where(after)
    order = id_column.desc() if newest_first else id_column.asc()
    rows = (await session.scalars(statement.order_by(order).limit(params.limit + 1))).all()
    if len(rows) <= params.limit:
        return rows, None
    page = rows[: params.limit]
    return page, encode_cursor(page[-1].id)  # type: ignore[attr-defined]  # T is an id-bearing model
