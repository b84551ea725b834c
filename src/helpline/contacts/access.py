"""Contact ids from clients become contacts only here, inside the caller's workspace."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.auth.principals import WorkspacePrincipal
from helpline.contacts.models import Contact
from helpline.contacts.repository import ContactRepository
from helpline.core.errors import NotFound


async def access_contact(
    session: AsyncSession,
    principal: WorkspacePrincipal,
    contact_id: uuid.UUID,
    *,
    for_write: bool = False,
) -> Contact:
    """The contact, or NotFound whether it is missing or another workspace's. `for_write`
    locks its row until the transaction ends, for changes that read before they write."""
    contacts = ContactRepository(session, workspace_id=principal.workspace_id)
    if for_write:
        contact = await contacts.get_for_update(contact_id)
    else:
        contact = await contacts.get(contact_id)
    if contact is None:
        raise NotFound("Contact not found.")
    return contact
