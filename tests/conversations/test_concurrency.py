"""Concurrency (issue #3, RELIABILITY.md Delivery 2 and 4): concurrent posts get distinct,
gap-free seqs; concurrent retries make one message; of two concurrent claims one wins;
display numbers never repeat. Each runs on both databases.

On PostgreSQL, where reads do not wait for writers, the two-transaction tests also show that
the second transaction read stale data and then waited on the row lock: that is the race the
lock exists for. On SQLite every transaction holds the database's write lock from its first
statement (BEGIN IMMEDIATE), so the second one simply starts after the first commits.
"""

import asyncio
import uuid
from collections import Counter

import anyio
import httpx
import pytest
from sqlalchemy import text

from helpline.auth import service as auth
from helpline.auth.principals import MemberPrincipal
from helpline.contacts import service as contacts
from helpline.conversations import service as conversations
from helpline.conversations.access import access_conversation
from helpline.conversations.models import Channel
from helpline.core.runtime import Runtime
from helpline.core.unit_of_work import unit_of_work
from helpline.tenancy import service as tenancy
from helpline.tenancy.models import Role
from tests.conversations.support import (
    conversation_row,
    member_principal,
    messages_of,
    new_member,
    send,
    start,
    system_events,
    url,
)
from tests.fixtures.jobs import eventually
from tests.fixtures.world import PASSWORD, World


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


