"""Where uploaded files live: a small `Storage` interface and its backends, chosen from
settings by `create_storage`. Only the local disk exists today; an S3 backend implements the
same three operations. See docs/attachments.md."""

from helpline.storage.base import (
    CHUNK_BYTES,
    FileTooLarge,
    Storage,
    StoredFile,
    StoredFileMissing,
    is_valid_key,
    new_key,
)
from helpline.storage.factory import create_storage
from helpline.storage.local import LocalStorage

__all__ = [
    "CHUNK_BYTES",
    "FileTooLarge",
    "LocalStorage",
    "Storage",
    "StoredFile",
    "StoredFileMissing",
    "create_storage",
    "is_valid_key",
    "new_key",
]
