"""Teams: named groups of members that conversations can be routed to."""

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.audit import service as audit
from helpline.auth.principals import WorkspacePrincipal
from helpline.core.errors import Conflict
from helpline.tenancy.models import Membership, Team, TeamMember
from helpline.tenancy.repository import TeamMemberRepository, TeamRepository


async def _check_name_free(teams: TeamRepository, name: str, *, team_id: uuid.UUID | None) -> None:
    existing = await teams.get_by_name(name)
    if existing is not None and existing.id != team_id:
        raise Conflict(f"A team named {name!r} already exists.")


async def create_team(
    session: AsyncSession, actor: WorkspacePrincipal, *, name: str, description: str
) -> Team:
    teams = TeamRepository(session, workspace_id=actor.workspace_id)
    await _check_name_free(teams, name, team_id=None)
    team = Team(workspace_id=actor.workspace_id, name=name, description=description)
    session.add(team)
    await session.flush()
    _audit(session, actor, "team.created", team, {"name": name})
    return team


async def update_team(
    session: AsyncSession,
    actor: WorkspacePrincipal,
    team: Team,
    *,
    name: str | None,
    description: str | None,
) -> Team:
    if name is not None and name != team.name:
        await _check_name_free(
            TeamRepository(session, workspace_id=team.workspace_id), name, team_id=team.id
        )
        team.name = name
    if description is not None:
        team.description = description
    await session.flush()
    _audit(session, actor, "team.updated", team, {"name": team.name})
    return team


async def delete_team(session: AsyncSession, actor: WorkspacePrincipal, team: Team) -> None:
    await session.delete(team)
    _audit(session, actor, "team.deleted", team, {"name": team.name})


async def list_teams(
    session: AsyncSession, principal: WorkspacePrincipal
) -> Sequence[tuple[Team, list[uuid.UUID]]]:
    teams = TeamRepository(session, workspace_id=principal.workspace_id)
    rows = (await session.scalars(teams.base_statement().order_by(Team.name))).all()
    members = await teams.member_ids([team.id for team in rows])
    return [(team, members[team.id]) for team in rows]


async def team_member_ids(session: AsyncSession, team: Team) -> list[uuid.UUID]:
    teams = TeamRepository(session, workspace_id=team.workspace_id)
    return (await teams.member_ids([team.id]))[team.id]


async def teams_of_member(
    session: AsyncSession, workspace_id: uuid.UUID, membership_id: uuid.UUID
) -> list[uuid.UUID]:
    """The ids of the teams a member belongs to."""
    return await TeamMemberRepository(session, workspace_id=workspace_id).team_ids_of(membership_id)


async def add_team_member(
    session: AsyncSession, actor: WorkspacePrincipal, team: Team, membership: Membership
) -> None:
    links = TeamMemberRepository(session, workspace_id=team.workspace_id)
    if await links.find(team.id, membership.id) is not None:
        return
    session.add(
        TeamMember(workspace_id=team.workspace_id, team_id=team.id, membership_id=membership.id)
    )
    await session.flush()
    _audit(session, actor, "team.member_added", team, {"member_id": str(membership.id)})


async def remove_team_member(
    session: AsyncSession, actor: WorkspacePrincipal, team: Team, membership: Membership
) -> None:
    links = TeamMemberRepository(session, workspace_id=team.workspace_id)
    link = await links.find(team.id, membership.id)
    if link is None:
        return
    await session.delete(link)
    await session.flush()  # the caller reads the team's members next, and autoflush is off
    _audit(session, actor, "team.member_removed", team, {"member_id": str(membership.id)})


def _audit(
    session: AsyncSession, actor: WorkspacePrincipal, action: str, team: Team, data: dict[str, str]
) -> None:
    audit.record(
        session,
        actor,
        workspace_id=team.workspace_id,
        action=action,
        target_type="team",
        target_id=team.id,
        data=data,
    )
