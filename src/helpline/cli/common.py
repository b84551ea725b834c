"""What every command shares: settings, logging, and running a coroutine in a unit of work."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.core.context import Origin, set_origin
from helpline.core.errors import AppError
from helpline.core.logging import configure_logging
from helpline.core.runtime import Runtime, create_runtime
from helpline.core.unit_of_work import unit_of_work
from helpline.settings import Settings, get_settings

T = TypeVar("T")


def load_settings() -> Settings:
    settings = get_settings()
    configure_logging(settings)
    return settings


def run_in_unit_of_work(
    settings: Settings, work: Callable[[Runtime, AsyncSession], Awaitable[T]]
) -> T:
    """Run `work` in one committed unit of work; print AppErrors as a clean message."""

    async def go() -> T:
        set_origin(Origin(request_id="cli", ip="cli", user_agent="helpline-cli"))
        runtime = create_runtime(settings)
        try:
            async with unit_of_work(runtime.sessionmaker) as session:
                return await work(runtime, session)
        finally:
            await runtime.close()

    try:
        return asyncio.run(go())
    except AppError as exc:
        typer.secho(f"Error: {exc.detail}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from exc
