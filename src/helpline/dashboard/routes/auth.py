"""Pages before the dashboard: log in, log out, forgotten password, reset link, invitation.

Forms post back to their own URL. A refused form is shown again with the error and what the
person typed (never the password); nothing of it was written (the unit of work rolls back).
"""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.auth import service as auth
from helpline.auth.service.sessions import TokenPair
from helpline.core.deps import RateLimiterDep, SessionDep, SettingsDep
from helpline.core.errors import AppError, Conflict
from helpline.dashboard import cookies
from helpline.dashboard.guards import MemberWrite, check_csrf
from helpline.dashboard.pages import PageRoute
from helpline.dashboard.templating import render
from helpline.settings import Settings
from helpline.tenancy import service as tenancy

router = APIRouter(route_class=PageRoute, include_in_schema=False)

TokenQuery = Annotated[str, Query(min_length=1, max_length=200)]
TokenField = Annotated[str, Form(min_length=1, max_length=200)]
PasswordField = Annotated[str, Form(max_length=200)]


def _form_page(
    request: Request,
    settings: Settings,
    template: str,
    context: dict[str, Any],
    *,
    status_code: int = 200,
) -> Response:
    """An anonymous form page, with the pre-login CSRF token in the form and its cookie."""
    token = cookies.anonymous_csrf(request)
    response = render(request, template, {**context, "csrf": token}, status_code=status_code)
    cookies.remember_anonymous_csrf(response, settings, token)
    return response


async def _check_anonymous_csrf(request: Request) -> None:
    await check_csrf(request, request.cookies.get(cookies.ANONYMOUS_CSRF_COOKIE) or "\0")


def _safe_next(target: str | None) -> str:
    """Where to go after login: a dashboard path of ours, never another site."""
    if target and target.startswith("/app") and not target.startswith("//"):
        return target
    return "/app"


def _logged_in(settings: Settings, pair: TokenPair, target: str) -> Response:
    response = RedirectResponse(target, status_code=303)
    cookies.set_session(
        response, settings, auth.web_token(settings, pair), pair.refresh_token_expires_at
    )
    response.delete_cookie(cookies.ANONYMOUS_CSRF_COOKIE, path="/")
    return response


async def _refused(session: AsyncSession) -> None:
    # The page answers normally, so the unit of work would commit: undo the attempt first.
    await session.rollback()


@router.get("/login")
async def login_page(
    request: Request, settings: SettingsDep, next: Annotated[str | None, Query()] = None
) -> Response:
    return _form_page(
        request,
        settings,
        "auth/login.html",
        {"next": _safe_next(next), "email": "", "error": None, "workspace": None},
    )


@router.post("/login")
async def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    limiter: RateLimiterDep,
    email: Annotated[str, Form(max_length=320)],
    password: PasswordField,
    workspace: Annotated[str | None, Form(max_length=100)] = None,
    next: Annotated[str | None, Form(max_length=2000)] = None,
) -> Response:
    await _check_anonymous_csrf(request)
    try:
        pair = await auth.login(
            session,
            settings,
            limiter,
            email=email,
            password=password,
            workspace_slug=workspace or None,
        )
    except AppError as error:
        await _refused(session)
        context = {
            "next": _safe_next(next),
            "email": email,
            "error": error.detail,
            # Several workspaces: the form asks which one.
            "workspace": workspace or ("" if isinstance(error, Conflict) else None),
        }
        return _form_page(
            request, settings, "auth/login.html", context, status_code=error.status_code
        )
    return _logged_in(settings, pair, _safe_next(next))


@router.post("/logout")
async def logout(viewer: MemberWrite, session: SessionDep, settings: SettingsDep) -> Response:
    await auth.logout(session, viewer.principal)
    response = RedirectResponse("/login", status_code=303)
    cookies.clear_session(response, settings)
    return response


@router.get("/forgot-password")
async def forgot_password_page(request: Request, settings: SettingsDep) -> Response:
    return _form_page(request, settings, "auth/forgot.html", {"sent": False, "error": None})


@router.post("/forgot-password")
async def forgot_password(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    limiter: RateLimiterDep,
    email: Annotated[str, Form(max_length=320)],
) -> Response:
    await _check_anonymous_csrf(request)
    try:
        await auth.request_password_reset(session, settings, limiter, email=email)
    except AppError as error:
        await _refused(session)
        context = {"sent": False, "error": error.detail}
        return _form_page(
            request, settings, "auth/forgot.html", context, status_code=error.status_code
        )
    return _form_page(request, settings, "auth/forgot.html", {"sent": True, "error": None})


@router.get("/reset-password")
async def reset_password_page(
    request: Request, settings: SettingsDep, token: TokenQuery
) -> Response:
    return _form_page(
        request, settings, "auth/reset.html", {"token": token, "error": None, "done": False}
    )


@router.post("/reset-password")
async def reset_password(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    token: TokenField,
    password: PasswordField,
) -> Response:
    await _check_anonymous_csrf(request)
    try:
        await auth.reset_password(session, settings, token=token, new_password=password)
    except AppError as error:
        await _refused(session)
        context = {"token": token, "error": error.detail, "done": False}
        return _form_page(
            request, settings, "auth/reset.html", context, status_code=error.status_code
        )
    return _form_page(
        request, settings, "auth/reset.html", {"token": "", "error": None, "done": True}
    )


@router.get("/invitations/accept")
async def invitation_page(
    request: Request, session: SessionDep, settings: SettingsDep, token: TokenQuery
) -> Response:
    invitation, workspace, user = await tenancy.find_usable(session, token)
    context = {
        "token": token,
        "workspace_name": workspace.name,
        "email": invitation.email,
        "role": invitation.role.value,
        "has_account": user is not None,
        "name": "",
        "error": None,
    }
    return _form_page(request, settings, "auth/invitation.html", context)


@router.post("/invitations/accept")
async def accept_invitation(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    limiter: RateLimiterDep,
    token: TokenField,
    password: PasswordField,
    name: Annotated[str | None, Form(max_length=120)] = None,
) -> Response:
    await _check_anonymous_csrf(request)
    try:
        pair = await tenancy.accept(
            session, settings, limiter, token=token, name=name or None, password=password
        )
    except AppError as error:
        await _refused(session)
        invitation, workspace, user = await tenancy.find_usable(session, token)
        context = {
            "token": token,
            "workspace_name": workspace.name,
            "email": invitation.email,
            "role": invitation.role.value,
            "has_account": user is not None,
            "name": name or "",
            "error": error.detail,
        }
        return _form_page(
            request, settings, "auth/invitation.html", context, status_code=error.status_code
        )
    return _logged_in(settings, pair, "/app")
