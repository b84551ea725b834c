"""Helpers for canned-response tests: the URL, a response to create, and reading rows."""

import uuid
from collections.abc import Sequence
from typing import Any

import httpx
from sqlalchemy import select

from helpline.canned.models import CannedResponse
from helpline.core.runtime import Runtime
from tests.fixtures.api import scalars

CANNED = "/api/v1/canned-responses"

REFUND = {
    "shortcut": "refund",
    "title": "Refund policy",
    "body": "You can return any item within 30 days for a full refund.",
}


async def create(
    client: httpx.AsyncClient, headers: dict[str, str], **fields: str
) -> dict[str, Any]:
    """Create a canned response (REFUND with `fields` changed); fails the test unless 201."""
    response = await client.post(CANNED, json=REFUND | fields, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def rows_of(runtime: Runtime, workspace_id: uuid.UUID) -> Sequence[CannedResponse]:
    """The workspace's canned responses as committed, by shortcut."""
    statement = (
        select(CannedResponse)
        .where(CannedResponse.workspace_id == workspace_id)
        .order_by(CannedResponse.shortcut)
    )
    return await scalars(runtime, statement)
