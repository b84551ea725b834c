"""SQL for visitor sessions and for finding a workspace by its widget key."""

import uuid
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select, update

from helpline.auth.models import VisitorSession
from helpline.core.repository import Repository, TenantRepository
from helpline.tenancy.models import Workspace, WorkspaceStatus


class VisitorTokenLookup(Repository[VisitorSession]):
    """Finds a session by its token across workspaces: the token itself names its workspace."""

    model = VisitorSession

    async def get_with_workspace(self, token_hash: str) -> tuple[VisitorSession, Workspace] | None:
        statement = (
            select(VisitorSession, Workspace)
            .join(Workspace, Workspace.id == VisitorSession.workspace_id)
            .where(VisitorSession.token_hash == token_hash)
        )
        row = (await self.session.execute(statement)).first()
        return None if row is None else (row[0], row[1])


class OpenSocketSessions(Repository[VisitorSession]):
    """The sessions behind a process's open widget sockets, which span workspaces: each id
    came from a token the server itself verified when the socket opened."""

    model = VisitorSession

    async def still_valid(
        self, session_ids: Collection[uuid.UUID], *, now: datetime
    ) -> set[uuid.UUID]:
        """Of `session_ids`, those neither revoked nor expired, in an active workspace."""
        statement = (
            select(VisitorSession.id)
            .join(Workspace, Workspace.id == VisitorSession.workspace_id)
            .where(
                VisitorSession.id.in_(session_ids),
                VisitorSession.revoked_at.is_(None),
                VisitorSession.expires_at > now,
                Workspace.status == WorkspaceStatus.active,
            )
        )
        return set((await self.session.scalars(statement)).all())

    async def touch(
        self, session_ids: Collection[uuid.UUID], *, now: datetime, older_than: datetime
    ) -> None:
        await self.session.execute(
            update(VisitorSession)
            .where(VisitorSession.id.in_(session_ids), VisitorSession.last_seen_at < older_than)
            .values(last_seen_at=now)
            .execution_options(synchronize_session=False)
        )


class VisitorSessionRepository(TenantRepository[VisitorSession]):
    model = VisitorSession

    async def revoke(self, session_id: uuid.UUID, *, at: datetime) -> None:
        await self.session.execute(
            update(VisitorSession)
            .where(
                VisitorSession.workspace_id == self.workspace_id,
                VisitorSession.id == session_id,
                VisitorSession.revoked_at.is_(None),
            )
            .values(revoked_at=at)
            .execution_options(synchronize_session=False)
        )


class WidgetKeyLookup(Repository[Workspace]):
    """Workspaces by their public widget key (not scoped: the key names the workspace)."""

    model = Workspace

    async def get_by_public_key(self, public_key: str) -> Workspace | None:
        statement = select(Workspace).where(Workspace.public_key == public_key)
        return (await self.session.scalars(statement)).first()
