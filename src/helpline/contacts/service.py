"""Contacts: the workspace's end customers. Import as
`from helpline.contacts import service as contacts`.

Every rule about a contact's fields lives here, so the REST API, the widget and the CLI apply
the same ones with the same messages: emails are validated and lower-cased, phones normalised
to + and digits, external ids unique in the workspace, attributes a small flat object of
scalar values. Contact changes are everyday support work, not administration: they are not
written to the audit log.
"""

import math
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from email_validator import EmailNotValidError, validate_email
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.auth.principals import WorkspacePrincipal
from helpline.contacts.models import Contact
from helpline.contacts.repository import ContactRepository
from helpline.contacts.schemas import MAX_EXTERNAL_ID_CHARS, MAX_NAME_CHARS
from helpline.core.errors import Conflict, Unprocessable
from helpline.core.pagination import PageParams
from helpline.core.time import utc_now

MAX_ATTRIBUTES: Final = 50
MAX_ATTRIBUTE_TEXT_CHARS: Final = 1000
# Larger integers lose precision in JavaScript (the dashboard, the widget, most clients), so a
# value could change on its way to a screen: they are refused, and can be sent as strings.
MAX_ATTRIBUTE_INT: Final = 2**53 - 1
MAX_BROWSER_KEYS: Final = 20
MAX_BROWSER_TEXT_CHARS: Final = 2048  # room for a page URL
FIELDS: Final = ("name", "email", "phone", "external_id")

_ATTRIBUTE_KEY = re.compile(r"[a-z][a-z0-9_]{0,49}")
_BROWSER_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,49}")
_PHONE_SEPARATORS = re.compile(r"[\s().-]")
# [0-9], not \d: \d also matches other scripts' digits, which no phone network dials.
_PHONE = re.compile(r"\+[0-9]{6,15}")


class InvalidContact(Unprocessable):
    default_detail = "The contact's details are not valid."


class ExternalIdTaken(Conflict):
    default_detail = "Another contact in this workspace already has this external id."


async def create_contact(
    session: AsyncSession,
    actor: WorkspacePrincipal,
    *,
    name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    external_id: str | None = None,
    attributes: Mapping[str, Any] | None = None,
) -> Contact:
    """InvalidContact (422) names the first field that breaks the rules; ExternalIdTaken
    (409) is raised from a savepoint, so the caller's transaction stays usable after it."""
    contact = Contact(workspace_id=actor.workspace_id, browser={})
    fields = {"name": name, "email": email, "phone": phone, "external_id": external_id}
    values = _clean_fields(fields)
    # None values delete keys, so on a new contact they simply leave nothing behind.
    values["attributes"] = merge_attributes({}, attributes or {})
    await _save(session, contact, values, new=True)
    return contact


async def update_contact(
    session: AsyncSession, contact: Contact, *, changes: Mapping[str, Any]
) -> Contact:
    """Apply `changes` (the fields sent in a ContactUpdate): a field present with None is
    cleared; attributes are merged, a None value deleting its key. Load the contact with
    `access_contact(..., for_write=True)`: the merge reads the attributes before writing."""
    unknown = set(changes) - {*FIELDS, "attributes"}
    if unknown:
        raise ValueError(f"Contacts have no fields {sorted(unknown)}.")
    values = _clean_fields({key: value for key, value in changes.items() if key in FIELDS})
    if "attributes" in changes:
        values["attributes"] = merge_attributes(contact.attributes, changes["attributes"] or {})
    await _save(session, contact, values, new=False)
    return contact


async def list_contacts(
    session: AsyncSession,
    principal: WorkspacePrincipal,
    params: PageParams,
    *,
    q: str | None = None,
    email: str | None = None,
) -> tuple[Sequence[Contact], str | None]:
    """One page of the workspace's contacts, newest first; `q` searches name, email, phone
    and external id (ignoring case), `email` matches exactly."""
    contacts = ContactRepository(session, workspace_id=principal.workspace_id)
    return await contacts.page(params, q=q, email=email)


async def find_by_external_id(
    session: AsyncSession, workspace_id: uuid.UUID, external_id: str
) -> Contact | None:
    """The contact a workspace knows by `external_id` (for identifying a visitor)."""
    return await ContactRepository(session, workspace_id=workspace_id).find_by_external_id(
        external_id
    )


async def touch_seen(
    session: AsyncSession, contact: Contact, *, browser: Mapping[str, Any] | None
) -> Contact:
    """Record that the contact is here now, and what the widget reports about their browser
    (replacing the previous report). The report is machine-made, so it is trimmed to size
    rather than refused: an odd browser must never stop a visitor from chatting."""
    contact.last_seen_at = utc_now()
    if browser is not None:
        contact.browser = _bounded_browser(browser)
    await session.flush()
    return contact


