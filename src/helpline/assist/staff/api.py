"""The staff assistant over REST: for members of every role, in the dashboard (not for API
keys: its tools are chosen by a person's role)."""

from fastapi import APIRouter

from helpline.assist.staff import service as staff_assistant
from helpline.assist.staff.llm import tool_calling_llm
from helpline.assist.staff.schemas import AssistantQuestion, StaffAnswer
from helpline.assist.staff.tools import ToolContext, tools_for
from helpline.auth.dependencies import AnyMember
from helpline.core.deps import RuntimeDep, SessionDep
from helpline.core.errors import responses
from helpline.knowledge import embeddings
from helpline.llm import service as llm_config

router = APIRouter(prefix="/api/v1", tags=["agent assist"])


@router.post("/assistant", responses=responses(staff_assistant.StaffAssistantUnavailable))
async def ask_assistant(
    body: AssistantQuestion, principal: AnyMember, session: SessionDep, runtime: RuntimeDep
) -> StaffAnswer:
    """An answer to your question from the tools your role is offered: every member may
    search the knowledge base; owners and admins may also read the workspace's figures."""
    settings = runtime.settings
    endpoint = await llm_config.endpoint_for(session, settings, principal.workspace_id)
    # The request's transaction (the credential check) ends before the model is called: each
    # tool reads in a short unit of work of its own (docs/bot.md, Transactions).
    await session.commit()
    context = ToolContext(
        workspace_id=principal.workspace_id,
        sessionmaker=runtime.sessionmaker,
        embedder=embeddings.for_answers(settings),
    )
    tools = tools_for(principal.role, context)
    return await staff_assistant.ask(body.question, tools, tool_calling_llm(endpoint))
