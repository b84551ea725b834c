"""Brokers carry published events between processes: in memory for one process, through Redis
for many.

A broker moves opaque strings on named channels (one channel per workspace, see hub.py). It
promises no more than Redis pub/sub does: delivery to the processes subscribed at the moment
of publishing, at most once. What it adds is honesty about loss: whenever it may have dropped
something (the Redis connection broke, the outbound queue overflowed), it calls `on_gap`, and
the hub tells every client to resync from the database, where nothing is ever lost.
"""

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final, Protocol

import structlog
from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

log = structlog.get_logger(__name__)

# Where the runtime puts the broker in every session's `info` (see publish.py).
BROKER_KEY: Final = "helpline.broker"

Deliver = Callable[[str, str], None]
OnGap = Callable[[], None]


class Broker(Protocol):
    """Publishing never raises: events are published after a commit, which stands whatever
    happens to them. On failure the broker tells this node's clients to resync."""

    async def start(self, deliver: Deliver, on_gap: OnGap) -> None: ...

    def publish(self, channel: str, data: str) -> None:
        """Fire and forget (typing, presence: worthless if late)."""
        ...

    async def publish_confirmed(self, messages: Sequence[tuple[str, str]]) -> bool:
        """Whether the messages reached every subscribed node (False: maybe not). Callers
        wait for this before acknowledging a write, so that a process dying after the
        acknowledgement cannot take its events with it."""
        ...

    async def subscribe(self, channel: str) -> None: ...

    async def unsubscribe(self, channel: str) -> None: ...

    async def healthy(self) -> bool:
        """Whether events flow between nodes right now (for /api/v1/health)."""
        ...

    async def close(self) -> None: ...


class MemoryBroker:
    """One process: publishing hands the event to this process's hub on the next loop turn
    (never inside the publisher's call, so a publisher never runs fan-out code)."""

    def __init__(self) -> None:
        self._deliver: Deliver | None = None
        self._channels: set[str] = set()

    async def start(self, deliver: Deliver, on_gap: OnGap) -> None:  # noqa: ARG002 (nothing is ever lost in memory)
        self._deliver = deliver

    def publish(self, channel: str, data: str) -> None:
        if self._deliver is not None and channel in self._channels:
            asyncio.get_running_loop().call_soon(self._deliver, channel, data)

    async def publish_confirmed(self, messages: Sequence[tuple[str, str]]) -> bool:
        for channel, data in messages:
            self.publish(channel, data)
        return True

    async def subscribe(self, channel: str) -> None:
        self._channels.add(channel)

    async def unsubscribe(self, channel: str) -> None:
        self._channels.discard(channel)

    async def healthy(self) -> bool:
        return True

    async def close(self) -> None:
        self._deliver = None


# Whatever is queued when the publisher wakes goes out in one pipeline (PERFORMANCE.md,
# lesson 4: one PUBLISH round trip per event capped a node near 2,500 events/s).
_MAX_BATCH: Final = 500
# Events waiting for Redis; past this the oldest are dropped and clients told to resync.
_MAX_QUEUED: Final = 50_000
_RETRY_DELAYS_S: Final = (0.1, 0.25, 0.5, 1.0, 2.0)
_PING_TIMEOUT_S: Final = 1.0
# How long a write waits for its events to reach Redis before it is acknowledged anyway.
_CONFIRM_TIMEOUT_S: Final = 2.0


@dataclass(frozen=True, slots=True)
class _Outgoing:
    channel: str
    data: str
    # Resolved once the batch holding this message was sent (True) or dropped (False).
    sent: asyncio.Future[bool] | None = None


