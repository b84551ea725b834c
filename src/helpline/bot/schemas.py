"""`/api/v1/bot/settings`: the bot's settings in one flat shape. `enabled`,
`confidence_threshold` and `handoff_message` are the workspace's older `bot_*` settings; the
rest is WorkspaceSettings.bot (bot/settings.py), with the same rules."""

from typing import Annotated

from pydantic import ConfigDict, Field

from helpline.bot.settings import (
    Actions,
    BotAction,
    BotName,
    BotText,
    Keywords,
    Language,
    Persona,
    SentimentThreshold,
    UnhelpfulLimit,
)
from helpline.core.schemas import InputSchema, Schema

ConfidenceThreshold = Annotated[float, Field(ge=0, le=1)]
HandoffMessage = Annotated[str, Field(min_length=1, max_length=500)]

# The REST names of the older flat workspace settings.
LEGACY_FIELDS = {
    "enabled": "bot_enabled",
    "confidence_threshold": "bot_confidence_threshold",
    "handoff_message": "bot_handoff_message",
}


class BotSettingsRead(Schema):
    enabled: bool
    name: str
    persona: str
    welcome_message: str
    fallback_message: str
    handoff_message: str
    language: str
    escalation_keywords: list[str]
    handoff_on_request: bool
    confidence_threshold: float
    unhelpful_limit: int
    negative_sentiment: bool
    sentiment_threshold: float
    allowed_actions: list[BotAction]


class BotSettingsUpdate(InputSchema):
    """Only the fields sent change."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Ava",
                    "escalation_keywords": ["refund", "cancel my account"],
                    "unhelpful_limit": 2,
                }
            ]
        }
    )

    enabled: bool | None = None
    name: BotName | None = None
    persona: Persona | None = None
    welcome_message: BotText | None = None
    fallback_message: BotText | None = None
    handoff_message: HandoffMessage | None = None
    language: Language | None = None
    escalation_keywords: Keywords | None = None
    handoff_on_request: bool | None = None
    confidence_threshold: ConfidenceThreshold | None = None
    unhelpful_limit: UnhelpfulLimit | None = None
    negative_sentiment: bool | None = None
    sentiment_threshold: SentimentThreshold | None = None
    allowed_actions: Actions | None = None
