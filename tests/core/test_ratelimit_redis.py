"""RedisRateLimiter against a real Redis: the limits every node of an installation shares."""

import socket
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from redis.asyncio import Redis
from structlog.testing import capture_logs

from helpline.core.errors import RateLimited
from helpline.core.ratelimit import Limit, RedisRateLimiter, enforce

WINDOW_S = 60


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
async def key(redis: Redis) -> AsyncIterator[str]:
    """A key no other test (or earlier run against the same Redis) has counted."""
    name = f"test:{uuid.uuid4().hex}"
    yield name
    counted = [k async for k in redis.scan_iter(match=f"helpline:ratelimit:{name}*")]
    if counted:
        await redis.delete(*counted)


@pytest.fixture
async def limiter(redis_url: str) -> AsyncIterator[RedisRateLimiter]:
    limiter = RedisRateLimiter(Redis.from_url(redis_url))
    yield limiter
    await limiter.close()


async def _hits(limiter: RedisRateLimiter, key: str, n: int, *, limit: int = 3) -> list[int | None]:
    return [await limiter.hit(key, limit=limit, window_s=WINDOW_S) for _ in range(n)]


async def test_over_the_limit_says_how_long_to_wait(limiter: RedisRateLimiter, key: str) -> None:
    waits = await _hits(limiter, key, 5)

    assert waits[:3] == [None, None, None]
    assert all(w is not None and 0 < w <= WINDOW_S for w in waits[3:]), waits


async def test_keys_are_counted_apart(limiter: RedisRateLimiter, key: str) -> None:
    await _hits(limiter, f"{key}:a", 4)

    assert await _hits(limiter, f"{key}:b", 3) == [None, None, None]
    assert (await _hits(limiter, f"{key}:a", 1))[0] is not None


async def test_two_nodes_share_the_counts(redis_url: str, key: str) -> None:
    node_1 = RedisRateLimiter(Redis.from_url(redis_url))
    node_2 = RedisRateLimiter(Redis.from_url(redis_url))
    try:
        first = await _hits(node_1, key, 2)
        second = await _hits(node_2, key, 2)
        third = await _hits(node_1, key, 1)
    finally:
        await node_1.close()
        await node_2.close()

    assert first == [None, None]
    assert second[0] is None
    assert second[1] is not None
    assert third[0] is not None


async def test_the_window_starts_at_the_first_hit(
    limiter: RedisRateLimiter, redis: Redis, key: str
) -> None:
    await _hits(limiter, key, 1)
    name = f"helpline:ratelimit:{key}"
    assert 0 < await redis.pttl(name) <= WINDOW_S * 1000
    # Pretend the window is nearly over: later hits must not push its end back.
    await redis.pexpire(name, 4_000)

    waits = await _hits(limiter, key, 3)

    assert waits[:2] == [None, None]
    assert waits[2] is not None
    assert waits[2] <= 4
    assert await redis.pttl(name) <= 4_000


async def test_enforce_raises_with_the_longest_wait(limiter: RedisRateLimiter, key: str) -> None:
    limits = [Limit(f"{key}:account", 1), Limit(f"{key}:ip", 100)]
    await enforce(limiter, limits, window=timedelta(seconds=WINDOW_S))

    with pytest.raises(RateLimited) as refused:
        await enforce(limiter, limits, window=timedelta(seconds=WINDOW_S))

    assert 0 < refused.value.retry_after_s <= WINDOW_S
    assert refused.value.headers == {"Retry-After": str(refused.value.retry_after_s)}


async def test_unreachable_redis_lets_requests_through_and_says_so() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    limiter = RedisRateLimiter(Redis.from_url(f"redis://127.0.0.1:{closed_port}/0"))
    try:
        with capture_logs() as logs:
            waits = await _hits(limiter, "unreachable", 5, limit=1)
    finally:
        await limiter.close()

    assert waits == [None] * 5
    assert [(e["event"], e["log_level"], e["key"]) for e in logs] == [
        ("rate_limit_redis_unavailable", "warning", "unreachable")
    ] * 5
