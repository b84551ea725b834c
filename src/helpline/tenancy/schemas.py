"""Request and response shapes for workspaces, members, teams and invitations."""

import itertools
import re
import uuid
import zoneinfo
from datetime import datetime
from typing import Annotated, Final, Literal
from urllib.parse import urlsplit

from pydantic import ConfigDict, EmailStr, Field, field_validator, model_validator

# Plain data (pydantic only): the bot's own rules live with the bot (docs/bot.md).
from helpline.bot.settings import BotSettings
from helpline.core.schemas import IDSchema, InputSchema, Schema, TimestampedSchema
from helpline.tenancy.models import Availability, Role, WorkspaceStatus
from helpline.visitors.origins import normalize_origin

Name = Annotated[str, Field(min_length=1, max_length=120)]
Slug = Annotated[
    str, Field(min_length=2, max_length=63, pattern=r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])$")
]
Password = Annotated[str, Field(min_length=1, max_length=256)]


# Between the two times of an interval in messages, as people write it (an en dash).
DASH: Final = "\N{EN DASH}"
WEEKDAYS: Final = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MAX_INTERVALS_PER_DAY: Final = 3
_OPENS: Final = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
_CLOSES: Final = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]|24:00")


class OpeningInterval(InputSchema):
    """One stretch of a day when the team answers, in the workspace's time zone. "HH:MM"
    strings compare like the times they name; "24:00" closes at midnight."""

    start: str
    end: str

    @field_validator("start")
    @classmethod
    def _opening_time(cls, value: str) -> str:
        if not _OPENS.fullmatch(value):
            raise ValueError(f"{value!r} is not a time of day: write it as HH:MM, such as 09:00")
        return value

    @field_validator("end")
    @classmethod
    def _closing_time(cls, value: str) -> str:
        if not _CLOSES.fullmatch(value):
            raise ValueError(
                f"{value!r} is not a time of day: write it as HH:MM, such as 17:30 (24:00 for "
                "midnight)"
            )
        return value

    @model_validator(mode="after")
    def _ends_after_it_starts(self) -> "OpeningInterval":
        if self.end <= self.start:
            raise ValueError(
                f"the opening hours {self.start}{DASH}{self.end} end before they start: "
                "an interval cannot run past midnight, split it over two days"
            )
        return self


class BusinessHours(InputSchema):
    """When the team answers: per weekday, up to three intervals (none: closed all day)."""

    enabled: bool = False
    monday: list[OpeningInterval] = Field(default_factory=list)
    tuesday: list[OpeningInterval] = Field(default_factory=list)
    wednesday: list[OpeningInterval] = Field(default_factory=list)
    thursday: list[OpeningInterval] = Field(default_factory=list)
    friday: list[OpeningInterval] = Field(default_factory=list)
    saturday: list[OpeningInterval] = Field(default_factory=list)
    sunday: list[OpeningInterval] = Field(default_factory=list)

    def day(self, weekday: str) -> list[OpeningInterval]:
        intervals: list[OpeningInterval] = getattr(self, weekday)
        return intervals

    @model_validator(mode="after")
    def _days_make_sense(self) -> "BusinessHours":
        for weekday in WEEKDAYS:
            intervals = sorted(self.day(weekday), key=lambda i: i.start)
            name = weekday.capitalize()
            if len(intervals) > MAX_INTERVALS_PER_DAY:
                raise ValueError(
                    f"{name} has {len(intervals)} opening intervals: a day has at most "
                    f"{MAX_INTERVALS_PER_DAY}"
                )
            for before, after in itertools.pairwise(intervals):
                if after.start < before.end:
                    raise ValueError(
                        f"{name}: the opening hours {before.start}{DASH}{before.end} and "
                        f"{after.start}{DASH}{after.end} overlap"
                    )
            setattr(self, weekday, intervals)
        return self


# What the inbox's label picker suggests. The palette is fixed, so every colour reads well
# in light and dark; the names follow the rule of conversations' labels
# (conversations/service/labels.py, which tenancy does not import), so a suggestion is
# always a label a conversation accepts.
LABEL_COLORS: Final = (
    "gray",
    "red",
    "orange",
    "yellow",
    "green",
    "teal",
    "blue",
    "indigo",
    "purple",
    "pink",
)
LabelColor = Literal[
    "gray", "red", "orange", "yellow", "green", "teal", "blue", "indigo", "purple", "pink"
]
MAX_LABEL_CHARS: Final = 50
MAX_CATALOGUE_LABELS: Final = 100
_LABEL_NAME: Final = re.compile(rf"[a-z0-9_\- ]{{1,{MAX_LABEL_CHARS}}}")


