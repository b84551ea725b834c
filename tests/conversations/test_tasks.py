"""Waking snoozed conversations: the conversations.wake_snoozed job, run by the real worker.

The API only snoozes into the future, so the tests snooze for an hour and then move both the
conversation's snoozed_until and the job's run_at into the past, instead of waiting."""

import uuid
from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy import select, update

from helpline.conversations import service as conversations
from helpline.conversations.models import Conversation, Status
from helpline.core.runtime import Runtime
from helpline.core.time import utc_now
from helpline.jobs.models import Job, JobStatus
from helpline.tenancy.models import Role
from tests.conversations.support import (
    conversation_row,
    messages_of,
    send,
    service_session,
    system_events,
    url,
)
from tests.fixtures.api import execute, scalars
from tests.fixtures.jobs import run_jobs
from tests.fixtures.world import World


@pytest.fixture(autouse=True)
async def _world_jobs_done(runtime: Runtime, world: World) -> None:
    """The world's invitation emails are due jobs too: deliver them first, so that the
    counts of jobs run below are the wake-ups alone."""
    await run_jobs(runtime)


WAKE_JOBS = select(Job).where(Job.name == "conversations.wake_snoozed").order_by(Job.run_at)


async def _snooze(client: httpx.AsyncClient, world: World, hours: int) -> datetime:
    until = utc_now() + timedelta(hours=hours)
    response = await client.post(
        url(world.a.conversation.id, "snooze"),
        json={"until": until.isoformat()},
        headers=world.a.member(Role.agent).headers,
    )
    assert response.status_code == 200, response.text
    return until


async def _time_passes(
    runtime: Runtime, conversation_id: uuid.UUID, *, job_ids: list[uuid.UUID] | None = None
) -> None:
    """Make the snooze (and its jobs, or only `job_ids`) due now."""
    past = utc_now() - timedelta(seconds=1)
    jobs = update(Job).where(Job.name == "conversations.wake_snoozed").values(run_at=past)
    if job_ids is not None:
        await execute(runtime, jobs.where(Job.id.in_(job_ids)))
        return
    await execute(runtime, jobs)
    await execute(
        runtime,
        update(Conversation).where(Conversation.id == conversation_id).values(snoozed_until=past),
    )


class TestWakeSnoozed:
    async def test_the_conversation_reopens_when_its_time_comes(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        conversation = world.a.conversation.id
        await _snooze(client, world, hours=1)

        assert await run_jobs(runtime) == 0  # not due yet
        await _time_passes(runtime, conversation)
        ran = await run_jobs(runtime)

        # The wake-up, and a drain of the assignment queue the conversation joined.
        assert ran == 2
        row = await conversation_row(runtime, conversation)
        assert (row.status, row.snoozed_until) == (Status.open, None)
        *_, woke = await messages_of(runtime, conversation)
        assert (woke.event, woke.data, woke.sender_member_id) == (
            "reopened",
            {"previous_status": "snoozed", "reason": "snooze_ended"},
            None,
        )
        [job] = await scalars(runtime, WAKE_JOBS)
        assert job.status == JobStatus.succeeded

    async def test_a_later_snooze_outlives_the_earlier_job(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        conversation = world.a.conversation.id
        await _snooze(client, world, hours=1)
        later = await _snooze(client, world, hours=2)
        [earlier_job, later_job] = await scalars(runtime, WAKE_JOBS)

        await _time_passes(runtime, conversation, job_ids=[earlier_job.id])
        assert await run_jobs(runtime) == 1

        row = await conversation_row(runtime, conversation)
        assert (row.status, row.snoozed_until) == (Status.snoozed, later)
        await _time_passes(runtime, conversation)
        assert await run_jobs(runtime) == 2  # and a drain of the assignment queue
        assert (await conversation_row(runtime, conversation)).status == Status.open
        assert await system_events(runtime, conversation) == ["snoozed", "snoozed", "reopened"]
        assert later_job.id != earlier_job.id

    async def test_a_conversation_reopened_meanwhile_is_left_alone(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        conversation = world.a.conversation.id
        await _snooze(client, world, hours=1)
        # An agent resolves it early and replies: the old wake-up must not reopen it.
        headers = world.a.member(Role.agent).headers
        await client.patch(url(conversation), json={"status": "resolved"}, headers=headers)
        await send(client, headers, conversation, "Closing this.")

        await _time_passes(runtime, conversation)
        # The wake-up, and the look at the resolved conversation for a suggested FAQ entry.
        assert await run_jobs(runtime) == 2

        assert (await conversation_row(runtime, conversation)).status == Status.resolved
        assert await system_events(runtime, conversation) == ["snoozed", "resolved"]

    async def test_waking_is_idempotent_and_tolerates_a_deleted_conversation(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        conversation = world.a.conversation.id
        await _snooze(client, world, hours=1)
        await _time_passes(runtime, conversation)
        args = conversations.WakeSnoozedArgs(
            workspace_id=world.a.workspace.id, conversation_id=conversation
        )
        gone = conversations.WakeSnoozedArgs(
            workspace_id=world.a.workspace.id, conversation_id=uuid.uuid4()
        )

        async with service_session(runtime) as session:
            first = await conversations.wake_snoozed(session, args)
        async with service_session(runtime) as session:
            second = await conversations.wake_snoozed(session, args)
            missing = await conversations.wake_snoozed(session, gone)
        # The job runs after the service already woke it: nothing more happens (the other
        # job is the drain of the assignment queue the woken conversation joined).
        assert await run_jobs(runtime) == 2

        assert (first, second, missing) == (True, False, False)
        assert await system_events(runtime, conversation) == ["snoozed", "reopened"]
