"""Attachments: uploading a file to a conversation, sending it with a message, and the
response shapes and download headers for it. See docs/attachments.md.

A file is uploaded first (it gets a row with no message), then a message names it in
`attachment_ids`. Only its uploader can send it, once, in the conversation it was uploaded to.
"""

import unicodedata
import urllib.parse
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.auth.principals import MemberPrincipal
from helpline.conversations.access import ATTACHMENT_NOT_FOUND
from helpline.conversations.models import Attachment, Conversation, Message
from helpline.conversations.repository import AttachmentRepository
from helpline.conversations.service import publishing
from helpline.conversations.service.common import Actor, ContactActor, check_not_merged
from helpline.core.errors import AppError, NotFound, Unprocessable
from helpline.core.time import utc_now
from helpline.settings import Settings
from helpline.storage import FileTooLarge, Storage, StoredFileMissing

# The agent and API-key download route; the visitor API passes its own.
MAX_FILENAME_CHARS: Final = 200
_MAX_EXTENSION_CHARS: Final = 16
_SNIFF_BYTES: Final = 16
# Raster images a browser may show inline. Never SVG (it runs scripts) nor HTML.
INLINE_TYPES: Final = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
# What a file declared as one of these types must start with, so that an HTML page renamed
# to .png (or sent as application/pdf) is refused rather than stored under a trusted type.
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
_OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)
_SIGNATURES: Final[dict[str, tuple[bytes, ...]]] = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "application/pdf": (b"%PDF-",),
    "application/zip": _ZIP,
    "application/msword": _OLE,
    "application/vnd.ms-excel": _OLE,
    "application/vnd.ms-powerpoint": _OLE,
}
# Office Open XML and OpenDocument files are zip archives.
_ZIP_PREFIXES: Final = (
    "application/vnd.openxmlformats-officedocument.",
    "application/vnd.oasis.opendocument.",
)
# Characters Windows refuses in names; replaced so that a downloaded file saves anywhere.
_RESERVED_CHARS: Final = frozenset('<>:"/\\|?*')


class AttachmentTooLarge(AppError):
    status_code = 413
    default_detail = "The file is larger than this server accepts."


class AttachmentTypeNotAllowed(Unprocessable):
    default_detail = "Files of this type are not accepted."


class InvalidAttachment(Unprocessable):
    default_detail = "The file is not valid."


class AttachmentFileMissing(NotFound):
    default_detail = "This attachment's file is no longer stored."


def sanitize_filename(filename: str) -> str:
    """A name safe to store and to offer for download: no folders, no control or invisible
    formatting characters (such as the right-to-left override that disguises `gpj.exe`), no
    leading dots, at most MAX_FILENAME_CHARS characters with the extension kept."""
    name = unicodedata.normalize("NFC", filename).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        " " if c.isspace() else "_" if c in _RESERVED_CHARS else c
        for c in name
        if c.isspace() or not unicodedata.category(c).startswith("C")
    )
    name = " ".join(name.split()).strip(" .")
    if len(name) > MAX_FILENAME_CHARS:
        stem, dot, extension = name.rpartition(".")
        if dot and stem and len(extension) <= _MAX_EXTENSION_CHARS:
            keep = MAX_FILENAME_CHARS - len(extension) - 1
            name = f"{stem[:keep].rstrip(' .')}.{extension}"
        else:
            name = name[:MAX_FILENAME_CHARS].rstrip(" .")
    return name or "attachment"


def media_type(content_type: str) -> str:
    """The bare media type, lowercased: "Image/PNG; x=y" is "image/png"."""
    return content_type.split(";", 1)[0].strip().lower()


def _check_type(declared: str, settings: Settings) -> None:
    allowed = {media_type(t) for t in settings.attachment_types}
    if declared not in allowed:
        shown = declared or "an unnamed type"
        raise AttachmentTypeNotAllowed(
            f"Files of type {shown} are not accepted. Accepted types: {', '.join(sorted(allowed))}."
        )


def _signatures(declared: str) -> tuple[bytes, ...]:
    if declared.startswith(_ZIP_PREFIXES):
        return _ZIP
    return _SIGNATURES.get(declared, ())


def _check_content(declared: str, head: bytes) -> None:
    if not head:
        raise InvalidAttachment("The file is empty.")
    if declared == "image/webp":
        matches = head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    else:
        signatures = _signatures(declared)
        matches = not signatures or head.startswith(signatures)
    if not matches:
        raise InvalidAttachment(
            f"The file was sent as {declared}, but its content is not {declared}."
        )


async def _peek(stream: AsyncIterator[bytes], size: int) -> bytes:
    head = b""
    async for chunk in stream:
        head += chunk
        if len(head) >= size:
            break
    return head


