"""What the widget reads before a visitor session exists, and the snippet admins install."""

from datetime import datetime
from typing import Any, Literal

from pydantic import ConfigDict, Field

from helpline.core.schemas import InputSchema, Schema
from helpline.tenancy.schemas import WidgetPrechat


class WidgetHours(Schema):
    """Whether the team answers now, computed by the server in the workspace's time zone."""

    # Business hours are switched on (off: always open).
    enabled: bool
    open_now: bool
    # When the team next opens, while it is closed; null when open (or never open).
    next_open_at: datetime | None


class WidgetConfig(Schema):
    """The public look of a workspace's widget: nothing here is private."""

    name: str
    color: str
    greeting: str
    position: Literal["right", "left"]
    theme: Literal["auto", "light", "dark"]
    # An https address of the logo for the header ("": none). The website's own Content
    # Security Policy decides whether its browser may load it (docs/widget.md, Safety).
    logo_url: str
    locale: str
    prechat: WidgetPrechat
    hours: WidgetHours
    # What the widget says outside business hours ("": its own words, in the visitor's language).
    offline_message: str
    # The workspace's public help centre, which the home screen searches ("": nothing is
    # published, so the widget shows no search).
    help_centre_url: str = ""
    # The name the bot signs its messages with ("": the widget's word for an assistant).
    bot_name: str = ""


class WidgetSnippet(Schema):
    snippet: str
    script_url: str
    public_key: str


class VisitorAttributesUpdate(InputSchema):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"attributes": {"plan": "pro", "company": "Acme"}}]}
    )

    # Merged into the contact's attributes; a null value deletes its key. The contacts' rules
    # apply (docs/contacts.md): keys like `plan`, scalar values, at most 50 keys.
    attributes: dict[str, Any] = Field(max_length=50)
