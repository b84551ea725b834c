"""The softmax regression trainer (knowledge.classifier): pure, no database."""

import numpy as np
import pytest

from helpline.knowledge import classifier


def clusters(seed: int = 3, per_class: int = 30) -> tuple[np.ndarray, np.ndarray]:
    """Three well-separated clusters in 8 dimensions, with an offset and uneven scales (as
    embeddings have), so the standardisation matters."""
    rng = np.random.default_rng(seed)
    centres = np.eye(3, 8) * 3.0
    features = np.vstack([c + rng.normal(scale=0.5, size=(per_class, 8)) for c in centres])
    features = features * np.linspace(0.01, 2.0, 8) + 5.0
    labels = np.repeat(np.arange(3), per_class)
    return features.astype(np.float32), labels.astype(np.intp)


class TestTrain:
    def test_learns_separable_data(self) -> None:
        features, labels = clusters()

        model = classifier.train(features, labels, 3, l2=1e-3, iterations=200)

        probabilities = model.probabilities(features)
        assert probabilities.shape == (90, 3)
        assert np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
        assert (probabilities.argmax(axis=1) == labels).all()
        assert classifier.loss(model, features, labels) < 0.1

    def test_generalises_to_new_points_of_the_clusters(self) -> None:
        features, labels = clusters(seed=3)
        unseen, unseen_labels = clusters(seed=4)

        model = classifier.train(features, labels, 3)

        assert (model.probabilities(unseen).argmax(axis=1) == unseen_labels).mean() > 0.95

    def test_one_vector_gives_one_row(self) -> None:
        features, labels = clusters()
        model = classifier.train(features, labels, 3)

        one = model.probabilities(features[0])

        assert one.shape == (3,)
        assert np.allclose(one, model.probabilities(features[:1])[0], atol=1e-6)

    def test_more_regularisation_means_smaller_weights_and_less_confidence(self) -> None:
        features, labels = clusters()

        loose = classifier.train(features, labels, 3, l2=1e-4)
        tight = classifier.train(features, labels, 3, l2=1.0)

        assert np.linalg.norm(tight.weights) < np.linalg.norm(loose.weights) / 5
        assert tight.probabilities(features).max(axis=1).mean() < (
            loose.probabilities(features).max(axis=1).mean()
        )
        assert classifier.loss(tight, features, labels) > classifier.loss(loose, features, labels)

    def test_is_deterministic(self) -> None:
        features, labels = clusters()

        first = classifier.train(features, labels, 3)
        second = classifier.train(features, labels, 3)

        assert first.weights.tobytes() == second.weights.tobytes()
        assert first.bias.tobytes() == second.bias.tobytes()

    def test_a_class_without_examples_is_never_the_most_probable(self) -> None:
        features, labels = clusters()

        model = classifier.train(features, labels, 4)

        assert model.classes == 4
        assert (model.probabilities(features).argmax(axis=1) != 3).all()

    def test_a_constant_dimension_is_harmless(self) -> None:
        features, labels = clusters()
        features[:, 2] = 1.0

        model = classifier.train(features, labels, 3)

        assert np.isfinite(model.weights).all()
        assert (model.probabilities(features).argmax(axis=1) == labels).all()


class TestInvalidInput:
    def test_needs_two_classes(self) -> None:
        features, labels = clusters()
        with pytest.raises(ValueError, match="at least two classes"):
            classifier.train(features, np.zeros_like(labels), 1)

    def test_labels_must_name_classes(self) -> None:
        features, labels = clusters()
        with pytest.raises(ValueError, match="between 0 and classes - 1"):
            classifier.train(features, labels, 2)

    def test_one_label_per_row(self) -> None:
        features, labels = clusters()
        with pytest.raises(ValueError, match="One label per row"):
            classifier.train(features, labels[:-1], 3)
