"""Writing and finding canned responses. A shortcut names one response in its workspace:
a second one is ShortcutTaken (409), and when two writers race for the same shortcut the
unique constraint decides. Every write is recorded in the audit log."""

import re
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Final

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.audit import service as audit
from helpline.auth.principals import MemberPrincipal, WorkspacePrincipal
from helpline.canned.models import CannedResponse
from helpline.canned.repository import CannedResponseRepository
from helpline.canned.schemas import MAX_BODY_CHARS, MAX_SHORTCUT_CHARS, MAX_TITLE_CHARS
from helpline.core.errors import BadRequest, Conflict, Unprocessable
from helpline.core.ids import new_id
from helpline.core.pagination import PageParams, encode_cursor

SHORTCUT: Final = re.compile(rf"[a-z0-9_-]{{1,{MAX_SHORTCUT_CHARS}}}")
FIELDS: Final = frozenset({"shortcut", "title", "body"})


class InvalidCannedResponse(Unprocessable):
    default_detail = "The canned response is not valid."


class ShortcutTaken(Conflict):
    default_detail = "Another canned response in this workspace already has this shortcut."


async def list_responses(
    session: AsyncSession, principal: WorkspacePrincipal, page: PageParams, *, q: str | None
) -> tuple[list[CannedResponse], str | None]:
    """One page ordered by shortcut. `q` (a leading '/' ignored, as typed in the composer)
    keeps the responses whose shortcut starts with it or whose title contains it, ignoring
    case. The cursor is the last response of the previous page: BadRequest once deleted."""
    responses = CannedResponseRepository(session, workspace_id=principal.workspace_id)
    after = None
    if page.cursor is not None:
        last = await responses.get(page.cursor)
        if last is None:
            raise BadRequest(
                "The cursor is no longer valid: its canned response was deleted. "
                "Start again from the first page."
            )
        after = last.shortcut
    search = (q or "").strip().removeprefix("/")
    found, more = await responses.page(after=after, limit=page.limit, q=search or None)
    return list(found), encode_cursor(found[-1].id) if more else None


async def create_response(
    session: AsyncSession,
    principal: WorkspacePrincipal | None,
    workspace_id: uuid.UUID,
    *,
    shortcut: str,
    title: str,
    body: str,
) -> CannedResponse:
    """`principal` None is the system (an import, a test); the workspace is then explicit.
    InvalidCannedResponse (422) names the first field that breaks the rules."""
    values = _clean({"shortcut": shortcut, "title": title, "body": body})
    author = principal.membership_id if isinstance(principal, MemberPrincipal) else None
    response = CannedResponse(id=new_id(), workspace_id=workspace_id, created_by_member_id=author)
    await _save(session, response, values, new=True)
    _audit(session, principal, response, "canned_response.created")
    return response


async def update_response(
    session: AsyncSession,
    principal: WorkspacePrincipal,
    response: CannedResponse,
    *,
    changes: Mapping[str, Any],
) -> CannedResponse:
    """Apply `changes` (the fields sent in a CannedResponseUpdate); the others stay. The
    audit event names the fields sent, not their values."""
    unknown = set(changes) - FIELDS
    if unknown:
        raise ValueError(f"Canned responses have no fields {sorted(unknown)}.")
    values = _clean(changes)
    if not values:
        return response
    await _save(session, response, values, new=False)
    _audit(session, principal, response, "canned_response.updated", fields=sorted(values))
    return response


async def delete_response(
    session: AsyncSession, principal: WorkspacePrincipal, response: CannedResponse
) -> None:
    _audit(session, principal, response, "canned_response.deleted")
    await session.delete(response)
    await session.flush()


def _clean(values: Mapping[str, Any]) -> dict[str, str]:
    """The values as stored: trimmed, the shortcut lowercased; InvalidCannedResponse names
    the first one that breaks the rules (the REST schemas catch most of it earlier)."""
    cleaned: dict[str, str] = {}
    if "shortcut" in values:
        shortcut = str(values["shortcut"]).strip().lower()
        if not SHORTCUT.fullmatch(shortcut):
            raise InvalidCannedResponse(
                f"{str(values['shortcut'])[:60]!r} is not a valid shortcut: use 1 to "
                f"{MAX_SHORTCUT_CHARS} letters a-z, digits, hyphens or underscores, "
                "without the '/' (the composer adds it)."
            )
        cleaned["shortcut"] = shortcut
    for name, limit in (("title", MAX_TITLE_CHARS), ("body", MAX_BODY_CHARS)):
        if name in values:
            cleaned[name] = _text(name, str(values[name]), limit)
    return cleaned


def _text(name: str, value: str, limit: int) -> str:
    text = value.strip()
    if not text:
        raise InvalidCannedResponse(f"A canned response needs a {name}.")
    if len(text) > limit:
        raise InvalidCannedResponse(
            f"A canned response's {name} has at most {limit:,} characters, not {len(text):,}."
        )
    return text


async def _save(
    session: AsyncSession, response: CannedResponse, values: Mapping[str, str], *, new: bool
) -> None:
    shortcut = values.get("shortcut")
    if shortcut is not None:
        responses = CannedResponseRepository(session, workspace_id=response.workspace_id)
        holder = await responses.get_by_shortcut(shortcut)
        if holder is not None and holder is not response:
            raise _taken(shortcut)
    # Another transaction may take the shortcut between the check and the write: the unique
    # constraint decides, and the savepoint keeps the caller's transaction usable after it.
    try:
        async with session.begin_nested():
            for name, value in values.items():
                setattr(response, name, value)
            if new:
                session.add(response)
            await session.flush()
    except IntegrityError as exc:
        if shortcut is None or "shortcut" not in str(exc.orig):
            raise
        raise _taken(shortcut) from exc


def _taken(shortcut: str) -> ShortcutTaken:
    return ShortcutTaken(
        f"The shortcut /{shortcut} is already used by another canned response in this "
        "workspace: choose another one, or edit that response."
    )


def _audit(
    session: AsyncSession,
    principal: WorkspacePrincipal | None,
    response: CannedResponse,
    action: str,
    *,
    fields: Sequence[str] = (),
) -> None:
    data: dict[str, Any] = {"shortcut": response.shortcut}
    if fields:
        data["fields"] = list(fields)
    audit.record(
        session,
        principal,
        workspace_id=response.workspace_id,
        action=action,
        target_type="canned_response",
        target_id=response.id,
        data=data,
    )
