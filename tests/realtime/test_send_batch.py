"""Group commit of socket sends (sockets/send_batch.py), against the real database: sends
queued together share one transaction, each is acknowledged only after it committed, and one
send that fails takes nobody else's message with it."""

import asyncio
import uuid

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.auth.principals import MemberPrincipal
from helpline.conversations import service as conversations
from helpline.conversations.access import access_conversation
from helpline.conversations.service.publishing import PublishedViews
from helpline.core.errors import NotFound
from helpline.core.runtime import Runtime
from helpline.core.unit_of_work import unit_of_work
from helpline.sockets.send_batch import SendBatcher
from helpline.tenancy.models import Role
from tests.conversations.support import conversation_row, member_principal, messages_of, start
from tests.fixtures.world import World


class _Sender:
    """Sends messages as one member, noting which transaction (session) wrote each try, in
    the order the tries began."""

    def __init__(self, runtime: Runtime, principal: MemberPrincipal) -> None:
        self.runtime = runtime
        self.principal = principal
        self.sessions: dict[str, list[int]] = {}

    def send(
        self,
        batcher: SendBatcher,
        conversation_id: uuid.UUID,
        body: str,
        *,
        hold: asyncio.Event | None = None,
    ) -> "asyncio.Future[str]":
        """`hold`: the try waits for it once begun, inside its batch's transaction."""

        async def post(session: AsyncSession) -> conversations.Posted:
            self.sessions.setdefault(body, []).append(id(session))
            if hold is not None:
                await hold.wait()
            conversation = await access_conversation(
                session, self.principal, conversation_id, for_write=True
            )
            return await conversations.post_message(
                session, self.principal, conversation, body=body, client_message_id=body
            )

        def acknowledge(posted: conversations.Posted, views: PublishedViews) -> str:
            return views.for_members[posted.message.id].body

        return batcher.submit(conversation_id, post, acknowledge)


@pytest.fixture
async def owner(runtime: Runtime, world: World) -> _Sender:
    return _Sender(runtime, await member_principal(runtime, world.a.member(Role.owner)))


async def test_sends_queued_together_share_one_transaction(
    runtime: Runtime, world: World, owner: _Sender
) -> None:
    batcher = SendBatcher(runtime)
    conversation_id = world.a.conversation.id
    bodies = [f"batched {i}" for i in range(12)]

    acks = await asyncio.gather(*(owner.send(batcher, conversation_id, b) for b in bodies))

    # Each sender got the view of its own message back, after the commit...
    assert acks == bodies
    # ...and all of them were written by one transaction, at the first try, in the order
    # they were sent.
    assert all(len(tries) == 1 for tries in owner.sessions.values())
    assert len({tries[0] for tries in owner.sessions.values()}) == 1
    stored = [m for m in await messages_of(runtime, conversation_id) if m.body in bodies]
    assert [m.body for m in stored] == bodies
    assert [m.seq for m in stored] == sorted(m.seq for m in stored)


async def test_a_failing_send_fails_alone_and_the_others_are_written(
    runtime: Runtime, world: World, owner: _Sender
) -> None:
    batcher = SendBatcher(runtime)
    ours = world.a.conversation.id
    # Another workspace's conversation: to this member it does not exist.
    foreign = world.b.conversation.id
    bodies = ["before", "foreign", "after"]

    results = await asyncio.gather(
        owner.send(batcher, ours, "before"),
        owner.send(batcher, foreign, "foreign"),
        owner.send(batcher, ours, "after"),
        return_exceptions=True,
    )

    assert results[0] == "before"
    assert isinstance(results[1], NotFound)
    assert results[2] == "after"
    # Tried together first, then each on its own once the batch failed.
    first_tries = {body: owner.sessions[body][0] for body in bodies}
    assert len(set(first_tries.values())) == 1
    assert all(len(owner.sessions[body]) == 2 for body in bodies)
    stored = [m.body for m in await messages_of(runtime, ours) if m.body in bodies]
    assert stored == ["before", "after"]
    assert not [m for m in await messages_of(runtime, foreign) if m.body == "foreign"]


