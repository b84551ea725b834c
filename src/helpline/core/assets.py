"""Static files served from memory: read and gzipped once per process, with ETags.

The widget and the dashboard both serve their own small folders of scripts and styles this
way. Files are the same on every node (gzip with mtime 0), so an ETag fits every node.
"""

import gzip
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from fastapi import Response

CONTENT_TYPES: Final = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
IMMUTABLE: Final = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class Asset:
    body: bytes
    gzipped: bytes
    content_type: str
    etag: str


def load_assets(directory: Path) -> dict[str, Asset]:
    """Every servable file of `directory` (not its subfolders), by name."""
    found: dict[str, Asset] = {}
    for path in sorted(directory.iterdir()):
        content_type = CONTENT_TYPES.get(path.suffix)
        if content_type is None or not path.is_file():
            continue
        found[path.name] = asset_of(path.read_bytes(), content_type)
    return found


def asset_of(body: bytes, content_type: str) -> Asset:
    """`body` ready to serve: its ETag (a hash of the bytes) and its gzip. For a file whose
    served text is made at startup, such as the widget's entry with its version written in."""
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    gzipped = gzip.compress(body, compresslevel=9, mtime=0)
    return Asset(body, gzipped, content_type, etag)


def digest_of(assets: dict[str, Asset]) -> str:
    """One short hash of every file: a path segment that changes whenever any file does."""
    combined = hashlib.sha256()
    for name, asset in sorted(assets.items()):
        combined.update(name.encode() + asset.etag.encode())
    return combined.hexdigest()[:12]


def accepts_gzip(accept_encoding: str | None) -> bool:
    for part in (accept_encoding or "").split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() in ("gzip", "*") and params.replace(" ", "") != "q=0":
            return True
    return False


def asset_response(
    asset: Asset,
    *,
    accept_encoding: str | None,
    if_none_match: str | None,
    headers: dict[str, str],
) -> Response:
    """The file, gzipped when the client takes it, or 304 when it already holds it."""
    headers = {"ETag": asset.etag, "Vary": "Accept-Encoding", **headers}
    if if_none_match is not None and asset.etag in if_none_match:
        return Response(status_code=304, headers=headers)
    if accepts_gzip(accept_encoding):
        headers["Content-Encoding"] = "gzip"
        return Response(asset.gzipped, media_type=asset.content_type, headers=headers)
    return Response(asset.body, media_type=asset.content_type, headers=headers)
