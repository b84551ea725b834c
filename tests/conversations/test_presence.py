"""Presence and its watchdog (docs/assignment.md, Presence): a member whose sockets have been
gone past the grace period is set offline and their conversations go to others.

Time is controlled by moving `presence_seen_at` and the watchdog's `run_at` into the past; the
watchdog runs through the real worker (run_jobs)."""

import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select, update

from helpline.conversations import service as conversations
from helpline.core.runtime import Runtime
from helpline.core.time import utc_now
from helpline.jobs.models import Job, JobStatus
from helpline.tenancy.models import Availability, Membership, Role
from tests.conversations.support import (
    conversation_row,
    new_member,
    service_session,
    start,
    system_events,
    url,
)
from tests.fixtures.api import execute, load, scalars
from tests.fixtures.jobs import run_jobs
from tests.fixtures.world import Member, World

GRACE = timedelta(seconds=90)
CHECKS = select(Job).where(Job.name == conversations.CHECK_PRESENCE_JOB).order_by(Job.created_at)


@pytest.fixture(autouse=True)
async def _quiet_world(client: httpx.AsyncClient, runtime: Runtime, world: World) -> None:
    """Resolve the world's queued conversation and run its jobs, so what follows is ours."""
    await client.patch(
        url(world.a.conversation.id),
        json={"status": "resolved"},
        headers=world.a.member(Role.admin).headers,
    )
    await run_jobs(runtime)


async def _online(client: httpx.AsyncClient, runtime: Runtime, world: World, name: str) -> Member:
    member = await new_member(runtime, world.a, Role.agent, name)
    response = await client.put(
        "/api/v1/me/availability", json={"availability": "online"}, headers=member.headers
    )
    assert response.status_code == 200, response.text
    return member


async def _call(runtime: Runtime, world: World, member: Member, what: str) -> None:
    function = getattr(conversations, f"member_{what}")
    async with service_session(runtime) as session:
        await function(session, world.a.workspace.id, member.membership.id)


async def _membership(runtime: Runtime, member: Member) -> Membership:
    row = await load(runtime, Membership, member.membership.id)
    assert row is not None
    return row


async def _queued_checks(runtime: Runtime) -> list[Job]:
    return [job for job in await scalars(runtime, CHECKS) if job.status == JobStatus.queued]


async def _time_passes(runtime: Runtime, member: Member, seconds: float) -> None:
    """The member was last seen `seconds` ago, and every pending watchdog is due now."""
    await execute(
        runtime,
        update(Membership)
        .where(Membership.id == member.membership.id)
        .values(presence_seen_at=utc_now() - timedelta(seconds=seconds)),
    )
    await execute(
        runtime,
        update(Job)
        .where(Job.name == conversations.CHECK_PRESENCE_JOB, Job.status == JobStatus.queued)
        .values(run_at=utc_now() - timedelta(seconds=1)),
    )


