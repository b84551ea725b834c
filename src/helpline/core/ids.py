"""Identifiers: time-ordered random UUIDs (version 7, RFC 9562).

They sort by creation time, which keeps B-tree inserts local and gives cursor pagination a
stable order, and they carry 62 random bits, so they cannot be guessed or enumerated. Within
one process they are strictly increasing: inside a millisecond the 12-bit `rand_a` field is a
counter (RFC 9562, section 6.2, method 1), so rows made in a loop keep their order.
"""

import secrets
import threading
import time
import uuid

_lock = threading.Lock()
_last_ms = 0
_counter = 0


def _next_timestamp_and_counter() -> tuple[int, int]:
    global _last_ms, _counter  # one process-wide monotonic clock, guarded by _lock
    with _lock:
        now_ms = time.time_ns() // 1_000_000
        if now_ms > _last_ms:
            _last_ms, _counter = now_ms, secrets.randbits(11)  # leave room to count up
        else:
            _counter += 1
            if _counter >= 1 << 12:  # more than ~2,000 ids this millisecond: borrow the next one
                _last_ms, _counter = _last_ms + 1, 0
        return _last_ms, _counter


def new_id() -> uuid.UUID:
    unix_ms, counter = _next_timestamp_and_counter()
    value = (unix_ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76  # version
    value |= counter << 64
    value |= 0b10 << 62  # RFC 9562 variant
    value |= secrets.randbits(62)
    return uuid.UUID(int=value)
