"""Fixed-window rate limits, in memory (one process) or in Redis (shared by all nodes).

A limiter counts hits on a key within a window and answers how long to wait once the count
passes the limit. When Redis is unreachable the limiter lets requests through and logs it:
RELIABILITY.md wants the REST API working while Redis is down, and a missed limit for a few
seconds is the lesser harm.
"""

import math
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from helpline.core.errors import RateLimited

log = structlog.get_logger(__name__)


class RateLimiter(Protocol):
    async def hit(self, key: str, *, limit: int, window_s: int) -> int | None:
        """Count one hit; return the seconds to wait if the limit is exceeded, else None."""
        ...

    async def close(self) -> None: ...


class MemoryRateLimiter:
    def __init__(self) -> None:
        self._windows: dict[str, tuple[float, int]] = {}

    async def hit(self, key: str, *, limit: int, window_s: int) -> int | None:
        now = time.monotonic()
        if len(self._windows) > 100_000:
            self._forget_expired(now)
        started, count = self._windows.get(key, (now, 0))
        if now - started >= window_s:
            started, count = now, 0
        count += 1
        self._windows[key] = (started, count)
        if count > limit:
            return math.ceil(started + window_s - now)
        return None

    def _forget_expired(self, now: float) -> None:
        # Windows are at most a day long; anything older than that is dead weight.
        self._windows = {k: v for k, v in self._windows.items() if now - v[0] < 86_400}

    async def close(self) -> None:
        self._windows.clear()


class RedisRateLimiter:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def hit(self, key: str, *, limit: int, window_s: int) -> int | None:
        name = f"helpline:ratelimit:{key}"
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                # Pipeline commands are queued, not awaited; execute() sends them at once.
                _ = pipe.set(name, 0, ex=window_s, nx=True)
                _ = pipe.incr(name)
                _ = pipe.pttl(name)
                _, count, ttl_ms = await pipe.execute()
        except RedisError:
            log.warning("rate_limit_redis_unavailable", key=key)
            return None
        if int(count) > limit:
            return max(1, math.ceil(int(ttl_ms) / 1000))
        return None

    async def close(self) -> None:
        await self._redis.aclose()


@dataclass(frozen=True, slots=True)
class Limit:
    key: str
    limit: int


async def enforce(limiter: RateLimiter, limits: list[Limit], *, window: timedelta) -> None:
    """Count a hit on every key; raise RateLimited (429, Retry-After) if any is exceeded."""
    window_s = int(window.total_seconds())
    waits = [await limiter.hit(item.key, limit=item.limit, window_s=window_s) for item in limits]
    worst = max((w for w in waits if w is not None), default=None)
    if worst is not None:
        raise RateLimited(worst)
