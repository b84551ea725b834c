"""Embedding the chunks, as a job: `knowledge.index_embeddings` (tasks.py).

The knowledge service enqueues it in the transaction that changes chunks, so the job exists
exactly when the change was committed; it embeds the workspace's chunks that have no vector
from the active model (new chunks, or all of them after a change of model), in batches,
and is idempotent: a second run finds nothing to do. `helpline knowledge reindex` runs the same
function for existing content.
"""

import uuid
from typing import Final

import structlog
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.jobs import queue
from helpline.knowledge import embeddings
from helpline.knowledge.repository import ChunkRepository
from helpline.settings import Settings

log = structlog.get_logger(__name__)

INDEX_EMBEDDINGS_JOB: Final = "knowledge.index_embeddings"
BATCH: Final = 256


class IndexEmbeddingsArgs(BaseModel):
    workspace_id: uuid.UUID


async def request_indexing(session: AsyncSession, workspace_id: uuid.UUID) -> None:
    """Enqueue the job, unless one for the workspace is already waiting (it will see this
    change too: it reads the chunks when it runs)."""
    pending = await queue.has_queued(
        session,
        INDEX_EMBEDDINGS_JOB,
        workspace_id=workspace_id,
        args={"workspace_id": str(workspace_id)},
    )
    if not pending:
        args = IndexEmbeddingsArgs(workspace_id=workspace_id)
        queue.enqueue(session, INDEX_EMBEDDINGS_JOB, args, workspace_id=workspace_id)


async def index_workspace(
    session: AsyncSession,
    settings: Settings,
    workspace_id: uuid.UUID,
    *,
    embedder: embeddings.Embedder | None = None,
) -> int:
    """Embed the chunks that need it; how many were embedded. Without a model: none.
    `embedder` replaces the settings' provider (the evaluation's cache of embedded texts)."""
    embedder = embedder or embeddings.active(settings)
    if embedder is None:
        return 0
    chunks = ChunkRepository(session, workspace_id=workspace_id)
    done = 0
    while batch := await chunks.needing_vectors(embedder.name, BATCH):
        vectors = await embedder.embed([chunk.text for chunk in batch])
        for chunk, vector in zip(batch, vectors, strict=True):
            chunk.embedding = embeddings.to_bytes(vector)
            chunk.embedding_model = embedder.name
        await session.flush()
        done += len(batch)
    log.info("knowledge_indexed", workspace_id=str(workspace_id), chunks=done, model=embedder.name)
    return done
