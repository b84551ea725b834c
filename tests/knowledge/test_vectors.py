"""The per-workspace vector cache: a workspace's vectors are read from the database once, a
change made by another process (the indexing job, a deletion) is seen at the next search, the
fingerprint the database computes is the one of the rows read, and memory stays under the
cap, least recently used workspaces dropped first."""

import uuid
from collections.abc import Iterator

import httpx
import numpy as np
import pytest

from helpline.core.runtime import Runtime
from helpline.core.unit_of_work import unit_of_work
from helpline.knowledge import embeddings, indexing, retrieval, vectors
from helpline.knowledge.repository import ChunkRepository
from helpline.settings import Settings
from helpline.tenancy.models import Role
from tests.fixtures.world import World
from tests.knowledge.support import KNOWLEDGE, SHOP_FAQ, add_faqs
from tests.knowledge.test_retrieval import statements

# Shares no word with the entry added below, nor with SHOP_FAQ.
PARAPHRASE = "can pets come along"
ADDED = ("Are dogs allowed in the shop?", ["May I bring my dog"], "Dogs on a leash are welcome.")


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    vectors.shared.clear()
    yield
    vectors.shared.clear()


def offline(runtime: Runtime) -> embeddings.Embedder:
    embedder = embeddings.active(runtime.settings)
    assert embedder is not None, "the offline model is installed by `make install`"
    return embedder


async def index(runtime: Runtime, workspace_id: uuid.UUID) -> None:
    async with unit_of_work(runtime.sessionmaker) as session:
        await indexing.index_workspace(session, runtime.settings, workspace_id)


async def search(runtime: Runtime, workspace_id: uuid.UUID, query: str) -> list[retrieval.Passage]:
    async with unit_of_work(runtime.sessionmaker) as session:
        return await retrieval.search(session, workspace_id, query, k=3, embedder=offline(runtime))


def vector_reads(seen: list[tuple[str, object]]) -> int:
    """Statements that read the workspace's vectors (ChunkRepository.vectors)."""
    return sum(1 for sql, _ in seen if "AND knowledge_chunks.embedding_model = " in sql)


