"""The per-workspace FAQ classifier in the product: the training job (after the embedding
job, debounced, retrained when the FAQ changes), the per-process cache, retrieval's use of it,
and isolation between workspaces."""

import uuid
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select, update

from helpline.core.runtime import Runtime
from helpline.core.time import utc_now
from helpline.core.unit_of_work import unit_of_work
from helpline.jobs.models import Job, JobStatus
from helpline.knowledge import (
    classifier_store,
    classifier_training,
    embeddings,
    retrieval,
    vectors,
)
from helpline.knowledge.classifier_models import FaqClassifier
from helpline.knowledge.models import FaqEntry
from helpline.knowledge.repository import ChunkRepository
from helpline.tenancy.models import Role
from tests.fixtures.api import scalars
from tests.fixtures.jobs import run_jobs
from tests.fixtures.world import World
from tests.knowledge.support import KNOWLEDGE, SHOP_FAQ, add_faqs
from tests.knowledge.test_retrieval import statements

TRAIN = classifier_training.TRAIN_CLASSIFIER_JOB


@pytest.fixture(autouse=True)
def empty_caches() -> Iterator[None]:
    vectors.shared.clear()
    classifier_store.shared.clear()
    yield
    vectors.shared.clear()
    classifier_store.shared.clear()


def offline(runtime: Runtime) -> embeddings.Embedder:
    embedder = embeddings.active(runtime.settings)
    assert embedder is not None, "the offline model is installed by `make install`"
    return embedder


async def queued_training(runtime: Runtime, workspace_id: uuid.UUID) -> list[Job]:
    statement = select(Job).where(
        Job.name == TRAIN, Job.status == JobStatus.queued, Job.workspace_id == workspace_id
    )
    return list(await scalars(runtime, statement))


async def run_jobs_now(runtime: Runtime) -> None:
    """Run every job, the debounced training too: its delay is the product's, not the test's."""
    await run_jobs(runtime)
    async with unit_of_work(runtime.sessionmaker) as session:
        await session.execute(
            update(Job).where(Job.status == JobStatus.queued).values(run_at=utc_now())
        )
    await run_jobs(runtime)


async def stored(runtime: Runtime, workspace_id: uuid.UUID) -> FaqClassifier | None:
    statement = select(FaqClassifier).where(FaqClassifier.workspace_id == workspace_id)
    found = list(await scalars(runtime, statement))
    return found[0] if found else None


async def search(runtime: Runtime, workspace_id: uuid.UUID, query: str) -> list[retrieval.Passage]:
    async with unit_of_work(runtime.sessionmaker) as session:
        return await retrieval.search(session, workspace_id, query, k=5, embedder=offline(runtime))


async def faq_ids(runtime: Runtime, workspace_id: uuid.UUID) -> set[uuid.UUID]:
    statement = select(FaqEntry.id).where(FaqEntry.workspace_id == workspace_id)
    return set(await scalars(runtime, statement))


