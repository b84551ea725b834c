"""The knowledge base's jobs: `knowledge.index_embeddings` (indexing.py) and
`knowledge.train_classifier` (classifier_training.py), which the first requests when it has
embedded new chunks."""

from helpline.jobs.registry import JobContext, job
from helpline.knowledge import classifier_training, indexing


# Embedding a large import takes a while on two cores; retries resume where it stopped.
@job(indexing.INDEX_EMBEDDINGS_JOB, max_attempts=5, timeout_s=900, backoff_base_s=5)
async def index_embeddings(ctx: JobContext, args: indexing.IndexEmbeddingsArgs) -> None:
    embedded = await indexing.index_workspace(ctx.session, ctx.runtime.settings, args.workspace_id)
    if embedded:
        await classifier_training.request_training(ctx.session, args.workspace_id)


# A BANKING77-sized FAQ (77 entries, 10,000 phrasings) trains in about 15 s on two cores.
@job(classifier_training.TRAIN_CLASSIFIER_JOB, max_attempts=3, timeout_s=600, backoff_base_s=10)
async def train_classifier(ctx: JobContext, args: classifier_training.TrainClassifierArgs) -> None:
    await classifier_training.train_workspace(ctx.session, ctx.runtime.settings, args.workspace_id)
