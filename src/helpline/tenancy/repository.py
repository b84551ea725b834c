"""SQL for workspaces, domains, memberships, teams and invitations."""

import uuid
from collections.abc import Sequence

from sqlalchemy import Select, delete, func, select
from typing_extensions import override

from helpline.auth.models import User
from helpline.core.repository import Repository, TenantRepository
from helpline.tenancy.models import (
    Invitation,
    Membership,
    Role,
    Team,
    TeamMember,
    Workspace,
    WorkspaceDomain,
)


class WorkspaceLookup(Repository[Workspace]):
    """Workspaces themselves: looked up by id, slug or public key, not scoped to a tenant."""

    model = Workspace

    async def get_by_slug(self, slug: str) -> Workspace | None:
        return (await self.session.scalars(select(Workspace).where(Workspace.slug == slug))).first()

    async def get_by_domain(self, domain: str) -> Workspace | None:
        statement = (
            select(Workspace)
            .join(WorkspaceDomain, WorkspaceDomain.workspace_id == Workspace.id)
            .where(WorkspaceDomain.domain == domain)
        )
        return (await self.session.scalars(statement)).first()

    def list_statement(self) -> Select[Workspace]:
        return select(Workspace)

    async def lock_for_routing(self, workspace_id: uuid.UUID) -> Workspace | None:
        """Lock the workspace's row and reload it: the routing lock that serialises automatic
        assignment and changes to members' availability and capacity in the workspace
        (docs/assignment.md). FOR NO KEY UPDATE: rows referencing the workspace (their
        foreign key takes KEY SHARE) are still inserted freely."""
        statement = (
            select(Workspace)
            .where(Workspace.id == workspace_id)
            .with_for_update(key_share=True)
            .execution_options(populate_existing=True)
        )
        return (await self.session.scalars(statement)).first()

    async def domains_in_use(self, domains: list[str]) -> Sequence[WorkspaceDomain]:
        statement = select(WorkspaceDomain).where(WorkspaceDomain.domain.in_(domains))
        return (await self.session.scalars(statement)).all()


class DomainRepository(TenantRepository[WorkspaceDomain]):
    model = WorkspaceDomain

    async def list_names(self) -> list[str]:
        statement = select(WorkspaceDomain.domain).where(
            WorkspaceDomain.workspace_id == self.workspace_id
        )
        return sorted((await self.session.scalars(statement)).all())

    async def replace(self, domains: list[str]) -> None:
        await self.session.execute(
            delete(WorkspaceDomain).where(WorkspaceDomain.workspace_id == self.workspace_id)
        )
        await self.session.flush()
        for domain in domains:
            self.session.add(WorkspaceDomain(workspace_id=self.workspace_id, domain=domain))


class MembershipRepository(TenantRepository[Membership]):
    model = Membership

    def with_users(self) -> Select[Membership, User]:
        return (
            select(Membership, User)
            .join(User, User.id == Membership.user_id)
            .where(Membership.workspace_id == self.workspace_id)
        )

    async def get_with_user(self, membership_id: uuid.UUID) -> tuple[Membership, User] | None:
        statement = self.with_users().where(Membership.id == membership_id)
        row = (await self.session.execute(statement)).first()
        return None if row is None else (row[0], row[1])

    async def get_for_user(self, user_id: uuid.UUID) -> Membership | None:
        statement = self.base_statement().where(Membership.user_id == user_id)
        return (await self.session.scalars(statement)).first()

    async def get_for_user_by_email(self, email: str) -> Membership | None:
        statement = (
            self.base_statement()
            .join(User, User.id == Membership.user_id)
            .where(User.email == email.lower())
        )
        return (await self.session.scalars(statement)).first()

    async def lock(self, membership_id: uuid.UUID) -> Membership | None:
        """Lock the member's row and reload it (availability, capacity, round-robin and
        presence are read-modify-written under it)."""
        statement = (
            self.base_statement()
            .where(Membership.id == membership_id)
            .with_for_update(key_share=True)
            .execution_options(populate_existing=True)
        )
        return (await self.session.scalars(statement)).first()

    async def count_owners(self) -> int:
        statement = (
            select(func.count())
            .select_from(Membership)
            .where(Membership.workspace_id == self.workspace_id, Membership.role == Role.owner)
        )
        return int((await self.session.execute(statement)).scalar_one())


class UserMemberships(Repository[Membership]):
    """One user's memberships across workspaces (the user is the scope here, not a tenant)."""

    model = Membership

    async def list_for_user(self, user_id: uuid.UUID) -> Sequence[tuple[Membership, Workspace]]:
        statement = (
            select(Membership, Workspace)
            .join(Workspace, Workspace.id == Membership.workspace_id)
            .where(Membership.user_id == user_id)
            .order_by(Workspace.name)
        )
        return [(row[0], row[1]) for row in (await self.session.execute(statement)).all()]

    @override
    async def get(self, id_: uuid.UUID) -> Membership | None:
        return await self.session.get(Membership, id_)

    async def get_in(self, user_id: uuid.UUID, workspace_id: uuid.UUID) -> Membership | None:
        statement = select(Membership).where(
            Membership.user_id == user_id, Membership.workspace_id == workspace_id
        )
        return (await self.session.scalars(statement)).first()


class TeamRepository(TenantRepository[Team]):
    model = Team

    async def get_by_name(self, name: str) -> Team | None:
        return (await self.session.scalars(self.base_statement().where(Team.name == name))).first()

    async def member_ids(self, team_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
        statement = select(TeamMember.team_id, TeamMember.membership_id).where(
            TeamMember.workspace_id == self.workspace_id, TeamMember.team_id.in_(team_ids)
        )
        result: dict[uuid.UUID, list[uuid.UUID]] = {team_id: [] for team_id in team_ids}
        for team_id, membership_id in (await self.session.execute(statement)).all():
            result[team_id].append(membership_id)
        return result


class TeamMemberRepository(TenantRepository[TeamMember]):
    model = TeamMember

    async def find(self, team_id: uuid.UUID, membership_id: uuid.UUID) -> TeamMember | None:
        statement = self.base_statement().where(
            TeamMember.team_id == team_id, TeamMember.membership_id == membership_id
        )
        return (await self.session.scalars(statement)).first()

    async def team_ids_of(self, membership_id: uuid.UUID) -> list[uuid.UUID]:
        statement = select(TeamMember.team_id).where(
            TeamMember.workspace_id == self.workspace_id, TeamMember.membership_id == membership_id
        )
        return list((await self.session.scalars(statement)).all())


class InvitationRepository(TenantRepository[Invitation]):
    model = Invitation

    async def pending_for_email(self, email: str) -> Sequence[Invitation]:
        statement = self.base_statement().where(
            Invitation.email == email.lower(),
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        return (await self.session.scalars(statement)).all()


class InvitationLookup(Repository[Invitation]):
    """Finds an invitation by its secret link, the only thing an invitee has."""

    model = Invitation

    async def get_by_hash_for_update(self, token_hash: str) -> Invitation | None:
        statement = select(Invitation).where(Invitation.token_hash == token_hash)
        return (await self.session.scalars(statement.with_for_update())).first()
