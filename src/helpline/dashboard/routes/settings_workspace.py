"""Settings of the workspace itself (owners and admins): its profile and websites, business
hours, and the catalogue of labels. All of them are `PATCH /api/v1/workspace` underneath."""

import zoneinfo
from functools import cache
from typing import Annotated, Any, Final

from fastapi import APIRouter, Form, Request, Response

from helpline.core.deps import SessionDep
from helpline.core.errors import AppError
from helpline.dashboard.guards import Manager, ManagerWrite
from helpline.dashboard.pages import PageRoute
from helpline.dashboard.routes.settings_base import (
    Refusal,
    Text,
    current_settings,
    refuse,
    save_workspace,
    saved,
    settings_page,
    validated,
)
from helpline.tenancy import service as tenancy
from helpline.tenancy.schemas import (
    LABEL_COLORS,
    MAX_INTERVALS_PER_DAY,
    WEEKDAYS,
    LabelDefinition,
    WorkspaceUpdate,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)

GENERAL: Final = "/app/settings/workspace"
HOURS: Final = "/app/settings/business-hours"
LABELS: Final = "/app/settings/labels"
# The languages the widget speaks (docs/widget.md).
LOCALES: Final = (
    ("en", "English"),
    ("es", "Español"),
    ("fr", "Français"),
    ("de", "Deutsch"),
    ("ar", "العربية (Arabic)"),
)
FIELD_LABELS: Final = {
    "name": "The workspace's name",
    "timezone": "The time zone",
    "locale": "The language",
    "domains": "Website domains",
    "widget_origins": "Websites allowed to run the widget",
    "offline_message": "The offline message",
    "labels": "The labels",
    "color": "The colour",
}
Checkbox = Annotated[str | None, Form(max_length=10)]


@cache
def time_zones() -> list[str]:
    return sorted(zoneinfo.available_timezones())


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


# General: name, time zone, language, websites, automatic assignment.


async def _general(
    request: Request, session: SessionDep, viewer: Manager, refusal: Refusal | None = None
) -> Response:
    workspace = await tenancy.get_workspace(session, viewer.principal.workspace_id)
    context = {
        "workspace": workspace,
        "settings": await current_settings(session, viewer),
        "domains": await tenancy.list_domains(session, workspace),
        "time_zones": time_zones(),
        "locales": LOCALES,
    }
    return await settings_page(
        request,
        session,
        viewer,
        "settings/workspace.html",
        context,
        active="workspace",
        refusal=refusal,
    )


@router.get(GENERAL)
async def general_page(request: Request, session: SessionDep, viewer: Manager) -> Response:
    return await _general(request, session, viewer)


@router.post(GENERAL)
async def save_general(
    request: Request,
    session: SessionDep,
    viewer: ManagerWrite,
    name: Text = "",
    timezone: Text = "",
    locale: Text = "",
    domains: Text = "",
    widget_origins: Text = "",
    auto_assignment: Checkbox = None,
) -> Response:
    typed = {
        "name": name,
        "timezone": timezone,
        "locale": locale,
        "domains": domains,
        "widget_origins": widget_origins,
        "auto_assignment": auto_assignment is not None,
    }
    try:
        update = validated(
            WorkspaceUpdate,
            {
                "name": name,
                "domains": _lines(domains),
                "settings": {
                    "timezone": timezone,
                    "locale": locale,
                    "widget_origins": _lines(widget_origins),
                    "auto_assignment": auto_assignment is not None,
                },
            },
            FIELD_LABELS,
        )
        await save_workspace(session, viewer, update)
    except AppError as error:
        refusal = await refuse(session, error, "general", typed)
        return await _general(request, session, viewer, refusal)
    return saved(GENERAL)


# Business hours: per weekday up to three intervals, and the offline message.


async def _hours(
    request: Request, session: SessionDep, viewer: Manager, refusal: Refusal | None = None
) -> Response:
    settings = await current_settings(session, viewer)
    days = []
    for weekday in WEEKDAYS:
        stored = settings.business_hours.day(weekday)
        slots = []
        for index in range(MAX_INTERVALS_PER_DAY):
            interval = stored[index] if index < len(stored) else None
            slots.append(
                {
                    "start": f"{weekday}_start_{index}",
                    "end": f"{weekday}_end_{index}",
                    "stored_start": interval.start if interval else "",
                    "stored_end": interval.end if interval else "",
                }
            )
        days.append(
            {"key": weekday, "name": weekday.capitalize(), "slots": slots, "closed": not stored}
        )
    context = {"settings": settings, "days": days}
    return await settings_page(
        request, session, viewer, "settings/hours.html", context, active="hours", refusal=refusal
    )


