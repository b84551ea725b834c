"""Training the workspace's FAQ classifier, as a job: `knowledge.train_classifier` (tasks.py).

Requested after the embedding job has indexed new chunks, and when FAQ chunks are removed
(an entry deleted or unpublished), in the transaction that caused it. Debounced: the job
runs `TRAINING_DELAY` after the first request, and requests while one is waiting join it
(it reads the chunks when it runs), so a bulk import trains once. Idempotent: a model trained
on chunks with the current fingerprint is kept as it is.

One class per published FAQ entry; its examples are the embeddings of its question and
phrasings (the chunks the indexing job embedded). Fewer than two entries, or more than
MAX_CLASSES: no model (retrieval then ranks FAQ entries like articles, by the fused
confidence).
"""

import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

import anyio
import numpy as np
import structlog
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.core.time import utc_now
from helpline.jobs import queue
from helpline.knowledge import classifier, embeddings
from helpline.knowledge.classifier_store import ClassifierRepository, fingerprint_key
from helpline.knowledge.vectors import fingerprint_of
from helpline.settings import Settings

log = structlog.get_logger(__name__)

TRAIN_CLASSIFIER_JOB: Final = "knowledge.train_classifier"
TRAINING_DELAY: Final = timedelta(seconds=5)
# Chosen on BANKING77's tuning split (train only): 1e-3 … 1e-1 tried, full data and 10
# examples per entry (docs/benchmarks.md, Bot).
L2: Final = 1e-2
ITERATIONS: Final = 300
# Training holds a few (examples x classes) float64 matrices: at 1,000 entries with ten
# phrasings each, about 80 MB apiece and a minute or two of CPU for ITERATIONS; at 10,000
# entries, 0.8 GB apiece and half an hour (docs/benchmarks.md, Bot). A FAQ that large is
# ranked without a classifier rather than risking the worker's memory.
MAX_CLASSES: Final = 1000


class TrainClassifierArgs(BaseModel):
    workspace_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class TrainingOutcome:
    # "trained", "unchanged" (a model of these chunks exists), "removed" (under two
    # entries, or over MAX_CLASSES), "no_model" (no embedding model).
    status: str
    classes: int = 0
    examples: int = 0


async def request_training(session: AsyncSession, workspace_id: uuid.UUID) -> None:
    """Enqueue the training job, unless one for the workspace is already waiting."""
    pending = await queue.has_queued(
        session,
        TRAIN_CLASSIFIER_JOB,
        workspace_id=workspace_id,
        args={"workspace_id": str(workspace_id)},
    )
    if not pending:
        queue.enqueue(
            session,
            TRAIN_CLASSIFIER_JOB,
            TrainClassifierArgs(workspace_id=workspace_id),
            workspace_id=workspace_id,
            run_at=utc_now() + TRAINING_DELAY,
        )


async def train_workspace(
    session: AsyncSession,
    settings: Settings,
    workspace_id: uuid.UUID,
    *,
    embedding_model: str | None = None,
    max_classes: int = MAX_CLASSES,
) -> TrainingOutcome:
    """Train (or keep, or remove) the workspace's classifier on its FAQ chunks' vectors from
    the active model (or `embedding_model`, for the evaluation's cached embedder)."""
    if embedding_model is None:
        embedder = embeddings.active(settings)
        if embedder is None:
            return TrainingOutcome("no_model")
        embedding_model = embedder.name
    repository = ClassifierRepository(session, workspace_id=workspace_id)
    found = await repository.vector_rows(embedding_model)
    examples = [
        (faq_id, row.vector)
        for row, faq_id in zip(found.rows, found.faq_ids, strict=True)
        if faq_id is not None
    ]
    dimensions = {len(vector) for _, vector in examples}
    faq_ids = sorted({faq_id for faq_id, _ in examples})
    if not 2 <= len(faq_ids) <= max_classes or len(dimensions) != 1:
        await repository.remove()
        return TrainingOutcome("removed", classes=len(faq_ids), examples=len(examples))
    fingerprint = fingerprint_key(embedding_model, fingerprint_of(found.rows))
    current = await repository.current()
    if current is not None and current[1] == fingerprint:
        return TrainingOutcome("unchanged")
    index = {faq_id: position for position, faq_id in enumerate(faq_ids)}
    features = np.frombuffer(b"".join(vector for _, vector in examples), dtype="<f4")
    features = features.reshape(len(examples), -1).astype(np.float32)
    labels = np.asarray([index[faq_id] for faq_id, _ in examples], dtype=np.intp)
    started = time.perf_counter()
    # CPU work for seconds on a large FAQ: off the event loop.
    model = await anyio.to_thread.run_sync(
        lambda: classifier.train(features, labels, len(faq_ids), l2=L2, iterations=ITERATIONS)
    )
    seconds = round(time.perf_counter() - started, 3)
    predicted = model.probabilities(features).argmax(axis=1)
    metrics: dict[str, float | int] = {
        "examples": len(examples),
        "classes": len(faq_ids),
        "training_accuracy": round(float((predicted == labels).mean()), 4),
        "training_loss": round(classifier.loss(model, features, labels), 4),
        "seconds": seconds,
    }
    await repository.replace(
        fingerprint=fingerprint,
        embedding_model=embedding_model,
        model=model,
        faq_ids=faq_ids,
        metrics=metrics,
    )
    log.info("faq_classifier_trained", workspace_id=str(workspace_id), **metrics)
    return TrainingOutcome("trained", classes=len(faq_ids), examples=len(examples))
