"""Attachments, for agents and API keys: uploading a file to a conversation, and
downloading one. Who sees a conversation sees its files (access_attachment)."""

import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Final

from fastapi import APIRouter, Depends, File, UploadFile, status
from fastapi.responses import StreamingResponse

from helpline.auth.dependencies import WorkspaceAuth
from helpline.auth.principals import ALL_ROLES, ApiKeyPrincipal, MemberPrincipal, Scope
from helpline.conversations import service as conversations
from helpline.conversations.access import access_attachment, access_conversation
from helpline.conversations.schemas import AttachmentRead
from helpline.core.deps import RuntimeDep, SessionDep
from helpline.core.errors import Conflict, NotFound, responses
from helpline.storage import CHUNK_BYTES

router = APIRouter(prefix="/api/v1", tags=["attachments"])

Principal = MemberPrincipal | ApiKeyPrincipal
AttachmentsReader = Annotated[
    Principal, Depends(WorkspaceAuth(ALL_ROLES, Scope.conversations_read))
]
AttachmentsWriter = Annotated[
    Principal, Depends(WorkspaceAuth(ALL_ROLES, Scope.conversations_write))
]


_FILE_DESCRIPTION: Final = "The file, as a multipart/form-data part named `file`."


async def _chunks(file: UploadFile) -> AsyncIterator[bytes]:
    while chunk := await file.read(CHUNK_BYTES):
        yield chunk


@router.post(
    "/conversations/{conversation_id}/attachments",
    status_code=status.HTTP_201_CREATED,
    responses=responses(
        NotFound,
        Conflict,
        conversations.AttachmentTooLarge,
        conversations.AttachmentTypeNotAllowed,
    ),
)
async def upload_attachment(
    conversation_id: uuid.UUID,
    file: Annotated[UploadFile, File(description=_FILE_DESCRIPTION)],
    principal: AttachmentsWriter,
    session: SessionDep,
    runtime: RuntimeDep,
) -> AttachmentRead:
    """Upload a file to send in this conversation: pass its id in a message's
    `attachment_ids`. See docs/attachments.md for the size limit and accepted types."""
    conversation = await access_conversation(session, principal, conversation_id)
    attachment = await conversations.upload(
        session,
        runtime.storage,
        principal,
        conversation,
        filename=file.filename or "",
        content_type=file.content_type or "",
        stream=_chunks(file),
        settings=runtime.settings,
    )
    return conversations.describe_attachment(attachment)


@router.get(
    "/attachments/{attachment_id}",
    response_class=StreamingResponse,
    responses={
        200: {"description": "The file's bytes.", "content": {"application/octet-stream": {}}},
        **responses(NotFound),
    },
)
async def download_attachment(
    attachment_id: uuid.UUID,
    principal: AttachmentsReader,
    session: SessionDep,
    runtime: RuntimeDep,
) -> StreamingResponse:
    """Download a file of a conversation you can see. Raster images may be shown inline;
    every other type is sent as a download."""
    attachment = await access_attachment(session, principal, attachment_id)
    chunks = await conversations.open_attachment(runtime.storage, attachment)
    return StreamingResponse(chunks, headers=conversations.serving_headers(attachment))
