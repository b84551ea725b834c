"""Finding the knowledge that answers a question: `search(session, workspace_id, query, k)`.

Lexical BM25 over the chunks' terms (chunking.terms), computed here in Python, from rows
that SQL has already filtered by workspace: another workspace's knowledge never leaves the
database for this query (RELIABILITY, Isolation 11). Offline and deterministic.

`Passage.confidence` is how much of the question the source covers: the IDF-weighted share
of the question's terms that it contains, in [0, 1] (for a FAQ entry, its question and
phrasings together; for an article, its best chunk). A term the workspace's knowledge never
uses weighs most, so a question about something else scores low and the bot hands off. Scores are comparable within one search only; confidence is
comparable across searches, which is what a threshold needs.

An embedding backend can come later behind `Retriever` and be fused with this one.
"""

import math
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Final, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.knowledge.chunking import terms
from helpline.knowledge.models import KnowledgeChunk, SourceKind
from helpline.knowledge.repository import ArticleRepository, ChunkRepository, FaqRepository

# The usual BM25 constants: term-frequency saturation and length normalisation.
BM25_K1: Final = 1.2
BM25_B: Final = 0.75
MAX_QUERY_TERMS: Final = 32
DEFAULT_K: Final = 5


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
    session: AsyncSession, workspace_id: uuid.UUID, query: str, k: int = DEFAULT_K
) -> list[Passage]:
    """The `k` best published sources for `query` in the workspace, best first (one
    passage per source: its best chunk)."""
    query_terms = list(dict.fromkeys(terms(query)))[:MAX_QUERY_TERMS]
    if not query_terms or k <= 0:
        return []
    chunks = ChunkRepository(session, workspace_id=workspace_id)
    total, mean_length, frequencies = await chunks.statistics(query_terms)
    if total == 0:
        return []
    idf = {
        term: math.log(1 + (total - df + 0.5) / (df + 0.5))
        for term, df in zip(query_terms, frequencies, strict=True)
    }
    known = [term for term, df in zip(query_terms, frequencies, strict=True) if df]
    if not known:
        return []
    best: dict[uuid.UUID, _Hit] = {}
    covered: dict[uuid.UUID, set[str]] = {}
    for chunk in await chunks.containing_any(known):
        hit = _score(chunk, idf, mean_length)
        source = chunk.faq_id or chunk.article_id or chunk.id
        if chunk.source_kind == SourceKind.faq:
            # The ways of asking one FAQ question are one source: what any of them covers.
            covered.setdefault(source, set()).update(set(chunk.terms.split()) & idf.keys())
        if source not in best or hit.score > best[source].score:
            best[source] = hit
    total_weight = sum(idf.values())
    for source, terms_covered in covered.items():
        confidence = sum(idf[t] for t in terms_covered) / total_weight
        best[source] = replace(best[source], confidence=round(confidence, 4))
    ranked = sorted(best.values(), key=lambda h: (-h.score, -h.confidence, str(h.chunk.id)))
    return await _passages(session, workspace_id, ranked[:k])


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