class TestTrainingJob:
    async def test_trains_after_the_embedding_job_once_per_bulk_change(
        self, runtime: Runtime, world: World
    ) -> None:
        ws = world.a.workspace.id
        # A bulk import in several transactions, each with its embedding job run.
        for entry in SHOP_FAQ:
            async with unit_of_work(runtime.sessionmaker) as session:
                await add_faqs(session, ws, [entry])
            await run_jobs(runtime)
        waiting = await queued_training(runtime, ws)
        before = await stored(runtime, ws)
        await run_jobs_now(runtime)
        trained = await stored(runtime, ws)

        assert len(waiting) == 1
        assert waiting[0].run_at > utc_now()
        assert before is None
        assert trained is not None
        # The world's own entry and the six added: one class each.
        assert {uuid.UUID(i) for i in trained.faq_ids} == await faq_ids(runtime, ws)
        assert trained.metrics["classes"] == 7
        assert trained.metrics["training_accuracy"] == 1.0
        assert await queued_training(runtime, ws) == []

    async def test_retrains_on_change_and_never_predicts_a_removed_entry(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        ws = world.a.workspace.id
        async with unit_of_work(runtime.sessionmaker) as session:
            added = await add_faqs(session, ws, SHOP_FAQ)
        await run_jobs_now(runtime)
        first = await stored(runtime, ws)
        refund = added["How do I get a refund?"]
        admin = world.a.member(Role.admin).headers
        deleted = await client.delete(f"{KNOWLEDGE}/faqs/{refund.id}", headers=admin)
        assert deleted.status_code == 204
        stale = await search(runtime, ws, "I want my money back")
        await run_jobs_now(runtime)
        second = await stored(runtime, ws)
        after = await search(runtime, ws, "I want my money back")

        assert first is not None
        assert second is not None
        assert second.id != first.id
        assert str(refund.id) in first.faq_ids
        assert str(refund.id) not in second.faq_ids
        # Between the deletion and the retraining the old model is not used at all.
        assert all(p.probability is None for p in stale)
        assert refund.id not in {p.source_id for p in stale + after}
        assert any(p.probability is not None for p in after)

    async def test_training_twice_on_the_same_chunks_keeps_the_model(
        self, runtime: Runtime, world: World
    ) -> None:
        ws = world.a.workspace.id
        async with unit_of_work(runtime.sessionmaker) as session:
            await add_faqs(session, ws, SHOP_FAQ)
        await run_jobs_now(runtime)
        async with unit_of_work(runtime.sessionmaker) as session:
            again = await classifier_training.train_workspace(session, runtime.settings, ws)

        assert again.status == "unchanged"

    async def test_under_two_entries_there_is_no_model(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        ws = world.a.workspace.id
        async with unit_of_work(runtime.sessionmaker) as session:
            await add_faqs(session, ws, SHOP_FAQ[:1])
        await run_jobs_now(runtime)
        admin = world.a.member(Role.admin).headers
        unpublished = await client.patch(
            f"{KNOWLEDGE}/faqs/{world.a.faq.id}", json={"published": False}, headers=admin
        )
        assert unpublished.status_code == 200
        await run_jobs_now(runtime)

        assert await stored(runtime, ws) is None

    async def test_a_faq_too_large_to_train_has_no_model_and_is_still_searched(
        self, runtime: Runtime, world: World
    ) -> None:
        ws = world.a.workspace.id
        async with unit_of_work(runtime.sessionmaker) as session:
            await add_faqs(session, ws, SHOP_FAQ)
        await run_jobs_now(runtime)
        trained = await stored(runtime, ws)
        assert trained is not None
        entries = len(trained.faq_ids)
        async with unit_of_work(runtime.sessionmaker) as session:
            # As when the FAQ has grown past classifier_training.MAX_CLASSES.
            outcome = await classifier_training.train_workspace(
                session, runtime.settings, ws, max_classes=entries - 1
            )
        passages = await search(runtime, ws, "I forgot my password")

        assert (outcome.status, outcome.classes) == ("removed", entries)
        assert await stored(runtime, ws) is None
        assert passages[0].title == "How do I reset my password?"
        assert all(p.probability is None for p in passages)


class TestRetrieval:
    async def test_ranks_and_scores_faq_entries_with_the_classifier(
        self, runtime: Runtime, world: World
    ) -> None:
        ws = world.a.workspace.id
        async with unit_of_work(runtime.sessionmaker) as session:
            await add_faqs(session, ws, SHOP_FAQ)
        await run_jobs_now(runtime)

        passages = await search(runtime, ws, "no longer able to sign in")
        weather = await search(runtime, ws, "Will it rain in Paris tomorrow?")

        assert passages[0].title == "How do I reset my password?"
        assert passages[0].probability is not None
        assert passages[0].confidence >= 0.5
        # FAQ entries come in the order of the classifier's evidence (their score).
        faq_scores = [p.score for p in passages if p.probability is not None]
        assert faq_scores == sorted(faq_scores, reverse=True)
        # Far from every entry: handed off whatever the classifier's probability.
        assert weather[0].confidence < 0.5


class TestCache:
    async def test_loads_a_model_once_and_again_after_retraining(
        self, runtime: Runtime, world: World
    ) -> None:
        ws = world.a.workspace.id
        async with unit_of_work(runtime.sessionmaker) as session:
            await add_faqs(session, ws, SHOP_FAQ)
        await run_jobs_now(runtime)

        with statements(runtime.engine) as seen:
            await search(runtime, ws, "track my parcel")
            first_reads = _parameter_reads(seen)
            asked = len(seen)
            await search(runtime, ws, "where is my package")
            second_reads = _parameter_reads(seen) - first_reads
            # Cached under the current fingerprint: the table is not even asked.
            assert not [sql for sql, _ in seen[asked:] if "faq_classifiers" in sql]
        first = classifier_store.shared.get(ws, _stored_fingerprint(await stored(runtime, ws)))
        async with unit_of_work(runtime.sessionmaker) as session:
            await add_faqs(
                session, ws, [("Do you ship abroad?", ["International delivery"], "Yes.")]
            )
        await run_jobs_now(runtime)
        with statements(runtime.engine) as seen:
            await search(runtime, ws, "track my parcel")
            after_retraining = _parameter_reads(seen)
        second = classifier_store.shared.get(ws, _stored_fingerprint(await stored(runtime, ws)))

        assert (first_reads, second_reads, after_retraining) == (1, 0, 1)
        assert first is not None
        assert second is not None
        assert second.id != first.id
        assert len(second.faq_ids) == len(first.faq_ids) + 1


def _stored_fingerprint(row: FaqClassifier | None) -> str:
    assert row is not None
    return row.fingerprint


def _parameter_reads(seen: list[tuple[str, object]]) -> int:
    return sum(1 for sql, _ in seen if "faq_classifiers.parameters" in sql)


class TestIsolation:
    async def test_one_workspace_never_gets_the_others_entries(
        self, runtime: Runtime, world: World
    ) -> None:
        a, b = world.a.workspace.id, world.b.workspace.id
        async with unit_of_work(runtime.sessionmaker) as session:
            await add_faqs(session, a, SHOP_FAQ)
            await add_faqs(session, b, SHOP_FAQ)
        await run_jobs_now(runtime)
        own_a, own_b = await faq_ids(runtime, a), await faq_ids(runtime, b)

        with statements(runtime.engine) as seen:
            found_a = [await search(runtime, a, q) for q, _, _ in SHOP_FAQ]
        found_b = [await search(runtime, b, q) for q, _, _ in SHOP_FAQ]
        model_a, model_b = await stored(runtime, a), await stored(runtime, b)

        assert model_a is not None
        assert model_b is not None
        assert {uuid.UUID(i) for i in model_a.faq_ids} == own_a
        assert {uuid.UUID(i) for i in model_b.faq_ids} == own_b
        assert all(p.source_id not in own_b for ps in found_a for p in ps)
        assert all(p.source_id not in own_a for ps in found_b for p in ps)
        assert all(ps[0].probability is not None for ps in found_a + found_b)
        # Every statement on the classifiers' table names the workspace.
        on_table = [(sql, params) for sql, params in seen if "faq_classifiers" in sql]
        assert on_table
        for sql, params in on_table:
            assert "faq_classifiers.workspace_id" in sql
            assert _mentions(params, a), sql

    async def test_the_repository_reads_only_its_workspace(
        self, runtime: Runtime, world: World
    ) -> None:
        a, b = world.a.workspace.id, world.b.workspace.id
        async with unit_of_work(runtime.sessionmaker) as session:
            await add_faqs(session, a, SHOP_FAQ)
            await add_faqs(session, b, SHOP_FAQ)
        await run_jobs_now(runtime)
        model_b = await stored(runtime, b)
        assert model_b is not None
        async with unit_of_work(runtime.sessionmaker) as session:
            repository = classifier_store.ClassifierRepository(session, workspace_id=a)
            foreign = await repository.load(model_b.id)
            rows = await repository.vector_rows(offline(runtime).name)
            chunks = await ChunkRepository(session, workspace_id=a).vectors(offline(runtime).name)

        assert foreign is None
        assert {row.chunk_id for row in rows.rows} == {row.chunk_id for row in chunks}


def _mentions(params: object, workspace_id: uuid.UUID) -> bool:
    values = params.values() if isinstance(params, dict) else params
    assert isinstance(values, tuple | list | type({}.values()))
    return any(v in (workspace_id, workspace_id.hex, str(workspace_id)) for v in values)
