"""Embeddings behind one small interface: `Embedder.embed(texts) -> list[Vector]`, a `name`
(stored with each vector, so vectors of another model are never compared) and a `dimension`.

Providers, chosen by `active(settings)`:
- an OpenAI-compatible `/v1/embeddings` endpoint, when HELPLINE_EMBEDDINGS_BASE_URL is set;
- otherwise the offline all-MiniLM-L6-v2 (int8 ONNX, onnxruntime + tokenizers), when its files
  are installed and the graph's checksum is the one pinned in `local.py`;
- otherwise none: retrieval uses full-text search only, and says so once in the log.

Vectors are float32 and L2-normalised, so a dot product is the cosine similarity.
"""

import threading
from collections.abc import Sequence
from typing import Final, Protocol

import numpy as np
import structlog
from numpy.typing import NDArray

from helpline.knowledge import vectors
from helpline.settings import Settings

log = structlog.get_logger(__name__)

Vector = NDArray[np.float32]
# Texts per request to a model: bounds memory and an endpoint's payload.
BATCH: Final = 64


class EmbeddingError(Exception):
    """The model could not embed (the endpoint failed, a file is missing or altered)."""


class Embedder(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    async def embed(self, texts: Sequence[str]) -> list[Vector]: ...


def normalised(matrix: NDArray[np.float32]) -> list[Vector]:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    unit = (matrix / np.maximum(norms, 1e-12)).astype(np.float32)
    return list(unit)


def to_bytes(vector: Vector) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def from_bytes(data: bytes) -> Vector:
    return np.frombuffer(data, dtype="<f4")


_lock = threading.Lock()
_cache: dict[tuple[str, str], Embedder | None] = {}
_reported: set[str] = set()


def for_answers(settings: Settings) -> Embedder | None:
    """The provider answering (the bot, knowledge search) fuses with: none unless
    `retrieval_embeddings` is on; indexing uses `active` and keeps vectors ready either way.
    Also caps the process's vector cache (knowledge.vectors) as the settings say."""
    vectors.shared.resize(settings.retrieval_vector_cache_mb * vectors.MIB)
    return active(settings) if settings.retrieval_embeddings else None


def active(settings: Settings) -> Embedder | None:
    """The provider the settings choose, built once per process; None: full-text only."""
    from helpline.knowledge.embeddings import local, openai

    key = (settings.embeddings_base_url, settings.embeddings_model)
    with _lock:
        if key not in _cache:
            if settings.embeddings_base_url:
                _cache[key] = openai.OpenAICompatibleEmbedder(
                    base_url=settings.embeddings_base_url,
                    model=settings.embeddings_model,
                    api_key=settings.embeddings_api_key.get_secret_value(),
                )
            else:
                status = local.status()
                _cache[key] = local.LocalEmbedder(status) if status.usable else None
                if status.problem and status.problem not in _reported:
                    _reported.add(status.problem)
                    log.warning("embeddings_unavailable", reason=status.problem)
        return _cache[key]


def forget() -> None:
    """Drop the built providers (tests that change what is installed)."""
    with _lock:
        _cache.clear()
        _reported.clear()
