"""The SQLite writer gate (core/sqlite_writer.py): a process's write transactions take turns in
asyncio, in arrival order, instead of sleeping in SQLite's busy handler; readers never wait.
These run on a SQLite file of their own whatever database the suite runs on: the gate is
SQLite's alone."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.util.concurrency import greenlet_spawn

from helpline.core.db import create_engine, create_sessionmaker
from helpline.core.sqlite_writer import WriterGate
from helpline.core.unit_of_work import unit_of_work
from helpline.settings import Settings


@pytest.fixture
async def engine(settings: Settings, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    sqlite = settings.model_copy(
        update={"database_url": "", "data_dir": tmp_path, "sqlite_busy_timeout_ms": 300}
    )
    engine = create_engine(sqlite)
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE events (n INTEGER NOT NULL)"))
    yield engine
    await engine.dispose()


async def _insert(session: AsyncSession, n: int) -> None:
    await session.execute(text("INSERT INTO events (n) VALUES (:n)"), {"n": n})


class _Connection:
    """What the gate reads of a connection and of its pool record: their shared `info`."""

    def __init__(self) -> None:
        self.info: dict[str, object] = {}


async def test_the_gate_serves_writers_first_come_first_served() -> None:
    gate = WriterGate(timeout_s=5)
    holder = _Connection()
    await greenlet_spawn(gate.enter, holder)
    served: list[int] = []

    async def writer(n: int) -> None:
        connection = _Connection()
        await greenlet_spawn(gate.enter, connection)
        served.append(n)
        await asyncio.sleep(0)  # a transaction's worth of awaiting
        gate.leave(connection)

    waiting = [asyncio.ensure_future(writer(n)) for n in range(10)]
    await asyncio.sleep(0)
    assert served == []
    gate.leave(holder)
    await asyncio.gather(*waiting)
    assert served == list(range(10))


async def test_more_writers_than_connections_all_commit(engine: AsyncEngine) -> None:
    """Twice as many writers as the pool has connections, all wanting the write lock at
    once while one holds it: they wait their turn, and none fails busy."""
    sessions = create_sessionmaker(engine)
    first_in, release_first = asyncio.Event(), asyncio.Event()

    async def first() -> None:
        async with unit_of_work(sessions) as session:
            await _insert(session, 0)
            first_in.set()
            await release_first.wait()

    async def writer(n: int) -> None:
        async with unit_of_work(sessions) as session:
            await _insert(session, n)

    holder = asyncio.ensure_future(first())
    await first_in.wait()
    others = [asyncio.ensure_future(writer(n)) for n in range(1, 31)]
    await asyncio.sleep(0)
    release_first.set()
    await asyncio.gather(holder, *others)

    async with unit_of_work(sessions, read_only=True) as session:
        stored = (await session.execute(text("SELECT n FROM events"))).scalars()
        assert sorted(stored) == list(range(31))


async def test_a_reader_does_not_wait_for_the_writer(engine: AsyncEngine) -> None:
    sessions = create_sessionmaker(engine)
    async with unit_of_work(sessions) as writer:
        await _insert(writer, 1)
        async with asyncio.timeout(5), unit_of_work(sessions, read_only=True) as reader:
            seen = (await reader.execute(text("SELECT count(*) FROM events"))).scalar_one()
        assert seen == 0


async def test_a_second_writer_in_the_same_task_fails_busy_instead_of_hanging(
    engine: AsyncEngine,
) -> None:
    """SQLite could never grant it: it gives up after the busy timeout, as SQLite would."""
    sessions = create_sessionmaker(engine)
    async with unit_of_work(sessions) as outer:
        await _insert(outer, 1)
        with pytest.raises(OperationalError, match="locked"):
            async with unit_of_work(sessions) as inner:
                await _insert(inner, 2)
    # The failed writer left the gate as it found it: the next writer gets its turn.
    async with asyncio.timeout(5), unit_of_work(sessions) as after:
        await _insert(after, 3)
