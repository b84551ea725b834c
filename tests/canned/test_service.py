"""Two writers racing for one shortcut: the unique constraint decides, on both databases.

HTTP cannot hold a transaction open, so this goes through the service with two units of
work. On PostgreSQL the second writer's check runs before the first commits, sees nothing,
and its INSERT waits on the unique index: only the constraint stops it. On SQLite the second
transaction starts after the first commits (BEGIN IMMEDIATE), and the check stops it.
"""

import anyio
from sqlalchemy import text

from helpline.canned import service as canned
from helpline.core.runtime import Runtime
from helpline.core.unit_of_work import unit_of_work
from tests.canned.support import rows_of
from tests.fixtures.jobs import eventually
from tests.fixtures.world import World


async def _someone_waits_on_a_lock(runtime: Runtime) -> bool:
    async with runtime.engine.connect() as connection:
        waiting = await connection.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
        )
    return bool(waiting)


class TestShortcutRace:
    async def test_the_second_of_two_concurrent_writers_gets_shortcut_taken(
        self, runtime: Runtime, world: World
    ) -> None:
        workspace_id = world.a.workspace.id
        refused: list[str] = []

        async def second() -> None:
            try:
                async with unit_of_work(runtime.sessionmaker) as session:
                    await canned.create_response(
                        session, None, workspace_id, shortcut="refund", title="Second", body="2"
                    )
            except canned.ShortcutTaken as taken:
                refused.append(taken.detail)

        # The first transaction commits on leaving its block; the task group then waits for
        # the second one.
        async with (
            anyio.create_task_group() as tasks,
            unit_of_work(runtime.sessionmaker) as session,
        ):
            await canned.create_response(
                session, None, workspace_id, shortcut="refund", title="First", body="1"
            )
            tasks.start_soon(second)
            if not runtime.settings.is_sqlite:
                await eventually(
                    lambda: _someone_waits_on_a_lock(runtime),
                    what="the second writer's INSERT waiting on the unique index",
                )

        assert refused == [
            "The shortcut /refund is already used by another canned response in this "
            "workspace: choose another one, or edit that response."
        ]
        rows = await rows_of(runtime, workspace_id)
        assert [(r.shortcut, r.title) for r in rows] == [
            ("greeting", "Greeting"),
            ("refund", "First"),
        ]
