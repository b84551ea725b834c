"""The bot's settings beyond on/off: who it is, what it says, when it escalates, what it may do.

Stored in the workspace's settings under `bot` (WorkspaceSettings.bot); the older flat fields
`bot_enabled`, `bot_confidence_threshold` and `bot_handoff_message` stay where they were.
This module is plain data and validation (pydantic only), so that tenancy's schemas can hold
it without importing anything of the bot's machinery.
"""

import re
from enum import StrEnum
from typing import Annotated, Final

from pydantic import AfterValidator, Field

from helpline.core.schemas import InputSchema

MAX_KEYWORDS: Final = 50
MAX_KEYWORD_CHARS: Final = 60
MAX_NAME_CHARS: Final = 60
MAX_PERSONA_CHARS: Final = 1000
MAX_MESSAGE_CHARS: Final = 1000
MAX_UNHELPFUL_LIMIT: Final = 10
DEFAULT_FALLBACK: Final = (
    "I can't help with this myself, and nobody from the team can take over now."
)


class BotAction(StrEnum):
    hand_off = "hand_off"
    capture_email = "capture_email"
    # Arrives with tickets (issue 6): listed so clients know the name, refused until then.
    create_ticket = "create_ticket"


AVAILABLE_ACTIONS: Final = frozenset({BotAction.hand_off, BotAction.capture_email})


def _keywords(values: list[str]) -> list[str]:
    """Trimmed, inner spaces collapsed, duplicates (ignoring case) dropped, in their order."""
    if len(values) > MAX_KEYWORDS:
        raise ValueError(f"at most {MAX_KEYWORDS} escalation keywords, not {len(values)}")
    kept: dict[str, str] = {}
    for value in values:
        keyword = " ".join(value.split())
        if not keyword:
            continue
        if len(keyword) > MAX_KEYWORD_CHARS:
            raise ValueError(
                f"the keyword {keyword[:40]!r}... is too long: at most {MAX_KEYWORD_CHARS} "
                "characters"
            )
        if not re.search(r"\w", keyword):
            raise ValueError(f"the keyword {keyword!r} has no letter or digit: it matches no word")
        kept.setdefault(keyword.casefold(), keyword)
    return list(kept.values())


def _actions(values: list[BotAction]) -> list[BotAction]:
    unavailable = [a for a in values if a not in AVAILABLE_ACTIONS]
    if unavailable:
        raise ValueError(
            f"the action {unavailable[0].value!r} is not available yet: it arrives with tickets"
        )
    return list(dict.fromkeys(values))


def _one_line(value: str) -> str:
    return " ".join(value.split())


Keywords = Annotated[list[str], AfterValidator(_keywords)]
Actions = Annotated[list[BotAction], AfterValidator(_actions)]
BotName = Annotated[str, AfterValidator(_one_line), Field(max_length=MAX_NAME_CHARS)]
Persona = Annotated[str, Field(max_length=MAX_PERSONA_CHARS)]
BotText = Annotated[str, Field(max_length=MAX_MESSAGE_CHARS)]


def _language(value: str) -> str:
    if value and not _LANGUAGE_CODE.fullmatch(value):
        raise ValueError(
            f"{value[:40]!r} is not a language code: write one like en, fr or pt-BR, or leave "
            "it empty for the workspace's language"
        )
    return value


_LANGUAGE_CODE: Final = re.compile(r"[a-z]{2}(-[A-Z]{2})?")
# "" follows the workspace's locale.
Language = Annotated[str, AfterValidator(_language)]
UnhelpfulLimit = Annotated[int, Field(ge=0, le=MAX_UNHELPFUL_LIMIT)]
# VADER's compound score runs from -1 (most negative) to 1; below this, a person takes over.
SentimentThreshold = Annotated[float, Field(ge=-1, le=0)]


class BotSettings(InputSchema):
    """The bot's profile and escalation rules (docs/bot.md, Settings)."""

    # The bot's name as its messages are signed ("": the widget's word for an assistant).
    name: BotName = ""
    # A few sentences on tone and voice, given to the model after its rules, as data.
    persona: Persona = ""
    # Posted by the bot when it takes a new conversation ("": none).
    welcome_message: BotText = ""
    # Said when a rule wants a person but none can take over (not allowed, or outside hours).
    fallback_message: BotText = ""
    language: Language = ""
    # Whole words or phrases, any case: a message with one goes to a person.
    escalation_keywords: Keywords = Field(default_factory=list)
    handoff_on_request: bool = True
    # This many unhelpful answers in a row (the visitor says so) go to a person; 0: never.
    unhelpful_limit: UnhelpfulLimit = 0
    negative_sentiment: bool = False
    sentiment_threshold: SentimentThreshold = -0.6
    allowed_actions: Actions = Field(
        default_factory=lambda: [BotAction.hand_off, BotAction.capture_email]
    )

    def allows(self, action: BotAction) -> bool:
        return action in self.allowed_actions

    def fallback_text(self) -> str:
        return self.fallback_message.strip() or DEFAULT_FALLBACK