class TestSeq:
    async def test_twenty_concurrent_requests_get_distinct_gap_free_seqs(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        headers = world.a.member(Role.agent).headers
        conversation = world.a.conversation.id

        responses = await asyncio.gather(
            *(send(client, headers, conversation, f"m{n}") for n in range(20))
        )

        assert [r.status_code for r in responses] == [201] * 20
        acked = {r.json()["seq"]: r.json()["body"] for r in responses}
        assert sorted(acked) == list(range(2, 22))
        stored = await messages_of(runtime, conversation)
        assert [m.seq for m in stored] == list(range(1, 22))
        assert {m.seq: m.body for m in stored[1:]} == acked
        assert (await conversation_row(runtime, conversation)).last_seq == 21

    async def test_twenty_concurrent_units_of_work(self, runtime: Runtime, world: World) -> None:
        principal = await member_principal(runtime, world.a.member(Role.agent))

        async def post(n: int) -> int:
            async with unit_of_work(runtime.sessionmaker) as session:
                # Read without the lock, as a request would before deciding to write.
                conversation = await access_conversation(
                    session, principal, world.a.conversation.id
                )
                posted = await conversations.post_message(
                    session, principal, conversation, body=f"m{n}"
                )
            return posted.message.seq

        seqs = await asyncio.gather(*(post(n) for n in range(20)))

        assert sorted(seqs) == list(range(2, 22))
        stored = await messages_of(runtime, world.a.conversation.id)
        assert [m.seq for m in stored] == list(range(1, 22))

    async def test_a_second_post_waits_for_the_first_and_takes_the_next_seq(
        self, runtime: Runtime, world: World
    ) -> None:
        principal = await member_principal(runtime, world.a.member(Role.agent))
        conversation_id = world.a.conversation.id
        seen_last_seq: list[int] = []
        second_seq: list[int] = []

        async def second_post() -> None:
            async with unit_of_work(runtime.sessionmaker) as session:
                conversation = await access_conversation(session, principal, conversation_id)
                seen_last_seq.append(conversation.last_seq)
                posted = await conversations.post_message(
                    session, principal, conversation, body="second"
                )
                second_seq.append(posted.message.seq)

        # The first transaction commits on leaving its block; the task group then waits for
        # the second one.
        async with (
            anyio.create_task_group() as tasks,
            unit_of_work(runtime.sessionmaker) as session,
        ):
            conversation = await access_conversation(
                session, principal, conversation_id, for_write=True
            )
            first = await conversations.post_message(session, principal, conversation, body="first")
            tasks.start_soon(second_post)
            if _is_postgres(runtime):
                await eventually(
                    lambda: _someone_waits_on_a_lock(runtime),
                    what="the second post waiting on the conversation's row lock",
                )
                # It read last_seq before the first post committed: only the lock's
                # reload keeps it from taking seq 2 as well.
                assert seen_last_seq == [1]

        assert (first.message.seq, second_seq) == (2, [3])
        assert [m.body for m in await messages_of(runtime, conversation_id)][1:] == [
            "first",
            "second",
        ]


class TestIdempotency:
    async def test_concurrent_retries_make_one_message(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        headers = world.a.member(Role.agent).headers
        conversation = world.a.conversation.id

        responses = await asyncio.gather(
            *(
                send(client, headers, conversation, "Once", client_message_id="same")
                for _ in range(10)
            )
        )

        assert Counter(r.status_code for r in responses) == {201: 1, 200: 9}
        assert len({r.text for r in responses}) == 1
        stored = await messages_of(runtime, conversation)
        assert [(m.seq, m.client_message_id) for m in stored] == [(1, None), (2, "same")]


class TestClaimRace:
    async def test_two_agents_claiming_at_once_end_with_one_assignee(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        agents = [
            world.a.member(Role.agent),
            await new_member(runtime, world.a, Role.agent, "rita"),
        ]
        admin = world.a.member(Role.admin).headers
        targets = [world.a.conversation.id]
        targets += [(await start(client, admin, world.a.contact.id))["id"] for _ in range(4)]

        responses = await asyncio.gather(
            *(
                client.post(url(target, "claim"), headers=agent.headers)
                for target in targets
                for agent in agents
            )
        )

        for index, target in enumerate(targets):
            pair = responses[2 * index : 2 * index + 2]
            assert sorted(r.status_code for r in pair) == [200, 409], target
            winner = agents[[r.status_code for r in pair].index(200)]
            row = await conversation_row(runtime, target)
            assert row.assignee_id == winner.membership.id
            assert await system_events(runtime, target) == ["assigned"]

    async def test_a_second_claim_waits_for_the_first_and_loses(
        self, runtime: Runtime, world: World
    ) -> None:
        first = await member_principal(runtime, world.a.member(Role.agent))
        rita = await new_member(runtime, world.a, Role.agent, "rita")
        second = await member_principal(runtime, rita)
        conversation_id = world.a.conversation.id
        seen_assignee: list[uuid.UUID | None] = []

        async def second_claim() -> None:
            async with unit_of_work(runtime.sessionmaker) as session:
                conversation = await access_conversation(session, second, conversation_id)
                seen_assignee.append(conversation.assignee_id)
                with pytest.raises(conversations.AlreadyClaimed):
                    await conversations.claim(session, second, conversation)

        # The first transaction commits on leaving its block; the task group then waits for
        # the second one.
        async with (
            anyio.create_task_group() as tasks,
            unit_of_work(runtime.sessionmaker) as session,
        ):
            conversation = await access_conversation(
                session, first, conversation_id, for_write=True
            )
            await conversations.claim(session, first, conversation)
            tasks.start_soon(second_claim)
            if _is_postgres(runtime):
                await eventually(
                    lambda: _someone_waits_on_a_lock(runtime),
                    what="the second claim waiting on the conversation's row lock",
                )
                # It saw the conversation unassigned, yet must not take it.
                assert seen_assignee == [None]

        row = await conversation_row(runtime, conversation_id)
        assert row.assignee_id == first.membership_id
        assert await system_events(runtime, conversation_id) == ["assigned"]


class TestNumbers:
    async def test_concurrent_requests_get_distinct_numbers(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        headers = world.a.member(Role.agent).headers

        created = await asyncio.gather(
            *(start(client, headers, world.a.contact.id) for _ in range(10))
        )

        assert sorted(c["number"] for c in created) == list(range(2, 12))

    async def test_a_new_workspaces_first_numbers_under_concurrency(self, runtime: Runtime) -> None:
        """The counter row does not exist yet: creating it must not race either."""
        async with unit_of_work(runtime.sessionmaker) as session:
            workspace = await tenancy.create_workspace(session, None, name="Fresh")
            user = await auth.create_user(
                session, runtime.settings, email="owner@fresh.example", name="O", password=PASSWORD
            )
            await tenancy.add_member(session, None, workspace, user, Role.owner)
            pair = await auth.start_session(session, runtime.settings, user, workspace.id)
            principal = await auth.authenticate_access_token(
                session, runtime.settings, pair.access_token
            )
            assert isinstance(principal, MemberPrincipal)
            contact = await contacts.create_contact(session, principal, name="First visitor")
        actor = conversations.ContactActor(workspace_id=workspace.id, contact_id=contact.id)

        async def open_one(n: int) -> int:
            async with unit_of_work(runtime.sessionmaker) as session:
                started = await conversations.start_conversation(
                    session, actor, contact, channel=Channel.widget, subject="", body=f"m{n}"
                )
            return started.number

        numbers = await asyncio.gather(*(open_one(n) for n in range(10)))

        assert sorted(numbers) == list(range(1, 11))
