"""Identifiers: time-ordered random UUIDs (version 7, RFC 9562).

They sort by creation time, which keeps B-tree inserts local and gives cursor pagination a
stable order, and they carry 74 random bits, so they cannot be guessed or enumerated.
"""

import secrets
import time
import uuid


def new_id() -> uuid.UUID:
    unix_ms = time.time_ns() // 1_000_000
    rand_a = secrets.randbits(12)
    rand_b = secrets.randbits(62)
    value = (unix_ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76  # version
    value |= rand_a << 64
    value |= 0b10 << 62  # RFC 9562 variant
    value |= rand_b
    return uuid.UUID(int=value)
