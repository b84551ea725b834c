"""SQL for contacts."""

import re
import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, Select, or_

from helpline.contacts.models import Contact
from helpline.core.pagination import PageParams, paginate
from helpline.core.repository import TenantRepository

# A search that looks like (part of) a phone number: digits with the separators people type.
_PHONE_LIKE = re.compile(r"\+?[0-9\s().-]+")
_PHONE_SEPARATORS = re.compile(r"[\s().-]")
# Fewer digits would match almost every phone.
MIN_PHONE_SEARCH_DIGITS = 3


class ContactRepository(TenantRepository[Contact]):
    model = Contact

    async def get_for_update(self, contact_id: uuid.UUID) -> Contact | None:
        """The contact, its row locked until the transaction ends (read-modify-write)."""
        statement = (
            self.base_statement()
            .where(Contact.id == contact_id)
            .with_for_update(key_share=True)
            # A contact already in the session must be re-read now that the row is locked.
            .execution_options(populate_existing=True)
        )
        return (await self.session.scalars(statement)).first()

    async def find_by_external_id(self, external_id: str) -> Contact | None:
        statement = self.base_statement().where(Contact.external_id == external_id)
        return (await self.session.scalars(statement)).first()

    async def page(
        self, params: PageParams, *, q: str | None, email: str | None
    ) -> tuple[Sequence[Contact], str | None]:
        """Newest first; `q` matches name, email, phone or external id, ignoring case."""
        statement: Select[Contact] = self.base_statement()
        if email is not None:
            statement = statement.where(Contact.email == email.lower())
        if q:
            statement = statement.where(_matches(q))
        return await paginate(
            self.session, statement, id_column=Contact.id, params=params, newest_first=True
        )


def _matches(q: str) -> ColumnElement[bool]:
    conditions = [
        column.icontains(q, autoescape=True)
        for column in (Contact.name, Contact.email, Contact.phone, Contact.external_id)
    ]
    digits = _PHONE_SEPARATORS.sub("", q)
    if _PHONE_LIKE.fullmatch(q) and len(digits.lstrip("+")) >= MIN_PHONE_SEARCH_DIGITS:
        # Phones are stored normalised (+15550100199): "555 010" finds them too.
        conditions.append(Contact.phone.contains(digits, autoescape=True))
    return or_(*conditions)
