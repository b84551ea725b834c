"""The model that writes conversation summaries: one chat completion, not streamed, at the
same OpenAI-compatible endpoint, model, key and time limit as the bot (HELPLINE_LLM_*).

A suggested reply needs no client of its own: it is the bot's answer (bot.llm), for an
agent to edit. Whatever the model writes is untrusted: service.py makes it inert.
"""

from typing import Final, Protocol

from helpline.assist.prompts import (
    SUMMARY_SYSTEM_PROMPT,
    SUMMARY_USER_PROMPT,
    TRANSCRIPT_END,
    TRANSCRIPT_START,
)
from helpline.bot.llm import completion_text, post_chat
from helpline.settings import Settings

MAX_SUMMARY_CHARS: Final = 2000


class Summariser(Protocol):
    async def summarise(self, transcript: str) -> str: ...


class OpenAICompatibleSummariser:
    """POST {base_url}/chat/completions, giving up after `timeout_s` in all. Raises LLMError
    when the model does not answer in time or answers something that is no completion."""

    def __init__(self, *, base_url: str, model: str, api_key: str, timeout_s: float) -> None:
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self.api_key = api_key
        self.timeout_s = timeout_s

    async def summarise(self, transcript: str) -> str:
        prompt = SUMMARY_USER_PROMPT.format(
            start=TRANSCRIPT_START, transcript=transcript, end=TRANSCRIPT_END
        )
        payload = {
            "model": self.model,
            "temperature": 0,
            "stream": False,
            "messages": [
                {"role": "system", "content": SUMMARY_SYSTEM_PROMPT},
                {"role": "user", "content": prompt},
            ],
        }
        response = await post_chat(
            self.url, payload, api_key=self.api_key, timeout_s=self.timeout_s
        )
        return completion_text(response)[:MAX_SUMMARY_CHARS]


def summariser(settings: Settings) -> Summariser | None:
    """The configured model, or None: summaries are then extracted (transcript.py)."""
    if not settings.llm_base_url:
        return None
    return OpenAICompatibleSummariser(
        base_url=settings.llm_base_url,
        model=settings.llm_model,
        api_key=settings.llm_api_key.get_secret_value(),
        timeout_s=settings.llm_timeout.total_seconds(),
    )
