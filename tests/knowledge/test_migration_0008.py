"""Migration 0008 (the help centre) on a database with articles in it: each gets a slug, unique
per workspace, and no chunk is lost, going up or down (on SQLite both directions rebuild the
articles table, whose chunks would otherwise go with it: ON DELETE CASCADE)."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import text

from helpline.core import migrate
from helpline.core.db import JSONDoc, UTCDateTime, create_engine
from helpline.core.time import utc_now
from helpline.settings import Settings
from tests.conftest import make_settings

SCRATCH_DATABASE = "helpline_test_migration_0008"

ID = sa.Uuid()
TIME = UTCDateTime()
workspaces = sa.table(
    "workspaces",
    sa.column("id", ID),
    *(sa.column(name, sa.String()) for name in ("name", "slug", "status", "public_key")),
    sa.column("settings", JSONDoc),
    sa.column("created_at", TIME),
    sa.column("updated_at", TIME),
    sa.column("identity_secret", sa.String()),
)
articles = sa.table(
    "articles",
    sa.column("id", ID),
    sa.column("workspace_id", ID),
    *(sa.column(name, sa.String()) for name in ("title", "body", "status", "locale")),
    sa.column("created_at", TIME),
    sa.column("updated_at", TIME),
)
article_slugs = sa.table("articles", sa.column("id", ID), sa.column("slug", sa.String()))
chunks = sa.table(
    "knowledge_chunks",
    sa.column("id", ID),
    sa.column("workspace_id", ID),
    sa.column("article_id", ID),
    *(sa.column(name, sa.String()) for name in ("source_kind", "text", "terms")),
    sa.column("position", sa.Integer()),
    sa.column("term_count", sa.Integer()),
)


@pytest.fixture
async def scratch(settings: Settings, tmp_path: Path) -> AsyncIterator[Settings]:
    """An empty database of its own (the suite's is migrated to the head already)."""
    if settings.is_sqlite:
        yield make_settings(tmp_path)
        return
    server = create_engine(settings).execution_options(isolation_level="AUTOCOMMIT")
    async with server.connect() as connection:
        await connection.execute(text(f"DROP DATABASE IF EXISTS {SCRATCH_DATABASE}"))
        await connection.execute(text(f"CREATE DATABASE {SCRATCH_DATABASE}"))
    base = settings.resolved_database_url.rsplit("/", 1)[0]
    try:
        yield make_settings(tmp_path, database_url=f"{base}/{SCRATCH_DATABASE}")
    finally:
        async with server.connect() as connection:
            await connection.execute(text(f"DROP DATABASE IF EXISTS {SCRATCH_DATABASE}"))
        await server.dispose()


def _downgrade(settings: Settings, revision: str) -> None:
    migrate.command.downgrade(migrate.alembic_config(settings), revision)


async def _rows(
    settings: Settings, statement: sa.Select[tuple[object, ...]]
) -> list[tuple[object, ...]]:
    engine = create_engine(settings)
    try:
        async with engine.connect() as connection:
            return [tuple(row) for row in await connection.execute(statement)]
    finally:
        await engine.dispose()


async def test_existing_articles_get_slugs_and_keep_their_chunks(scratch: Settings) -> None:
    await asyncio.to_thread(migrate.upgrade, scratch, "0007")
    now = utc_now()
    a, b = uuid.uuid4(), uuid.uuid4()
    first, second, third = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    engine = create_engine(scratch)
    async with engine.begin() as connection:
        await connection.execute(
            workspaces.insert(),
            [
                {"id": ws, "name": ws.hex, "slug": ws.hex, "status": "active",
                 "public_key": ws.hex, "settings": {}, "created_at": now,
                 "updated_at": now, "identity_secret": ""}
                for ws in (a, b)
            ],
        )  # fmt: skip
        await connection.execute(
            articles.insert(),
            [
                {"id": id_, "workspace_id": ws, "title": title, "body": "", "status": "published",
                 "locale": "en", "created_at": now + timedelta(seconds=n), "updated_at": now}
                # The older article keeps the plain slug.
                for n, (id_, ws, title) in enumerate((
                    (first, a, "Returns & refunds"),
                    (second, a, "Returns & refunds"),
                    (third, b, "Returns & refunds"),
                ))
            ],
        )  # fmt: skip
        await connection.execute(
            chunks.insert(),
            {"id": uuid.uuid4(), "workspace_id": a, "source_kind": "article",
             "article_id": first, "position": 0, "text": "t", "terms": " t ", "term_count": 1},
        )  # fmt: skip
    await engine.dispose()

    await asyncio.to_thread(migrate.upgrade, scratch, "0008")
    slugs = dict(await _rows(scratch, sa.select(article_slugs.c.id, article_slugs.c.slug)))
    chunks_after_upgrade = await _rows(scratch, sa.select(sa.func.count()).select_from(chunks))
    await asyncio.to_thread(_downgrade, scratch, "0007")
    chunks_after_downgrade = await _rows(scratch, sa.select(sa.func.count()).select_from(chunks))
    articles_after_downgrade = await _rows(
        scratch, sa.select(sa.func.count()).select_from(articles)
    )

    assert slugs == {
        first: "returns-refunds",
        second: "returns-refunds-2",
        third: "returns-refunds",
    }
    assert chunks_after_upgrade == [(1,)]
    assert chunks_after_downgrade == [(1,)]
    assert articles_after_downgrade == [(3,)]
