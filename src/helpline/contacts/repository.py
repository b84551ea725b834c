"""SQL for contacts."""

from helpline.contacts.models import Contact
from helpline.core.repository import TenantRepository


class ContactRepository(TenantRepository[Contact]):
    model = Contact
