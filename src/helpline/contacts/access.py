"""Contact ids from clients become contacts only here, inside the caller's workspace."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.auth.principals import WorkspacePrincipal
from helpline.contacts.models import Contact
from helpline.contacts.repository import ContactRepository
from helpline.core.errors import NotFound


async def access_contact(
    session: AsyncSession, principal: WorkspacePrincipal, contact_id: uuid.UUID
) -> Contact:
    contact = await ContactRepository(session, workspace_id=principal.workspace_id).get(contact_id)
    if contact is None:
        raise NotFound("Contact not found.")
    return contact