class LabelDefinition(InputSchema):
    name: str
    color: LabelColor = "gray"

    @field_validator("name", mode="before")
    @classmethod
    def _label_name(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        # As conversations store labels: lowercase, runs of spaces collapsed.
        name = " ".join(value.split()).lower()
        if not name:
            raise ValueError("a label needs a name")
        if len(name) > MAX_LABEL_CHARS:
            raise ValueError(
                f"the label name {value[:60]!r} is too long: at most {MAX_LABEL_CHARS} characters"
            )
        if not _LABEL_NAME.fullmatch(name):
            raise ValueError(
                f"{value[:60]!r} is not a valid label name: use letters a-z, digits, spaces, "
                "hyphens or underscores"
            )
        return name


# The widget's pre-chat form (docs/widget.md): what it asks before a visitor's first message.
MAX_PRECHAT_FIELDS: Final = 10
# A field's key is the contact attribute its answer is kept in (the contacts' rule for
# attribute names); `name` and `email` answers go to the contact's own name and email.
_PRECHAT_KEY: Final = re.compile(r"[a-z][a-z0-9_]{0,49}")
_RESERVED_PRECHAT_KEYS: Final = frozenset({"unverified_external_id"})


class PrechatField(InputSchema):
    key: str
    label: str = Field(min_length=1, max_length=80)
    kind: Literal["name", "email", "text"] = "text"
    required: bool = False

    @field_validator("key")
    @classmethod
    def _attribute_name(cls, value: str) -> str:
        if not _PRECHAT_KEY.fullmatch(value) or value in _RESERVED_PRECHAT_KEYS:
            raise ValueError(
                f"{value[:60]!r} is not a valid field key: use 1 to 50 lower-case letters, "
                "digits and underscores, starting with a letter (such as company)"
            )
        return value


class WidgetPrechat(InputSchema):
    enabled: bool = False
    fields: list[PrechatField] = Field(default_factory=list, max_length=MAX_PRECHAT_FIELDS)

    @model_validator(mode="after")
    def _one_of_each(self) -> "WidgetPrechat":
        keys = [f.key for f in self.fields]
        for key in keys:
            if keys.count(key) > 1:
                raise ValueError(f"two pre-chat fields have the key {key!r}: keys are unique")
        for kind in ("name", "email"):
            if sum(f.kind == kind for f in self.fields) > 1:
                raise ValueError(f"the pre-chat form can ask for the {kind} only once")
        return self


# The logo in the widget's header (docs/widget.md): an image on the web, by its https address.
MAX_LOGO_URL_CHARS: Final = 500


def _logo_address(value: str) -> str:
    """An https address of an image, or "" for none. https only: an http image would be
    mixed content on the https websites the widget runs on, and other schemes (data:,
    javascript:, blob:) are not addresses of an image on the web."""
    url = value.strip()
    if not url:
        return ""
    if len(url) > MAX_LOGO_URL_CHARS:
        raise ValueError(f"the logo's address is too long: at most {MAX_LOGO_URL_CHARS} characters")
    shown = url[:60]
    try:
        parts = urlsplit(url)
    except ValueError:  # such as an unclosed "[" where an IPv6 host would be
        parts = None
    if parts is None or parts.scheme.lower() != "https" or not parts.hostname:
        raise ValueError(
            f"the logo's address {shown!r} is not an https address: write it like "
            "https://www.example.com/logo.png"
        )
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        raise ValueError(f"the logo's address {shown!r} holds spaces or invisible characters")
    if parts.username is not None or parts.password is not None:
        raise ValueError(
            "the logo's address holds a user name or password: give the image's public address"
        )
    return url


class WorkspaceSettings(InputSchema):
    """Workspace-wide preferences; each later capability adds its own."""

    timezone: str = "UTC"
    locale: str = Field(default="en", pattern=r"^[a-z]{2}(-[A-Z]{2})?$")
    # Websites (origins such as https://www.example.com) allowed to run the chat widget.
    widget_origins: list[str] = Field(default_factory=list, max_length=50)
    # Refuse visitors who claim an identity without HMAC-SHA256(user id, identity secret).
    identity_verification: bool = False
    # Give conversations that need a person to an online agent by round-robin.
    auto_assignment: bool = True
    # The bot answers new widget conversations first, from the knowledge base (docs/bot.md).
    bot_enabled: bool = False
    # The retrieval confidence (0 to 1) below which the bot hands off instead of answering.
    bot_confidence_threshold: float = Field(default=0.5, ge=0, le=1)
    # What the bot says when it hands a conversation to a person.
    bot_handoff_message: str = Field(
        default="Let me connect you with a member of our team.", min_length=1, max_length=500
    )
    # The bot's name, persona, messages, escalation rules and allowed actions (bot/settings.py).
    bot: BotSettings = Field(default_factory=BotSettings)
    # The chat widget's look (docs/widget.md). An empty name shows the workspace's name.
    widget_name: str = Field(default="", max_length=60)
    widget_color: str = Field(default="#2563eb", pattern=r"^#[0-9a-fA-F]{6}$")
    widget_greeting: str = Field(default="", max_length=280)
    widget_position: Literal["right", "left"] = "right"
    widget_theme: Literal["auto", "light", "dark"] = "auto"
    # An https address of an image shown in the widget's header ("": no logo).
    widget_logo_url: str = ""
    widget_prechat: WidgetPrechat = Field(default_factory=WidgetPrechat)
    # When the team answers, and what the widget says outside those hours (docs/widget.md).
    business_hours: BusinessHours = Field(default_factory=BusinessHours)
    offline_message: str = Field(default="", max_length=500)
    # The catalogue of labels the inbox suggests; conversations may still carry others.
    labels: list[LabelDefinition] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        if value not in zoneinfo.available_timezones():
            raise ValueError(f"{value!r} is not a known time zone, such as Europe/Paris")
        return value

    @field_validator("labels")
    @classmethod
    def _label_catalogue(cls, labels: list[LabelDefinition]) -> list[LabelDefinition]:
        if len(labels) > MAX_CATALOGUE_LABELS:
            raise ValueError(
                f"the catalogue holds at most {MAX_CATALOGUE_LABELS} labels, not {len(labels)}"
            )
        seen: set[str] = set()
        for label in labels:
            if label.name in seen:
                raise ValueError(f"there are two labels named {label.name!r}: names are unique")
            seen.add(label.name)
        return labels

    @field_validator("widget_logo_url")
    @classmethod
    def _logo_url(cls, value: str) -> str:
        return _logo_address(value)

    @field_validator("widget_origins")
    @classmethod
    def _normalized_origins(cls, values: list[str]) -> list[str]:
        # Stored as browsers send them (scheme://host[:port]), so matching is exact.
        return list(dict.fromkeys(normalize_origin(value) for value in values))


class WorkspaceRead(TimestampedSchema):
    name: str
    slug: str
    status: WorkspaceStatus
    public_key: str
    domains: list[str]
    settings: WorkspaceSettings


class WorkspaceUpdate(InputSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "Acme Support"}]})

    name: Name | None = None
    domains: list[str] | None = Field(default=None, max_length=50)
    settings: WorkspaceSettings | None = None


