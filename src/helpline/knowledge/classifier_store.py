"""The per-workspace FAQ classifiers: their SQL (every statement filtered by workspace), their
bytes, and the process's cache of loaded models.

Freshness across processes works like the vector cache's (knowledge.vectors): a model is
stored with the vector fingerprint of the chunks it was trained on, and retrieval uses it only
while the workspace's fingerprint is still that one (so an entry deleted or edited since is
never predicted by a stale model: retrieval falls back to fusion until the job retrains).
A model cached under the workspace's current fingerprint costs no statement; otherwise
a search reads the stored row's id and fingerprint, and its parameters when it matches.
"""

import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.core.ids import new_id
from helpline.core.time import utc_now
from helpline.knowledge.classifier import SoftmaxModel
from helpline.knowledge.classifier_models import FaqClassifier
from helpline.knowledge.models import KnowledgeChunk
from helpline.knowledge.vectors import Fingerprint, VectorRow

# Workspaces whose model a process keeps (a BANKING77-sized model is ~120 KB).
MAX_CACHED: Final = 512


def fingerprint_key(model: str, fingerprint: Fingerprint) -> str:
    newest = fingerprint.newest.hex if fingerprint.newest else "-"
    return f"{model}|{fingerprint.count}|{newest}|{fingerprint.term_total}"


@dataclass(frozen=True, slots=True)
class LoadedClassifier:
    id: uuid.UUID
    model: SoftmaxModel
    faq_ids: tuple[uuid.UUID, ...]

    def probabilities(self, question: NDArray[np.float32]) -> dict[uuid.UUID, float]:
        """Each FAQ entry's probability of being what the (embedded) question asks."""
        values = self.model.probabilities(question)
        return {faq_id: float(p) for faq_id, p in zip(self.faq_ids, values, strict=True)}


@dataclass(frozen=True, slots=True)
class FaqVectorRows:
    # Every chunk vector of the model (the fingerprint is computed from all of them).
    rows: list[VectorRow]
    # The FAQ entry of each row, None for an article's chunk.
    faq_ids: list[uuid.UUID | None]


class ClassifierRepository:
    def __init__(self, session: AsyncSession, *, workspace_id: uuid.UUID) -> None:
        self.session = session
        self.workspace_id = workspace_id

    async def current(self) -> tuple[uuid.UUID, str] | None:
        """The stored model's id and fingerprint."""
        statement = select(FaqClassifier.id, FaqClassifier.fingerprint).where(
            FaqClassifier.workspace_id == self.workspace_id
        )
        row = (await self.session.execute(statement)).first()
        return (row[0], row[1]) if row else None

    async def load(self, classifier_id: uuid.UUID) -> LoadedClassifier | None:
        statement = select(FaqClassifier).where(
            FaqClassifier.workspace_id == self.workspace_id, FaqClassifier.id == classifier_id
        )
        stored = (await self.session.scalars(statement)).first()
        return None if stored is None else decode(stored)

    async def get(self) -> FaqClassifier | None:
        statement = select(FaqClassifier).where(FaqClassifier.workspace_id == self.workspace_id)
        return (await self.session.scalars(statement)).first()

    async def replace(
        self,
        *,
        fingerprint: str,
        embedding_model: str,
        model: SoftmaxModel,
        faq_ids: list[uuid.UUID],
        metrics: dict[str, float | int],
    ) -> FaqClassifier:
        await self.remove()
        stored = FaqClassifier(
            id=new_id(),
            workspace_id=self.workspace_id,
            fingerprint=fingerprint,
            embedding_model=embedding_model,
            dimension=int(model.weights.shape[0]),
            parameters=encode(model),
            faq_ids=[str(faq_id) for faq_id in faq_ids],
            trained_at=utc_now(),
            metrics=metrics,
        )
        self.session.add(stored)
        await self.session.flush()
        return stored

    async def remove(self) -> None:
        await self.session.execute(
            delete(FaqClassifier).where(FaqClassifier.workspace_id == self.workspace_id)
        )

    async def vector_rows(self, embedding_model: str) -> FaqVectorRows:
        """The workspace's chunks embedded by `embedding_model`, with their FAQ entry."""
        statement = select(
            KnowledgeChunk.id,
            KnowledgeChunk.faq_id,
            KnowledgeChunk.article_id,
            KnowledgeChunk.term_count,
            KnowledgeChunk.embedding,
        ).where(
            KnowledgeChunk.workspace_id == self.workspace_id,
            KnowledgeChunk.embedding_model == embedding_model,
        )
        rows: list[VectorRow] = []
        faq_ids: list[uuid.UUID | None] = []
        for chunk_id, faq_id, article_id, term_count, vector in await self.session.execute(
            statement
        ):
            rows.append(
                VectorRow(chunk_id, faq_id or article_id or chunk_id, term_count, vector or b"")
            )
            faq_ids.append(faq_id)
        return FaqVectorRows(rows, faq_ids)


