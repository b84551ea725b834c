"""What the widget reads before a visitor session exists, and the snippet admins install."""

from typing import Literal

from helpline.core.schemas import Schema


class WidgetConfig(Schema):
    """The public look of a workspace's widget: nothing here is private."""

    name: str
    color: str
    greeting: str
    position: Literal["right", "left"]
    theme: Literal["auto", "light", "dark"]
    locale: str


class WidgetSnippet(Schema):
    snippet: str
    script_url: str
    public_key: str
