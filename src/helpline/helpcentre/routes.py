"""The public help centre: server-rendered pages per workspace at /help/<workspace slug>/.

Public by design (listed in the page sweep's PUBLIC_PAGES): anyone may read what a workspace
published, nothing else. Unknown workspaces, collections and articles, drafts and another
workspace's content are the same plain 404 page. The one write, "Was this helpful?", is a
plain form post, refused from other sites, bounded in size and rate-limited per address.
"""

from collections.abc import Callable, Coroutine
from typing import Annotated, Any, Final
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from sqlalchemy.ext.asyncio import AsyncSession
from typing_extensions import override

from helpline.core.context import current_origin
from helpline.core.deps import RateLimiterDep, RuntimeDep, SessionDep
from helpline.core.errors import AppError, NotFound, PermissionDenied, RateLimited, Unprocessable
from helpline.helpcentre import markdown, rendering
from helpline.helpcentre import service as helpcentre
from helpline.helpcentre.service import Centre
from helpline.knowledge import feedback

Handler = Callable[[Request], Coroutine[Any, Any, Response]]

# The feedback form sends "helpful=yes" or "helpful=no": anything much longer is not it.
MAX_FEEDBACK_BYTES: Final = 256
# Per address: a reader answers once or twice per article; a script gets a few answers in.
FEEDBACK_PER_ARTICLE: Final = 5
FEEDBACK_PER_ADDRESS: Final = 60
FEEDBACK_WINDOW_S: Final = 3600


class PageNotFound(NotFound):
    default_detail = "There is no such page in this help centre."


class InvalidAddress(Unprocessable):
    default_detail = "This address is not valid: its search is too long, or a part is wrong."


class CrossSiteFeedback(PermissionDenied):
    default_detail = "Feedback is only taken from the help centre's own pages."


class FeedbackTooLarge(AppError):
    status_code = 413
    default_detail = "This is not a feedback form's answer: it is too large."


class InvalidFeedback(Unprocessable):
    default_detail = "Answer the question with yes or no."


class HelpPageRoute(APIRoute):
    """Errors raised by a page become a plain HTML page with the same strict headers."""

    @override
    def get_route_handler(self) -> Handler:
        handle = super().get_route_handler()

        async def page(request: Request) -> Response:
            try:
                return await handle(request)
            except AppError as error:
                return _error_page(request, error)
            except RequestValidationError:
                return _error_page(request, InvalidAddress())

        return page


def _error_page(request: Request, error: AppError) -> Response:
    response = rendering.render(
        request,
        "not_found.html",
        {"status": error.status_code, "detail": error.detail},
        colour=helpcentre.DEFAULT_COLOUR,
        status_code=error.status_code,
        cache_control="no-store",
    )
    response.headers.update(error.headers)
    return response


router = APIRouter(route_class=HelpPageRoute, include_in_schema=False)


async def _centre(session: AsyncSession, workspace_slug: str) -> Centre:
    centre = await helpcentre.find_centre(session, workspace_slug)
    if centre is None:
        raise PageNotFound()
    return centre


def _page(
    request: Request,
    centre: Centre,
    template: str,
    context: dict[str, Any],
    *,
    locale: str,
    canonical: str | None,
) -> Response:
    lang, text_direction = rendering.direction(locale)
    settings = request.app.state.runtime.settings
    full = {
        "centre": centre,
        "lang": lang,
        "dir": text_direction,
        "canonical": settings.public_url.rstrip("/") + canonical if canonical else None,
        **context,
    }
    return rendering.render(request, template, full, colour=centre.colour)


@router.get("/help/{workspace_slug}/")
async def home(request: Request, session: SessionDep, workspace_slug: str) -> Response:
    centre = await _centre(session, workspace_slug)
    sections = await helpcentre.sections(session, centre)
    return _page(
        request,
        centre,
        "home.html",
        {"sections": sections},
        locale=centre.locale,
        canonical=centre.path,
    )


@router.get("/help/{workspace_slug}/collections/{collection_slug}")
async def collection(
    request: Request, session: SessionDep, workspace_slug: str, collection_slug: str
) -> Response:
    centre = await _centre(session, workspace_slug)
    section = await helpcentre.collection_section(session, centre, collection_slug)
    if section is None or section.collection is None:
        raise PageNotFound()
    return _page(
        request,
        centre,
        "collection.html",
        {"section": section},
        locale=section.collection.locale,
        canonical=centre.collection_path(collection_slug),
    )


