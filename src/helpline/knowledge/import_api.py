"""Importing into the knowledge base (docs/knowledge.md, "Imports"): owners, admins and API
keys with knowledge:write upload a zip or folder's worth of markdown, a CSV of FAQ entries,
or HTML pages, and get back what was created and updated (or would be, in a dry run)."""

from typing import Annotated, Final

from fastapi import APIRouter, Depends, File, Form, UploadFile

from helpline.auth.dependencies import WorkspaceAuth
from helpline.auth.principals import MANAGER_ROLES, ApiKeyPrincipal, MemberPrincipal, Scope
from helpline.core.deps import SessionDep
from helpline.core.errors import ErrorBody, responses
from helpline.knowledge.importing import apply, parse
from helpline.knowledge.importing.plan import (
    MAX_UPLOAD_BYTES,
    ImportInvalid,
    ImportKind,
    ImportTooLarge,
)
from helpline.knowledge.importing.schemas import ImportProblem, ImportSummary

router = APIRouter(prefix="/api/v1/knowledge", tags=["knowledge"])

KnowledgeWriter = Annotated[
    MemberPrincipal | ApiKeyPrincipal,
    Depends(WorkspaceAuth(MANAGER_ROLES, Scope.knowledge_write)),
]

_FILE: Final = (
    "A .zip of markdown (.md) or HTML files (sub-folders name collections), one .md or "
    ".html file, or a .csv of FAQ entries (columns question, answer, phrasings, tags, "
    "published)."
)
_KIND: Final = (
    "What the file holds; left out, it is told by the file's extension (a zip: markdown)."
)


class ImportInvalidBody(ErrorBody):
    # Every problem, by file ("guides/refunds.md") or CSV row ("row 7").
    errors: list[ImportProblem]


IMPORT_ERRORS: Final = {
    **responses(ImportTooLarge),
    ImportInvalid.status_code: {
        "model": ImportInvalidBody,
        "description": ImportInvalid.default_detail,
    },
}


async def read_upload(file: UploadFile) -> bytes:
    """The upload's bytes, read no further than the limit (ImportTooLarge past it)."""
    data = await file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise parse.too_large()
    return data


@router.post("/imports", responses=IMPORT_ERRORS)
async def import_knowledge(
    file: Annotated[UploadFile, File(description=_FILE)],
    principal: KnowledgeWriter,
    session: SessionDep,
    kind: Annotated[ImportKind | None, Form(description=_KIND)] = None,
    publish: Annotated[bool, Form(description="Publish what the files do not say.")] = False,
    dry_run: Annotated[bool, Form(description="Only say what would be done.")] = False,
) -> ImportSummary:
    """Import articles or FAQ entries, all or nothing: 422 with every problem (by file or
    row) when anything is wrong, and nothing written. Importing the same files again
    updates articles (by slug) and FAQ entries (by question) instead of duplicating."""
    filename = file.filename or ""
    data = await read_upload(file)
    plan = parse.plan_upload(kind or parse.kind_of(filename), filename, data, publish=publish)
    return await apply.run_import(session, principal, principal.workspace_id, plan, dry_run=dry_run)
