"""Finding the knowledge that answers a question: `search(session, workspace_id, query, k,
embedder=...)`.

Two retrievers, fused by reciprocal rank:
- lexical: the database's full-text index (knowledge.fulltext: FTS5 on SQLite, a GIN index on
  PostgreSQL) finds the chunks that contain a query term, and BM25 ranks them here;
- semantic, when an embedding model is available (knowledge.embeddings): the cosine similarity
  of the question with the workspace's chunk vectors, in numpy, from the process's cache of
  the workspace's matrix (knowledge.vectors).
Both read only rows that SQL has already filtered by workspace: another workspace's
knowledge never leaves the database for this query (RELIABILITY, Isolation 11).

`Passage.confidence` (0 to 1) is what the bot's threshold reads, comparable across searches:
full-text alone, the IDF-weighted share of the question's terms the source covers (its
coverage: for a FAQ entry, its question and phrasings together; for an article, its best
chunk); fused, `confidence.fused` of the coverage, the similarity and its margin over the
next source, calibrated for hand-off. `Passage.score` orders the passages of one search only.

When the workspace has a FAQ classifier trained on its current chunks (knowledge.classifier,
trained by the knowledge.train_classifier job), its probability for each FAQ entry, given the
question's embedding, replaces full-text for FAQ entries: they are ranked and scored by
`confidence.classified(probability, similarity)` (their confidence: its mean with the fused
one, `confidence.blended`), full-text searches the articles only (and not at all in a
workspace without articles), and the sources are ordered by `classified` for FAQ entries and
by confidence for articles.
"""

import heapq
import math
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Final, Protocol

import numpy as np
import structlog
from numpy.typing import NDArray
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.knowledge import classifier_store, confidence, vectors
from helpline.knowledge.chunking import terms
from helpline.knowledge.embeddings import Embedder, EmbeddingError, Vector
from helpline.knowledge.models import SourceKind
from helpline.knowledge.repository import (
    ArticleRepository,
    ChunkRepository,
    ChunkStatistics,
    ChunkTerms,
    FaqRepository,
)

# The usual BM25 constants: term-frequency saturation and length normalisation.
BM25_K1: Final = 1.2
BM25_B: Final = 0.75
MAX_QUERY_TERMS: Final = 32
DEFAULT_K: Final = 5
# Reciprocal rank fusion's constant (Cormack et al. 2009): ranks beyond the first few count
# little, and neither list's raw scores need to be comparable.
RRF_K: Final = 60
# How many of each list's best sources are fused.
SEMANTIC_CANDIDATES: Final = 50
# The classifier's most probable FAQ entries added to the candidates (when not already in).
CLASSIFIER_CANDIDATES: Final = 5

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Passage:
    source_kind: SourceKind
    source_id: uuid.UUID
    # The FAQ entry's question, or the article's title.
    title: str
    # What answers: the FAQ entry's answer, or the article chunk's text.
    text: str
    # The chunk that matched (a phrasing of the FAQ, a section of the article).
    matched: str
    score: float
    confidence: float
    # What the confidence was computed from, when fused with embeddings (knowledge.confidence):
    # the lexical coverage, and the cosine similarity of the source's best chunk with its
    # margin over the best other source's; None when the source was not among the nearest.
    coverage: float = 0.0
    similarity: float | None = None
    margin: float | None = None
    # The workspace's FAQ classifier's probability for this entry (knowledge.classifier),
    # when it has a classifier trained on its current chunks; None otherwise.
    probability: float | None = None


class Retriever(Protocol):
    async def __call__(
        self, session: AsyncSession, workspace_id: uuid.UUID, query: str, k: int
    ) -> list[Passage]: ...


@dataclass(frozen=True, slots=True)
class _Hit:
    chunk_id: uuid.UUID
    source: uuid.UUID
    score: float
    confidence: float
    # The evidence, when fused: lexical coverage, cosine similarity, margin (`_Near`).
    coverage: float = 0.0
    similarity: float | None = None
    margin: float | None = None
    probability: float | None = None


