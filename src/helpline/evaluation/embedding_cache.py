"""An embedder that keeps the texts it has embedded in a file: the FAQ of a large evaluation
(BANKING77: ~8,000 chunks, about two minutes on two cores) is embedded once. For indexing
only, never for the questions, whose embedding is part of each answer's latency."""

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from helpline.knowledge.embeddings import Embedder, Vector


class CachedEmbedder:
    """`inner` with a file of the texts it has embedded (same name: the vectors are its)."""

    def __init__(self, inner: Embedder, path: Path) -> None:
        self._inner = inner
        self._path = path
        self._known: dict[str, Vector] = {}
        if path.exists():
            with np.load(path, allow_pickle=False) as stored:
                if str(stored["model"]) == inner.name:
                    self._known = dict(
                        zip(stored["texts"].tolist(), stored["vectors"], strict=True)
                    )

    @property
    def name(self) -> str:
        return self._inner.name

    @property
    def dimension(self) -> int:
        return self._inner.dimension

    async def embed(self, texts: Sequence[str]) -> list[Vector]:
        missing = list(dict.fromkeys(t for t in texts if t not in self._known))
        if missing:
            self._known.update(zip(missing, await self._inner.embed(missing), strict=True))
        return [self._known[t] for t in texts]

    def save(self) -> None:
        if not self._known:
            return
        texts = list(self._known)
        matrix = np.vstack([self._known[t] for t in texts]).astype(np.float32)
        np.savez(self._path, model=self.name, texts=np.array(texts), vectors=matrix)
