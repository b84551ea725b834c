"""Automatic assignment (docs/assignment.md): round-robin over online members, capacity, teams,
the queue and its draining, and handing back the conversations of a member who goes offline."""

import asyncio
import uuid
from collections import Counter
from typing import Any

import anyio
import httpx
import pytest
from sqlalchemy import select, text, update

from helpline.conversations import service as conversations
from helpline.conversations.access import access_conversation
from helpline.conversations.models import Conversation, Owner, Status
from helpline.core.runtime import Runtime
from helpline.tenancy.models import Availability, Membership, Role, Workspace
from tests.conversations.support import (
    conversation_row,
    member_principal,
    messages_of,
    new_member,
    new_team,
    service_session,
    start,
    system_events,
    url,
)
from tests.fixtures.api import execute, load, scalars
from tests.fixtures.jobs import eventually, run_jobs
from tests.fixtures.world import Member, World


@pytest.fixture(autouse=True)
async def _empty_queue(client: httpx.AsyncClient, runtime: Runtime, world: World) -> None:
    """The world's conversation waits in the queue: resolve it, so each test starts with an
    empty queue, and run the world's jobs (invitation emails) so job counts are ours."""
    response = await client.patch(
        url(world.a.conversation.id),
        json={"status": "resolved"},
        headers=world.a.member(Role.admin).headers,
    )
    assert response.status_code == 200, response.text
    await run_jobs(runtime)


async def _availability(client: httpx.AsyncClient, member: Member, availability: str) -> None:
    response = await client.put(
        "/api/v1/me/availability", json={"availability": availability}, headers=member.headers
    )
    assert response.status_code == 200, response.text


async def _capacity(client: httpx.AsyncClient, world: World, member: Member, capacity: int) -> None:
    response = await client.patch(
        f"/api/v1/members/{member.membership.id}",
        json={"capacity": capacity},
        headers=world.a.member(Role.admin).headers,
    )
    assert response.status_code == 200, response.text


async def _agents(
    client: httpx.AsyncClient, runtime: Runtime, world: World, *names: str, capacity: int = 10
) -> list[Member]:
    """New agents of workspace A, online, with `capacity`."""
    agents = [await new_member(runtime, world.a, Role.agent, name) for name in names]
    for agent in agents:
        if capacity != 10:
            await _capacity(client, world, agent, capacity)
        await _availability(client, agent, "online")
    return agents


async def _open(client: httpx.AsyncClient, world: World) -> dict[str, Any]:
    return await start(
        client, world.a.member(Role.admin).headers, world.a.contact.id, body="Hello there."
    )


async def _assignee(runtime: Runtime, conversation_id: object) -> uuid.UUID | None:
    return (await conversation_row(runtime, conversation_id)).assignee_id


async def _settings(client: httpx.AsyncClient, world: World, **settings: object) -> None:
    response = await client.patch(
        "/api/v1/workspace",
        json={"settings": settings},
        headers=world.a.member(Role.admin).headers,
    )
    assert response.status_code == 200, response.text


