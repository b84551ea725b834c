"""A multinomial logistic regression (softmax) over sentence embeddings, in numpy: the
per-workspace FAQ classifier's model (issue 6, "learn from the workspace's own data"). Pure
functions; storing and training per workspace is classifier_store.py and classifier_jobs.py.

Training is full-batch and deterministic (zero start, no sampling): Nesterov's accelerated
gradient on the mean cross-entropy plus `l2 / 2 * |W|^2` (the bias is not regularised), on
standardised features (each dimension centred and scaled to unit variance: embeddings'
coordinates are small and unevenly spread, which makes plain gradient descent crawl), with
the step 1 / L from the loss's smoothness bound. The standardisation is folded back into the
weights, so a model is applied to raw embeddings: `softmax(x @ weights + bias)`.
"""

from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

DEFAULT_L2: Final = 1e-3
DEFAULT_ITERATIONS: Final = 300
# A constant dimension's scale: keeps it at zero weight rather than dividing by zero.
_MIN_SCALE: Final = 1e-6

FloatArray = NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class SoftmaxModel:
    weights: FloatArray  # (dimension, classes)
    bias: FloatArray  # (classes,)

    @property
    def classes(self) -> int:
        return int(self.bias.shape[0])

    def probabilities(self, features: FloatArray) -> FloatArray:
        """One row of class probabilities per row of `features` (or one row for a vector)."""
        # einsum, not BLAS, for a single question: see retrieval._semantic (OpenBLAS threads).
        if features.ndim == 1:
            logits = np.einsum("i,ij->j", features, self.weights) + self.bias
        else:
            logits = features @ self.weights + self.bias
        return softmax(logits.astype(np.float32))


def softmax(logits: FloatArray) -> FloatArray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    result: FloatArray = (exp / exp.sum(axis=-1, keepdims=True)).astype(np.float32)
    return result


def train(
    features: FloatArray,
    labels: NDArray[np.intp],
    classes: int,
    *,
    l2: float = DEFAULT_L2,
    iterations: int = DEFAULT_ITERATIONS,
) -> SoftmaxModel:
    """Fit `classes` classes (labels 0 … classes - 1) to the rows of `features`."""
    if features.ndim != 2 or features.shape[0] != labels.shape[0]:
        raise ValueError("One label per row of features is needed.")
    if classes < 2:
        raise ValueError("A classifier needs at least two classes.")
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise ValueError("Labels must be between 0 and classes - 1.")
    x = features.astype(np.float64)
    mean = x.mean(axis=0)
    scale = np.maximum(x.std(axis=0), _MIN_SCALE)
    z = (x - mean) / scale
    n, dimension = z.shape
    rows = np.arange(n)
    # The cross-entropy's gradient is 1/2-Lipschitz in the logits; with the bias as a column
    # of ones, L <= 1/2 * largest eigenvalue of [z 1]^T [z 1] / n, plus l2.
    augmented = np.hstack([z, np.ones((n, 1))])
    lipschitz = 0.5 * float(np.linalg.eigvalsh(augmented.T @ augmented / n)[-1]) + l2
    step = 1.0 / lipschitz
    weights = np.zeros((dimension, classes))
    bias = np.zeros(classes)
    previous_w, previous_b = weights, bias
    for iteration in range(1, iterations + 1):
        momentum = (iteration - 1) / (iteration + 2)
        look_w = weights + momentum * (weights - previous_w)
        look_b = bias + momentum * (bias - previous_b)
        # The softmax minus the one-hot targets, without an (examples x classes) matrix of them.
        error = _softmax64(z @ look_w + look_b)
        error[rows, labels] -= 1.0
        gradient_w = z.T @ error / n + l2 * look_w
        gradient_b = error.mean(axis=0)
        previous_w, previous_b = weights, bias
        weights = look_w - step * gradient_w
        bias = look_b - step * gradient_b
    raw_weights = weights / scale[:, None]
    raw_bias = bias - mean @ raw_weights
    return SoftmaxModel(raw_weights.astype(np.float32), raw_bias.astype(np.float32))


def loss(model: SoftmaxModel, features: FloatArray, labels: NDArray[np.intp]) -> float:
    """Mean cross-entropy (without the penalty): for tests and reports."""
    probabilities = model.probabilities(features).astype(np.float64)
    picked = probabilities[np.arange(labels.shape[0]), labels]
    return float(-np.log(np.maximum(picked, 1e-12)).mean())


def _softmax64(logits: NDArray[np.float64]) -> NDArray[np.float64]:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    result: NDArray[np.float64] = exp / exp.sum(axis=1, keepdims=True)
    return result
