"""The bot's settings page (owners and admins): its profile, messages, escalation rules and
allowed actions, saved through the same service as `PATCH /api/v1/bot/settings`. Its
language model section is saved by settings_bot_model.py."""

from typing import Annotated, Any, Final

from fastapi import APIRouter, Form, Request, Response

from helpline.bot import service as bot
from helpline.bot.schemas import BotSettingsUpdate
from helpline.bot.settings import MAX_KEYWORD_CHARS, MAX_KEYWORDS, BotAction
from helpline.core.deps import RuntimeDep, SessionDep
from helpline.core.errors import AppError
from helpline.dashboard.guards import Manager, ManagerWrite
from helpline.dashboard.pages import PageRoute
from helpline.dashboard.routes.settings_base import (
    Refusal,
    Text,
    current_settings,
    refuse,
    saved,
    settings_page,
    validated,
)
from helpline.llm import service as llm
from helpline.llm.schemas import LLMTestRead
from helpline.tenancy import service as tenancy

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PAGE: Final = "/app/settings/bot"
FORM: Final = "bot"
FIELD_LABELS: Final = {
    "name": "The bot's name",
    "persona": "The persona",
    "welcome_message": "The welcome message",
    "fallback_message": "The fallback message",
    "handoff_message": "The hand-off message",
    "language": "The language",
    "escalation_keywords": "The keywords",
    "confidence_threshold": "The confidence threshold",
    "unhelpful_limit": "Unhelpful answers in a row",
    "sentiment_threshold": "The sentiment threshold",
    "allowed_actions": "The allowed actions",
}
Checkbox = Annotated[str | None, Form(max_length=10)]


async def bot_settings_page(
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    viewer: Manager,
    refusal: Refusal | None = None,
    model_test: LLMTestRead | None = None,
) -> Response:
    """The page, with a refused form's values and message, or a model test's outcome."""
    workspace = await tenancy.get_workspace(session, viewer.principal.workspace_id)
    context = {
        "bot": bot.bot_settings(workspace),
        "model": await llm.read_config(session, runtime.settings, workspace.id),
        "model_test": model_test,
        "private_models_allowed": runtime.settings.llm_allow_private_urls,
        "hours": (await current_settings(session, viewer)).business_hours,
        "max_keywords": MAX_KEYWORDS,
        "max_keyword_chars": MAX_KEYWORD_CHARS,
    }
    return await settings_page(
        request, session, viewer, "settings/bot.html", context, active="bot", refusal=refusal
    )


@router.get(PAGE)
async def bot_page(
    request: Request, session: SessionDep, runtime: RuntimeDep, viewer: Manager
) -> Response:
    return await bot_settings_page(request, session, runtime, viewer)


@router.post(PAGE)
async def save_bot(
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    viewer: ManagerWrite,
    enabled: Checkbox = None,
    name: Text = "",
    persona: Text = "",
    welcome_message: Text = "",
    fallback_message: Text = "",
    handoff_message: Text = "",
    language: Text = "",
    escalation_keywords: Text = "",
    handoff_on_request: Checkbox = None,
    confidence_threshold: Text = "",
    unhelpful_limit: Text = "",
    negative_sentiment: Checkbox = None,
    sentiment_threshold: Text = "",
    action_hand_off: Checkbox = None,
    action_capture_email: Checkbox = None,
) -> Response:
    typed: dict[str, Any] = {
        "enabled": enabled is not None,
        "name": name,
        "persona": persona,
        "welcome_message": welcome_message,
        "fallback_message": fallback_message,
        "handoff_message": handoff_message,
        "language": language,
        "escalation_keywords": escalation_keywords,
        "handoff_on_request": handoff_on_request is not None,
        "confidence_threshold": confidence_threshold,
        "unhelpful_limit": unhelpful_limit,
        "negative_sentiment": negative_sentiment is not None,
        "sentiment_threshold": sentiment_threshold,
        "action_hand_off": action_hand_off is not None,
        "action_capture_email": action_capture_email is not None,
    }
    actions = [
        action
        for action, on in (
            (BotAction.hand_off, action_hand_off),
            (BotAction.capture_email, action_capture_email),
        )
        if on is not None
    ]
    chosen = {
        **{k: v for k, v in typed.items() if not k.startswith("action_")},
        # One keyword or phrase a line.
        "escalation_keywords": escalation_keywords.splitlines(),
        "allowed_actions": actions,
    }
    try:
        update = validated(BotSettingsUpdate, chosen, FIELD_LABELS)
        workspace = await tenancy.get_workspace(session, viewer.principal.workspace_id)
        bot.update_bot_settings(session, viewer.principal, workspace, update)
    except AppError as error:
        refusal = await refuse(session, error, FORM, typed)
        return await bot_settings_page(request, session, runtime, viewer, refusal)
    return saved(PAGE)
