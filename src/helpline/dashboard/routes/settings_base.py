"""What every settings page shares: the side navigation by role, the page frame, the flash
after a saved form, and the refused form shown again with its message and what was typed.

Forms post to their page (or a sub-path of it) and redirect back with `?saved=<what>`
(POST → 303 → GET). A refused form renders the page again in the POST's answer, with the
service's sentence next to that form: `Refusal(form, message, typed)`. The attempt is
rolled back first, since the unit of work would otherwise commit what it had flushed.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Final, TypeVar

from fastapi import Form, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.conversations import service as conversations
from helpline.core.errors import AppError, NotFound, Unprocessable
from helpline.dashboard.guards import SUPERVISING_ROLES, Viewer
from helpline.dashboard.templating import render
from helpline.tenancy import service as tenancy
from helpline.tenancy.models import Role
from helpline.tenancy.schemas import WorkspaceSettings, WorkspaceUpdate

M = TypeVar("M", bound=BaseModel)

# Form fields are checked by the schemas and services, which explain what is wrong; this
# bound only stops absurd payloads before they are read.
Text = Annotated[str, Form(max_length=20_000)]

MANAGERS: Final = frozenset({Role.owner, Role.admin})
EVERYONE: Final = frozenset(Role)


@dataclass(frozen=True, slots=True)
class NavItem:
    key: str
    label: str
    href: str
    roles: frozenset[Role]


@dataclass(frozen=True, slots=True)
class NavGroup:
    title: str
    items: tuple[NavItem, ...]


# Mirrors the guards of the routes: a page is listed only for the roles its guard lets in.
NAVIGATION: Final = (
    NavGroup(
        "Workspace",
        (
            NavItem("workspace", "General", "/app/settings/workspace", MANAGERS),
            NavItem("members", "Members", "/app/settings/members", MANAGERS),
            NavItem("teams", "Teams", "/app/settings/teams", SUPERVISING_ROLES),
            NavItem("hours", "Business hours", "/app/settings/business-hours", MANAGERS),
        ),
    ),
    NavGroup(
        "Conversations",
        (
            NavItem(
                "canned", "Canned responses", "/app/settings/canned-responses", SUPERVISING_ROLES
            ),
            NavItem("labels", "Labels", "/app/settings/labels", MANAGERS),
            NavItem("bot", "Bot", "/app/settings/bot", MANAGERS),
            NavItem("knowledge", "Knowledge base", "/app/settings/knowledge", MANAGERS),
            NavItem(
                "suggestions",
                "Suggested FAQ entries",
                "/app/settings/knowledge/suggestions",
                MANAGERS,
            ),
        ),
    ),
    NavGroup(
        "Chat widget",
        (
            NavItem("widget", "Appearance", "/app/settings/widget", MANAGERS),
            NavItem("identity", "Identity verification", "/app/settings/identity", MANAGERS),
        ),
    ),
    NavGroup(
        "Developers and security",
        (
            NavItem("api-keys", "API keys", "/app/settings/api-keys", MANAGERS),
            NavItem("audit", "Audit log", "/app/settings/audit", MANAGERS),
        ),
    ),
    NavGroup("Reports", (NavItem("bot-report", "Bot", "/app/reports/bot", SUPERVISING_ROLES),)),
    NavGroup("You", (NavItem("profile", "Your profile", "/app/settings/profile", EVERYONE),)),
)

FLASH: Final = {
    "1": "Your changes are saved.",
    "created": "Created.",
    "deleted": "Deleted.",
    "removed": "Removed.",
    "invited": "Invitation sent: the link in the email works once, for 7 days.",
    "revoked": "Invitation revoked: its link no longer works.",
    "approved": "Added to the FAQ: the bot answers from it now.",
    "dismissed": "Dismissed.",
    "password": "Your password is changed. Your other sessions have ended.",
    "model": "The model is saved. Test it below to see that it answers.",
}


def navigation_for(role: Role) -> list[NavGroup]:
    groups = []
    for group in NAVIGATION:
        items = tuple(item for item in group.items if role in item.roles)
        if items:
            groups.append(NavGroup(group.title, items))
    return groups


def first_page_for(role: Role) -> str:
    return navigation_for(role)[0].items[0].href


@dataclass(frozen=True, slots=True)
class Refusal:
    """A form that was not accepted: which form of the page, why, and what was typed."""

    form: str
    message: str
    typed: Mapping[str, Any] = field(default_factory=dict)
    status_code: int = 422


class FormValues:
    """`typed(form, name, stored)`: what the person typed in a refused form, else the stored
    value. Templates call it for every field, so a refusal never loses their input."""

    def __init__(self, refusal: Refusal | None) -> None:
        self.refusal = refusal

    def __call__(self, form: str, name: str, stored: Any = "") -> Any:
        if self.refusal is not None and self.refusal.form == form and name in self.refusal.typed:
            return self.refusal.typed[name]
        return stored


async def settings_page(
    request: Request,
    session: AsyncSession,
    viewer: Viewer,
    template: str,
    context: dict[str, Any],
    *,
    active: str,
    refusal: Refusal | None = None,
) -> Response:
    workspace = await tenancy.get_workspace(session, viewer.principal.workspace_id)
    saved = request.query_params.get("saved")
    frame = {
        "viewer": viewer,
        "csrf": viewer.csrf,
        "role": viewer.principal.role.value,
        "workspace_name": workspace.name,
        "navigation": navigation_for(viewer.principal.role),
        "active": active,
        "flash": FLASH.get(saved, FLASH["1"]) if saved and refusal is None else None,
        "refusal": refusal,
        "typed": FormValues(refusal),
    }
    status_code = refusal.status_code if refusal is not None else 200
    return render(request, template, {**frame, **context}, status_code=status_code)


def saved(path: str, what: str = "1") -> Response:
    """The answer to an accepted form: back to the page, which says it was saved."""
    return RedirectResponse(f"{path}?saved={what}", status_code=303)


async def refuse(
    session: AsyncSession, error: AppError, form: str, typed: Mapping[str, Any]
) -> Refusal:
    """Undo the attempt and describe it for the page. NotFound is not a form's fault (an id
    that is missing or another workspace's): it goes on to be the same 404 page as ever."""
    if isinstance(error, NotFound):
        raise error
    await session.rollback()
    return Refusal(form, error.detail, dict(typed), error.status_code)