async def search(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    query: str,
    k: int = DEFAULT_K,
    *,
    embedder: Embedder | None = None,
) -> list[Passage]:
    """The `k` best published sources for `query` in the workspace, best first (one
    passage per source: its best chunk). With an `embedder`, full-text and vector results
    are fused (reciprocal rank fusion); without one, full-text alone."""
    query_terms = list(dict.fromkeys(terms(query)))[:MAX_QUERY_TERMS]
    if not query_terms or k <= 0:
        return []
    chunks = ChunkRepository(session, workspace_id=workspace_id)
    statistics = await chunks.statistics(embedder.name if embedder is not None else "")
    semantic, probabilities = (
        await _semantic(chunks, query, embedder, statistics.vectors)
        if embedder is not None and statistics.vectors.count
        else ([], {})
    )
    # With a classifier the FAQ entries are ranked and scored without full-text, whose
    # candidates (thousands of FAQ phrasings for a common word) were most of a search's time.
    if not probabilities:
        lexical = await _lexical(chunks, query_terms, statistics)
    elif statistics.article_chunks:
        lexical = await _lexical(chunks, query_terms, statistics, articles_only=True)
    else:
        lexical = []
    if not semantic:
        ranked = sorted(lexical, key=_order)
        return await _passages(session, chunks, ranked[:k])
    return await _passages(session, chunks, _fuse(lexical, semantic, probabilities)[:k])


def _order(hit: _Hit) -> tuple[float, float, str]:
    return (-hit.score, -hit.confidence, str(hit.chunk_id))


async def _lexical(
    chunks: ChunkRepository,
    query_terms: list[str],
    statistics: ChunkStatistics,
    *,
    articles_only: bool = False,
) -> list[_Hit]:
    """BM25 over the chunks the full-text index finds, one hit per source (its best chunk).
    `articles_only`: the articles' chunks (their document frequencies then count only
    articles, against the workspace's chunk count: a small bias toward rarer terms)."""
    total, mean_length = statistics.total, statistics.mean_length
    if total == 0:
        return []
    candidates = await chunks.containing_any(query_terms, articles_only=articles_only)
    # Every chunk that contains a query term is a candidate, so the document frequencies
    # counted over the candidates are the workspace's.
    found = [(chunk, _frequencies(chunk.terms, query_terms)) for chunk in candidates]
    frequencies = Counter(term for _, tfs in found for term in tfs)
    if not any(frequencies.values()):
        return []
    idf = {
        term: math.log(1 + (total - frequencies[term] + 0.5) / (frequencies[term] + 0.5))
        for term in query_terms
    }
    best: dict[uuid.UUID, _Hit] = {}
    covered: dict[uuid.UUID, set[str]] = {}
    for chunk, tfs in found:
        hit = _score(chunk, tfs, idf, mean_length)
        source = chunk.source_id
        if chunk.is_faq:
            # The ways of asking one FAQ question are one source: what any of them covers.
            covered.setdefault(source, set()).update(tfs)
        if source not in best or hit.score > best[source].score:
            best[source] = hit
    total_weight = sum(idf.values())
    for source, terms_covered in covered.items():
        coverage = round(sum(idf[t] for t in terms_covered) / total_weight, 4)
        best[source] = replace(best[source], confidence=coverage, coverage=coverage)
    return list(best.values())


@dataclass(frozen=True, slots=True)
class _Near:
    chunk_id: uuid.UUID
    source: uuid.UUID
    similarity: float
    # Its similarity minus the best other source's (positive for the nearest source only).
    margin: float


