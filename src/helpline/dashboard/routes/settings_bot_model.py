"""The language model section of the bot's page (owners and admins): which model answers,
saved through the same service as `PATCH /api/v1/bot/model`, and a test of it, as
`POST /api/v1/bot/model/test` does."""

from typing import Annotated, Any, Final

from fastapi import APIRouter, Form, Request, Response

from helpline.core.deps import RuntimeDep, SessionDep
from helpline.core.errors import AppError
from helpline.dashboard.guards import ManagerWrite
from helpline.dashboard.pages import PageRoute
from helpline.dashboard.routes.settings_base import Text, refuse, saved, validated
from helpline.dashboard.routes.settings_bot import PAGE, bot_settings_page
from helpline.llm import service as llm
from helpline.llm.schemas import LLMConfigUpdate

router = APIRouter(route_class=PageRoute, include_in_schema=False)

MODEL_PAGE: Final = f"{PAGE}/model"
FORM: Final = "bot_model"
FIELD_LABELS: Final = {
    "source": "The model",
    "base_url": "The address",
    "model": "The model's name",
    "api_key": "The API key",
}
Checkbox = Annotated[str | None, Form(max_length=10)]


@router.post(MODEL_PAGE)
async def save_model(
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    viewer: ManagerWrite,
    source: Text = "",
    base_url: Text = "",
    model: Text = "",
    api_key: Text = "",
    remove_api_key: Checkbox = None,
) -> Response:
    # The key is never shown again, so its field comes back empty: empty keeps the stored
    # key; the checkbox removes it.
    typed: dict[str, Any] = {"source": source, "base_url": base_url, "model": model}
    chosen: dict[str, Any] = dict(typed)
    if remove_api_key is not None:
        chosen["api_key"] = ""
    elif api_key.strip():
        chosen["api_key"] = api_key.strip()
    try:
        update = validated(LLMConfigUpdate, chosen, FIELD_LABELS)
        await llm.update_config(
            session, runtime.settings, viewer.principal, viewer.principal.workspace_id, update
        )
    except AppError as error:
        refusal = await refuse(session, error, FORM, typed)
        return await bot_settings_page(request, session, runtime, viewer, refusal)
    return saved(PAGE, "model")


@router.post(f"{MODEL_PAGE}/test")
async def test_model(
    request: Request, session: SessionDep, runtime: RuntimeDep, viewer: ManagerWrite
) -> Response:
    endpoint, in_use = await llm.model_in_use(
        session, runtime.settings, viewer.principal.workspace_id
    )
    # No transaction stays open while the model answers (docs/bot.md, Transactions).
    await session.commit()
    outcome = await llm.test_endpoint(endpoint, in_use)
    return await bot_settings_page(request, session, runtime, viewer, model_test=outcome)
