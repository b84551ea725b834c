"""Running a labelled FAQ set through the bot's production answer path, in a throwaway
workspace: `helpline bot eval` and bench/bot_eval.py.

The FAQ is written with the knowledge service (so it is chunked as any FAQ is), embedded by
the indexing job's function, and the workspace's classifier trained by the training job's
function; each question then goes through `bot.agent.decide` and `compose` with the offline
ExtractiveLLM, as the bot's job answers, and is timed from question to answer.
"""

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.bot import agent
from helpline.bot.llm import ExtractiveLLM
from helpline.conversations.models import Conversation, Message, Owner
from helpline.core.ids import new_id
from helpline.core.runtime import Runtime, create_runtime
from helpline.core.unit_of_work import unit_of_work
from helpline.evaluation.embedding_cache import CachedEmbedder
from helpline.evaluation.faqsets import FaqSet
from helpline.evaluation.metrics import Outcome, Report, summarise
from helpline.jobs.models import Job
from helpline.knowledge import classifier_training, embeddings, indexing, retrieval
from helpline.knowledge import service as knowledge
from helpline.knowledge.embeddings import Embedder
from helpline.settings import Settings
from helpline.tenancy import service as tenancy
from helpline.tenancy.models import Workspace
from helpline.tenancy.schemas import WorkspaceSettings

Progress = Callable[[str], None]


@dataclass
class Prepared:
    workspace_id: uuid.UUID
    # The FAQ question of each entry's id.
    questions: dict[uuid.UUID, str] = field(default_factory=dict)
    embedded: int = 0
    classifier: str = "none"


async def prepare(
    runtime: Runtime,
    faq_set: FaqSet,
    *,
    embedder: Embedder | None,
    classifier: bool = True,
    progress: Progress = print,
) -> Prepared:
    """A new workspace holding the FAQ, embedded, with its classifier trained."""
    async with unit_of_work(runtime.sessionmaker) as session:
        workspace = await tenancy.create_workspace(
            session, None, name="Evaluation", slug=f"evaluation-{new_id().hex[:12]}"
        )
        prepared = Prepared(workspace.id)
        for item in faq_set.faq:
            faq = await knowledge.create_faq(
                session,
                None,
                workspace.id,
                question=item.question,
                answer=item.answer,
                phrasings=item.phrasings,
                tags=[],
            )
            prepared.questions[faq.id] = item.question
    if embedder is None:
        progress("no embedding model: full-text only, no classifier")
        return prepared
    started = time.perf_counter()
    async with unit_of_work(runtime.sessionmaker) as session:
        prepared.embedded = await indexing.index_workspace(
            session, runtime.settings, workspace.id, embedder=embedder
        )
    progress(
        f"embedded {prepared.embedded} chunks in {time.perf_counter() - started:.1f} s "
        f"({embedder.name})"
    )
    if classifier:
        started = time.perf_counter()
        async with unit_of_work(runtime.sessionmaker) as session:
            trained = await classifier_training.train_workspace(
                session, runtime.settings, workspace.id, embedding_model=embedder.name
            )
        prepared.classifier = f"{trained.status} ({trained.classes} entries)"
        progress(
            f"classifier {trained.status}: {trained.classes} entries, {trained.examples} "
            f"examples, {time.perf_counter() - started:.1f} s"
        )
    return prepared


async def ask_all(
    runtime: Runtime,
    prepared: Prepared,
    faq_set: FaqSet,
    *,
    embedder: Embedder | None,
    threshold: float | None = None,
) -> list[Outcome]:
    """Every question through decide and compose, timed; one outcome each."""
    config = WorkspaceSettings(bot_enabled=True)
    if threshold is not None:
        config = config.model_copy(update={"bot_confidence_threshold": threshold})
    conversation = Conversation(id=new_id(), workspace_id=prepared.workspace_id, owner=Owner.bot)
    llm = ExtractiveLLM()
    outcomes: list[Outcome] = []
    async with runtime.sessionmaker() as session:
        for question in faq_set.questions:
            # Never saved: the conversation has no history, so each question stands alone.
            message = Message(id=new_id(), body=question.text, seq=1)
            started, cpu_started = time.perf_counter(), time.process_time()
            decision = await agent.decide(
                session, conversation, message, config=config, embedder=embedder
            )
            decision = await agent.compose(decision, question.text, llm)
            elapsed = time.perf_counter() - started
            cpu = time.process_time() - cpu_started
            top = decision.sources[0].source_id if decision.sources else None
            if top is None:
                top = await _best_source(session, prepared, question.text, embedder)
            outcomes.append(
                Outcome(
                    expected=question.expected,
                    found=prepared.questions.get(top) if top else None,
                    handed_off=decision.handoff is not None,
                    confidence=decision.confidence,
                    seconds=elapsed,
                    cpu_seconds=cpu,
                )
            )
    return outcomes


async def _best_source(
    session: AsyncSession, prepared: Prepared, text: str, embedder: Embedder | None
) -> uuid.UUID | None:
    """Handed off before the sources: what retrieval would have ranked first (untimed)."""
    found = await retrieval.search(session, prepared.workspace_id, text, k=1, embedder=embedder)
    return found[0].source_id if found else None


@dataclass(frozen=True, slots=True)
class Options:
    # "fused": full-text and the embedding model (when installed); "fulltext": full-text only.
    retrieval: str = "fused"
    classifier: bool = True
    threshold: float | None = None
    limit: int = 0
    # The FAQ's embedded texts are kept in this .npz between runs.
    embedding_cache: Path | None = None


async def evaluate(
    settings: Settings, faq_set: FaqSet, options: Options, *, progress: Progress = print
) -> Report:
    """Load `faq_set` into a new workspace of the (migrated) database of `settings`, ask its
    questions, and delete the workspace again."""
    runtime = create_runtime(settings)
    try:
        embedder = embeddings.for_answers(settings) if options.retrieval == "fused" else None
        indexer: Embedder | None = embedder
        if embedder is not None and options.embedding_cache is not None:
            indexer = CachedEmbedder(embedder, options.embedding_cache)
        prepared = await prepare(
            runtime, faq_set, embedder=indexer, classifier=options.classifier, progress=progress
        )
        if isinstance(indexer, CachedEmbedder):
            indexer.save()
        questions = faq_set.questions[: options.limit] if options.limit else faq_set.questions
        asked = FaqSet(faq_set.faq, questions)
        outcomes = await ask_all(
            runtime, prepared, asked, embedder=embedder, threshold=options.threshold
        )
        await _discard(runtime, prepared.workspace_id)
        return summarise(outcomes)
    finally:
        await runtime.close()


async def _discard(runtime: Runtime, workspace_id: uuid.UUID) -> None:
    """The throwaway workspace goes (its rows cascade), so --database-url keeps no trace."""
    async with unit_of_work(runtime.sessionmaker) as session:
        # Its FAQ's indexing and training jobs were done inline; no worker should run them.
        await session.execute(delete(Job).where(Job.workspace_id == workspace_id))
        await session.execute(delete(Workspace).where(Workspace.id == workspace_id))
