"""The inbox list: newest first, paginated, filtered, searched, without N+1 queries."""

import httpx
from fastapi import FastAPI

from helpline.tenancy.models import Role
from tests.conversations.support import CONVERSATIONS, counting_queries, start, url
from tests.fixtures.world import World


class TestListConversations:
    async def test_newest_first_in_pages(self, client: httpx.AsyncClient, world: World) -> None:
        headers = world.a.member(Role.agent).headers
        made = [(await start(client, headers, world.a.contact.id))["id"] for _ in range(3)]

        first = await client.get(CONVERSATIONS, params={"limit": 2}, headers=headers)
        second = await client.get(
            CONVERSATIONS,
            params={"limit": 2, "cursor": first.json()["next_cursor"]},
            headers=headers,
        )

        assert [c["id"] for c in first.json()["items"]] == made[::-1][:2]
        assert [c["id"] for c in second.json()["items"]] == [
            made[0],
            str(world.a.conversation.id),
        ]
        assert second.json()["next_cursor"] is None

    async def test_filters(self, client: httpx.AsyncClient, world: World) -> None:
        agent = world.a.member(Role.agent)
        admin = world.a.member(Role.admin).headers
        mine = (await start(client, agent.headers, world.a.contact.id, subject="Mine"))["id"]
        await client.post(url(mine, "claim"), headers=agent.headers)
        resolved = (await start(client, admin, world.a.contact.id, subject="Done"))["id"]
        await client.patch(url(resolved), json={"status": "resolved"}, headers=admin)
        routed = (await start(client, admin, world.a.contact.id, subject="Routed"))["id"]
        await client.post(
            url(routed, "team"), json={"team_id": str(world.a.team.id)}, headers=admin
        )
        await client.put(url(routed, "labels"), json={"labels": ["VIP"]}, headers=admin)
        everyone = str(world.a.conversation.id)

        async def listed(**params: str) -> list[str]:
            response = await client.get(CONVERSATIONS, params=params, headers=agent.headers)
            assert response.status_code == 200, response.text
            return [c["id"] for c in response.json()["items"]]

        assert await listed(status="resolved") == [resolved]
        assert await listed(assignee="me") == [mine]
        assert await listed(assignee=str(agent.membership.id)) == [mine]
        assert await listed(assignee="unassigned") == [routed, resolved, everyone]
        assert await listed(team_id=str(world.a.team.id)) == [routed]
        assert await listed(label=" vip ") == [routed]
        assert await listed(status="open", assignee="unassigned") == [routed, everyone]

    async def test_text_search(self, client: httpx.AsyncClient, world: World) -> None:
        headers = world.a.member(Role.agent).headers
        subject = (await start(client, headers, world.a.contact.id, subject="Refund 100%"))["id"]
        body = (await start(client, headers, world.a.contact.id, body="About the PARCEL"))["id"]
        everyone = str(world.a.conversation.id)

        async def found(q: str) -> list[str]:
            response = await client.get(CONVERSATIONS, params={"q": q}, headers=headers)
            return [c["id"] for c in response.json()["items"]]

        assert await found("refund") == [subject]
        # % is a literal character, not a wildcard.
        assert await found("100%") == [subject]
        assert await found("0%R") == []
        assert await found("parcel") == [body]
        assert await found("visitor a") == [body, subject, everyone]
        assert await found("VISITOR@A.EXAMPLE") == [body, subject, everyone]
        assert await found("march") == [everyone]
        assert await found("nothing like this") == []

    async def test_assignee_me_needs_a_member(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        response = await client.get(
            CONVERSATIONS, params={"assignee": "me"}, headers=world.a.api_key_headers
        )
        bad = await client.get(
            CONVERSATIONS, params={"assignee": "someone"}, headers=world.a.api_key_headers
        )

        assert response.status_code == 400
        assert "API key" in response.json()["detail"]
        assert bad.status_code == 422

    async def test_ids_in_filters_are_resolved_in_the_callers_workspace(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        headers = world.a.member(Role.agent).headers
        foreign_member = str(world.b.member(Role.agent).membership.id)

        by_member = await client.get(
            CONVERSATIONS, params={"assignee": foreign_member}, headers=headers
        )
        by_team = await client.get(
            CONVERSATIONS, params={"team_id": str(world.b.team.id)}, headers=headers
        )

        assert by_member.status_code == by_team.status_code == 404
        assert by_member.json()["detail"] == "Member not found."

    async def test_a_page_costs_the_same_queries_whatever_its_size(
        self, app: FastAPI, client: httpx.AsyncClient, world: World
    ) -> None:
        """Contacts and labels are loaded for the whole page at once (no N+1)."""
        headers = world.a.member(Role.admin).headers

        with counting_queries(app) as one:
            await client.get(CONVERSATIONS, headers=headers)
        for n in range(5):
            made = await start(client, headers, world.a.contact.id)
            await client.put(url(made["id"], "labels"), json={"labels": [f"l{n}"]}, headers=headers)
        with counting_queries(app) as six:
            response = await client.get(CONVERSATIONS, headers=headers)

        assert len(response.json()["items"]) == 6
        assert len(six) == len(one)
