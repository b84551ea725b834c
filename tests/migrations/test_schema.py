"""The migrations build exactly the schema the models declare, on both databases: a model
changed without its migration (or the reverse) fails here, not in production."""

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

from helpline.core.runtime import Runtime
from helpline.models import Base

# The knowledge chunks' full-text index (migration 0007, knowledge.fulltext) is not in the
# models: on SQLite an FTS5 virtual table (and the shadow tables FTS5 keeps for it), which no
# model can declare; on PostgreSQL a GIN index on an expression of one dialect only.
_NOT_MODELLED_TABLES = "knowledge_chunks_fts"
_NOT_MODELLED_INDEXES = {"ix_knowledge_chunks_terms_fts"}


def _modelled(name: str | None, type_: str, _parent: Any) -> bool:
    if type_ == "table" and name is not None:
        return not name.startswith(_NOT_MODELLED_TABLES)
    return not (type_ == "index" and name in _NOT_MODELLED_INDEXES)


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_name": _modelled}
    )
    return list(compare_metadata(context, Base.metadata))


async def test_the_migrated_schema_matches_the_models(runtime: Runtime) -> None:
    async with runtime.engine.connect() as connection:
        differences = await connection.run_sync(_differences)

    assert differences == []