async def _semantic(
    chunks: ChunkRepository, query: str, embedder: Embedder, fingerprint: vectors.Fingerprint
) -> tuple[list[_Near], dict[uuid.UUID, float]]:
    """The SEMANTIC_CANDIDATES sources nearest the question by cosine similarity (of their
    best chunk), best first, then the classifier's CLASSIFIER_CANDIDATES most probable FAQ
    entries not among them; and the classifier's probability of each FAQ entry (empty when
    the workspace has no classifier trained on its current chunks). The workspace's matrix
    and classifier come from the process's caches (knowledge.vectors,
    knowledge.classifier_store), reloaded when the fingerprint changed."""
    try:
        [question] = await embedder.embed([query])
    except EmbeddingError as exc:
        log.warning("retrieval_embedding_failed", error=str(exc))
        return [], {}
    loaded = await _matrix(chunks, embedder.name, fingerprint, dimension=question.shape[0])
    if not loaded.source_ids:
        return [], {}
    # einsum's own loop, not BLAS: OpenBLAS would start a thread per core for this product
    # (about 1 ms of work), and its threads spin after it, taking the two cores from the
    # database and the rest of the search (p50 +40 ms on this machine).
    similarities = np.einsum("ij,j->i", loaded.matrix, question)
    per_source = np.maximum.reduceat(similarities, loaded.starts[:-1])
    count = min(SEMANTIC_CANDIDATES, per_source.shape[0])
    top = np.argpartition(-per_source, count - 1)[:count]
    top = top[np.argsort(-per_source[top], kind="stable")]
    best = float(per_source[top[0]])
    runner_up = float(per_source[top[1]]) if count > 1 else 0.0
    near: list[_Near] = []
    for index in top:
        start, end = int(loaded.starts[index]), int(loaded.starts[index + 1])
        row = start + int(np.argmax(similarities[start:end]))
        similarity = float(per_source[index])
        margin = similarity - (runner_up if similarity >= best else best)
        near.append(_Near(loaded.chunk_ids[row], loaded.source_ids[index], similarity, margin))
    probabilities = await _classify(chunks, embedder.name, fingerprint, question)
    if probabilities:
        near.extend(_most_probable(loaded, similarities, probabilities, near))
    return near, probabilities


async def _classify(
    chunks: ChunkRepository, model: str, fingerprint: vectors.Fingerprint, question: Vector
) -> dict[uuid.UUID, float]:
    found = await classifier_store.for_search(
        chunks.session, chunks.workspace_id, model, fingerprint
    )
    if found is None or found.model.weights.shape[0] != question.shape[0]:
        return {}
    return found.probabilities(question)


def _most_probable(
    loaded: vectors.VectorMatrix,
    similarities: NDArray[np.float32],
    probabilities: dict[uuid.UUID, float],
    near: list[_Near],
) -> list[_Near]:
    """The classifier's most probable entries that are not among the nearest, with their
    best chunk (rare: an entry the classifier picks is almost always near too)."""
    seen = {n.source for n in near}
    best = heapq.nlargest(CLASSIFIER_CANDIDATES, probabilities, key=probabilities.__getitem__)
    missing = [s for s in best if s not in seen]
    if not missing:
        return []
    position = {source: index for index, source in enumerate(loaded.source_ids)}
    added: list[_Near] = []
    for source in missing:
        if (index := position.get(source)) is None:
            continue
        start, end = int(loaded.starts[index]), int(loaded.starts[index + 1])
        row = start + int(np.argmax(similarities[start:end]))
        similarity = float(similarities[row])
        margin = similarity - float(near[0].similarity) if near else 0.0
        added.append(_Near(loaded.chunk_ids[row], source, similarity, margin))
    return added


async def _matrix(
    chunks: ChunkRepository, model: str, fingerprint: vectors.Fingerprint, *, dimension: int
) -> vectors.VectorMatrix:
    workspace_id = chunks.workspace_id
    cached = vectors.shared.get(workspace_id, model, fingerprint)
    if cached is not None and cached.matrix.shape[1] == dimension:
        return cached
    loaded = vectors.build(await chunks.vectors(model), dimension)
    vectors.shared.put(workspace_id, model, loaded)
    log.debug("vectors_loaded", workspace_id=str(workspace_id), chunks=len(loaded.chunk_ids))
    return loaded


def _fuse(
    lexical: list[_Hit], semantic: list[_Near], probabilities: dict[uuid.UUID, float]
) -> list[_Hit]:
    """Reciprocal rank fusion: each source scores the sum of 1 / (RRF_K + rank) over the
    lists it is in. Its confidence is `confidence.fused` of its lexical coverage and its
    similarity (knowledge.confidence: calibrated so that a question the knowledge base does
    not cover is handed off). With a classifier (`probabilities`), FAQ entries are ranked
    by their probability and similarity (`confidence.classified`) and their confidence blends
    it with the fused one: the classifier tells FAQ entries apart better than either list
    (docs/benchmarks.md, Bot)."""
    score: dict[uuid.UUID, float] = {}
    hits: dict[uuid.UUID, _Hit] = {}
    for rank, hit in enumerate(sorted(lexical, key=_order)[:SEMANTIC_CANDIDATES], start=1):
        score[hit.source] = 1 / (RRF_K + rank)
        hits[hit.source] = hit
    for rank, near in enumerate(semantic, start=1):
        score[near.source] = score.get(near.source, 0.0) + 1 / (RRF_K + rank)
        found = hits.get(near.source) or _Hit(near.chunk_id, near.source, 0.0, 0.0)
        hits[near.source] = replace(found, similarity=near.similarity, margin=near.margin)
    fused = [
        replace(
            hit,
            score=round(score[source], 6),
            confidence=confidence.fused(hit.coverage, hit.similarity, hit.margin),
        )
        for source, hit in hits.items()
    ]
    if not probabilities:
        return sorted(fused, key=_order)
    ranked = [_classified(hit, probabilities) for hit in fused]
    ranked.sort(key=lambda pair: (-pair[1], -pair[0].score, str(pair[0].chunk_id)))
    return [hit for hit, _ in ranked]


