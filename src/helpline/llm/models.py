"""A workspace's choice of language model. No row: the platform's default."""

from enum import StrEnum

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from helpline.core.db import Base, IdMixin, TimestampMixin, WorkspaceScoped


class LLMSource(StrEnum):
    # The platform's default (HELPLINE_LLM_*), or offline when the platform has none.
    platform = "platform"
    # The workspace's own OpenAI-compatible endpoint.
    workspace = "workspace"
    # No model: the bot quotes the knowledge base, even if the platform has a default.
    offline = "offline"


class LLMConfig(IdMixin, TimestampMixin, WorkspaceScoped, Base):
    __tablename__ = "llm_configs"
    __table_args__ = (UniqueConstraint("workspace_id"),)

    source: Mapped[LLMSource] = mapped_column(default=LLMSource.platform)
    # The workspace's endpoint, kept when it switches to another source (so switching back
    # needs no retyping).
    base_url: Mapped[str] = mapped_column(Text, default="")
    model: Mapped[str] = mapped_column(String(200), default="")
    # The API key, sealed (core/encryption.py); "": none.
    sealed_api_key: Mapped[str] = mapped_column(Text, default="")
