"""Choosing the storage backend from settings."""

from helpline.settings import Settings
from helpline.storage.base import Storage
from helpline.storage.local import LocalStorage

ATTACHMENTS_DIR = "attachments"


def create_storage(settings: Settings) -> Storage:
    # Only "local" exists (the setting is a Literal, so anything else fails at start-up);
    # an S3 backend would be chosen here.
    return LocalStorage(settings.data_dir / ATTACHMENTS_DIR)
