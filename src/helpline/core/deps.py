"""FastAPI dependencies shared by every router: settings, the unit of work, the rate limiter."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.core.ratelimit import RateLimiter
from helpline.core.runtime import Runtime
from helpline.core.unit_of_work import unit_of_work
from helpline.settings import Settings


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_settings_dep(runtime: RuntimeDep) -> Settings:
    return runtime.settings


def get_rate_limiter(runtime: RuntimeDep) -> RateLimiter:
    return runtime.rate_limiter


async def get_session(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    async with unit_of_work(runtime.sessionmaker) as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
RateLimiterDep = Annotated[RateLimiter, Depends(get_rate_limiter)]
# scope="function": the transaction commits when the handler returns, before the response is
# sent, so a 2xx always means the data is durable (RELIABILITY.md, Delivery 1).
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
