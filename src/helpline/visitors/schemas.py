"""Request and response shapes for visitor sessions, the visitor themself, and the
workspace's identity secret."""

from datetime import datetime
from typing import Annotated, Any, Final, Literal

from pydantic import BeforeValidator, ConfigDict, Field

from helpline.contacts.models import Contact
from helpline.contacts.schemas import MAX_EMAIL_CHARS, MAX_EXTERNAL_ID_CHARS, MAX_NAME_CHARS
from helpline.core.schemas import InputSchema, Schema

MAX_URL_CHARS: Final = 2048
MAX_USER_AGENT_CHARS: Final = 512
MAX_TOKEN_CHARS: Final = 200

# The Visitor.identity states (see docs/widget-api.md, Identity).
Identity = Literal["anonymous", "unverified", "verified"]


def _truncated(limit: int) -> BeforeValidator:
    # Browser reports are machine-made: an odd browser is trimmed, never refused, so that it
    # cannot stop a visitor from chatting.
    return BeforeValidator(lambda v: v[:limit] if isinstance(v, str) else v)


class BrowserReport(InputSchema):
    """What the widget sees of the visitor's browser; stored on the contact for agents."""

    language: Annotated[str, _truncated(35)] | None = None
    timezone: Annotated[str, _truncated(64)] | None = None
    user_agent: Annotated[str, _truncated(MAX_USER_AGENT_CHARS)] | None = None
    page_url: Annotated[str, _truncated(MAX_URL_CHARS)] | None = None
    page_title: Annotated[str, _truncated(300)] | None = None
    referrer: Annotated[str, _truncated(MAX_URL_CHARS)] | None = None


class IdentityClaim(InputSchema):
    """A claim that this visitor is the website's customer `external_id`, signed by the
    website's server with identity_hash = hex(HMAC-SHA256(key=identity secret, msg=external_id))."""

    external_id: str = Field(min_length=1, max_length=MAX_EXTERNAL_ID_CHARS)
    identity_hash: str | None = Field(default=None, max_length=128)
    email: str | None = Field(default=None, max_length=MAX_EMAIL_CHARS)
    name: str | None = Field(default=None, max_length=MAX_NAME_CHARS)


class SessionCreate(InputSchema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "public_key": "hlw_3q2-7wEXAMPLEPUBLICKEYxxxxxxxx",
                    "browser": {
                        "language": "en-GB",
                        "timezone": "Europe/London",
                        "page_url": "https://www.example.com/pricing",
                    },
                }
            ]
        }
    )

    # The workspace's widget key, from the snippet on the website.
    public_key: str = Field(min_length=1, max_length=64)
    # A visitor token this browser holds from before: resumes that visitor.
    token: str | None = Field(default=None, max_length=MAX_TOKEN_CHARS)
    identity: IdentityClaim | None = None
    browser: BrowserReport | None = None


class VisitorRead(Schema):
    """The visitor as they see themself: never internal notes or attributes."""

    name: str | None
    email: str | None
    # The website's own id for this customer, once identified; visitors cannot change it.
    external_id: str | None
    identity: Identity

    @classmethod
    def of(cls, contact: Contact) -> "VisitorRead":
        return cls(
            name=contact.name,
            email=contact.email,
            external_id=contact.external_id,
            identity=identity_of(contact),
        )


def identity_of(contact: Contact) -> Identity:
    # An external id is only ever set by a verified claim or by the workspace itself (REST
    # API, CLI): both are trusted. An unverified claim is recorded in the attributes.
    if contact.external_id is not None:
        return "verified"
    if contact.attributes.get(UNVERIFIED_ID_ATTRIBUTE) is not None:
        return "unverified"
    return "anonymous"


# The attribute where an unsigned identity claim is kept, for agents to see and weigh.
UNVERIFIED_ID_ATTRIBUTE: Final = "unverified_external_id"


class VisitorSessionRead(Schema):
    # The visitor's credential: send it as `Authorization: Bearer <token>`. Keep it in the
    # browser's storage and send it back here to resume.
    token: str
    expires_at: datetime
    # True when the token sent in was resumed (the same token comes back).
    resumed: bool
    visitor: VisitorRead


class VisitorUpdate(InputSchema):
    """Only the fields sent change; null or an empty string clears a field."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"name": "Grace Hopper", "email": "grace@example.com"}]}
    )

    name: str | None = Field(default=None, max_length=MAX_NAME_CHARS)
    email: str | None = Field(default=None, max_length=MAX_EMAIL_CHARS)

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class IdentitySecretRead(Schema):
    identity_secret: str
