"""The database layer: engine, session factory, declarative base and column mixins.

SQLite and PostgreSQL run the same models and migrations. SQLite connections are set up
for a server (WAL, foreign keys, busy timeout) and every SQLite transaction starts with
BEGIN IMMEDIATE: a deferred transaction that reads and then writes fails with SQLITE_BUSY
when another writer committed in between, whatever the busy timeout, so taking the write
lock up front is what makes concurrent requests wait instead of failing; before it, writers
of one process queue in asyncio (core/sqlite_writer.py). The exception is a
unit of work declared read-only (`unit_of_work(..., read_only=True)`): it starts a deferred
transaction, which under WAL reads a snapshot without waiting for, or blocking, the writer.
"""

import enum
import uuid
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, DateTime, Enum, ForeignKey, MetaData, TypeDecorator, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column
from typing_extensions import override

from helpline.core.ids import new_id
from helpline.core.sqlite_writer import WriterGate
from helpline.core.time import as_utc, utc_now
from helpline.settings import Settings


def is_database_busy(error: OperationalError) -> bool:
    """SQLite's busy timeout ran out (the write lock stayed taken): a retryable condition,
    answered 503 or an error frame. Any other OperationalError is a real failure."""
    return "locked" in str(error) or "busy" in str(error)


# A connection execution option: the unit of work only reads (see the module docstring).
READ_ONLY_OPTION = "helpline_read_only"

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp with time zone that always comes back aware, in UTC, on both databases."""

    impl = DateTime(timezone=True)
    cache_ok = True

    @override
    def process_bind_param(self, value: datetime | None, _dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("Naive datetimes are not stored; use helpline.core.time.utc_now().")
        return as_utc(value)

    @override
    def process_result_value(self, value: datetime | None, _dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)


# JSON documents: JSONB on PostgreSQL (indexable, compact), JSON text on SQLite.
JSONDoc = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSONDoc,
        # Enums are stored as their string values in a VARCHAR, not as PostgreSQL enum types,
        # so adding a value later is a code change, not a migration that locks a table.
        enum.Enum: Enum(
            enum.Enum,
            native_enum=False,
            create_constraint=False,
            length=32,
            values_callable=lambda members: [m.value for m in members],
        ),
    }


class IdMixin:
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)


class WorkspaceScoped:
    """Rows owned by one workspace (the tenant). Unique constraints must include workspace_id."""

    @declared_attr
    def workspace_id(cls) -> Mapped[uuid.UUID]:  # noqa: N805 (declared_attr receives the class)
        return mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)


def create_engine(settings: Settings) -> AsyncEngine:
    url = settings.resolved_database_url
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url)
        _configure_sqlite(engine, busy_timeout_ms=settings.sqlite_busy_timeout_ms)
        return engine
    return create_async_engine(
        url, pool_size=settings.database_pool_size, max_overflow=10, pool_pre_ping=True
    )


def _configure_sqlite(engine: AsyncEngine, *, busy_timeout_ms: int) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (see module doc).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    # Writers of this process queue here rather than in SQLite's busy handler.
    gate = WriterGate(timeout_s=busy_timeout_ms / 1000)

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(READ_ONLY_OPTION, False):
            connection.exec_driver_sql("BEGIN")
            return
        gate.enter(connection)
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    @event.listens_for(engine.sync_engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        gate.leave(record)


def create_sessionmaker(
    engine: AsyncEngine, *, info: dict[str, Any] | None = None
) -> async_sessionmaker[AsyncSession]:
    """`info` is copied into every session's `Session.info` (the runtime puts the real-time
    broker there, for publish_on_commit)."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False, info=info)
