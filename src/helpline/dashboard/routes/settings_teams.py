"""Teams (owners, admins and supervisors): create, rename, delete, and choose who is in them,
through the same access functions and services as tenancy/api.py's `/teams` routes."""

import uuid
from typing import Final

from fastapi import APIRouter, Request, Response

from helpline.core.deps import SessionDep
from helpline.core.errors import AppError, Unprocessable
from helpline.dashboard.guards import Supervisor, SupervisorWrite
from helpline.dashboard.pages import PageRoute
from helpline.dashboard.routes.settings_base import (
    Refusal,
    Text,
    refuse,
    saved,
    settings_page,
    validated,
)
from helpline.tenancy import service as tenancy
from helpline.tenancy.access import access_member, access_team
from helpline.tenancy.schemas import TeamCreate, TeamUpdate

router = APIRouter(route_class=PageRoute, include_in_schema=False)

TEAMS: Final = "/app/settings/teams"
FIELD_LABELS: Final = {"name": "The team's name", "description": "The description"}


class NoMemberChosen(Unprocessable):
    default_detail = "Choose the member to add to the team."


async def _teams(
    request: Request, session: SessionDep, viewer: Supervisor, refusal: Refusal | None = None
) -> Response:
    members = await tenancy.list_members(session, viewer.principal)
    names = {membership.id: user.name for membership, user in members}
    teams = [
        {
            "team": team,
            "members": [(member_id, names.get(member_id, "")) for member_id in member_ids],
            "others": [
                (membership.id, user.name)
                for membership, user in members
                if membership.id not in member_ids
            ],
        }
        for team, member_ids in await tenancy.list_teams(session, viewer.principal)
    ]
    return await settings_page(
        request,
        session,
        viewer,
        "settings/teams.html",
        {"teams": teams},
        active="teams",
        refusal=refusal,
    )


@router.get(TEAMS)
async def teams_page(request: Request, session: SessionDep, viewer: Supervisor) -> Response:
    return await _teams(request, session, viewer)


@router.post(TEAMS)
async def create_team(
    request: Request,
    session: SessionDep,
    viewer: SupervisorWrite,
    name: Text = "",
    description: Text = "",
) -> Response:
    typed = {"name": name, "description": description}
    try:
        body = validated(TeamCreate, typed, FIELD_LABELS)
        await tenancy.create_team(
            session, viewer.principal, name=body.name, description=body.description
        )
    except AppError as error:
        refusal = await refuse(session, error, "create", typed)
        return await _teams(request, session, viewer, refusal)
    return saved(TEAMS, "created")


@router.post(TEAMS + "/{team_id}")
async def update_team(
    request: Request,
    session: SessionDep,
    viewer: SupervisorWrite,
    team_id: uuid.UUID,
    name: Text = "",
    description: Text = "",
) -> Response:
    team = await access_team(session, viewer.principal, team_id)
    typed = {"name": name, "description": description}
    try:
        body = validated(TeamUpdate, typed, FIELD_LABELS)
        await tenancy.update_team(
            session, viewer.principal, team, name=body.name, description=body.description
        )
    except AppError as error:
        refusal = await refuse(session, error, f"team-{team_id}", typed)
        return await _teams(request, session, viewer, refusal)
    return saved(TEAMS)


@router.get(TEAMS + "/{team_id}/delete")
async def confirm_deletion(
    request: Request, session: SessionDep, viewer: Supervisor, team_id: uuid.UUID
) -> Response:
    team = await access_team(session, viewer.principal, team_id)
    context = {
        "heading": "Delete a team",
        "question": f"Delete the team {team.name}?",
        "consequence": (
            "Its members stay in the workspace. Conversations routed to the team are no longer "
            "in any team, so every agent can see them."
        ),
        "action": f"{TEAMS}/{team.id}/delete",
        "button": "Delete team",
        "back": TEAMS,
    }
    return await settings_page(
        request, session, viewer, "settings/confirm.html", context, active="teams"
    )


@router.post(TEAMS + "/{team_id}/delete")
async def delete_team(session: SessionDep, viewer: SupervisorWrite, team_id: uuid.UUID) -> Response:
    team = await access_team(session, viewer.principal, team_id)
    await tenancy.delete_team(session, viewer.principal, team)
    return saved(TEAMS, "deleted")


@router.post(TEAMS + "/{team_id}/members")
async def add_team_member(
    request: Request,
    session: SessionDep,
    viewer: SupervisorWrite,
    team_id: uuid.UUID,
    member_id: Text = "",
) -> Response:
    team = await access_team(session, viewer.principal, team_id)
    try:
        try:
            chosen = uuid.UUID(member_id)
        except ValueError:
            raise NoMemberChosen() from None
        membership, _ = await access_member(session, viewer.principal, chosen)
        await tenancy.add_team_member(session, viewer.principal, team, membership)
    except AppError as error:
        refusal = await refuse(session, error, f"team-{team_id}-add", {"member_id": member_id})
        return await _teams(request, session, viewer, refusal)
    return saved(TEAMS)


@router.post(TEAMS + "/{team_id}/members/{member_id}/remove")
async def remove_team_member(
    session: SessionDep, viewer: SupervisorWrite, team_id: uuid.UUID, member_id: uuid.UUID
) -> Response:
    team = await access_team(session, viewer.principal, team_id)
    membership, _ = await access_member(session, viewer.principal, member_id)
    await tenancy.remove_team_member(session, viewer.principal, team, membership)
    return saved(TEAMS)