def encode(model: SoftmaxModel) -> bytes:
    return (
        np.asarray(model.weights, dtype="<f4").tobytes()
        + np.asarray(model.bias, dtype="<f4").tobytes()
    )


def decode(stored: FaqClassifier) -> LoadedClassifier:
    classes = len(stored.faq_ids)
    values = np.frombuffer(stored.parameters, dtype="<f4").astype(np.float32)
    if values.shape[0] != (stored.dimension + 1) * classes:
        raise ValueError(f"The stored classifier {stored.id} has the wrong number of values.")
    weights = values[: stored.dimension * classes].reshape(stored.dimension, classes)
    bias = values[stored.dimension * classes :]
    faq_ids = tuple(uuid.UUID(str(faq_id)) for faq_id in stored.faq_ids)
    return LoadedClassifier(stored.id, SoftmaxModel(weights, bias), faq_ids)


class ClassifierCache:
    """Loaded models by workspace, with the fingerprint they were trained under; least
    recently used dropped first; thread-safe."""

    def __init__(self, max_entries: int = MAX_CACHED) -> None:
        self._lock = threading.Lock()
        self._entries: OrderedDict[uuid.UUID, tuple[str, LoadedClassifier]] = OrderedDict()
        self._max_entries = max_entries

    def get(self, workspace_id: uuid.UUID, fingerprint: str) -> LoadedClassifier | None:
        with self._lock:
            entry = self._entries.get(workspace_id)
            if entry is None or entry[0] != fingerprint:
                return None
            self._entries.move_to_end(workspace_id)
            return entry[1]

    def put(self, workspace_id: uuid.UUID, fingerprint: str, loaded: LoadedClassifier) -> None:
        with self._lock:
            self._entries.pop(workspace_id, None)
            self._entries[workspace_id] = (fingerprint, loaded)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def cached(self) -> list[uuid.UUID]:
        with self._lock:
            return list(self._entries)


shared = ClassifierCache()


async def for_search(
    session: AsyncSession, workspace_id: uuid.UUID, model: str, fingerprint: Fingerprint
) -> LoadedClassifier | None:
    """The workspace's classifier if it was trained on the chunks the workspace has now (by
    `model`'s vectors), from the cache or loaded; None otherwise.

    A cached model trained under the workspace's current fingerprint is used without asking
    the database: a stored model is only ever replaced by one trained under the fingerprint
    of that time, so while the fingerprint stays, the model does too (ids are time-ordered,
    so a fingerprint never comes back). Without one, the table is asked each search, since
    the job may have trained one since."""
    key = fingerprint_key(model, fingerprint)
    cached = shared.get(workspace_id, key)
    if cached is not None:
        return cached
    repository = ClassifierRepository(session, workspace_id=workspace_id)
    current = await repository.current()
    if current is None or current[1] != key:
        return None
    loaded = await repository.load(current[0])
    if loaded is not None:
        shared.put(workspace_id, key, loaded)
    return loaded
