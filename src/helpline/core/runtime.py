"""What a running Helpline process holds: settings, the database, and shared services.

Built once by `create_runtime(settings)` for the web app, the worker and the CLI alike, so the
three wire the same pieces the same way.
"""

from dataclasses import dataclass

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from helpline.core.db import create_engine, create_sessionmaker
from helpline.core.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from helpline.realtime.broker import BROKER_KEY, Broker, create_broker
from helpline.settings import Settings
from helpline.storage import Storage, create_storage


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    rate_limiter: RateLimiter
    # Uploaded files (attachments); see helpline.storage.
    storage: Storage
    # Carries real-time events between processes; services reach it through their session.
    broker: Broker

    async def close(self) -> None:
        await self.broker.close()
        await self.rate_limiter.close()
        await self.storage.close()
        await self.engine.dispose()


def create_runtime(settings: Settings) -> Runtime:
    engine = create_engine(settings)
    limiter: RateLimiter
    if settings.redis_url:
        limiter = RedisRateLimiter(Redis.from_url(settings.redis_url, socket_timeout=2))
    else:
        limiter = MemoryRateLimiter()
    broker = create_broker(settings.redis_url)
    return Runtime(
        settings=settings,
        engine=engine,
        sessionmaker=create_sessionmaker(engine, info={BROKER_KEY: broker}),
        rate_limiter=limiter,
        storage=create_storage(settings),
        broker=broker,
    )
