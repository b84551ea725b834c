"""Turning knowledge into searchable pieces, and text into search terms. Pure functions.

A FAQ entry becomes one chunk per way of asking it (the question and each phrasing), so a
visitor's question is compared with questions, not with answers. An article becomes chunks
of whole paragraphs, at most `max_words` words each, every chunk prefixed with the article's
title and its section heading so that it still says what it is about on its own.
"""

import re
import unicodedata
from collections.abc import Sequence
from typing import Final

MAX_CHUNK_WORDS: Final = 120
_WORD: Final = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
_HEADING: Final = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
# A link or image (its target may hold one level of parentheses), or emphasis and quote marks.
_MARKUP: Final = re.compile(r"!?\[([^\]]*)\]\((?:[^()]|\([^()]*\))*\)|[*_`>#|~]+")
# Words that say nothing about what a question is about. Kept short on purpose: "not",
# "no", "how" and "why" change meaning, and a human request ("person", "human") must count.
_STOP_WORDS_TEXT: Final = """a an and are as at be been but by can could do does did for from had has have i i'm i've
    i'd i'll
    if in into is it it's its me my of on or our so than that the their them then there
    these they this those to was we were what when where which who will with would you
    your yours please hi hello hey thanks thank"""
STOP_WORDS: Final = frozenset(_STOP_WORDS_TEXT.split())
# Longest first: the first suffix that leaves a stem of at least three letters is removed.
_SUFFIXES: Final = ("ations", "ation", "ings", "ing", "ies", "ied", "es", "ed", "ly", "s")


def normalize(text: str) -> str:
    """Lower case, accents removed, curly apostrophes straightened."""
    decomposed = unicodedata.normalize("NFKD", text.replace("\u2019", "'").lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def stem(word: str) -> str:
    """A light suffix stripper: 'refunds', 'refunded' and 'refunding' all become 'refund'."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            base = word[: -len(suffix)]
            return base + "y" if suffix in ("ies", "ied") else base
    return word


def terms(text: str) -> list[str]:
    """The search terms of a text, in order, repeats kept (BM25 counts them)."""
    words = (w.removesuffix("'s") for w in _WORD.findall(normalize(text)))
    return [stem(w) for w in words if w and w not in STOP_WORDS]


def faq_chunks(question: str, phrasings: Sequence[str]) -> list[str]:
    """One chunk per distinct way of asking, the question first."""
    seen: set[str] = set()
    chunks: list[str] = []
    for text in (question, *phrasings):
        key = " ".join(terms(text))
        if text.strip() and key not in seen:
            seen.add(key)
            chunks.append(text.strip())
    return chunks


def plain_text(markdown: str) -> str:
    """Markdown without its markup: link and image targets are dropped, their text kept."""
    return _MARKUP.sub(lambda m: m.group(1) or "", markdown)


def article_chunks(title: str, body: str, *, max_words: int = MAX_CHUNK_WORDS) -> list[str]:
    """Whole paragraphs grouped up to `max_words` words per chunk (a longer paragraph is cut
    at word boundaries), each chunk starting with the title and the current heading."""
    chunks: list[str] = []
    heading = ""
    current: list[str] = []

    def flush() -> None:
        if current:
            prefix = " — ".join(p for p in (title.strip(), heading) if p)
            chunks.append(f"{prefix}\n{' '.join(current)}" if prefix else " ".join(current))
            current.clear()

    for paragraph in _paragraphs(body):
        match = _HEADING.match(paragraph)
        if match:
            flush()
            heading = plain_text(match.group(1)).strip()
            continue
        words = plain_text(paragraph).split()
        while words:
            room = max_words - sum(len(p.split()) for p in current)
            if room <= 0 or (current and len(words) > room and len(words) <= max_words):
                flush()
                continue
            current.append(" ".join(words[:room]))
            words = words[room:]
    flush()
    if not chunks and title.strip():
        chunks.append(title.strip())
    return chunks


def _paragraphs(body: str) -> list[str]:
    """Blank-line separated blocks; a heading line is a block of its own."""
    blocks: list[str] = []
    current: list[str] = []
    for line in body.replace("\r\n", "\n").split("\n"):
        if not line.strip() or _HEADING.match(line):
            if current:
                blocks.append(" ".join(current))
                current = []
            if line.strip():
                blocks.append(line)
            continue
        current.append(line.strip())
    if current:
        blocks.append(" ".join(current))
    return blocks
