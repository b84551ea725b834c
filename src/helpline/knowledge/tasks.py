"""The knowledge base's job: `knowledge.index_embeddings` (indexing.py)."""

from helpline.jobs.registry import JobContext, job
from helpline.knowledge import indexing


# Embedding a large import takes a while on two cores; retries resume where it stopped.
@job(indexing.INDEX_EMBEDDINGS_JOB, max_attempts=5, timeout_s=900, backoff_base_s=5)
async def index_embeddings(ctx: JobContext, args: indexing.IndexEmbeddingsArgs) -> None:
    await indexing.index_workspace(ctx.session, ctx.runtime.settings, args.workspace_id)