class TestWatch:
    async def test_a_connect_starts_one_watch_that_keeps_going_while_seen(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        member = await _online(client, runtime, world, "watched")

        await _call(runtime, world, member, "connected")
        await _call(runtime, world, member, "connected")  # a second tab
        await _call(runtime, world, member, "seen")
        assert len(await _queued_checks(runtime)) == 1
        assert await run_jobs(runtime) == 1

        # Still seen: the next check waits for the deadline (seen + grace).
        [next_check] = await _queued_checks(runtime)
        seen = (await _membership(runtime, member)).presence_seen_at
        assert seen is not None
        assert next_check.run_at == seen + GRACE
        assert await run_jobs(runtime) == 0

        # A heartbeat since: when the check comes, it reschedules at the new deadline.
        await _time_passes(runtime, member, seconds=30)
        await _call(runtime, world, member, "seen")
        assert await run_jobs(runtime) == 1
        [rescheduled] = await _queued_checks(runtime)
        fresh = (await _membership(runtime, member)).presence_seen_at
        assert fresh is not None
        assert fresh > seen
        assert rescheduled.run_at == fresh + GRACE
        assert (await _membership(runtime, member)).availability == Availability.online

    async def test_a_disconnect_starts_the_grace_period_and_keeps_the_watch(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        member = await _online(client, runtime, world, "leaving")
        await _call(runtime, world, member, "connected")
        await run_jobs(runtime)
        await _time_passes(runtime, member, seconds=60)

        await _call(runtime, world, member, "disconnected")
        await run_jobs(runtime)

        # Other sockets may still be open: nothing is decided before the grace period ends.
        row = await _membership(runtime, member)
        assert row.availability == Availability.online
        assert len(await _queued_checks(runtime)) == 1


class TestGone:
    async def test_gone_past_the_grace_period_goes_offline_and_hands_work_over(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        """A crashed node: the member connected, then nothing (no disconnect, no heartbeat)."""
        gone = await _online(client, runtime, world, "crashed")
        created = await start(client, world.a.member(Role.admin).headers, world.a.contact.id)
        assert created["assignee_id"] == str(gone.membership.id)
        other = await _online(client, runtime, world, "other")
        await _call(runtime, world, gone, "connected")
        await run_jobs(runtime)

        await _time_passes(runtime, gone, seconds=GRACE.total_seconds() + 1)
        assert await run_jobs(runtime) == 1

        row = await _membership(runtime, gone)
        assert (row.availability, row.presence_seen_at) == (Availability.offline, None)
        assert await _queued_checks(runtime) == []
        conversation = await conversation_row(runtime, created["id"])
        assert conversation.assignee_id == other.membership.id
        assert await system_events(runtime, created["id"]) == ["assigned", "unassigned", "assigned"]

    async def test_the_watchdog_is_idempotent(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        gone = await _online(client, runtime, world, "twice")
        created = await start(client, world.a.member(Role.admin).headers, world.a.contact.id)
        await _call(runtime, world, gone, "connected")
        await _time_passes(runtime, gone, seconds=GRACE.total_seconds() + 1)
        args = conversations.CheckPresenceArgs(
            workspace_id=world.a.workspace.id, membership_id=gone.membership.id
        )
        missing = conversations.CheckPresenceArgs(
            workspace_id=world.a.workspace.id, membership_id=uuid.uuid4()
        )

        outcomes = []
        for check in (args, args, missing):
            async with service_session(runtime) as session:
                outcomes.append(await conversations.check_presence(session, check, grace=GRACE))
        # The job enqueued by the connect runs after the service did the work: a no-op.
        assert await run_jobs(runtime) == 1

        assert outcomes == ["gone", "idle", "idle"]
        assert await system_events(runtime, created["id"]) == ["assigned", "unassigned"]
        assert await _queued_checks(runtime) == []

    async def test_a_heartbeat_after_being_declared_gone_starts_a_new_watch(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        member = await _online(client, runtime, world, "back")
        await _call(runtime, world, member, "connected")
        await _time_passes(runtime, member, seconds=GRACE.total_seconds() + 1)
        await run_jobs(runtime)
        assert await _queued_checks(runtime) == []

        await _call(runtime, world, member, "seen")

        assert len(await _queued_checks(runtime)) == 1
        # Availability is the member's choice: being seen again does not set them online.
        assert (await _membership(runtime, member)).availability == Availability.offline

    async def test_without_automatic_assignment_the_member_keeps_their_conversations(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        member = await _online(client, runtime, world, "manual")
        created = await start(client, world.a.member(Role.admin).headers, world.a.contact.id)
        response = await client.patch(
            "/api/v1/workspace",
            json={"settings": {"auto_assignment": False}},
            headers=world.a.member(Role.admin).headers,
        )
        assert response.status_code == 200
        await _call(runtime, world, member, "connected")
        await _time_passes(runtime, member, seconds=GRACE.total_seconds() + 1)

        await run_jobs(runtime)

        assert (await _membership(runtime, member)).availability == Availability.offline
        assert (await conversation_row(runtime, created["id"])).assignee_id == (
            member.membership.id
        )
