"""Importing into the knowledge base (owners and admins): upload a zip of markdown or HTML,
a CSV of FAQ entries or one page, and see what was (or, in a dry run, would be) created and
updated, or every problem that stopped it. The same reading and service as POST
/api/v1/knowledge/imports (knowledge/importing)."""

from typing import Annotated, Final

from fastapi import APIRouter, File, Form, Request, Response, UploadFile
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.core.deps import SessionDep
from helpline.core.errors import AppError
from helpline.dashboard.guards import Manager, ManagerWrite, Viewer
from helpline.dashboard.pages import PageRoute
from helpline.dashboard.routes.settings_base import InvalidInput, Refusal, refuse, settings_page
from helpline.knowledge.importing import apply, parse
from helpline.knowledge.importing.plan import MAX_UPLOAD_BYTES, ImportInvalid, ImportKind
from helpline.knowledge.importing.schemas import ImportProblem, ImportSummary

router = APIRouter(route_class=PageRoute, include_in_schema=False)

IMPORT: Final = "/app/settings/knowledge/import"
FORM: Final = "import"
Choice = Annotated[str, Form(max_length=20)]
KINDS: Final = (
    ("", "Tell from the file's name"),
    (ImportKind.markdown.value, "Markdown articles (.md, or a .zip of them)"),
    (ImportKind.html.value, "HTML pages (.html, or a .zip of them)"),
    (ImportKind.csv.value, "FAQ entries (.csv)"),
)


async def _page(
    request: Request,
    session: AsyncSession,
    viewer: Viewer,
    *,
    summary: ImportSummary | None = None,
    errors: list[ImportProblem] | None = None,
    refusal: Refusal | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "kinds": KINDS,
        "summary": summary,
        "errors": errors or [],
        "max_mb": MAX_UPLOAD_BYTES // (1024 * 1024),
        "tab": "import",
    }
    response = await settings_page(
        request,
        session,
        viewer,
        "settings/knowledge_import.html",
        context,
        active="knowledge",
        refusal=refusal,
    )
    if refusal is None:
        response.status_code = status_code
    return response


@router.get(IMPORT)
async def import_page(request: Request, session: SessionDep, viewer: Manager) -> Response:
    return await _page(request, session, viewer)


def _kind(chosen: str, filename: str) -> ImportKind:
    if not chosen:
        return parse.kind_of(filename)
    try:
        return ImportKind(chosen)
    except ValueError:
        raise InvalidInput("Choose what the file holds: markdown, HTML or CSV.") from None


@router.post(IMPORT)
async def run_import(
    request: Request,
    session: SessionDep,
    viewer: ManagerWrite,
    file: Annotated[UploadFile | None, File()] = None,
    kind: Choice = "",
    publish: Choice = "",
    dry_run: Choice = "",
) -> Response:
    typed = {"kind": kind, "publish": bool(publish), "dry_run": bool(dry_run)}
    try:
        if file is None or not file.filename:
            raise InvalidInput("Choose a file to import.")
        data = await file.read(MAX_UPLOAD_BYTES + 1)
        if len(data) > MAX_UPLOAD_BYTES:
            raise parse.too_large()
        plan = parse.plan_upload(
            _kind(kind, file.filename), file.filename, data, publish=bool(publish)
        )
        summary = await apply.run_import(
            session,
            viewer.principal,
            viewer.principal.workspace_id,
            plan,
            dry_run=bool(dry_run),
        )
    except ImportInvalid as invalid:
        # Whatever was written before the problem was met goes (all or nothing).
        await session.rollback()
        errors = apply.problems_of(invalid)
        return await _page(request, session, viewer, errors=errors, status_code=422)
    except AppError as error:
        refusal = await refuse(session, error, FORM, typed)
        return await _page(request, session, viewer, refusal=refusal)
    return await _page(request, session, viewer, summary=summary)
