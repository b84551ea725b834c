"""The model that writes conversation summaries: one chat completion, not streamed, at the
same endpoint, model, key and time limit as the workspace's bot (llm.service.endpoint_for).

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
from helpline.llm.endpoint import LLMEndpoint

MAX_SUMMARY_CHARS: Final = 2000


class Summariser(Protocol):
    async def summarise(self, transcript: str) -> str: ...


class OpenAICompatibleSummariser:
    """POST {base_url}/chat/completions, giving up after the endpoint's `timeout_s` in all.
    Raises LLMError when the model does not answer in time or answers something that is no
    completion."""

    def __init__(self, endpoint: LLMEndpoint) -> None:
        self.endpoint = endpoint

    async def summarise(self, transcript: str) -> str:
        prompt = SUMMARY_USER_PROMPT.format(
            start=TRANSCRIPT_START, transcript=transcript, end=TRANSCRIPT_END
        )
        payload = {
            "model": self.endpoint.model,
            "temperature": 0,
            "stream": False,
            "messages": [
                {"role": "system", "content": SUMMARY_SYSTEM_PROMPT},
                {"role": "user", "content": prompt},
            ],
        }
        response = await post_chat(self.endpoint, payload)
        return completion_text(response)[:MAX_SUMMARY_CHARS]


def summariser(endpoint: LLMEndpoint | None) -> Summariser | None:
    """The workspace's model, or None: summaries are then extracted (transcript.py)."""
    return None if endpoint is None else OpenAICompatibleSummariser(endpoint)
