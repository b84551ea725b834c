"""The widget's help search: the visitor's own workspace's published content only, found
by its words or, with the embedding model, by meaning, but never for nonsense. Anonymous and
forged tokens are covered by tests/isolation."""

import httpx

from helpline.core.runtime import Runtime
from helpline.core.unit_of_work import unit_of_work
from helpline.knowledge import embeddings, indexing
from helpline.knowledge.models import ArticleStatus
from tests.fixtures.world import World
from tests.helpcentre.support import add_article

SEARCH = "/api/v1/widget/help/search"


class TestWidgetHelpSearch:
    async def test_returns_published_articles_with_their_addresses_and_faq_answers(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        await add_article(runtime, world.a, "Returns", "Send parcels back within 30 days.")
        await add_article(
            runtime, world.a, "Return fees", "Parcels back cost 5 EUR.", status=ArticleStatus.draft
        )
        await add_article(runtime, world.b, "B returns", "Send parcels back to B.")

        found = await client.get(
            SEARCH, params={"q": "send parcels back"}, headers=world.a.visitor_headers
        )
        faq = await client.get(
            SEARCH, params={"q": "opening hours"}, headers=world.a.visitor_headers
        )

        assert found.status_code == 200, found.text
        base = runtime.settings.public_url
        body = found.json()
        assert body["help_centre_url"] == f"{base}/help/ws-a/"
        assert body["articles"] == [
            {
                "title": "Returns",
                "snippet": "Send parcels back within 30 days.",
                "url": f"{base}/help/ws-a/articles/returns",
            }
        ]
        assert faq.json()["faqs"][0] == {
            "question": "What are the opening hours of A?",
            "answer": "We answer from 9:00 to 17:00, Monday to Friday.",
        }
        assert all("B?" not in f["question"] for f in faq.json()["faqs"])

    async def test_finds_by_meaning_with_the_embedding_model_and_nothing_for_nonsense(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        await add_article(runtime, world.a, "Returns", "You can send any item back for 30 days.")
        assert embeddings.for_answers(runtime.settings) is not None, "installed by make install"
        async with unit_of_work(runtime.sessionmaker) as session:
            await indexing.index_workspace(session, runtime.settings, world.a.workspace.id)

        async def search(q: str) -> dict[str, list[str]]:
            response = await client.get(SEARCH, params={"q": q}, headers=world.a.visitor_headers)
            assert response.status_code == 200, response.text
            body = response.json()
            return {
                "articles": [a["title"] for a in body["articles"]],
                "faqs": [f["question"] for f in body["faqs"]],
            }

        # No word in common with "Shipping times" (Orders arrive within three working days).
        meaning = await search("how long does delivery take")
        assert meaning["articles"][:1] == ["Shipping times"]
        assert "Returns" not in meaning["articles"]
        for nonsense in ("zzzz qqqq", "banana smoothie recipe"):
            assert await search(nonsense) == {"articles": [], "faqs": []}, nonsense

    async def test_the_other_workspace_visitor_sees_its_own(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        response = await client.get(
            SEARCH, params={"q": "opening hours"}, headers=world.b.visitor_headers
        )

        assert response.json()["help_centre_url"].endswith("/help/ws-b/")
        assert [f["question"] for f in response.json()["faqs"]] == [
            "What are the opening hours of B?"
        ]

    async def test_needs_a_question_and_a_visitor(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        empty = await client.get(SEARCH, params={"q": ""}, headers=world.a.visitor_headers)
        anonymous = await client.get(SEARCH, params={"q": "hours"})

        assert empty.status_code == 422
        assert anonymous.status_code == 401
