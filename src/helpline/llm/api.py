"""`/api/v1/bot/model`: which language model the workspace uses, for owners and admins (the
address and the model are infrastructure, and the key is theirs to pay for)."""

from typing import Annotated

from fastapi import APIRouter, Depends

from helpline.auth.dependencies import WorkspaceAuth
from helpline.auth.principals import MANAGER_ROLES, ApiKeyPrincipal, MemberPrincipal, Scope
from helpline.core.deps import RuntimeDep, SessionDep
from helpline.core.errors import PermissionDenied, Unprocessable, responses
from helpline.llm import service as llm
from helpline.llm.schemas import LLMConfigRead, LLMConfigUpdate, LLMTestRead

router = APIRouter(prefix="/api/v1/bot/model", tags=["bot"])

Principal = MemberPrincipal | ApiKeyPrincipal
ModelReader = Annotated[Principal, Depends(WorkspaceAuth(MANAGER_ROLES, Scope.workspace_read))]
ModelWriter = Annotated[Principal, Depends(WorkspaceAuth(MANAGER_ROLES, Scope.workspace_write))]


@router.get("")
async def get_model(
    principal: ModelReader, session: SessionDep, runtime: RuntimeDep
) -> LLMConfigRead:
    """The model in use: the platform's default, the workspace's own endpoint, or none. The
    API key is never shown, only whether one is set."""
    return await llm.read_config(session, runtime.settings, principal.workspace_id)


@router.patch("", responses=responses(PermissionDenied, Unprocessable))
async def update_model(
    body: LLMConfigUpdate, principal: ModelWriter, session: SessionDep, runtime: RuntimeDep
) -> LLMConfigRead:
    """Choose the model; only the fields sent change. The key is stored encrypted; `""`
    removes it. A workspace's own address must be a public https host unless the platform
    allows private ones (HELPLINE_LLM_ALLOW_PRIVATE_URLS)."""
    return await llm.update_config(
        session, runtime.settings, principal, principal.workspace_id, body
    )


@router.post("/test", responses=responses(PermissionDenied))
async def test_model(
    principal: ModelWriter, session: SessionDep, runtime: RuntimeDep
) -> LLMTestRead:
    """Ask the model in use for one short answer, as the bot would, and say how it went."""
    endpoint, in_use = await llm.model_in_use(session, runtime.settings, principal.workspace_id)
    # The request's transaction ends before the model is called (docs/bot.md, Transactions).
    await session.commit()
    return await llm.test_endpoint(endpoint, in_use)