class InvalidInput(Unprocessable):
    default_detail = "Some of the values are not valid."


def validated(model: type[M], data: Mapping[str, Any], labels: Mapping[str, str]) -> M:
    """`model` built from form values, or InvalidInput with one sentence a person can act on."""
    try:
        return model.model_validate(dict(data))
    except ValidationError as invalid:
        raise InvalidInput(_sentence(invalid.errors()[0], labels)) from None


def _sentence(error: ErrorDetails, labels: Mapping[str, str]) -> str:
    names = [str(part) for part in error["loc"] if isinstance(part, str)]
    field_name = next((labels[n] for n in reversed(names) if n in labels), None)
    label = field_name or (names[-1].replace("_", " ").capitalize() if names else "A value")
    context = error.get("ctx") or {}
    kind = error["type"]
    if kind == "value_error":
        message = error["msg"].removeprefix("Value error, ")
        text = message[:1].upper() + message[1:]
    elif kind in {"string_too_short", "missing"}:
        text = f"{label} is required."
    elif kind == "string_too_long":
        text = f"{label} has at most {context.get('max_length')} characters."
    elif kind == "too_long":
        text = f"{label} holds at most {context.get('max_length')} entries."
    elif kind in {"int_parsing", "int_type"}:
        text = f"{label} must be a whole number."
    elif kind in {"greater_than_equal", "less_than_equal"}:
        text = f"{label}: {error['msg'].lower()}."
    elif kind in {"enum", "literal_error"}:
        text = f"{label} must be {context.get('expected', 'one of the choices')}."
    else:
        text = f"{label} is not valid: {error['msg']}."
    return text if text.endswith((".", "?", "!")) else text + "."


async def current_settings(session: AsyncSession, viewer: Viewer) -> WorkspaceSettings:
    workspace = await tenancy.get_workspace(session, viewer.principal.workspace_id)
    return WorkspaceSettings.model_validate(workspace.settings)


async def save_workspace(session: AsyncSession, viewer: Viewer, update: WorkspaceUpdate) -> None:
    """What `PATCH /api/v1/workspace` does (tenancy/api.py)."""
    workspace = await tenancy.get_workspace(session, viewer.principal.workspace_id)
    changes = update.model_dump(exclude_unset=True)
    await conversations.update_workspace(session, viewer.principal, workspace, changes=changes)