class WorkspaceDiscovery(Schema):
    public_key: str
    workspace_name: str


class MemberRead(IDSchema):
    user_id: uuid.UUID
    email: str
    name: str
    role: Role
    availability: Availability
    capacity: int
    created_at: datetime


class MemberUpdate(InputSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"capacity": 8}]})

    role: Role | None = None
    capacity: int | None = Field(default=None, ge=0, le=1000)


class AvailabilityUpdate(InputSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"availability": "online"}]})

    availability: Availability


class TeamCreate(InputSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "Billing"}]})

    name: Annotated[str, Field(min_length=1, max_length=80)]
    description: Annotated[str, Field(max_length=500)] = ""


class TeamUpdate(InputSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"description": "Invoices"}]})

    name: Annotated[str, Field(min_length=1, max_length=80)] | None = None
    description: Annotated[str, Field(max_length=500)] | None = None


class TeamRead(TimestampedSchema):
    name: str
    description: str
    member_ids: list[uuid.UUID]


class TeamMemberAdd(InputSchema):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"member_id": "01900000-0000-7000-8000-000000000000"}]}
    )

    member_id: uuid.UUID


class InvitationCreate(InputSchema):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"email": "new.agent@example.com", "role": "agent"}]}
    )

    email: EmailStr
    role: Role = Role.agent


class InvitationRead(TimestampedSchema):
    email: str
    role: Role
    expires_at: datetime
    accepted_at: datetime | None
    revoked_at: datetime | None


class InvitationPreview(Schema):
    workspace_name: str
    email: str
    role: Role
    expires_at: datetime
    has_account: bool


class InvitationToken(InputSchema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"token": "secret-from-the-email"}]})

    token: Annotated[str, Field(min_length=10, max_length=200)]


class InvitationAccept(InputSchema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"token": "secret-from-the-email", "name": "Ada", "password": "a long password"}
            ]
        }
    )

    token: Annotated[str, Field(min_length=10, max_length=200)]
    # For a new account: the name and password to create it with. For an existing account:
    # its current password, which proves the invitee owns it.
    name: Name | None = None
    password: Password
