"""Retrieval: BM25 ranks the right FAQ entry for paraphrases, confidence separates what the
knowledge base answers from what it does not, and nothing crosses workspaces."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from helpline.core.runtime import Runtime
from helpline.core.unit_of_work import unit_of_work
from helpline.knowledge import retrieval
from helpline.knowledge.models import SourceKind
from tests.fixtures.world import World
from tests.knowledge.support import SHOP_FAQ, add_faqs

PARAPHRASES = [
    ("i forgot the password for my account", "How do I reset my password?"),
    ("my parcel hasn't arrived", "Where is my order?"),
    ("can I get my money back for this", "How do I get a refund?"),
    ("do you accept paypal", "Which payment methods do you accept?"),
    ("how much are delivery fees to france", "How much does shipping cost?"),
    ("please cancel my membership", "How do I cancel my subscription?"),
]


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[tuple[str, Any]]]:
    """Every SQL statement the engine runs meanwhile, with its parameters."""
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, sql: str, params: Any, _ctx: Any, _many: Any) -> None:
        seen.append((sql, params))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


class TestRanking:
    @pytest.mark.parametrize(("query", "expected"), PARAPHRASES)
    async def test_paraphrase_finds_its_entry_first(
        self, runtime: Runtime, world: World, query: str, expected: str
    ) -> None:
        async with unit_of_work(runtime.sessionmaker) as session:
            await add_faqs(session, world.a.workspace.id, SHOP_FAQ)
            passages = await retrieval.search(session, world.a.workspace.id, query, k=3)

        assert passages[0].title == expected
        assert passages[0].source_kind == SourceKind.faq
        assert passages[0].confidence >= 0.5

    async def test_unrelated_question_has_low_confidence(
        self, runtime: Runtime, world: World
    ) -> None:
        async with unit_of_work(runtime.sessionmaker) as session:
            await add_faqs(session, world.a.workspace.id, SHOP_FAQ)
            passages = await retrieval.search(
                session, world.a.workspace.id, "what is the capital of mongolia", k=3
            )
            nothing = await retrieval.search(session, world.a.workspace.id, "the of a", k=3)

        assert all(p.confidence < 0.5 for p in passages)
        assert nothing == []

    async def test_articles_are_found_by_section(self, runtime: Runtime, world: World) -> None:
        async with unit_of_work(runtime.sessionmaker) as session:
            passages = await retrieval.search(
                session, world.a.workspace.id, "shipping times to europe", k=3
            )

        assert [(p.source_kind, p.source_id) for p in passages][:1] == [
            (SourceKind.article, world.a.article.id)
        ]
        assert "three working days" in passages[0].text


class TestIsolation:
    async def test_another_workspaces_knowledge_is_never_returned(
        self, runtime: Runtime, world: World
    ) -> None:
        a, b = world.a.workspace.id, world.b.workspace.id
        async with unit_of_work(runtime.sessionmaker) as session:
            await add_faqs(session, b, SHOP_FAQ)
        with statements(runtime.engine) as seen:
            async with unit_of_work(runtime.sessionmaker) as session:
                found = await retrieval.search(session, a, "how do I get a refund", k=10)
                everything = await retrieval.search(
                    session, a, "opening hours, shipping to europe", k=10
                )

        assert found == []
        assert {p.source_id for p in everything} == {world.a.faq.id, world.a.article.id}
        # The filter is in SQL: every statement that reads knowledge names the workspace and
        # carries A's id, so B's rows never reach Python.
        reads = [
            (sql, params)
            for sql, params in seen
            if "knowledge_chunks" in sql or "faq_entries" in sql or "articles" in sql
        ]
        assert reads
        for sql, params in reads:
            assert "workspace_id" in sql, sql
            values = params.values() if isinstance(params, dict) else params
            assert any(str(v).replace("-", "") == a.hex for v in values), (sql, params)
