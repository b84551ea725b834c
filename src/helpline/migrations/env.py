"""Alembic environment: runs migrations on the async engine Helpline itself uses."""

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from helpline.core.db import create_engine
from helpline.models import Base
from helpline.settings import Settings

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things in place; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(settings: Settings) -> None:
    engine = create_engine(settings)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


settings = context.config.attributes.get("settings") or Settings()
asyncio.run(_run_async(settings))
