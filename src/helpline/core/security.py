"""Passwords and opaque secrets.

Passwords are hashed with argon2id off the event loop (a hash costs tens of milliseconds of
CPU). Opaque secrets (refresh tokens, API keys, invitation and reset links) are 256-bit random
strings; only their SHA-256 is stored, which is enough for values that cannot be guessed.
"""

import asyncio
import hashlib
import hmac
import secrets
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from helpline.settings import Settings

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256


@lru_cache(maxsize=4)
def _hasher(time_cost: int, memory_kib: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1)


def _hasher_for(settings: Settings) -> PasswordHasher:
    return _hasher(settings.argon2_time_cost, settings.argon2_memory_kib)


async def hash_password(settings: Settings, password: str) -> str:
    return await asyncio.to_thread(_hasher_for(settings).hash, password)


async def verify_password(settings: Settings, password_hash: str, password: str) -> bool:
    def check() -> bool:
        try:
            return _hasher_for(settings).verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(check)


# A real hash to verify against when the account does not exist, so that a login for an
# unknown email costs the same time as one with a wrong password (no account enumeration).
_DUMMY_HASH_CACHE: dict[tuple[int, int], str] = {}


async def burn_password_check(settings: Settings, password: str) -> None:
    key = (settings.argon2_time_cost, settings.argon2_memory_kib)
    if key not in _DUMMY_HASH_CACHE:
        _DUMMY_HASH_CACHE[key] = await hash_password(settings, secrets.token_hex(16))
    await verify_password(settings, _DUMMY_HASH_CACHE[key], password)


def new_secret(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def secrets_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
