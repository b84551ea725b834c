"""The OpenAI-compatible provider: POST {base_url}/embeddings (`{"model", "input"}`), as
OpenAI, vLLM, Ollama, llama.cpp's server and LiteLLM all serve it."""

from collections.abc import Sequence
from typing import Any, Final

import httpx
import numpy as np

from helpline.knowledge.embeddings import BATCH, EmbeddingError, Vector, normalised

TIMEOUT_S: Final = 15.0


class OpenAICompatibleEmbedder:
    def __init__(self, *, base_url: str, model: str, api_key: str) -> None:
        self._url = base_url.rstrip("/") + "/embeddings"
        self._model = model
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._dimension = 0

    @property
    def name(self) -> str:
        return f"openai:{self._model}"[:100]

    @property
    def dimension(self) -> int:
        """Known after the first answer (the endpoint says it by the vectors' length)."""
        return self._dimension

    async def embed(self, texts: Sequence[str]) -> list[Vector]:
        vectors: list[Vector] = []
        async with httpx.AsyncClient(timeout=TIMEOUT_S, headers=self._headers) as client:
            for start in range(0, len(texts), BATCH):
                vectors.extend(await self._batch(client, texts[start : start + BATCH]))
        return vectors

    async def _batch(self, client: httpx.AsyncClient, texts: Sequence[str]) -> list[Vector]:
        if not texts:
            return []
        try:
            response = await client.post(self._url, json={"model": self._model, "input": texts})
            response.raise_for_status()
            data: list[dict[str, Any]] = response.json()["data"]
            rows = sorted(data, key=lambda item: int(item["index"]))
            matrix = np.array([row["embedding"] for row in rows], dtype=np.float32)
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            raise EmbeddingError(f"The embeddings endpoint failed: {exc}") from exc
        if matrix.ndim != 2 or matrix.shape[0] != len(texts):
            raise EmbeddingError("The embeddings endpoint answered the wrong number of vectors.")
        self._dimension = int(matrix.shape[1])
        return normalised(matrix)