def merge_attributes(current: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """`current` updated with `changes`, where None deletes a key; InvalidContact if a key or
    value breaks the rules, or if the result would hold too many keys."""
    merged = dict(current)
    for key, value in changes.items():
        _check_attribute_key(key)
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = _checked_attribute_value(key, value)
    if len(merged) > MAX_ATTRIBUTES:
        raise InvalidContact(
            f"A contact can have at most {MAX_ATTRIBUTES} attributes; "
            f"this would give it {len(merged)}."
        )
    return merged


def normalize_email(raw: str | None) -> str | None:
    text = _blank_to_none(raw)
    if text is None:
        return None
    try:
        valid = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidContact(f"The email address {text!r} is not valid. {exc}") from exc
    return valid.normalized.lower()


def normalize_phone(raw: str | None) -> str | None:
    """`+1 (555) 010-0199` -> `+15550100199`."""
    text = _blank_to_none(raw)
    if text is None:
        return None
    compact = _PHONE_SEPARATORS.sub("", text)
    if not _PHONE.fullmatch(compact):
        raise InvalidContact(
            f"The phone number {text!r} is not valid. Give it in international format: "
            "+ and the country code, 6 to 15 digits in all, such as +44 20 7946 0000."
        )
    return compact


def _clean_fields(fields: Mapping[str, str | None]) -> dict[str, Any]:
    cleaners: dict[str, Callable[[str | None], str | None]] = {
        "name": lambda v: _bounded_text(v, "name", MAX_NAME_CHARS),
        "email": normalize_email,
        "phone": normalize_phone,
        "external_id": lambda v: _bounded_text(v, "external id", MAX_EXTERNAL_ID_CHARS),
    }
    return {key: cleaners[key](value) for key, value in fields.items()}


def _blank_to_none(raw: str | None) -> str | None:
    # Forms send empty fields as "": that clears a field, like null does.
    text = None if raw is None else raw.strip()
    return text or None


def _bounded_text(raw: str | None, label: str, limit: int) -> str | None:
    text = _blank_to_none(raw)
    if text is not None and len(text) > limit:
        raise InvalidContact(f"A contact's {label} can be at most {limit} characters long.")
    return text


def _check_attribute_key(key: object) -> None:
    if not isinstance(key, str) or not _ATTRIBUTE_KEY.fullmatch(key):
        raise InvalidContact(
            f"The attribute name {key!r} is not valid: use 1 to 50 lower-case letters, digits "
            "and underscores, starting with a letter (such as plan or signed_up_at)."
        )


def _checked_attribute_value(key: str, value: object) -> str | int | float | bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        if abs(value) > MAX_ATTRIBUTE_INT:
            raise InvalidContact(
                f"The attribute {key!r} is too large a number: integers must be between "
                f"-{MAX_ATTRIBUTE_INT} and {MAX_ATTRIBUTE_INT}. Send larger ones as strings."
            )
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidContact(f"The attribute {key!r} must be a finite number.")
        return value
    if isinstance(value, str):
        if len(value) > MAX_ATTRIBUTE_TEXT_CHARS:
            raise InvalidContact(
                f"The attribute {key!r} is too long: text values can be at most "
                f"{MAX_ATTRIBUTE_TEXT_CHARS:,} characters."
            )
        return value
    raise InvalidContact(
        f"The attribute {key!r} must be a string, a number, true or false (or null to delete "
        f"it), not {_json_kind(value)}."
    )


def _json_kind(value: object) -> str:
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return f"a {type(value).__name__}"


def _bounded_browser(report: Mapping[str, Any]) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for key, value in report.items():
        if len(kept) == MAX_BROWSER_KEYS:
            break
        if not _BROWSER_KEY.fullmatch(key):
            continue
        if isinstance(value, str):
            kept[key] = value[:MAX_BROWSER_TEXT_CHARS]
        elif isinstance(value, bool | int) or (isinstance(value, float) and math.isfinite(value)):
            kept[key] = value
    return kept


async def _save(
    session: AsyncSession, contact: Contact, values: Mapping[str, Any], *, new: bool
) -> None:
    external_id = values.get("external_id")
    if external_id is None:
        _assign(session, contact, values, new=new)
        await session.flush()
        return
    contacts = ContactRepository(session, workspace_id=contact.workspace_id)
    holder = await contacts.find_by_external_id(external_id)
    if holder is not None and holder is not contact:
        raise _taken(external_id)
    # Another transaction may claim the id between the check and the write; the unique
    # constraint decides, and the savepoint keeps the caller's transaction usable after it
    # (so `identify` can catch ExternalIdTaken and load the winner).
    try:
        async with session.begin_nested():
            _assign(session, contact, values, new=new)
            await session.flush()
    except IntegrityError as exc:
        if "external_id" not in str(exc.orig):
            raise
        raise _taken(external_id) from exc


def _assign(
    session: AsyncSession, contact: Contact, values: Mapping[str, Any], *, new: bool
) -> None:
    for key, value in values.items():
        setattr(contact, key, value)
    if new:
        session.add(contact)


def _taken(external_id: str) -> ExternalIdTaken:
    return ExternalIdTaken(
        f"Another contact in this workspace already has the external id {external_id!r}."
    )
