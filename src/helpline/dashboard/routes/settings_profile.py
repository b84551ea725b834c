"""Your profile (every role): who you are, your availability, and your password.

Changing the password ends every other session of the account (auth's change_password) and
starts a new one here: the new session goes into the cookie of the redirect."""

from typing import Final

from fastapi import APIRouter, Request, Response

from helpline.auth import service as auth
from helpline.conversations import service as conversations
from helpline.core.deps import SessionDep, SettingsDep
from helpline.core.errors import AppError, Unprocessable
from helpline.dashboard import cookies
from helpline.dashboard.guards import Member, MemberWrite
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
from helpline.tenancy.access import access_member
from helpline.tenancy.models import Availability
from helpline.tenancy.schemas import AvailabilityUpdate

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PROFILE: Final = "/app/settings/profile"
AVAILABILITY: Final = (
    (Availability.online, "Online", "Conversations can be assigned to you."),
    (Availability.busy, "Busy", "You keep yours; no new ones are assigned to you."),
    (Availability.away, "Away", "Stepped out for a moment."),
    (Availability.offline, "Offline", "Your conversations go to others who are online."),
)


class PasswordsDiffer(Unprocessable):
    default_detail = "The new password and its confirmation differ: type the same one twice."


async def _profile(
    request: Request, session: SessionDep, viewer: Member, refusal: Refusal | None = None
) -> Response:
    membership, user = await access_member(
        session, viewer.principal, viewer.principal.membership_id
    )
    context = {"membership": membership, "user": user, "availabilities": AVAILABILITY}
    return await settings_page(
        request,
        session,
        viewer,
        "settings/profile.html",
        context,
        active="profile",
        refusal=refusal,
    )


@router.get(PROFILE)
async def profile_page(request: Request, session: SessionDep, viewer: Member) -> Response:
    return await _profile(request, session, viewer)


@router.post(PROFILE + "/availability")
async def set_availability(
    request: Request, session: SessionDep, viewer: MemberWrite, availability: Text = ""
) -> Response:
    """As PUT /api/v1/me/availability: assignment reacts to the change at once."""
    try:
        body = validated(AvailabilityUpdate, {"availability": availability}, {})
        membership = await tenancy.set_availability(session, viewer.principal, body.availability)
        await conversations.availability_changed(session, membership)
    except AppError as error:
        refusal = await refuse(session, error, "availability", {"availability": availability})
        return await _profile(request, session, viewer, refusal)
    return saved(PROFILE)


@router.post(PROFILE + "/password")
async def change_password(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    viewer: MemberWrite,
    current_password: Text = "",
    new_password: Text = "",
    confirm_password: Text = "",
) -> Response:
    try:
        if new_password != confirm_password:
            raise PasswordsDiffer()
        pair = await auth.change_password(
            session,
            settings,
            viewer.principal,
            current_password=current_password,
            new_password=new_password,
        )
    except AppError as error:
        # Passwords are never typed back into a page.
        refusal = await refuse(session, error, "password", {})
        return await _profile(request, session, viewer, refusal)
    response = saved(PROFILE, "password")
    cookies.set_session(
        response, settings, auth.web_token(settings, pair), pair.refresh_token_expires_at
    )
    return response