async def test_a_sender_that_goes_away_does_not_cancel_the_others(
    runtime: Runtime, world: World, owner: _Sender
) -> None:
    batcher = SendBatcher(runtime)
    conversation_id = world.a.conversation.id
    leaving = owner.send(batcher, conversation_id, "leaving")
    staying = [owner.send(batcher, conversation_id, f"staying {i}") for i in range(3)]
    # Every send is queued, and the writer has not started yet. Then the first sender's
    # socket closes.
    leaving.cancel()

    acks = await asyncio.gather(*staying)

    assert acks == [f"staying {i}" for i in range(3)]
    bodies = [m.body for m in await messages_of(runtime, conversation_id)]
    assert all(bodies.count(f"staying {i}") == 1 for i in range(3))
    # Queued before it left, it is written all the same (its retry would find it).
    assert bodies.count("leaving") == 1


async def test_a_conversation_is_written_by_one_writer_at_a_time_in_order(
    client: httpx.AsyncClient, runtime: Runtime, world: World, owner: _Sender
) -> None:
    """With several writers (PostgreSQL's), a conversation's later send waits for the batch
    writing its earlier one, while another conversation's send goes ahead: each
    conversation's messages commit in the order they were sent."""
    batcher = SendBatcher(runtime)
    batcher.max_writers = 4
    ours, other = world.a.conversation.id, await _second_conversation(client, world)
    release_first = asyncio.Event()

    first = owner.send(batcher, ours, "first", hold=release_first)
    await asyncio.sleep(0)  # the first writer takes it, and waits inside
    second = owner.send(batcher, ours, "second")
    elsewhere = owner.send(batcher, other, "elsewhere")
    assert await elsewhere == "elsewhere"
    # Another writer wrote the other conversation; ours waits behind its first send.
    assert list(owner.sessions) == ["first", "elsewhere"]
    release_first.set()
    assert [await first, await second] == ["first", "second"]
    assert list(owner.sessions) == ["first", "elsewhere", "second"]
    bodies = [m.body for m in await messages_of(runtime, ours)]
    assert bodies.index("first") < bodies.index("second")


async def _second_conversation(client: httpx.AsyncClient, world: World) -> uuid.UUID:
    """Another conversation of the same contact, started by the owner (who sees it)."""
    owner = world.a.member(Role.owner)
    started = await start(client, owner.headers, world.a.contact.id, body="A second question.")
    return uuid.UUID(started["id"])


async def test_a_retry_batched_with_a_new_message_keeps_the_conversation_count_right(
    runtime: Runtime, world: World, owner: _Sender
) -> None:
    """A batch that posts twice to one conversation (a new message, and a retry of an earlier
    one) must not lose the new message's seq: the access check of the second send reads the
    row this transaction already changed, it does not reload it."""
    batcher = SendBatcher(runtime)
    conversation_id = world.a.conversation.id
    assert await owner.send(batcher, conversation_id, "earlier") == "earlier"

    acks = await asyncio.gather(
        owner.send(batcher, conversation_id, "new"),
        owner.send(batcher, conversation_id, "earlier"),
    )
    assert acks == ["new", "earlier"]
    assert len(owner.sessions["new"]) == 1  # written together, at the first try
    # The next message gets the next seq: nothing was handed out twice.
    assert await owner.send(batcher, conversation_id, "after") == "after"
    stored = await messages_of(runtime, conversation_id)
    assert [m.seq for m in stored] == list(range(1, len(stored) + 1))
    assert (await conversation_row(runtime, conversation_id)).last_seq == len(stored)


async def test_an_access_check_repeated_in_one_transaction_keeps_its_changes(
    runtime: Runtime, world: World, owner: _Sender
) -> None:
    """A batch checks access once per send, often twice for one conversation: the second
    check must return the row as this transaction changed it, not reload it from the database
    (which would drop an unflushed last_seq, and hand the next seq out twice)."""
    async with unit_of_work(runtime.sessionmaker) as session:
        first = await access_conversation(
            session, owner.principal, world.a.conversation.id, for_write=True
        )
        first.last_seq += 1
        bumped = first.last_seq
        again = await access_conversation(
            session, owner.principal, world.a.conversation.id, for_write=True
        )
        assert again is first
        assert again.last_seq == bumped
        # Rolled back: the test changes nothing.
        await session.rollback()
