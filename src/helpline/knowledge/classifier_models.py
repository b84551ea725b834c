"""The per-workspace FAQ classifier's table: one trained model per workspace."""

from datetime import datetime
from typing import Any

from sqlalchemy import LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from helpline.core.db import Base, IdMixin, JSONDoc, WorkspaceScoped


class FaqClassifier(IdMixin, WorkspaceScoped, Base):
    """A softmax regression over the embeddings of the workspace's FAQ questions and phrasings
    (knowledge.classifier), written by the knowledge.train_classifier job only. A retrained
    model is a new row (a new id), so a process's cache knows a model by its id."""

    __tablename__ = "faq_classifiers"
    __table_args__ = (UniqueConstraint("workspace_id"),)

    # The workspace's vector fingerprint (knowledge.vectors) of the chunks it was trained on,
    # as "<model>|<count>|<newest chunk id>|<term total>": retrieval uses the classifier only
    # while the workspace's chunks still have this fingerprint.
    fingerprint: Mapped[str] = mapped_column(String(300))
    embedding_model: Mapped[str] = mapped_column(String(100))
    dimension: Mapped[int]
    # float32 little-endian: the (dimension x classes) weights, then the classes' biases.
    parameters: Mapped[bytes] = mapped_column(LargeBinary)
    # The FAQ entry of each class, in order (ids as strings).
    faq_ids: Mapped[list[Any]] = mapped_column(JSONDoc)
    trained_at: Mapped[datetime]
    # Examples, classes, training accuracy and loss, seconds: for reports, never for decisions.
    metrics: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