async def _chained(head: bytes, rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    if head:
        yield head
    async for chunk in rest:
        yield chunk


def _human(size: int) -> str:
    if size % (1024 * 1024) == 0:
        return f"{size // (1024 * 1024)} MiB"
    if size % 1024 == 0:
        return f"{size // 1024} KiB"
    return f"{size:,} bytes"


def _check_conversation(actor: Actor, conversation: Conversation) -> None:
    # A contact uploads only to their own conversations (as messages.check_own_conversation).
    if isinstance(actor, ContactActor) and (
        actor.contact_id != conversation.contact_id
        or actor.workspace_id != conversation.workspace_id
    ):
        raise NotFound("Conversation not found.")


async def upload(
    session: AsyncSession,
    storage: Storage,
    actor: Actor,
    conversation: Conversation,
    *,
    filename: str,
    content_type: str,
    stream: AsyncIterator[bytes],
    settings: Settings,
) -> Attachment:
    """Store a file for the actor to send in `conversation` (from access_conversation, or the
    contact's own). Refuses types outside settings.attachment_types, content that does not
    match its declared type, empty files (422) and files over settings.attachment_max_bytes
    (413); a refused file leaves nothing behind."""
    _check_conversation(actor, conversation)
    check_not_merged(conversation)
    declared = media_type(content_type)
    _check_type(declared, settings)
    head = await _peek(stream, _SNIFF_BYTES)
    _check_content(declared, head)
    try:
        stored = await storage.save(_chained(head, stream), max_bytes=settings.attachment_max_bytes)
    except FileTooLarge as exc:
        raise AttachmentTooLarge(
            f"A file may be at most {_human(exc.max_bytes)} ({exc.max_bytes:,} bytes)."
        ) from None
    attachment = Attachment(
        id=uuid.uuid4(),
        workspace_id=conversation.workspace_id,
        conversation_id=conversation.id,
        uploader_member_id=actor.membership_id if isinstance(actor, MemberPrincipal) else None,
        uploader_contact_id=actor.contact_id if isinstance(actor, ContactActor) else None,
        filename=sanitize_filename(filename),
        content_type=declared,
        size_bytes=stored.size_bytes,
        sha256=stored.sha256,
        storage_key=stored.key,
        created_at=utc_now(),
    )
    session.add(attachment)
    try:
        await session.flush()
    except BaseException:
        await storage.delete(stored.key)
        raise
    return attachment


def _uploaded_by(attachment: Attachment, actor: Actor) -> bool:
    if isinstance(actor, MemberPrincipal):
        return attachment.uploader_member_id == actor.membership_id
    if isinstance(actor, ContactActor):
        return attachment.uploader_contact_id == actor.contact_id
    # API keys record no uploader: any key of the workspace (its backend) counts as one.
    return attachment.uploader_member_id is None and attachment.uploader_contact_id is None


async def take_uploads(
    session: AsyncSession,
    actor: Actor,
    conversation: Conversation,
    attachment_ids: Sequence[uuid.UUID],
) -> list[Attachment]:
    """The uploads a new message will carry, in the order given. Each must be the actor's
    own upload to this conversation, not sent yet; any other id raises the NotFound of a
    missing one. The caller holds the conversation's lock."""
    wanted = list(dict.fromkeys(attachment_ids))
    if not wanted:
        return []
    repository = AttachmentRepository(session, workspace_id=conversation.workspace_id)
    found = {a.id: a for a in await repository.unsent(conversation.id, wanted)}
    taken = [found[id_] for id_ in wanted if id_ in found and _uploaded_by(found[id_], actor)]
    if len(taken) != len(wanted):
        raise NotFound(ATTACHMENT_NOT_FOUND)
    return taken


async def attach(
    session: AsyncSession, attachments: Sequence[Attachment], message: Message
) -> None:
    """Point the uploads at their new message (the message row is written first: no
    relationship tells the flush to order them)."""
    if not attachments:
        return
    await session.flush()
    for attachment in attachments:
        attachment.message_id = message.id
    publishing.files_attached(session, message)


async def open_attachment(storage: Storage, attachment: Attachment) -> AsyncIterator[bytes]:
    """The file's bytes, for an attachment that went through an access function."""
    try:
        return await storage.open(attachment.storage_key)
    except StoredFileMissing:
        raise AttachmentFileMissing() from None


def _ascii_fallback(filename: str) -> str:
    return "".join(c if " " <= c <= "~" and c not in '"\\' else "_" for c in filename)


def serving_headers(attachment: Attachment) -> dict[str, str]:
    """Headers for serving a file from the app's origin. Only raster images are shown
    inline; everything else is a download, so an uploaded page or script never runs here
    (RELIABILITY.md, Isolation 9). The sandbox policy strips scripts and same-origin rights
    should a file be opened anyway; `X-Content-Type-Options: nosniff`, which keeps browsers
    to the declared type, is on every response already (core/middleware.py)."""
    inline = attachment.content_type in INLINE_TYPES
    quoted = urllib.parse.quote(attachment.filename, safe="")
    disposition = "inline" if inline else "attachment"
    return {
        "Content-Type": attachment.content_type,
        "Content-Length": str(attachment.size_bytes),
        # RFC 6266: an ASCII fallback, then the exact name in UTF-8 (RFC 8187).
        "Content-Disposition": (
            f'{disposition}; filename="{_ascii_fallback(attachment.filename)}"; '
            f"filename*=UTF-8''{quoted}"
        ),
        "Content-Security-Policy": "default-src 'none'; sandbox",
        # Access is checked per request; shared caches must not keep a copy.
        "Cache-Control": "private, no-cache",
    }
