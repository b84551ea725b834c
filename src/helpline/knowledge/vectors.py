"""Each workspace's chunk vectors as one normalised numpy matrix, kept in the process between
questions (reading ~8,000 vectors from the database and stacking them costs ~150 ms per
question on this machine; multiplying the cached matrix costs ~1 ms).

Freshness across processes: the indexing job (a worker process) writes vectors, the knowledge
service (a web process) deletes chunks, and the bot or the search API (any process) reads
them. So the cache is never told about a change; instead every search reads the workspace's
`Fingerprint` (in the aggregate that already counts its chunks for BM25: no extra statement)
and a matrix loaded under another fingerprint is reloaded. The fingerprint is computed from
the same rows the matrix is built from, so a matrix read after a concurrent change is only
ever newer than the fingerprint it is stored under, which costs one more reload, never a
stale answer.

Memory is bounded: least recently used workspaces are dropped once the matrices exceed
`retrieval_vector_cache_mb` (settings); a workspace larger than the whole cap is not cached.
"""

import threading
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

MIB: Final = 1024 * 1024
DEFAULT_MAX_MB: Final = 256


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What changes whenever the workspace's vectors of a model change: how many chunks
    carry one, the newest such chunk (ids are time-ordered, core.ids), and their terms' total
    (a changed chunk is a new row; the sum catches a delete plus an add that keep the
    count and the newest id)."""

    count: int
    newest: uuid.UUID | None
    term_total: int


@dataclass(frozen=True, slots=True)
class VectorRow:
    chunk_id: uuid.UUID
    source_id: uuid.UUID
    term_count: int
    vector: bytes


@dataclass(frozen=True, slots=True)
class VectorMatrix:
    """The rows are grouped by source: source `i` owns rows `starts[i]` to `starts[i + 1]`."""

    fingerprint: Fingerprint
    matrix: NDArray[np.float32]
    chunk_ids: tuple[uuid.UUID, ...]
    source_ids: tuple[uuid.UUID, ...]
    starts: NDArray[np.intp]

    @property
    def nbytes(self) -> int:
        # The matrix dominates; ids are ~100 bytes each as Python objects.
        return int(self.matrix.nbytes) + 100 * (len(self.chunk_ids) + len(self.source_ids))


def fingerprint_of(rows: Sequence[VectorRow]) -> Fingerprint:
    newest = max((row.chunk_id for row in rows), default=None)
    return Fingerprint(len(rows), newest, sum(row.term_count for row in rows))


def build(rows: Sequence[VectorRow], dimension: int) -> VectorMatrix:
    """The matrix of the rows whose vector has `dimension` floats, L2-normalised, grouped
    by source. The fingerprint is the rows' own (every row, so that it matches the
    database's whatever the dimension)."""
    usable = sorted(
        (row for row in rows if len(row.vector) == 4 * dimension),
        key=lambda row: (row.source_id.bytes, row.chunk_id.bytes),
    )
    matrix = np.frombuffer(b"".join(row.vector for row in usable), dtype="<f4")
    matrix = matrix.reshape(len(usable), dimension).astype(np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    matrix /= np.maximum(norms, 1e-12)
    sources: list[uuid.UUID] = []
    starts: list[int] = []
    for index, row in enumerate(usable):
        if not sources or sources[-1] != row.source_id:
            sources.append(row.source_id)
            starts.append(index)
    return VectorMatrix(
        fingerprint=fingerprint_of(rows),
        matrix=matrix,
        chunk_ids=tuple(row.chunk_id for row in usable),
        source_ids=tuple(sources),
        starts=np.asarray([*starts, len(usable)], dtype=np.intp),
    )


class VectorCache:
    """Matrices by (workspace, model), least recently used dropped first. Thread-safe: the
    bot's jobs and the API may search from several threads' event loops."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_MB * MIB) -> None:
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[uuid.UUID, str], VectorMatrix] = OrderedDict()
        self._max_bytes = max_bytes

    def get(
        self, workspace_id: uuid.UUID, model: str, fingerprint: Fingerprint
    ) -> VectorMatrix | None:
        """The cached matrix if it was loaded under `fingerprint`; a stale one is dropped."""
        key = (workspace_id, model)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry.fingerprint != fingerprint:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry

    def put(self, workspace_id: uuid.UUID, model: str, entry: VectorMatrix) -> None:
        key = (workspace_id, model)
        with self._lock:
            self._entries.pop(key, None)
            if entry.nbytes > self._max_bytes:
                return
            self._entries[key] = entry
            self._evict()

    def resize(self, max_bytes: int) -> None:
        with self._lock:
            self._max_bytes = max_bytes
            self._evict()

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    @property
    def nbytes(self) -> int:
        with self._lock:
            return sum(entry.nbytes for entry in self._entries.values())

    @property
    def nbytes_cap(self) -> int:
        return self._max_bytes

    def cached(self) -> list[tuple[uuid.UUID, str]]:
        """The cached keys, least recently used first."""
        with self._lock:
            return list(self._entries)

    def _evict(self) -> None:
        total = sum(entry.nbytes for entry in self._entries.values())
        while total > self._max_bytes and self._entries:
            _, dropped = self._entries.popitem(last=False)
            total -= dropped.nbytes


# The process's cache; `embeddings.for_answers(settings)` sets its cap from the settings.
shared = VectorCache()
