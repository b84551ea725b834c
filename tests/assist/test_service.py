"""The service's branches that are slow to reach over HTTP: a conversation longer than a
summary reads, and a caller that passes a conversation of another workspace."""

import pytest

from helpline.assist import service as assist
from helpline.conversations import service as conversations
from helpline.conversations.models import Conversation
from helpline.core.errors import NotFound
from helpline.core.runtime import Runtime
from helpline.tenancy.models import Role
from tests.conversations.support import member_principal, service_session
from tests.fixtures.world import World


async def test_a_long_conversation_is_summarised_from_its_start_and_its_end(
    runtime: Runtime, world: World
) -> None:
    agent = await member_principal(runtime, world.a.member(Role.agent))
    visitor = conversations.ContactActor(
        workspace_id=world.a.workspace.id, contact_id=world.a.contact.id
    )
    async with service_session(runtime) as session:
        conversation = await session.get(Conversation, world.a.conversation.id)
        assert conversation is not None
        for n in range(assist.SUMMARY_NEWEST + assist.SUMMARY_OLDEST):
            await conversations.post_message(
                session, agent, conversation, body=f"reply {n}", flush=False
            )
        await conversations.post_message(session, visitor, conversation, body="Any news?")

    async with service_session(runtime) as session:
        conversation = await session.get(Conversation, world.a.conversation.id)
        assert conversation is not None
        summary = await assist.summarise(session, conversation, agent, None)

    points = {p.label: p.text for p in summary.points}
    assert summary.messages_read == assist.SUMMARY_NEWEST + assist.SUMMARY_OLDEST
    # The world's visitor wrote the conversation's first message.
    assert points["First question"] == "“Hello, I cannot find my invoice for March.”"
    assert points["Open question"] == "“Any news?”"
    assert points["Note"] == (
        "A long conversation: its first 10 and newest 300 messages were read."
    )


async def test_a_conversation_of_another_workspace_is_not_found(
    runtime: Runtime, world: World
) -> None:
    foreign = await member_principal(runtime, world.b.member(Role.owner))
    async with service_session(runtime) as session:
        conversation = await session.get(Conversation, world.a.conversation.id)
        assert conversation is not None
        with pytest.raises(NotFound):
            await assist.suggest_reply(session, conversation, foreign, None, None)
        with pytest.raises(NotFound):
            await assist.summarise(session, conversation, foreign, None)
