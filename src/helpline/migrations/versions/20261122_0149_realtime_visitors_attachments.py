"""Visitor sessions, attachments, round-robin and presence columns, identity secrets.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 01:49:46.248348
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import helpline.core.db

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "visitor_sessions",
        sa.Column("contact_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", helpline.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", helpline.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", helpline.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", helpline.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_visitor_sessions_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_visitor_sessions_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visitor_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_visitor_sessions_token_hash")),
    )
    with op.batch_alter_table("visitor_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_visitor_sessions_contact_id"), ["contact_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_visitor_sessions_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "attachments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("conversation_id", sa.Uuid(), nullable=False),
        sa.Column("message_id", sa.Uuid(), nullable=True),
        sa.Column("uploader_member_id", sa.Uuid(), nullable=True),
        sa.Column("uploader_contact_id", sa.Uuid(), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=300), nullable=False),
        sa.Column("created_at", helpline.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_attachments_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_attachments_message_id_messages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploader_contact_id"],
            ["contacts.id"],
            name=op.f("fk_attachments_uploader_contact_id_contacts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["uploader_member_id"],
            ["memberships.id"],
            name=op.f("fk_attachments_uploader_member_id_memberships"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_attachments_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
    )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_attachments_conversation_id"), ["conversation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_attachments_message_id"), ["message_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_attachments_workspace_id"), ["workspace_id"], unique=False
        )

    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "last_assigned_at", helpline.core.db.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column(
                "presence_seen_at", helpline.core.db.UTCDateTime(timezone=True), nullable=True
            )
        )

    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("identity_secret", sa.String(length=64), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.drop_column("identity_secret")

    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_column("presence_seen_at")
        batch_op.drop_column("last_assigned_at")

    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachments_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_attachments_message_id"))
        batch_op.drop_index(batch_op.f("ix_attachments_conversation_id"))

    op.drop_table("attachments")
    with op.batch_alter_table("visitor_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visitor_sessions_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_visitor_sessions_contact_id"))

    op.drop_table("visitor_sessions")
