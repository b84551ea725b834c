"""A workspace's choice of language model: read, changed (REST and the dashboard both come
here), turned into the endpoint its clients call, and tested."""

import time
import uuid
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.audit import service as audit
from helpline.auth.principals import Principal
from helpline.bot.llm import completion_text, post_chat
from helpline.core import encryption
from helpline.core.errors import Unprocessable
from helpline.llm import addresses
from helpline.llm.endpoint import LLMEndpoint, LLMError, platform_endpoint
from helpline.llm.models import LLMConfig, LLMSource
from helpline.llm.repository import LLMConfigRepository
from helpline.llm.schemas import InUse, LLMConfigRead, LLMConfigUpdate, LLMTestRead
from helpline.settings import Settings

# Sealed keys are bound to this use (core/encryption.py).
KEY_PURPOSE: Final = "llm-api-key"
UNREADABLE_KEY: Final = (
    "The workspace's LLM API key cannot be read: HELPLINE_SECRET_KEY changed since it was "
    "saved. Enter the key again in the bot's settings."
)
# The connection test's request: as small as a completion can be.
_TEST_PROMPT: Final = "Reply with the single word OK."
_TEST_MAX_TOKENS: Final = 5
# What the workspace's own endpoint cannot go without, in words.
_NEEDED: Final = {"base_url": "its address (base_url)", "model": "the model's name (model)"}


async def read_config(
    session: AsyncSession, settings: Settings, workspace_id: uuid.UUID
) -> LLMConfigRead:
    config = await LLMConfigRepository(session, workspace_id=workspace_id).current()
    return _read(settings, config)


async def update_config(
    session: AsyncSession,
    settings: Settings,
    actor: Principal,
    workspace_id: uuid.UUID,
    update: LLMConfigUpdate,
) -> LLMConfigRead:
    """Apply the fields sent (Unprocessable, with what to change, when the result could not be
    called); audited as `bot.model_updated` with the names changed, never the key."""
    changes = update.model_dump(exclude_unset=True, exclude_none=True)
    repository = LLMConfigRepository(session, workspace_id=workspace_id)
    config = await repository.current() or repository.add(
        LLMConfig(workspace_id=workspace_id, source=LLMSource.platform)
    )
    if update.base_url is not None:
        config.base_url = _checked_url(settings, update.base_url)
    if update.model is not None:
        config.model = update.model
    if update.api_key is not None:
        key = update.api_key.get_secret_value()
        config.sealed_api_key = encryption.seal(settings, KEY_PURPOSE, key) if key else ""
    if update.source is not None:
        config.source = update.source
    if config.source == LLMSource.workspace:
        _require_endpoint(settings, config)
    await session.flush()
    audit.record(
        session,
        actor,
        workspace_id=workspace_id,
        action="bot.model_updated",
        target_type="workspace",
        target_id=workspace_id,
        data={"changed": sorted(changes), "source": config.source.value},
    )
    return _read(settings, config)


async def endpoint_for(
    session: AsyncSession, settings: Settings, workspace_id: uuid.UUID
) -> LLMEndpoint | None:
    """The model the workspace's bot, assist and staff assistant call, or None: offline."""
    config = await LLMConfigRepository(session, workspace_id=workspace_id).current()
    return _endpoint_of(settings, config)


async def model_in_use(
    session: AsyncSession, settings: Settings, workspace_id: uuid.UUID
) -> tuple[LLMEndpoint | None, InUse]:
    """The endpoint_for the workspace and what it is, from one read: for the connection test."""
    config = await LLMConfigRepository(session, workspace_id=workspace_id).current()
    return _endpoint_of(settings, config), _read(settings, config).in_use


def _endpoint_of(settings: Settings, config: LLMConfig | None) -> LLMEndpoint | None:
    source = config.source if config is not None else LLMSource.platform
    if source == LLMSource.offline:
        return None
    if config is None or source == LLMSource.platform:
        return platform_endpoint(settings)
    key, problem = _api_key(settings, config)
    return LLMEndpoint(
        base_url=config.base_url,
        model=config.model,
        api_key=key,
        timeout_s=settings.llm_timeout.total_seconds(),
        guarded=not settings.llm_allow_private_urls,
        problem=problem,
    )


async def test_endpoint(endpoint: LLMEndpoint | None, in_use: InUse) -> LLMTestRead:
    """One short completion from `endpoint`, timed; what went wrong, in words, if it failed."""
    if endpoint is None:
        return LLMTestRead(
            ok=True,
            in_use=in_use,
            model="",
            latency_ms=None,
            detail="No model is in use: the bot answers with the knowledge base's own words.",
        )
    payload = {
        "model": endpoint.model,
        "temperature": 0,
        "stream": False,
        "max_tokens": _TEST_MAX_TOKENS,
        "messages": [{"role": "user", "content": _TEST_PROMPT}],
    }
    started = time.perf_counter()
    try:
        completion_text(await post_chat(endpoint, payload))
    except LLMError as exc:
        return LLMTestRead(
            ok=False, in_use=in_use, model=endpoint.model, latency_ms=None, detail=str(exc)
        )
    latency_ms = round((time.perf_counter() - started) * 1000)
    return LLMTestRead(
        ok=True, in_use=in_use, model=endpoint.model, latency_ms=latency_ms, detail=""
    )


def in_use(settings: Settings, source: LLMSource) -> InUse:
    if source == LLMSource.workspace:
        return "workspace"
    if source == LLMSource.platform and settings.llm_base_url:
        return "platform"
    return "offline"


def _read(settings: Settings, config: LLMConfig | None) -> LLMConfigRead:
    source = config.source if config is not None else LLMSource.platform
    sealed = config.sealed_api_key if config is not None else ""
    readable = config is None or not _api_key(settings, config)[1]
    return LLMConfigRead(
        source=source,
        base_url=config.base_url if config is not None else "",
        model=config.model if config is not None else "",
        api_key_set=bool(sealed),
        api_key_readable=readable,
        platform_model=settings.llm_model if settings.llm_base_url else "",
        in_use=in_use(settings, source),
    )


def _api_key(settings: Settings, config: LLMConfig) -> tuple[str, str]:
    """The workspace's key in clear ("": none) and the problem reading it ("": none)."""
    if not config.sealed_api_key:
        return "", ""
    try:
        return encryption.unseal(settings, KEY_PURPOSE, config.sealed_api_key), ""
    except encryption.Unreadable:
        return "", UNREADABLE_KEY


def _checked_url(settings: Settings, raw: str) -> str:
    if not raw.strip():
        return ""
    try:
        return addresses.checked_url(raw, allow_private=settings.llm_allow_private_urls)
    except addresses.RefusedAddress as exc:
        raise Unprocessable(str(exc)) from exc


def _require_endpoint(settings: Settings, config: LLMConfig) -> None:
    missing = [label for name, label in _NEEDED.items() if not getattr(config, name)]
    if missing:
        raise Unprocessable(
            f"Your own model needs {' and '.join(missing)}: fill them in, or choose the "
            "platform's default or no model."
        )
    # A stored address is checked again: the operator may have disallowed private ones since.
    _checked_url(settings, config.base_url)
