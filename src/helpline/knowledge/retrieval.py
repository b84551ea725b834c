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
"""

import math
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Final, Protocol

import numpy as np
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.knowledge import confidence, vectors
from helpline.knowledge.chunking import terms
from helpline.knowledge.embeddings import Embedder, EmbeddingError
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
    lexical = await _lexical(chunks, query_terms, statistics)
    semantic = (
        await _semantic(chunks, query, embedder, statistics.vectors)
        if embedder is not None and statistics.vectors.count
        else []
    )
    if not semantic:
        ranked = sorted(lexical, key=_order)
        return await _passages(session, chunks, ranked[:k])
    return await _passages(session, chunks, _fuse(lexical, semantic)[:k])


def _order(hit: _Hit) -> tuple[float, float, str]:
    return (-hit.score, -hit.confidence, str(hit.chunk_id))


async def _lexical(
    chunks: ChunkRepository, query_terms: list[str], statistics: ChunkStatistics
) -> list[_Hit]:
    """BM25 over the chunks the full-text index finds, one hit per source (its best chunk)."""
    total, mean_length = statistics.total, statistics.mean_length
    if total == 0:
        return []
    candidates = await chunks.containing_any(query_terms)
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
) -> list[_Near]:
    """The SEMANTIC_CANDIDATES sources nearest the question by cosine similarity (of their
    best chunk), best first. The workspace's matrix comes from the process's cache
    (knowledge.vectors), reloaded when its fingerprint changed."""
    try:
        [question] = await embedder.embed([query])
    except EmbeddingError as exc:
        log.warning("retrieval_embedding_failed", error=str(exc))
        return []
    loaded = await _matrix(chunks, embedder.name, fingerprint, dimension=question.shape[0])
    if not loaded.source_ids:
        return []
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
    return near


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


def _fuse(lexical: list[_Hit], semantic: list[_Near]) -> list[_Hit]:
    """Reciprocal rank fusion: each source scores the sum of 1 / (RRF_K + rank) over the
    lists it is in. Its confidence is `confidence.fused` of its lexical coverage and its
    similarity (knowledge.confidence: calibrated so that a question the knowledge base does
    not cover is handed off)."""
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
    return sorted(fused, key=_order)


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
    faqs = await FaqRepository(session, workspace_id=workspace_id).published_by_ids(
        [c.faq_id for c in loaded.values() if c.faq_id is not None]
    )
    articles = await ArticleRepository(session, workspace_id=workspace_id).published_by_ids(
        [c.article_id for c in loaded.values() if c.article_id is not None]
    )
    passages: list[Passage] = []
    for hit in hits:
        chunk = loaded.get(hit.chunk_id)
        evidence = (hit.score, hit.confidence, hit.coverage, hit.similarity, hit.margin)
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
