"""CSAT: a visitor rates their resolved conversation; agents read it and hear of it."""

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from helpline.conversations.models import Conversation
from helpline.core.runtime import Runtime
from helpline.core.time import utc_now
from helpline.settings import Settings
from helpline.tenancy.models import Role
from tests.conversations.support import conversation_row, url
from tests.fixtures.api import execute
from tests.fixtures.live import LiveServer, live_server, observe
from tests.fixtures.world import World


def rating_url(conversation_id: object) -> str:
    return f"/api/v1/widget/conversations/{conversation_id}/rating"


async def resolve(client: httpx.AsyncClient, world: World) -> None:
    response = await client.patch(
        url(world.a.conversation.id),
        json={"status": "resolved"},
        headers=world.a.member(Role.agent).headers,
    )
    assert response.status_code == 200, response.text


async def rate(client: httpx.AsyncClient, world: World, **body: Any) -> httpx.Response:
    return await client.post(
        rating_url(world.a.conversation.id), json=body, headers=world.a.visitor_headers
    )


class TestRate:
    async def test_a_visitor_rates_a_resolved_conversation_and_agents_see_it(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        await resolve(client, world)

        response = await rate(client, world, rating=4, comment="  Quick, thanks.  ")

        assert response.status_code == 200, response.text
        assert response.json()["rating"] == 4
        assert response.json()["comment"] == "Quick, thanks."
        row = await conversation_row(runtime, world.a.conversation.id)
        assert (row.csat_rating, row.csat_comment) == (4, "Quick, thanks.")
        read = await client.get(
            url(world.a.conversation.id), headers=world.a.member(Role.agent).headers
        )
        assert read.json()["csat"] == response.json()
        listed = await client.get("/api/v1/widget/conversations", headers=world.a.visitor_headers)
        [mine] = [c for c in listed.json()["items"] if c["id"] == str(world.a.conversation.id)]
        assert mine["csat"] == response.json()

    async def test_an_open_conversation_cannot_be_rated(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        response = await rate(client, world, rating=5)

        assert response.status_code == 409, response.text
        assert response.json()["error"] == "ConversationNotResolved"
        assert (await conversation_row(runtime, world.a.conversation.id)).csat_rating is None

    async def test_a_second_rating_replaces_the_first_for_a_week_then_stands(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        await resolve(client, world)
        first = await rate(client, world, rating=2, comment="Slow")
        second = await rate(client, world, rating=5)

        assert second.status_code == 200, second.text
        assert second.json()["comment"] is None
        # The first rating's time stays: the week runs from it.
        assert second.json()["rated_at"] == first.json()["rated_at"]
        await execute(
            runtime,
            update(Conversation)
            .where(Conversation.id == world.a.conversation.id)
            .values(csat_rated_at=utc_now() - timedelta(days=7, minutes=1)),
        )

        late = await rate(client, world, rating=1)

        assert late.status_code == 409, late.text
        assert late.json()["error"] == "RatingFinal"
        assert (await conversation_row(runtime, world.a.conversation.id)).csat_rating == 5

    @pytest.mark.parametrize(
        "body",
        [
            {"rating": 0},
            {"rating": 6},
            {"rating": "5 stars"},
            {},
            {"rating": 3, "comment": "x" * 1001},
        ],
    )
    async def test_malformed_ratings_are_422(
        self, client: httpx.AsyncClient, world: World, body: dict[str, Any]
    ) -> None:
        await resolve(client, world)

        response = await client.post(
            rating_url(world.a.conversation.id), json=body, headers=world.a.visitor_headers
        )

        assert response.status_code == 422, response.text

    async def test_only_the_conversations_own_visitor_may_rate(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        await resolve(client, world)
        body = {"rating": 1}
        target = rating_url(world.a.conversation.id)

        anonymous = await client.post(target, json=body)
        other_visitor = await client.post(target, json=body, headers=world.a.other_visitor_headers)
        foreign = await client.post(target, json=body, headers=world.b.visitor_headers)
        agent = await client.post(target, json=body, headers=world.a.member(Role.agent).headers)

        assert anonymous.status_code == 401
        assert (other_visitor.status_code, foreign.status_code) == (404, 404)
        assert other_visitor.json() == foreign.json()
        assert agent.status_code == 403
        assert (await conversation_row(runtime, world.a.conversation.id)).csat_rating is None


@pytest.fixture
async def server(settings: Settings, runtime: Runtime) -> AsyncIterator[LiveServer]:
    async with live_server(settings) as live:
        yield live


async def test_agents_hear_of_a_rating_as_conversation_updated(
    server: LiveServer, world: World
) -> None:
    agent = world.a.member(Role.agent)
    async with server.client() as http:
        await resolve(http, world)
        async with observe(server, "/ws/agent", agent.access_token) as socket:
            response = await rate(http, world, rating=3, comment="Fine")
            assert response.status_code == 200, response.text

            frame = await socket.wait_for(lambda f: f["type"] == "conversation.updated")

    assert frame["changes"] == ["csat"]
    assert frame["conversation"]["id"] == str(world.a.conversation.id)
    assert frame["conversation"]["csat"] == response.json()
