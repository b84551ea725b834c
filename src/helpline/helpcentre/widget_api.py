"""The help centre's search for the chat widget's help screen (visitor token)."""

from typing import Annotated

from fastapi import APIRouter, Query

from helpline.auth.dependencies import Visitor
from helpline.core.deps import RuntimeDep, SessionDep
from helpline.core.errors import NotAuthenticated, responses
from helpline.helpcentre import service as helpcentre
from helpline.helpcentre.schemas import HelpArticleHit, HelpFaqHit, HelpSearchRead
from helpline.knowledge.models import SourceKind
from helpline.tenancy import service as tenancy

router = APIRouter(prefix="/api/v1/widget", tags=["widget"])


@router.get("/help/search", responses=responses(NotAuthenticated))
async def search_help(
    principal: Visitor,
    session: SessionDep,
    runtime: RuntimeDep,
    q: Annotated[str, Query(min_length=1, max_length=helpcentre.MAX_QUERY_CHARS)],
) -> HelpSearchRead:
    """Your workspace's published articles (title, snippet, address in its help centre) and
    FAQ entries that answer `q`, best first, with the help centre's address."""
    workspace = await tenancy.get_workspace(session, principal.workspace_id)
    centre = helpcentre.centre_of(workspace)
    hits = await helpcentre.search(session, runtime.settings, centre, q)
    base = runtime.settings.public_url.rstrip("/")
    return HelpSearchRead(
        help_centre_url=base + centre.path,
        articles=[
            HelpArticleHit(title=hit.title, snippet=hit.snippet, url=base + hit.path)
            for hit in hits
            if hit.kind == SourceKind.article and hit.path is not None
        ],
        faqs=[
            HelpFaqHit(question=hit.title, answer=hit.snippet)
            for hit in hits
            if hit.kind == SourceKind.faq
        ],
    )
