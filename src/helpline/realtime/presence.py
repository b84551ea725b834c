"""Who is connected: each member's live sockets, across every node.

An entry per socket, with an expiry that heartbeats push back; a node that dies leaves
entries that simply expire. In memory for one process, a sorted set per workspace in Redis
for many (score: the entry's expiry time). Presence is advisory: if Redis fails, members show
as offline and nothing else breaks (assignment reads availability from the database).
"""

import time
import uuid
from collections import defaultdict
from typing import Protocol

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

log = structlog.get_logger(__name__)


class Presence(Protocol):
    async def join(self, workspace_id: uuid.UUID, member_id: uuid.UUID, socket_id: str) -> bool:
        """Record a socket; True when the member had none before (they came online)."""
        ...

    async def refresh(
        self, workspace_id: uuid.UUID, member_id: uuid.UUID, socket_id: str
    ) -> None: ...

    async def leave(self, workspace_id: uuid.UUID, member_id: uuid.UUID, socket_id: str) -> bool:
        """Forget a socket; True when it was the member's last (they went offline)."""
        ...

    async def online(self, workspace_id: uuid.UUID) -> set[uuid.UUID]: ...


def _entry(member_id: uuid.UUID, socket_id: str) -> str:
    return f"{member_id}:{socket_id}"


def _member(entry: str) -> uuid.UUID:
    return uuid.UUID(entry.partition(":")[0])


class MemoryPresence:
    def __init__(self, ttl_s: float) -> None:
        self._ttl_s = ttl_s
        self._expiry: dict[uuid.UUID, dict[str, float]] = defaultdict(dict)

    def _live(self, workspace_id: uuid.UUID) -> dict[str, float]:
        now = time.monotonic()
        entries = self._expiry[workspace_id]
        for entry in [e for e, expiry in entries.items() if expiry <= now]:
            del entries[entry]
        return entries

    async def join(self, workspace_id: uuid.UUID, member_id: uuid.UUID, socket_id: str) -> bool:
        entries = self._live(workspace_id)
        first = member_id not in {_member(e) for e in entries}
        entries[_entry(member_id, socket_id)] = time.monotonic() + self._ttl_s
        return first

    async def refresh(self, workspace_id: uuid.UUID, member_id: uuid.UUID, socket_id: str) -> None:
        self._live(workspace_id)[_entry(member_id, socket_id)] = time.monotonic() + self._ttl_s

    async def leave(self, workspace_id: uuid.UUID, member_id: uuid.UUID, socket_id: str) -> bool:
        entries = self._live(workspace_id)
        entries.pop(_entry(member_id, socket_id), None)
        return member_id not in {_member(e) for e in entries}

    async def online(self, workspace_id: uuid.UUID) -> set[uuid.UUID]:
        return {_member(e) for e in self._live(workspace_id)}


class RedisPresence:
    def __init__(self, redis: Redis, ttl_s: float) -> None:
        self._redis = redis
        self._ttl_s = ttl_s

    @staticmethod
    def _key(workspace_id: uuid.UUID) -> str:
        return f"helpline:presence:{workspace_id}"

    async def _members(self, key: str) -> set[uuid.UUID]:
        now = time.time()
        await self._redis.zremrangebyscore(key, "-inf", now)
        entries = await self._redis.zrangebyscore(key, now, "+inf")
        return {_member(e.decode() if isinstance(e, bytes) else str(e)) for e in entries}

    async def join(self, workspace_id: uuid.UUID, member_id: uuid.UUID, socket_id: str) -> bool:
        key = self._key(workspace_id)
        try:
            first = member_id not in await self._members(key)
            await self._redis.zadd(key, {_entry(member_id, socket_id): time.time() + self._ttl_s})
            await self._redis.expire(key, int(self._ttl_s) + 60)
        except (RedisError, OSError) as error:
            log.warning("presence_unavailable", error=str(error))
            return False
        return first

    async def refresh(self, workspace_id: uuid.UUID, member_id: uuid.UUID, socket_id: str) -> None:
        key = self._key(workspace_id)
        try:
            await self._redis.zadd(key, {_entry(member_id, socket_id): time.time() + self._ttl_s})
            await self._redis.expire(key, int(self._ttl_s) + 60)
        except (RedisError, OSError) as error:
            log.warning("presence_unavailable", error=str(error))

    async def leave(self, workspace_id: uuid.UUID, member_id: uuid.UUID, socket_id: str) -> bool:
        key = self._key(workspace_id)
        try:
            await self._redis.zrem(key, _entry(member_id, socket_id))
            return member_id not in await self._members(key)
        except (RedisError, OSError) as error:
            log.warning("presence_unavailable", error=str(error))
            return False

    async def online(self, workspace_id: uuid.UUID) -> set[uuid.UUID]:
        try:
            return await self._members(self._key(workspace_id))
        except (RedisError, OSError) as error:
            log.warning("presence_unavailable", error=str(error))
            return set()


def create_presence(redis: Redis | None, ttl_s: float) -> Presence:
    return RedisPresence(redis, ttl_s) if redis is not None else MemoryPresence(ttl_s)
