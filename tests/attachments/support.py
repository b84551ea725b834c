"""Helpers for the attachment tests: uploading through the API and looking at the disk."""

import hashlib
from pathlib import Path
from typing import Any

import httpx

from helpline.settings import Settings
from tests.fixtures.world import TINY_PNG

ATTACHMENTS = "/api/v1/attachments"
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 600 + b"\n%%EOF\n"
PNG = TINY_PNG


def upload_url(conversation_id: object) -> str:
    return f"/api/v1/conversations/{conversation_id}/attachments"


async def upload(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    conversation_id: object,
    content: bytes,
    *,
    filename: str = "file.pdf",
    content_type: str = "application/pdf",
) -> httpx.Response:
    return await client.post(
        upload_url(conversation_id),
        files={"file": (filename, content, content_type)},
        headers=headers,
    )


async def uploaded(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    conversation_id: object,
    content: bytes = PDF,
    **kwargs: Any,
) -> dict[str, Any]:
    """Upload; fails the test unless it is a 201."""
    response = await upload(client, headers, conversation_id, content, **kwargs)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def stored_files(settings: Settings) -> set[Path]:
    """Every file and folder under the attachments store, temporary uploads included."""
    root = settings.data_dir / "attachments"
    return set(root.rglob("*")) if root.exists() else set()


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()
