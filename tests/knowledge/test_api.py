"""The knowledge-base REST API: who may read and edit, pagination, and what search sees.
Foreign ids and anonymous calls are covered for every route by tests/isolation."""

import uuid

import httpx
from sqlalchemy import func, select

from helpline.auth.principals import Scope
from helpline.core.runtime import Runtime
from helpline.knowledge.models import KnowledgeChunk
from helpline.tenancy.models import Role
from tests.fixtures.api import scalars
from tests.fixtures.world import World
from tests.knowledge.support import KNOWLEDGE

FAQ = {
    "question": "How do I get a refund?",
    "answer": "Refunds reach your card within five working days.",
    "phrasings": ["I want my money back"],
    "tags": ["billing"],
}


async def chunk_count(runtime: Runtime, **where: object) -> int:
    statement = select(func.count(KnowledgeChunk.id)).filter_by(**where)
    [count] = await scalars(runtime, statement)
    return int(count)


async def search(client: httpx.AsyncClient, headers: dict[str, str], q: str) -> list[str]:
    response = await client.get(f"{KNOWLEDGE}/search", params={"q": q}, headers=headers)
    assert response.status_code == 200, response.text
    return [p["title"] for p in response.json()]


class TestFaqs:
    async def test_admin_creates_edits_and_deletes(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        admin = world.a.member(Role.admin).headers
        created = await client.post(f"{KNOWLEDGE}/faqs", json=FAQ, headers=admin)
        faq_id = created.json()["id"]
        found = await search(client, admin, "can I have my money back")
        unpublished = await client.patch(
            f"{KNOWLEDGE}/faqs/{faq_id}", json={"published": False}, headers=admin
        )
        hidden = await search(client, admin, "can I have my money back")
        chunks_hidden = await chunk_count(runtime, faq_id=uuid.UUID(faq_id))
        republished = await client.patch(
            f"{KNOWLEDGE}/faqs/{faq_id}",
            json={"published": True, "phrasings": ["refund please"]},
            headers=admin,
        )
        deleted = await client.delete(f"{KNOWLEDGE}/faqs/{faq_id}", headers=admin)
        gone = await client.get(f"{KNOWLEDGE}/faqs/{faq_id}", headers=admin)

        assert created.status_code == 201, created.text
        assert {k: created.json()[k] for k in FAQ} == FAQ
        assert found[0] == FAQ["question"]
        assert unpublished.json()["published"] is False
        assert FAQ["question"] not in hidden
        assert chunks_hidden == 0
        assert republished.json()["phrasings"] == ["refund please"]
        assert deleted.status_code == 204
        assert gone.status_code == 404
        # What the world started with: its FAQ entry (question, one phrasing) and article.
        assert await chunk_count(runtime, workspace_id=world.a.workspace.id) == 3

    async def test_agents_read_but_do_not_edit(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        agent = world.a.member(Role.agent).headers

        listed = await client.get(f"{KNOWLEDGE}/faqs", headers=agent)
        refused = await client.post(f"{KNOWLEDGE}/faqs", json=FAQ, headers=agent)

        assert [f["id"] for f in listed.json()["items"]] == [str(world.a.faq.id)]
        assert refused.status_code == 403

    async def test_api_keys_need_the_knowledge_scopes(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        with_scope = await client.post(
            f"{KNOWLEDGE}/faqs", json=FAQ, headers=world.a.api_key_headers
        )
        without = await client.get(
            f"{KNOWLEDGE}/faqs", headers=world.a.api_key_headers_without(Scope.knowledge_read)
        )

        assert with_scope.status_code == 201
        assert without.status_code == 403

    async def test_pages(self, client: httpx.AsyncClient, world: World) -> None:
        admin = world.a.member(Role.owner).headers
        for n in range(3):
            response = await client.post(
                f"{KNOWLEDGE}/faqs", json={**FAQ, "question": f"Question {n}?"}, headers=admin
            )
            assert response.status_code == 201

        first = await client.get(f"{KNOWLEDGE}/faqs", params={"limit": 2}, headers=admin)
        second = await client.get(
            f"{KNOWLEDGE}/faqs",
            params={"limit": 2, "cursor": first.json()["next_cursor"]},
            headers=admin,
        )

        questions = [f["question"] for f in first.json()["items"] + second.json()["items"]]
        assert questions[1:] == ["Question 0?", "Question 1?", "Question 2?"]
        assert second.json()["next_cursor"] is None


class TestArticles:
    async def test_drafts_are_not_searched(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        admin = world.a.member(Role.admin).headers
        body = {"title": "Returns", "body": "# Returns\nSend parcels back within 30 days."}

        draft = await client.post(f"{KNOWLEDGE}/articles", json=body, headers=admin)
        while_draft = await search(client, admin, "send parcels back")
        published = await client.patch(
            f"{KNOWLEDGE}/articles/{draft.json()['id']}",
            json={"status": "published"},
            headers=admin,
        )
        once_published = await search(client, admin, "send parcels back")

        assert draft.status_code == 201
        assert draft.json()["status"] == "draft"
        assert "Returns" not in while_draft
        assert published.json()["status"] == "published"
        assert once_published[0] == "Returns"
        assert await chunk_count(runtime, article_id=uuid.UUID(draft.json()["id"])) == 1

    async def test_delete(self, client: httpx.AsyncClient, world: World) -> None:
        admin = world.a.member(Role.admin).headers
        article = world.a.article.id

        deleted = await client.delete(f"{KNOWLEDGE}/articles/{article}", headers=admin)
        listed = await client.get(f"{KNOWLEDGE}/articles", headers=admin)

        assert deleted.status_code == 204
        assert listed.json()["items"] == []