@router.get("/help/{workspace_slug}/articles/{article_slug}")
async def article(
    request: Request,
    session: SessionDep,
    workspace_slug: str,
    article_slug: str,
    feedback_given: Annotated[str | None, Query(alias="feedback", max_length=10)] = None,
) -> Response:
    centre = await _centre(session, workspace_slug)
    found = await helpcentre.published_article(session, centre, article_slug)
    if found is None:
        raise PageNotFound()
    shown, collection_of = found
    context = {
        "article": shown,
        "collection": collection_of,
        "body": markdown.render(shown.body),
        "description": helpcentre.description_of(shown),
        "thanked": feedback_given == "thanks",
    }
    return _page(
        request,
        centre,
        "article.html",
        context,
        locale=shown.locale,
        canonical=centre.article_path(shown.slug),
    )


@router.get("/help/{workspace_slug}/search")
async def search(
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    workspace_slug: str,
    q: Annotated[str, Query(max_length=helpcentre.MAX_QUERY_CHARS)] = "",
) -> Response:
    centre = await _centre(session, workspace_slug)
    hits = await helpcentre.search(session, runtime.settings, centre, q)
    context = {"query": q.strip(), "hits": hits}
    return _page(request, centre, "search.html", context, locale=centre.locale, canonical=None)


@router.get("/help/{workspace_slug}/sitemap.xml")
async def sitemap(
    request: Request, session: SessionDep, runtime: RuntimeDep, workspace_slug: str
) -> Response:
    centre = await _centre(session, workspace_slug)
    entries = await helpcentre.sitemap_entries(session, centre)
    context = {
        "centre": centre,
        "entries": entries,
        "base": runtime.settings.public_url.rstrip("/"),
    }
    return rendering.render(
        request, "sitemap.xml", context, colour=centre.colour, media_type="application/xml"
    )


@router.post("/help/{workspace_slug}/articles/{article_slug}/feedback")
async def give_feedback(
    request: Request,
    session: SessionDep,
    limiter: RateLimiterDep,
    workspace_slug: str,
    article_slug: str,
) -> Response:
    _require_same_origin(request)
    helpful = _answer(await _small_form(request))
    centre = await _centre(session, workspace_slug)
    found = await helpcentre.published_article(session, centre, article_slug)
    if found is None:
        raise PageNotFound()
    shown, _ = found
    address = current_origin().ip or "unknown"
    for key, limit in (
        (f"helpcentre-feedback:{address}:{shown.id}", FEEDBACK_PER_ARTICLE),
        (f"helpcentre-feedback:{address}", FEEDBACK_PER_ADDRESS),
    ):
        wait_s = await limiter.hit(key, limit=limit, window_s=FEEDBACK_WINDOW_S)
        if wait_s is not None:
            raise RateLimited(wait_s)
    await feedback.record_feedback(session, shown, helpful=helpful)
    target = f"{centre.article_path(shown.slug)}?feedback=thanks#feedback"
    return RedirectResponse(target, status_code=303, headers={"Cache-Control": "no-store"})


def _require_same_origin(request: Request) -> None:
    """Browsers send Origin with every form post (Referer when an old one does not): it must
    be this server. A post with neither is not from our form."""
    sent = request.headers.get("origin") or request.headers.get("referer") or ""
    ours = {
        request.headers.get("host"),
        urlsplit(request.app.state.runtime.settings.public_url).netloc,
    }
    if not sent or sent == "null" or urlsplit(sent).netloc not in ours:
        raise CrossSiteFeedback()


async def _small_form(request: Request) -> dict[str, list[str]]:
    """The url-encoded form, read only up to MAX_FEEDBACK_BYTES (FeedbackTooLarge past it)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_FEEDBACK_BYTES:
        raise FeedbackTooLarge()
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FEEDBACK_BYTES:
            raise FeedbackTooLarge()
    return parse_qs(body.decode("utf-8", errors="replace"))


def _answer(form: dict[str, list[str]]) -> bool:
    values = form.get("helpful", [])
    if values not in (["yes"], ["no"]):
        raise InvalidFeedback()
    return values == ["yes"]