@router.get(HOURS)
async def hours_page(request: Request, session: SessionDep, viewer: Manager) -> Response:
    return await _hours(request, session, viewer)


def _intervals(form: dict[str, str], weekday: str) -> list[dict[str, str]]:
    intervals = []
    for index in range(MAX_INTERVALS_PER_DAY):
        start = form.get(f"{weekday}_start_{index}", "").strip()
        end = form.get(f"{weekday}_end_{index}", "").strip()
        if not start and not end:
            continue
        if not start or not end:
            raise HoursIncomplete(
                f"{weekday.capitalize()}: give both the opening and the closing time of each "
                "interval, or leave both empty."
            )
        intervals.append({"start": start, "end": end})
    return intervals


class HoursIncomplete(AppError):
    status_code = 422


@router.post(HOURS)
async def save_hours(request: Request, session: SessionDep, viewer: ManagerWrite) -> Response:
    # Twenty-one optional pairs of fields: read as a whole rather than declared one by one.
    raw = await request.form()
    form = {key: value for key, value in raw.items() if isinstance(value, str)}
    typed: dict[str, Any] = {key: value[:100] for key, value in form.items()}
    typed["enabled"] = "enabled" in form
    try:
        hours: dict[str, Any] = {"enabled": "enabled" in form}
        for weekday in WEEKDAYS:
            hours[weekday] = _intervals(form, weekday)
        settings = {"business_hours": hours, "offline_message": form.get("offline_message", "")}
        update = validated(WorkspaceUpdate, {"settings": settings}, FIELD_LABELS)
        await save_workspace(session, viewer, update)
    except AppError as error:
        refusal = await refuse(session, error, "hours", typed)
        return await _hours(request, session, viewer, refusal)
    return saved(HOURS)


# Labels: the catalogue the inbox's label picker suggests.


async def _labels(
    request: Request, session: SessionDep, viewer: Manager, refusal: Refusal | None = None
) -> Response:
    settings = await current_settings(session, viewer)
    context = {"labels": settings.labels, "colors": LABEL_COLORS}
    return await settings_page(
        request, session, viewer, "settings/labels.html", context, active="labels", refusal=refusal
    )


@router.get(LABELS)
async def labels_page(request: Request, session: SessionDep, viewer: Manager) -> Response:
    return await _labels(request, session, viewer)


async def _save_labels(
    session: SessionDep, viewer: ManagerWrite, labels: list[dict[str, Any]]
) -> None:
    update = validated(WorkspaceUpdate, {"settings": {"labels": labels}}, FIELD_LABELS)
    await save_workspace(session, viewer, update)


def _catalogue(labels: list[LabelDefinition]) -> list[dict[str, Any]]:
    return [label.model_dump() for label in labels]


@router.post(LABELS)
async def add_label(
    request: Request, session: SessionDep, viewer: ManagerWrite, name: Text = "", color: Text = ""
) -> Response:
    typed = {"name": name, "color": color}
    try:
        labels = _catalogue((await current_settings(session, viewer)).labels)
        await _save_labels(session, viewer, [*labels, {"name": name, "color": color or "gray"}])
    except AppError as error:
        refusal = await refuse(session, error, "add", typed)
        return await _labels(request, session, viewer, refusal)
    return saved(LABELS, "created")


@router.post(LABELS + "/update")
async def update_label(
    request: Request,
    session: SessionDep,
    viewer: ManagerWrite,
    original: Text = "",
    name: Text = "",
    color: Text = "",
) -> Response:
    """Rename or recolour a label of the catalogue. Conversations keep the labels they have."""
    typed = {"name": name, "color": color}
    try:
        labels = _catalogue((await current_settings(session, viewer)).labels)
        index = next((i for i, label in enumerate(labels) if label["name"] == original), None)
        if index is None:
            raise LabelGone()
        labels[index] = {"name": name, "color": color or labels[index]["color"]}
        await _save_labels(session, viewer, labels)
    except AppError as error:
        refusal = await refuse(session, error, f"label-{original}", typed)
        return await _labels(request, session, viewer, refusal)
    return saved(LABELS)


class LabelGone(AppError):
    status_code = 409
    default_detail = "This label is no longer in the catalogue: someone removed or renamed it."


@router.post(LABELS + "/delete")
async def delete_label(session: SessionDep, viewer: ManagerWrite, name: Text = "") -> Response:
    """Take a label out of the catalogue; removing one that is already gone changes nothing."""
    labels = _catalogue((await current_settings(session, viewer)).labels)
    remaining = [label for label in labels if label["name"] != name]
    if len(remaining) != len(labels):
        await _save_labels(session, viewer, remaining)
    return saved(LABELS, "deleted")
