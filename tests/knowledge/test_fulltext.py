"""The full-text index (knowledge.fulltext): it follows every write of the chunks, it is what
retrieval reads, and the same text in two workspaces is found only in the caller's."""

import httpx
from sqlalchemy import func, select

from helpline.core.runtime import Runtime
from helpline.core.unit_of_work import unit_of_work
from helpline.knowledge import retrieval
from helpline.knowledge.fulltext import sqlite as fulltext_sqlite
from helpline.knowledge.models import KnowledgeChunk
from helpline.tenancy.models import Role
from tests.fixtures.api import scalars
from tests.fixtures.world import World
from tests.knowledge.support import KNOWLEDGE, SHOP_FAQ, add_faqs
from tests.knowledge.test_retrieval import statements

FAQ = {
    "question": "Do you ship to Iceland?",
    "answer": "Yes, in about a week.",
    "phrasings": ["delivery to reykjavik"],
    "tags": [],
}


async def index_matches_chunks(runtime: Runtime) -> bool:
    """On SQLite, the FTS table holds exactly one entry per chunk, with the chunk's terms and
    workspace (PostgreSQL's expression index cannot disagree with its table)."""
    if not runtime.settings.is_sqlite:
        return True
    fts = fulltext_sqlite.fts
    chunks = set(await scalars(runtime, select(KnowledgeChunk)))
    indexed = {
        (row.chunk_id, row.workspace_id, row.terms, row.rowid)
        for row in await _rows(runtime, select(*fts.c))
    }
    expected = {(c.id, c.workspace_id, c.terms, fulltext_sqlite.fts_rowid(c.id)) for c in chunks}
    return indexed == expected


async def _rows(runtime: Runtime, statement: object) -> list[object]:
    async with runtime.engine.connect() as connection:
        return list(await connection.execute(statement))  # type: ignore[call-overload]


class TestIndexFollowsWrites:
    async def test_create_update_unpublish_delete(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        admin = world.a.member(Role.admin).headers
        created = await client.post(f"{KNOWLEDGE}/faqs", json=FAQ, headers=admin)
        faq_id = created.json()["id"]
        after_create = await index_matches_chunks(runtime)
        found = await _titles(client, admin, "reykjavik")
        await client.patch(
            f"{KNOWLEDGE}/faqs/{faq_id}", json={"phrasings": ["parcels to akureyri"]}, headers=admin
        )
        after_update = await index_matches_chunks(runtime)
        old_phrasing = await _titles(client, admin, "reykjavik")
        new_phrasing = await _titles(client, admin, "akureyri")
        await client.patch(f"{KNOWLEDGE}/faqs/{faq_id}", json={"published": False}, headers=admin)
        after_unpublish = await index_matches_chunks(runtime)
        await client.patch(f"{KNOWLEDGE}/faqs/{faq_id}", json={"published": True}, headers=admin)
        await client.delete(f"{KNOWLEDGE}/faqs/{faq_id}", headers=admin)
        after_delete = await index_matches_chunks(runtime)
        gone = await _titles(client, admin, "akureyri")

        assert created.status_code == 201, created.text
        assert [after_create, after_update, after_unpublish, after_delete] == [True] * 4
        assert found == [FAQ["question"]]
        assert old_phrasing == []
        assert new_phrasing == [FAQ["question"]]
        assert gone == []

    async def test_article_edits_are_indexed(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        admin = world.a.member(Role.admin).headers
        path = f"{KNOWLEDGE}/articles/{world.a.article.id}"
        changed = await client.patch(
            path, json={"body": "Gift wrapping costs 3 EUR."}, headers=admin
        )

        assert changed.status_code == 200, changed.text
        assert await index_matches_chunks(runtime)
        assert await _titles(client, admin, "gift wrapping") == [world.a.article.title]


class TestIsolation:
    async def test_the_same_text_in_two_workspaces_is_found_only_in_the_callers(
        self, runtime: Runtime, world: World
    ) -> None:
        a, b = world.a.workspace.id, world.b.workspace.id
        async with unit_of_work(runtime.sessionmaker) as session:
            in_a = await add_faqs(session, a, SHOP_FAQ)
            in_b = await add_faqs(session, b, SHOP_FAQ)
        with statements(runtime.engine) as seen:
            async with unit_of_work(runtime.sessionmaker) as session:
                found_a = await retrieval.search(session, a, "how do I get a refund", k=10)
                found_b = await retrieval.search(session, b, "how do I get a refund", k=10)

        ids_a = {f.id for f in in_a.values()} | {world.a.faq.id, world.a.article.id}
        ids_b = {f.id for f in in_b.values()} | {world.b.faq.id, world.b.article.id}
        assert found_a
        assert {p.source_id for p in found_a} <= ids_a
        assert found_b
        assert {p.source_id for p in found_b} <= ids_b
        # The full-text lookup itself names the workspace.
        lookups = [sql for sql, _ in seen if " MATCH " in sql or "@@" in sql]
        assert lookups
        assert all("workspace_id" in sql for sql in lookups)


async def test_chunk_counts_are_what_the_index_holds(runtime: Runtime, world: World) -> None:
    async with unit_of_work(runtime.sessionmaker) as session:
        await add_faqs(session, world.a.workspace.id, SHOP_FAQ)
    [count] = await scalars(runtime, select(func.count(KnowledgeChunk.id)))

    assert count > len(SHOP_FAQ)
    assert await index_matches_chunks(runtime)


async def _titles(client: httpx.AsyncClient, headers: dict[str, str], q: str) -> list[str]:
    response = await client.get(f"{KNOWLEDGE}/search", params={"q": q}, headers=headers)
    assert response.status_code == 200, response.text
    return [p["title"] for p in response.json()]
