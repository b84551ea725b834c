"""Secrets Helpline must read back (a workspace's LLM API key), stored encrypted.

Unlike passwords and tokens (core/security.py), these are sent on to someone else, so a hash
will not do. They are sealed with Fernet (AES-128-CBC and HMAC-SHA256, from `cryptography`)
under a key derived from HELPLINE_SECRET_KEY with HKDF, one key per purpose, so a token
sealed for one use cannot be opened as another. A database dump alone reveals none of them.

Changing HELPLINE_SECRET_KEY makes every sealed value unreadable (`Unreadable`): the owners
must enter them again, which the API and the dashboard tell them (docs/bot.md, Model).
"""

import base64
from functools import lru_cache
from typing import Final

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from helpline.settings import Settings

_INFO_PREFIX: Final = b"helpline/encryption/"


class Unreadable(Exception):
    """A sealed value that cannot be opened: sealed under another secret key, or altered."""


@lru_cache(maxsize=16)
def _fernet(secret_key: str, purpose: str) -> Fernet:
    derived = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=_INFO_PREFIX + purpose.encode(),
    ).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def seal(settings: Settings, purpose: str, plaintext: str) -> str:
    """`plaintext` encrypted and authenticated, as URL-safe text for a database column."""
    fernet = _fernet(settings.secret_key.get_secret_value(), purpose)
    return fernet.encrypt(plaintext.encode()).decode("ascii")


def unseal(settings: Settings, purpose: str, token: str) -> str:
    """What `seal` sealed for the same purpose under the same secret key, or Unreadable."""
    fernet = _fernet(settings.secret_key.get_secret_value(), purpose)
    try:
        return fernet.decrypt(token.encode("ascii")).decode()
    except (InvalidToken, UnicodeError) as exc:
        raise Unreadable(purpose) from exc