class TestRoundRobin:
    async def test_new_conversations_go_round_the_online_agents(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        agents = await _agents(client, runtime, world, "ann", "bob", "cat")
        ids = {agent.membership.id for agent in agents}

        created = [await _open(client, world) for _ in range(6)]

        order = [uuid.UUID(c["assignee_id"]) for c in created]
        assert set(order[:3]) == ids
        assert order[3:] == order[:3]
        assert {c["owner"] for c in created} == {"human"}
        # The assignment is a system decision, with its reason, after the first message.
        [first, assigned] = await messages_of(runtime, created[0]["id"])
        assert (assigned.event, assigned.sender_kind, assigned.sender_member_id) == (
            "assigned",
            "system",
            None,
        )
        assert assigned.data == {
            "assignee_id": str(order[0]),
            "previous_assignee_id": None,
            "reason": "auto",
        }
        assert first.body == "Hello there."
        member = await load(runtime, Membership, order[-1])
        assert member is not None
        assert member.last_assigned_at is not None

    async def test_members_who_are_not_online_get_nothing(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        [busy, away] = await _agents(client, runtime, world, "busy", "away")
        await _availability(client, busy, "busy")
        await _availability(client, away, "away")

        created = await _open(client, world)

        assert (created["assignee_id"], created["owner"]) == (None, "nobody")


class TestCapacity:
    async def test_a_member_at_capacity_is_skipped(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        [small] = await _agents(client, runtime, world, "small", capacity=1)
        first = await _open(client, world)
        [large] = await _agents(client, runtime, world, "large", capacity=3)

        # `small` was assigned longest ago, yet is full: everything goes to `large`.
        created = [await _open(client, world) for _ in range(3)]
        overflow = await _open(client, world)

        assert first["assignee_id"] == str(small.membership.id)
        assert {c["assignee_id"] for c in created} == {str(large.membership.id)}
        assert overflow["assignee_id"] is None

    async def test_pending_counts_against_capacity_and_snoozed_does_not(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        [agent] = await _agents(client, runtime, world, "solo", capacity=1)
        held = await _open(client, world)
        headers = agent.headers
        await client.patch(url(held["id"]), json={"status": "pending"}, headers=headers)

        waiting = await _open(client, world)
        snoozed = await client.post(
            url(held["id"], "snooze"), json={"until": "2999-01-01T00:00:00Z"}, headers=headers
        )
        await run_jobs(runtime)

        assert waiting["assignee_id"] is None
        assert snoozed.status_code == 200
        assert await _assignee(runtime, waiting["id"]) == agent.membership.id

    async def test_capacity_zero_is_never_auto_assigned(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        [agent] = await _agents(client, runtime, world, "zero", capacity=0)

        created = await _open(client, world)
        claimed = await client.post(url(created["id"], "claim"), headers=agent.headers)

        assert created["assignee_id"] is None
        # Capacity bounds automatic assignment only: people still take work by hand.
        assert claimed.status_code == 200


class TestTeams:
    async def test_a_team_conversation_goes_only_to_its_members(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        [outsider, insider] = [
            await new_member(runtime, world.a, Role.agent, name) for name in ("out", "in")
        ]
        team = await new_team(client, world.a, "Returns", insider)
        created = await _open(client, world)
        routed = await client.post(
            url(created["id"], "team"),
            json={"team_id": team},
            headers=world.a.member(Role.admin).headers,
        )
        assert routed.status_code == 200

        await _availability(client, outsider, "online")
        after_outsider = await _assignee(runtime, created["id"])
        await _availability(client, insider, "online")

        assert after_outsider is None
        assert await _assignee(runtime, created["id"]) == insider.membership.id


class TestQueue:
    async def test_nobody_online_leaves_it_queued(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        created = await _open(client, world)

        assert (created["assignee_id"], created["owner"]) == (None, "nobody")
        assert await system_events(runtime, created["id"]) == []

    async def test_coming_online_takes_the_oldest_first_up_to_capacity(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        queued = [await _open(client, world) for _ in range(3)]
        agent = await new_member(runtime, world.a, Role.agent, "late")
        await _capacity(client, world, agent, 2)

        await _availability(client, agent, "online")

        assignees = [await _assignee(runtime, c["id"]) for c in queued]
        assert assignees == [agent.membership.id, agent.membership.id, None]

    async def test_resolving_frees_capacity_for_the_queue(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        [agent] = await _agents(client, runtime, world, "busy", capacity=1)
        held = await _open(client, world)
        queued = await _open(client, world)

        await client.patch(url(held["id"]), json={"status": "resolved"}, headers=agent.headers)
        assert await _assignee(runtime, queued["id"]) is None  # drained after commit, by a job
        # The drain, and the look at the resolved conversation for a suggested FAQ entry.
        assert await run_jobs(runtime) == 2

        assert await _assignee(runtime, queued["id"]) == agent.membership.id

    async def test_unassigning_frees_capacity_for_the_queue(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        [agent] = await _agents(client, runtime, world, "busy", capacity=1)
        held = await _open(client, world)
        queued = await _open(client, world)
        other = world.a.member(Role.supervisor).membership.id

        reassigned = await client.post(
            url(held["id"], "assign"),
            json={"member_id": str(other)},
            headers=world.a.member(Role.admin).headers,
        )
        await run_jobs(runtime)

        assert reassigned.status_code == 200
        assert await _assignee(runtime, queued["id"]) == agent.membership.id

    async def test_raising_capacity_drains_at_once(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        [agent] = await _agents(client, runtime, world, "grow", capacity=1)
        await _open(client, world)
        queued = await _open(client, world)

        await _capacity(client, world, agent, 2)

        assert await _assignee(runtime, queued["id"]) == agent.membership.id

    async def test_a_contact_reopening_an_unassigned_conversation_queues_it(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        # The world's conversation was resolved unassigned (the fixture); its contact writes.
        [agent] = await _agents(client, runtime, world, "ready")

        async with service_session(runtime) as session:
            conversation = await conversation_row(runtime, world.a.conversation.id)
            actor = conversations.ContactActor(
                workspace_id=world.a.workspace.id, contact_id=world.a.contact.id
            )
            await conversations.post_message(session, actor, conversation, body="Me again.")
        await run_jobs(runtime)

        row = await conversation_row(runtime, world.a.conversation.id)
        assert (row.assignee_id, row.owner) == (agent.membership.id, Owner.human)


class TestGoingOffline:
    async def test_conversations_go_back_to_the_queue_and_on_to_others(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        [leaving] = await _agents(client, runtime, world, "leaving")
        mine = [await _open(client, world) for _ in range(2)]
        [staying] = await _agents(client, runtime, world, "staying", capacity=1)

        await _availability(client, leaving, "offline")

        # One went on to `staying`; the other waits for room.
        assignees = [await _assignee(runtime, c["id"]) for c in mine]
        assert assignees == [staying.membership.id, None]
        events = [(m.event, m.data) for m in await messages_of(runtime, mine[0]["id"]) if m.event]
        assert events[1:] == [
            (
                "unassigned",
                {"previous_assignee_id": str(leaving.membership.id), "reason": "member_offline"},
            ),
            (
                "assigned",
                {
                    "assignee_id": str(staying.membership.id),
                    "previous_assignee_id": None,
                    "reason": "auto",
                },
            ),
        ]
        assert [e for e, _ in events] == ["assigned", "unassigned", "assigned"]

    async def test_busy_and_away_keep_their_conversations(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        [agent] = await _agents(client, runtime, world, "pause")
        created = await _open(client, world)
        await _agents(client, runtime, world, "other")

        await _availability(client, agent, "away")

        assert await _assignee(runtime, created["id"]) == agent.membership.id


class TestSwitchedOff:
    async def test_nothing_happens_without_automatic_assignment(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        await _settings(client, world, auto_assignment=False)
        [agent] = await _agents(client, runtime, world, "manual")
        queued = await _open(client, world)
        claimed = await _open(client, world)
        await client.post(url(claimed["id"], "claim"), headers=agent.headers)

        await _availability(client, agent, "offline")
        await _availability(client, agent, "online")
        await run_jobs(runtime)

        assert queued["assignee_id"] is None
        assert await _assignee(runtime, queued["id"]) is None
        assert await _assignee(runtime, claimed["id"]) == agent.membership.id
        assert await system_events(runtime, queued["id"]) == []

    async def test_switching_it_on_drains_the_queue(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        await _settings(client, world, auto_assignment=False)
        [agent] = await _agents(client, runtime, world, "later")
        queued = await _open(client, world)

        await _settings(client, world, auto_assignment=True)

        assert await _assignee(runtime, queued["id"]) == agent.membership.id


def _is_postgres(runtime: Runtime) -> bool:
    return not runtime.settings.is_sqlite


async def _someone_waits_on_a_lock(runtime: Runtime) -> bool:
    async with runtime.engine.connect() as connection:
        waiting = await connection.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
        )
    return bool(waiting)


async def _queue_while_off(
    client: httpx.AsyncClient, runtime: Runtime, world: World, conversations_n: int
) -> list[uuid.UUID]:
    """Queued conversations, with automatic assignment then switched back on directly in the
    database (so that nothing drains them yet)."""
    await _settings(client, world, auto_assignment=False)
    queued = [uuid.UUID((await _open(client, world))["id"]) for _ in range(conversations_n)]
    settings = {**world.a.workspace.settings, "auto_assignment": True}
    await execute(
        runtime,
        update(Workspace).where(Workspace.id == world.a.workspace.id).values(settings=settings),
    )
    return queued


async def _loads(runtime: Runtime, conversation_ids: list[uuid.UUID]) -> Counter[uuid.UUID | None]:
    return Counter([await _assignee(runtime, c) for c in conversation_ids])


class TestConcurrency:
    """Lock order and re-checks under the locks (docs/assignment.md). On PostgreSQL these run
    truly concurrently; on SQLite every transaction holds the write lock (BEGIN IMMEDIATE)."""

    async def test_concurrent_new_conversations_never_exceed_capacity(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        agents = await _agents(client, runtime, world, "a1", "a2", "a3", capacity=1)

        created = await asyncio.gather(*(_open(client, world) for _ in range(8)))

        loads = Counter(c["assignee_id"] for c in created)
        assert loads == {**{str(a.membership.id): 1 for a in agents}, None: 5}
        for conversation in created:
            events = await system_events(runtime, conversation["id"])
            assert events == (["assigned"] if conversation["assignee_id"] else [])

    async def test_concurrent_routing_of_queued_conversations(
        self, runtime: Runtime, client: httpx.AsyncClient, world: World
    ) -> None:
        queued = await _queue_while_off(client, runtime, world, 8)
        agents = await _agents(client, runtime, world, "b1", "b2", "b3", capacity=1)
        # Coming online drained the queue under the routing lock: undo, to race for real.
        await execute(
            runtime,
            update(Conversation)
            .where(Conversation.id.in_(queued))
            .values(assignee_id=None, owner=Owner.nobody),
        )

        async def route(conversation_id: uuid.UUID) -> bool:
            async with service_session(runtime) as session:
                conversation = await conversation_row(runtime, conversation_id)
                session.add(conversation)
                return await conversations.route_to_human(session, conversation) is not None

        routed = await asyncio.gather(*(route(c) for c in queued))

        assert sum(routed) == 3
        loads = await _loads(runtime, queued)
        assert loads == {**{a.membership.id: 1 for a in agents}, None: 5}

    async def test_two_drains_at_once_assign_each_conversation_once(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        queued = await _queue_while_off(client, runtime, world, 6)
        # Online, without the drain that coming online would run.
        agents = [await new_member(runtime, world.a, Role.agent, n) for n in ("d1", "d2")]
        await execute(
            runtime,
            update(Membership)
            .where(Membership.id.in_([a.membership.id for a in agents]))
            .values(availability=Availability.online, capacity=2),
        )

        async def drain() -> int:
            async with service_session(runtime) as session:
                return await conversations.drain_backlog(session, world.a.workspace.id)

        drained = await asyncio.gather(drain(), drain(), drain())

        assert sorted(drained) == [0, 0, 4]
        loads = await _loads(runtime, queued)
        assert loads == {**{a.membership.id: 2 for a in agents}, None: 2}
        for conversation_id in queued:
            assert (await system_events(runtime, conversation_id)).count("assigned") <= 1

    async def test_a_claim_waiting_on_an_auto_assignment_loses(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        [queued] = await _queue_while_off(client, runtime, world, 1)
        [auto] = await _agents(client, runtime, world, "auto")
        await execute(
            runtime,
            update(Conversation)
            .where(Conversation.id == queued)
            .values(assignee_id=None, owner=Owner.nobody),
        )
        claimant = await member_principal(
            runtime, await new_member(runtime, world.a, Role.agent, "claimant")
        )
        outcome: list[str] = []

        async def claim() -> None:
            async with service_session(runtime) as session:
                conversation = await access_conversation(session, claimant, queued)
                try:
                    await conversations.claim(session, claimant, conversation)
                    outcome.append("claimed")
                except conversations.AlreadyClaimed:
                    outcome.append("lost")

        async with anyio.create_task_group() as tasks, service_session(runtime) as session:
            conversation = await conversation_row(runtime, queued)
            session.add(conversation)
            assert await conversations.route_to_human(session, conversation) is not None
            tasks.start_soon(claim)
            if _is_postgres(runtime):
                await eventually(
                    lambda: _someone_waits_on_a_lock(runtime),
                    what="the claim waiting on the conversation's row lock",
                )

        assert outcome == ["lost"]
        assert await _assignee(runtime, queued) == auto.membership.id
        assert (await system_events(runtime, queued)).count("assigned") == 2  # drain, then us

    async def test_an_auto_assignment_waiting_on_a_claim_leaves_it(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        [queued] = await _queue_while_off(client, runtime, world, 1)
        claimant_member = await new_member(runtime, world.a, Role.agent, "claimant")
        claimant = await member_principal(runtime, claimant_member)
        await _agents(client, runtime, world, "auto")
        await execute(
            runtime,
            update(Conversation)
            .where(Conversation.id == queued)
            .values(assignee_id=None, owner=Owner.nobody),
        )
        routed: list[bool] = []

        async def route() -> None:
            async with service_session(runtime) as session:
                conversation = await conversation_row(runtime, queued)
                session.add(conversation)
                routed.append(await conversations.route_to_human(session, conversation) is not None)

        async with anyio.create_task_group() as tasks, service_session(runtime) as session:
            conversation = await access_conversation(session, claimant, queued, for_write=True)
            await conversations.claim(session, claimant, conversation)
            tasks.start_soon(route)
            if _is_postgres(runtime):
                await eventually(
                    lambda: _someone_waits_on_a_lock(runtime),
                    what="the auto-assignment waiting on the conversation's row lock",
                )

        assert routed == [False]
        assert await _assignee(runtime, queued) == claimant_member.membership.id

    async def test_a_storm_of_routing_triggers_neither_deadlocks_nor_overfills(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        agents = await _agents(client, runtime, world, "s1", "s2", "s3", "s4", capacity=2)
        held = [await _open(client, world) for _ in range(6)]
        admin = world.a.member(Role.admin).headers

        requests = [
            *(_open_response(client, world) for _ in range(10)),
            *(
                client.put(
                    "/api/v1/me/availability",
                    json={"availability": "offline" if n % 2 else "online"},
                    headers=agent.headers,
                )
                for n, agent in enumerate(agents)
            ),
            *(
                client.patch(
                    f"/api/v1/members/{agent.membership.id}", json={"capacity": 3}, headers=admin
                )
                for agent in agents[:2]
            ),
            *(
                client.patch(url(c["id"]), json={"status": "resolved"}, headers=admin)
                for c in held[:3]
            ),
        ]
        responses = await asyncio.gather(*requests)
        await run_jobs(runtime)

        assert [r.status_code for r in responses if r.status_code >= 300] == []
        for agent in agents:
            member = await load(runtime, Membership, agent.membership.id)
            assert member is not None
            load_now = await _working_load(runtime, agent.membership.id)
            if member.availability == Availability.offline:
                assert load_now == 0
            else:
                assert load_now <= member.capacity


async def _open_response(client: httpx.AsyncClient, world: World) -> httpx.Response:
    return await client.post(
        "/api/v1/conversations",
        json={"contact_id": str(world.a.contact.id), "body": "Storm"},
        headers=world.a.member(Role.admin).headers,
    )


async def _working_load(runtime: Runtime, member_id: uuid.UUID) -> int:
    statement = select(Conversation).where(
        Conversation.assignee_id == member_id,
        Conversation.status.in_([Status.open, Status.pending]),
    )
    return len(await scalars(runtime, statement))