class TestCache:
    async def test_reads_the_vectors_once_then_answers_from_memory(
        self, runtime: Runtime, world: World
    ) -> None:
        ws = world.a.workspace.id
        async with unit_of_work(runtime.sessionmaker) as session:
            await add_faqs(session, ws, SHOP_FAQ)
        await index(runtime, ws)
        with statements(runtime.engine) as seen:
            first = await search(runtime, ws, "no longer able to sign in")
            again = await search(runtime, ws, "I'd like to unsubscribe")

        assert first[0].title == "How do I reset my password?"
        assert again[0].title == "How do I cancel my subscription?"
        assert vector_reads(seen) == 1
        assert vectors.shared.cached() == [(ws, offline(runtime).name)]

    async def test_a_new_entry_indexed_elsewhere_is_found_at_the_next_search(
        self, runtime: Runtime, world: World
    ) -> None:
        ws = world.a.workspace.id
        async with unit_of_work(runtime.sessionmaker) as session:
            await add_faqs(session, ws, SHOP_FAQ)
        await index(runtime, ws)
        before = await search(runtime, ws, PARAPHRASE)
        # The job writes the vectors; nothing tells this process's cache.
        async with unit_of_work(runtime.sessionmaker) as session:
            await add_faqs(session, ws, [ADDED])
        await index(runtime, ws)
        with statements(runtime.engine) as seen:
            after = await search(runtime, ws, PARAPHRASE)

        assert ADDED[0] not in [p.title for p in before]
        assert after[0].title == ADDED[0]
        assert vector_reads(seen) == 1

    async def test_a_deleted_entry_reloads_the_matrix(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        ws = world.a.workspace.id
        async with unit_of_work(runtime.sessionmaker) as session:
            added = await add_faqs(session, ws, [*SHOP_FAQ, ADDED])
        await index(runtime, ws)
        await search(runtime, ws, PARAPHRASE)
        admin = world.a.member(Role.admin).headers
        deleted = await client.delete(f"{KNOWLEDGE}/faqs/{added[ADDED[0]].id}", headers=admin)
        with statements(runtime.engine) as seen:
            after = await search(runtime, ws, PARAPHRASE)

        assert deleted.status_code == 204
        assert ADDED[0] not in [p.title for p in after]
        assert vector_reads(seen) == 1

    async def test_the_databases_fingerprint_is_the_one_of_the_rows(
        self, runtime: Runtime, world: World
    ) -> None:
        ws = world.a.workspace.id
        async with unit_of_work(runtime.sessionmaker) as session:
            await add_faqs(session, ws, SHOP_FAQ)
        await index(runtime, ws)
        model = offline(runtime).name
        async with unit_of_work(runtime.sessionmaker) as session:
            chunks = ChunkRepository(session, workspace_id=ws)
            statistics = await chunks.statistics(model)
            rows = await chunks.vectors(model)
            other_model = await chunks.statistics("another-model")

        assert statistics.vectors == vectors.fingerprint_of(rows)
        assert statistics.vectors.count == statistics.total > len(SHOP_FAQ)
        assert other_model.vectors == vectors.Fingerprint(0, None, 0)

    def test_the_setting_caps_the_process_cache(self) -> None:
        embeddings.for_answers(Settings(database_url="", retrieval_vector_cache_mb=3))
        capped = vectors.shared.nbytes_cap
        embeddings.for_answers(Settings(database_url=""))

        assert capped == 3 * vectors.MIB
        assert vectors.shared.nbytes_cap == Settings(database_url="").retrieval_vector_cache_mb * (
            vectors.MIB
        )


def matrix(chunks: int, *, seed: int) -> vectors.VectorMatrix:
    """`chunks` random unit vectors of 8 floats, two chunks per source."""
    rng = np.random.default_rng(seed)
    sources = [uuid.uuid4() for _ in range((chunks + 1) // 2)]
    rows = [
        vectors.VectorRow(
            uuid.uuid4(), sources[i // 2], 3, rng.normal(size=8).astype("<f4").tobytes()
        )
        for i in range(chunks)
    ]
    return vectors.build(rows, 8)


class TestMemoryBound:
    def test_matrices_are_normalised_and_grouped_by_source(self) -> None:
        built = matrix(6, seed=1)

        assert np.allclose(np.linalg.norm(built.matrix, axis=1), 1.0)
        assert len(built.source_ids) == 3
        assert built.starts.tolist() == [0, 2, 4, 6]

    def test_least_recently_used_workspaces_go_first(self) -> None:
        one, two, three = (matrix(100, seed=s) for s in (1, 2, 3))
        cache = vectors.VectorCache(max_bytes=2 * one.nbytes + 10)
        a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        cache.put(a, "m", one)
        cache.put(b, "m", two)
        assert cache.get(a, "m", one.fingerprint) is one  # a is now the most recent
        cache.put(c, "m", three)

        assert cache.cached() == [(a, "m"), (c, "m")]
        assert cache.nbytes <= 2 * one.nbytes + 10

    def test_a_stale_fingerprint_drops_the_entry(self) -> None:
        entry = matrix(10, seed=1)
        cache = vectors.VectorCache()
        workspace = uuid.uuid4()
        cache.put(workspace, "m", entry)
        changed = vectors.Fingerprint(entry.fingerprint.count + 1, None, 0)

        assert cache.get(workspace, "m", changed) is None
        assert cache.cached() == []

    def test_a_workspace_larger_than_the_cap_is_not_kept(self) -> None:
        entry = matrix(100, seed=1)
        cache = vectors.VectorCache(max_bytes=entry.nbytes - 1)
        cache.put(uuid.uuid4(), "m", entry)
        cache.resize(0)

        assert cache.cached() == []
