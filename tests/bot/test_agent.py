"""The bot's decisions that the job tests do not reach: what counts as asking for a person,
what the model's text becomes, and answers the sources do not support."""

import uuid

import httpx
import pytest
from sqlalchemy import select

from helpline.bot import agent
from helpline.bot.llm import OpenAICompatibleLLM
from helpline.conversations.models import Conversation, Message, Owner, SenderKind
from helpline.core.runtime import Runtime
from helpline.core.unit_of_work import unit_of_work
from helpline.llm.endpoint import LLMEndpoint
from helpline.tenancy.models import Role
from helpline.tenancy.schemas import WorkspaceSettings
from tests.bot.support import enable_bot, history, visitor_starts
from tests.conversations.support import conversation_row
from tests.fixtures.llm import stand_in_llm
from tests.fixtures.world import World
from tests.knowledge.support import SHOP_FAQ, add_faqs


def _endpoint(base_url: str, api_key: str = "") -> LLMEndpoint:
    return LLMEndpoint(base_url=base_url, model="m", api_key=api_key, timeout_s=5)


class TestAsksForHuman:
    @pytest.mark.parametrize(
        "text",
        ["Can I talk to a human?", "agent please", "I want to speak to a real person", "HUMAN"],
    )
    def test_requests(self, text: str) -> None:
        assert agent.asks_for_human(text)

    @pytest.mark.parametrize(
        "text",
        ["How do I reset my password?", "My travel agent booked the wrong date for my order"],
    )
    def test_questions(self, text: str) -> None:
        assert not agent.asks_for_human(text)


class TestInert:
    def test_links_images_html_and_urls_lose_their_targets(self) -> None:
        text = (
            "See [the guide](https://evil.example/?q=secret) ![p](https://evil.example/p.png) "
            "<img src=x onerror=alert(1)> or javascript:alert(1) and https://evil.example/x"
        )
        assert agent.inert(text) == "See the guide p  or  and"


async def _turn(
    runtime: Runtime, world: World, client: httpx.AsyncClient, llm: OpenAICompatibleLLM
) -> agent.Turn:
    """A bot conversation whose first message asks about passwords, answered by `llm`."""
    await enable_bot(runtime, world.a)
    async with unit_of_work(runtime.sessionmaker) as session:
        await add_faqs(session, world.a.workspace.id, SHOP_FAQ)
    conversation_id = await visitor_starts(client, world.a, "I forgot my password")
    async with unit_of_work(runtime.sessionmaker) as session:
        conversation = await session.get_one(Conversation, uuid.UUID(conversation_id))
        message = (
            await session.scalars(
                select(Message).where(
                    Message.conversation_id == conversation.id,
                    Message.sender_kind == SenderKind.contact,
                )
            )
        ).one()
        return await agent.run_turn(
            session, conversation, message, llm=llm, config=WorkspaceSettings(bot_enabled=True)
        )


class TestUnsupportedAnswers:
    @pytest.mark.parametrize("reply", ["HANDOFF", "I think it is [7].", "Just reset it.", "   "])
    async def test_hands_off(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World, reply: str
    ) -> None:
        async with stand_in_llm(reply=reply) as server:
            llm = OpenAICompatibleLLM(_endpoint(server.base_url, api_key="k"))
            turn = await _turn(runtime, world, client, llm)

        assert (turn.outcome, turn.reason) == (
            agent.Outcome.handed_off,
            agent.HandoffReason.not_supported,
        )
        assert turn.message is not None
        row = await conversation_row(runtime, turn.message.conversation_id)
        assert row.owner == Owner.nobody

    async def test_a_handed_off_conversation_is_not_answered_again(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        async with stand_in_llm(reply="HANDOFF") as server:
            llm = OpenAICompatibleLLM(_endpoint(server.base_url))
            first = await _turn(runtime, world, client, llm)
            assert first.message is not None
            async with unit_of_work(runtime.sessionmaker) as session:
                conversation = await session.get_one(Conversation, first.message.conversation_id)
                message = await session.get_one(Message, first.message.id)
                again = await agent.run_turn(
                    session,
                    conversation,
                    message,
                    llm=llm,
                    config=WorkspaceSettings(bot_enabled=True),
                )
        messages = await history(
            client, world.a.member(Role.admin).headers, str(first.message.conversation_id)
        )

        assert again.outcome == agent.Outcome.skipped
        assert [m["event"] for m in messages].count("handed_off") == 1
