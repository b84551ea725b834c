"""Contacts: the workspace's end customers, for agents and API keys."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from helpline.auth.dependencies import WorkspaceAuth
from helpline.auth.principals import ALL_ROLES, ApiKeyPrincipal, MemberPrincipal, Scope
from helpline.contacts import service as contacts
from helpline.contacts.access import access_contact
from helpline.contacts.schemas import (
    MAX_EMAIL_CHARS,
    ContactConversationSummary,
    ContactCreate,
    ContactRead,
    ContactUpdate,
)
from helpline.conversations import service as conversations
from helpline.core.deps import SessionDep
from helpline.core.errors import BadRequest, NotFound, responses
from helpline.core.pagination import PageParamsDep
from helpline.core.schemas import Page

router = APIRouter(prefix="/api/v1", tags=["contacts"])

Principal = MemberPrincipal | ApiKeyPrincipal
# Every role works with contacts: agents create and edit the people they talk to.
ContactsReader = Annotated[Principal, Depends(WorkspaceAuth(ALL_ROLES, Scope.contacts_read))]
ContactsWriter = Annotated[Principal, Depends(WorkspaceAuth(ALL_ROLES, Scope.contacts_write))]
# A contact's conversations are conversation data: an API key needs conversations:read, as
# for the conversation routes, so that a contacts-only key (a CRM sync) cannot read them.
ConversationsReader = Annotated[
    Principal, Depends(WorkspaceAuth(ALL_ROLES, Scope.conversations_read))
]

NOT_FOUND = responses(NotFound)
CREATE_ERRORS = responses(contacts.InvalidContact, contacts.ExternalIdTaken)
UPDATE_ERRORS = responses(NotFound, contacts.InvalidContact, contacts.ExternalIdTaken)


@router.get("/contacts", responses=responses(BadRequest))
async def list_contacts(
    principal: ContactsReader,
    session: SessionDep,
    page: PageParamsDep,
    q: Annotated[
        str | None,
        Query(min_length=1, max_length=200, description="Part of a name, email, phone or id"),
    ] = None,
    email: Annotated[
        str | None, Query(max_length=MAX_EMAIL_CHARS, description="An exact email address")
    ] = None,
) -> Page[ContactRead]:
    """The workspace's contacts, newest first; `q` searches names, emails, phones and ids."""
    found, next_cursor = await contacts.list_contacts(session, principal, page, q=q, email=email)
    return Page(items=[ContactRead.model_validate(c) for c in found], next_cursor=next_cursor)


@router.post("/contacts", status_code=status.HTTP_201_CREATED, responses=CREATE_ERRORS)
async def create_contact(
    body: ContactCreate, principal: ContactsWriter, session: SessionDep
) -> ContactRead:
    """Add a contact; `external_id`, your own id for the customer, is unique in the workspace."""
    contact = await contacts.create_contact(
        session,
        principal,
        name=body.name,
        email=body.email,
        phone=body.phone,
        external_id=body.external_id,
        attributes=body.attributes,
    )
    return ContactRead.model_validate(contact)


@router.get("/contacts/{contact_id}", responses=NOT_FOUND)
async def get_contact(
    contact_id: uuid.UUID, principal: ContactsReader, session: SessionDep
) -> ContactRead:
    """One contact."""
    return ContactRead.model_validate(await access_contact(session, principal, contact_id))


@router.patch("/contacts/{contact_id}", responses=UPDATE_ERRORS)
async def update_contact(
    contact_id: uuid.UUID, body: ContactUpdate, principal: ContactsWriter, session: SessionDep
) -> ContactRead:
    """Change a contact: only the fields sent change, and attributes are merged (null deletes)."""
    contact = await access_contact(session, principal, contact_id, for_write=True)
    await contacts.update_contact(session, contact, changes=body.model_dump(exclude_unset=True))
    return ContactRead.model_validate(contact)


@router.get("/contacts/{contact_id}/conversations", responses=NOT_FOUND)
async def list_contact_conversations(
    contact_id: uuid.UUID, principal: ConversationsReader, session: SessionDep, page: PageParamsDep
) -> Page[ContactConversationSummary]:
    """The contact's conversations that you may see, newest first, a page at a time."""
    contact = await access_contact(session, principal, contact_id)
    found, next_cursor = await conversations.list_for_contact(session, principal, contact, page)
    return Page(
        items=[ContactConversationSummary.model_validate(c) for c in found],
        next_cursor=next_cursor,
    )