def _classified(hit: _Hit, probabilities: dict[uuid.UUID, float]) -> tuple[_Hit, float]:
    """The hit with a FAQ entry's classifier evidence, and what it is ranked by: for a FAQ
    entry `confidence.classified` (ranking by the blend would cost accuracy: 0.927 → 0.924
    on the tuning split), for an article its confidence."""
    probability = probabilities.get(hit.source)
    if probability is None:  # an article
        return hit, hit.confidence
    ranking = confidence.classified(probability, hit.similarity)
    evidence = confidence.classifier_evidence(probability, hit.similarity)
    scored = replace(
        hit,
        score=round(evidence, 6),
        confidence=confidence.blended(ranking, hit.confidence),
        probability=round(probability, 6),
    )
    return scored, ranking


def _frequencies(chunk_terms: str, query_terms: list[str]) -> dict[str, int]:
    """How often each query term occurs in the chunk (only those that do). A common term
    finds thousands of chunks: counting only the query's terms keeps this cheap."""
    words = chunk_terms.split()
    return {term: count for term in query_terms if (count := words.count(term))}


def _score(
    chunk: ChunkTerms, tfs: dict[str, int], idf: dict[str, float], mean_length: float
) -> _Hit:
    length_norm = 1 - BM25_B + BM25_B * chunk.term_count / max(mean_length, 1.0)
    score = 0.0
    covered = 0.0
    for term, weight in idf.items():
        tf = tfs.get(term, 0)
        if tf:
            score += weight * tf * (BM25_K1 + 1) / (tf + BM25_K1 * length_norm)
            covered += weight
    coverage = round(covered / sum(idf.values()), 4)
    return _Hit(chunk.chunk_id, chunk.source_id, round(score, 4), coverage, coverage)


async def _passages(
    session: AsyncSession, chunks: ChunkRepository, hits: Sequence[_Hit]
) -> list[Passage]:
    """The hits' sources as passages; a source unpublished since is left out."""
    loaded = {chunk.id: chunk for chunk in await chunks.by_ids([h.chunk_id for h in hits])}
    workspace_id = chunks.workspace_id
    faq_ids = [c.faq_id for c in loaded.values() if c.faq_id is not None]
    article_ids = [c.article_id for c in loaded.values() if c.article_id is not None]
    # A statement less per search when the passages are of one kind (a FAQ-only workspace).
    faqs = (
        await FaqRepository(session, workspace_id=workspace_id).published_by_ids(faq_ids)
        if faq_ids
        else {}
    )
    articles = (
        await ArticleRepository(session, workspace_id=workspace_id).published_by_ids(article_ids)
        if article_ids
        else {}
    )
    passages: list[Passage] = []
    for hit in hits:
        chunk = loaded.get(hit.chunk_id)
        evidence = (
            hit.score,
            hit.confidence,
            hit.coverage,
            hit.similarity,
            hit.margin,
            hit.probability,
        )
        if chunk is None:
            continue
        if chunk.faq_id is not None and chunk.faq_id in faqs:
            faq = faqs[chunk.faq_id]
            passages.append(
                Passage(SourceKind.faq, faq.id, faq.question, faq.answer, chunk.text, *evidence)
            )
        elif chunk.article_id is not None and chunk.article_id in articles:
            article = articles[chunk.article_id]
            passages.append(
                Passage(
                    SourceKind.article, article.id, article.title, chunk.text, chunk.text, *evidence
                )
            )
    return passages