class RedisBroker:
    """Many processes. One task publishes (pipelining whatever is queued), one task reads
    the subscriptions; each reconnects by itself with backoff after an error."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._pubsub: PubSub = redis.pubsub(ignore_subscribe_messages=True)
        self._outbox: asyncio.Queue[_Outgoing] = asyncio.Queue()
        self._channels: set[str] = set()
        self._subscribed = asyncio.Event()
        self._deliver: Deliver | None = None
        self._on_gap: OnGap | None = None
        self._tasks: list[asyncio.Task[None]] = []
        # Whether the subscription is up; a failed publish tells clients, not the health.
        self._reading = True

    async def start(self, deliver: Deliver, on_gap: OnGap) -> None:
        self._deliver, self._on_gap = deliver, on_gap
        loop = asyncio.get_running_loop()
        # Background loops for the broker's lifetime; close() cancels and awaits them.
        self._tasks = [
            loop.create_task(self._publish_forever(), name="broker-publisher"),
            loop.create_task(self._read_forever(), name="broker-reader"),
        ]

    def publish(self, channel: str, data: str) -> None:
        self._enqueue(_Outgoing(channel, data))

    async def publish_confirmed(self, messages: Sequence[tuple[str, str]]) -> bool:
        if not messages:
            return True
        sent: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        for channel, data in messages[:-1]:
            self._enqueue(_Outgoing(channel, data))
        # One batch is sent in order, so the last message's fate is the whole group's.
        self._enqueue(_Outgoing(*messages[-1], sent=sent))
        try:
            async with asyncio.timeout(_CONFIRM_TIMEOUT_S):
                delivered = await asyncio.shield(sent)
        except TimeoutError:
            delivered = False
        if not delivered:
            log.warning("broker_publish_unconfirmed", events=len(messages))
        return delivered

    def _enqueue(self, message: _Outgoing) -> None:
        if self._outbox.qsize() >= _MAX_QUEUED:
            dropped = self._outbox.get_nowait()
            if dropped.sent is not None and not dropped.sent.done():
                dropped.sent.set_result(False)
            self._lost("outbox_full")
        self._outbox.put_nowait(message)

    async def subscribe(self, channel: str) -> None:
        self._channels.add(channel)
        with contextlib.suppress(RedisError, OSError):
            # On failure the reader resubscribes everything when it reconnects.
            await self._pubsub.subscribe(channel)
        self._subscribed.set()

    async def unsubscribe(self, channel: str) -> None:
        self._channels.discard(channel)
        with contextlib.suppress(RedisError, OSError):
            await self._pubsub.unsubscribe(channel)

    async def healthy(self) -> bool:
        if not self._reading:
            return False
        try:
            async with asyncio.timeout(_PING_TIMEOUT_S):
                return bool(await self._redis.ping())
        except (RedisError, OSError, TimeoutError):
            return False

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        with contextlib.suppress(RedisError, OSError):
            await self._pubsub.aclose()  # type: ignore[no-untyped-call]  # redis-py leaves it unannotated
        await self._redis.aclose()

    def _lost(self, reason: str) -> None:
        log.warning("broker_lost_events", reason=reason)
        if self._on_gap is not None:
            self._on_gap()

    async def _publish_forever(self) -> None:
        while True:
            batch = [await self._outbox.get()]
            while len(batch) < _MAX_BATCH and not self._outbox.empty():
                batch.append(self._outbox.get_nowait())
            delivered = await self._send(batch)
            for message in batch:
                if message.sent is not None and not message.sent.done():
                    message.sent.set_result(delivered)
            if not delivered:
                await asyncio.sleep(_RETRY_DELAYS_S[0])

    async def _send(self, batch: list[_Outgoing]) -> bool:
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for message in batch:
                    # A pipeline only queues the command; execute() sends them all.
                    pipe.publish(message.channel, message.data)  # type: ignore[unused-awaitable]
                await pipe.execute()
        except (RedisError, OSError) as error:
            # Dropped, not retried: this node's clients resync from the database, which
            # has everything these events said.
            log.warning("broker_publish_failed", error=str(error), dropped=len(batch))
            self._lost("publish_failed")
            return False
        return True

    async def _read_forever(self) -> None:
        failures = 0
        while True:
            try:
                if failures:
                    await self._resubscribe()
                    self._reading = True
                    failures = 0
                    # Whatever was published while we were away is gone for this node.
                    self._lost("reconnected")
                await self._subscribed.wait()
                await self._read_until_error()
            except (RedisError, OSError) as error:
                self._reading = False
                if failures == 0:
                    # Tell clients now: until Redis is back, only REST has the news.
                    self._lost("subscription_lost")
                delay = _RETRY_DELAYS_S[min(failures, len(_RETRY_DELAYS_S) - 1)]
                failures += 1
                log.warning("broker_subscription_lost", error=str(error), retry_in_s=delay)
                await asyncio.sleep(delay)

    async def _resubscribe(self) -> None:
        with contextlib.suppress(RedisError, OSError):
            await self._pubsub.aclose()  # type: ignore[no-untyped-call]  # redis-py leaves it unannotated
        self._pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        if self._channels:
            await self._pubsub.subscribe(*self._channels)
        else:
            # Nothing to subscribe to: still prove Redis answers before calling it back.
            await self._redis.ping()

    async def _read_until_error(self) -> None:
        while True:
            if not self._pubsub.subscribed:
                # Everything was unsubscribed: wait for the next subscribe().
                self._subscribed.clear()
                return
            message = await self._pubsub.get_message(timeout=1.0)
            if message is None or message["type"] != "message":
                continue
            channel, data = message["channel"], message["data"]
            if self._deliver is not None:
                self._deliver(
                    channel.decode() if isinstance(channel, bytes) else channel,
                    data.decode() if isinstance(data, bytes) else data,
                )


def create_broker(redis_url: str) -> Broker:
    if redis_url:
        return RedisBroker(Redis.from_url(redis_url, socket_timeout=5, health_check_interval=15))
    return MemoryBroker()
