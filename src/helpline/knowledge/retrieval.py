"""Finding the knowledge that answers a question: `search(session, workspace_id, query, k,
embedder=...)`.

Two retrievers, fused by reciprocal rank:
- lexical: the database's full-text index (knowledge.fulltext: FTS5 on SQLite, a GIN index on
  PostgreSQL) finds the chunks that contain a query term, and BM25 ranks them here;
- semantic, when an embedding model is available (knowledge.embeddings): the cosine similarity
  of the question with the workspace's chunk vectors, in numpy.
Both read only rows that SQL has already filtered by workspace: another workspace's
knowledge never leaves the database for this query (RELIABILITY, Isolation 11).

`Passage.confidence` (0 to 1) is what the bot's threshold reads, comparable across searches:
lexically, the IDF-weighted share of the question's terms the source covers (for a FAQ entry,
its question and phrasings together; for an article, its best chunk); semantically, the
similarity mapped by `similarity_confidence`. A fused source keeps the larger of the two.
`Passage.score` orders the passages of one search only.
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

from helpline.knowledge.chunking import terms
from helpline.knowledge.embeddings import Embedder, EmbeddingError, from_bytes
from helpline.knowledge.models import KnowledgeChunk, SourceKind
from helpline.knowledge.repository import ArticleRepository, ChunkRepository, FaqRepository

# The usual BM25 constants: term-frequency saturation and length normalisation.
BM25_K1: Final = 1.2
BM25_B: Final = 0.75
MAX_QUERY_TERMS: Final = 32
DEFAULT_K: Final = 5
# Reciprocal rank fusion's constant (Cormack et al. 2009): ranks beyond the first few count
# little, and neither list's raw scores need to be comparable.
RRF_K: Final = 60
# How many of each list's best are fused.
SEMANTIC_CANDIDATES: Final = 50
# similarity_confidence(): cosine similarity with no confidence, and the one that reaches 0.5.
SIMILARITY_FLOOR: Final = 0.3
SIMILARITY_AT_HALF: Final = 0.5

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


class Retriever(Protocol):
    async def __call__(
        self, session: AsyncSession, workspace_id: uuid.UUID, query: str, k: int
    ) -> list[Passage]: ...


@dataclass(frozen=True, slots=True)
class _Hit:
    chunk: KnowledgeChunk
    score: float
    confidence: float


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
    lexical = await _lexical(chunks, query_terms)
    semantic = await _semantic(chunks, query, embedder) if embedder is not None else []
    if not semantic:
        ranked = sorted(lexical, key=lambda h: (-h.score, -h.confidence, str(h.chunk.id)))
        return await _passages(session, workspace_id, ranked[:k])
    fused = await _fuse(chunks, lexical, semantic)
    return await _passages(session, workspace_id, fused[:k])


async def _lexical(chunks: ChunkRepository, query_terms: list[str]) -> list[_Hit]:
    """BM25 over the chunks the full-text index finds, one hit per source (its best chunk)."""
    total, mean_length = await chunks.statistics()
    if total == 0:
        return []
    candidates = await chunks.containing_any(query_terms)
    # Every chunk that contains a query term is a candidate, so the document frequencies
    # counted over the candidates are the workspace's.
    frequencies = Counter(t for c in candidates for t in set(c.terms.split()) & set(query_terms))
    if not any(frequencies.values()):
        return []
    idf = {
        term: math.log(1 + (total - frequencies[term] + 0.5) / (frequencies[term] + 0.5))
        for term in query_terms
    }
    best: dict[uuid.UUID, _Hit] = {}
    covered: dict[uuid.UUID, set[str]] = {}
    for chunk in candidates:
        hit = _score(chunk, idf, mean_length)
        source = _source(chunk.faq_id, chunk.article_id, chunk.id)
        if chunk.source_kind == SourceKind.faq:
            # The ways of asking one FAQ question are one source: what any of them covers.
            covered.setdefault(source, set()).update(set(chunk.terms.split()) & idf.keys())
        if source not in best or hit.score > best[source].score:
            best[source] = hit
    total_weight = sum(idf.values())
    for source, terms_covered in covered.items():
        confidence = sum(idf[t] for t in terms_covered) / total_weight
        best[source] = replace(best[source], confidence=round(confidence, 4))
    return list(best.values())


def _source(
    faq_id: uuid.UUID | None, article_id: uuid.UUID | None, chunk_id: uuid.UUID
) -> uuid.UUID:
    return faq_id or article_id or chunk_id


@dataclass(frozen=True, slots=True)
class _Near:
    chunk_id: uuid.UUID
    source: uuid.UUID
    similarity: float


async def _semantic(chunks: ChunkRepository, query: str, embedder: Embedder) -> list[_Near]:
    """The sources nearest the question by cosine similarity, best first (their best chunk).
    The workspace's vectors are read in one statement filtered by workspace and compared in
    numpy: a few milliseconds for ten thousand chunks (docs/knowledge.md)."""
    rows = await chunks.vectors(embedder.name)
    if not rows:
        return []
    try:
        [question] = await embedder.embed([query])
    except EmbeddingError as exc:
        log.warning("retrieval_embedding_failed", error=str(exc))
        return []
    matrix = np.vstack([from_bytes(row[3]) for row in rows if row[3] is not None])
    if matrix.shape[1] != question.shape[0]:
        return []
    similarities = matrix @ question
    best: dict[uuid.UUID, _Near] = {}
    for index in np.argsort(-similarities)[:SEMANTIC_CANDIDATES]:
        chunk_id, faq_id, article_id, _ = rows[int(index)]
        source = _source(faq_id, article_id, chunk_id)
        if source not in best:
            best[source] = _Near(chunk_id, source, float(similarities[index]))
    return list(best.values())


def similarity_confidence(similarity: float) -> float:
    """A cosine similarity as a confidence on the same scale as the lexical one: below
    SIMILARITY_FLOOR nothing, SIMILARITY_AT_HALF gives 0.5 (the default threshold), linear
    between, capped at 1. The two constants were read off BANKING77's train split
    (docs/benchmarks.md), never its test split."""
    slope = 0.5 / (SIMILARITY_AT_HALF - SIMILARITY_FLOOR)
    return round(min(1.0, max(0.0, (similarity - SIMILARITY_FLOOR) * slope)), 4)


async def _fuse(chunks: ChunkRepository, lexical: list[_Hit], semantic: list[_Near]) -> list[_Hit]:
    """Reciprocal rank fusion: each source scores the sum of 1 / (RRF_K + rank) over the
    lists it is in. Its confidence is the larger of its lexical coverage and its similarity's
    confidence, so that a paraphrase sharing no word with the FAQ can still be answered, and
    a question the knowledge base does not cover stays low on both."""
    ranked_lexical = sorted(lexical, key=lambda h: (-h.score, -h.confidence, str(h.chunk.id)))
    score: dict[uuid.UUID, float] = {}
    confidence: dict[uuid.UUID, float] = {}
    hits: dict[uuid.UUID, _Hit] = {}
    for rank, hit in enumerate(ranked_lexical[:SEMANTIC_CANDIDATES], start=1):
        source = _source(hit.chunk.faq_id, hit.chunk.article_id, hit.chunk.id)
        score[source] = 1 / (RRF_K + rank)
        confidence[source] = hit.confidence
        hits[source] = hit
    missing = [near.chunk_id for near in semantic if near.source not in hits]
    loaded = {chunk.id: chunk for chunk in await chunks.by_ids(missing)} if missing else {}
    for rank, near in enumerate(semantic, start=1):
        score[near.source] = score.get(near.source, 0.0) + 1 / (RRF_K + rank)
        confidence[near.source] = max(
            confidence.get(near.source, 0.0), similarity_confidence(near.similarity)
        )
        if near.source not in hits and near.chunk_id in loaded:
            hits[near.source] = _Hit(loaded[near.chunk_id], 0.0, 0.0)
    fused = [
        replace(hit, score=round(score[source], 6), confidence=confidence[source])
        for source, hit in hits.items()
    ]
    return sorted(fused, key=lambda h: (-h.score, -h.confidence, str(h.chunk.id)))


def _score(chunk: KnowledgeChunk, idf: dict[str, float], mean_length: float) -> _Hit:
    counts = Counter(chunk.terms.split())
    length_norm = 1 - BM25_B + BM25_B * chunk.term_count / max(mean_length, 1.0)
    score = 0.0
    covered = 0.0
    for term, weight in idf.items():
        tf = counts.get(term, 0)
        if tf:
            score += weight * tf * (BM25_K1 + 1) / (tf + BM25_K1 * length_norm)
            covered += weight
    return _Hit(chunk, round(score, 4), round(covered / sum(idf.values()), 4))


async def _passages(
    session: AsyncSession, workspace_id: uuid.UUID, hits: Sequence[_Hit]
) -> list[Passage]:
    faqs = await FaqRepository(session, workspace_id=workspace_id).published_by_ids(
        [h.chunk.faq_id for h in hits if h.chunk.faq_id is not None]
    )
    articles = await ArticleRepository(session, workspace_id=workspace_id).published_by_ids(
        [h.chunk.article_id for h in hits if h.chunk.article_id is not None]
    )
    passages: list[Passage] = []
    for hit in hits:
        chunk = hit.chunk
        if chunk.faq_id is not None and chunk.faq_id in faqs:
            faq = faqs[chunk.faq_id]
            passages.append(
                Passage(
                    SourceKind.faq,
                    faq.id,
                    faq.question,
                    faq.answer,
                    chunk.text,
                    hit.score,
                    hit.confidence,
                )
            )
        elif chunk.article_id is not None and chunk.article_id in articles:
            article = articles[chunk.article_id]
            passages.append(
                Passage(
                    SourceKind.article,
                    article.id,
                    article.title,
                    chunk.text,
                    chunk.text,
                    hit.score,
                    hit.confidence,
                )
            )
    return passages
