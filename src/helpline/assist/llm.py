"""The model that writes conversation summaries: one chat completion, not streamed, at the
same OpenAI-compatible endpoint, model, key and time limit as the bot (HELPLINE_LLM_*).

A suggested reply needs no client of its own: it is the bot's answer (bot.llm), for an
agent to edit. Whatever the model writes is untrusted: service.py makes it inert.
"""

from typing import Any, Final, Protocol

import anyio
import httpx

from helpline.assist.prompts import (
    SUMMARY_SYSTEM_PROMPT,
    SUMMARY_USER_PROMPT,
    TRANSCRIPT_END,
    TRANSCRIPT_START,
)
from helpline.bot.llm import LLMError
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
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        try:
            # fail_after bounds the whole exchange, as the bot's client does.
            with anyio.fail_after(self.timeout_s):
                async with httpx.AsyncClient(timeout=self.timeout_s) as client:
                    response = await client.post(self.url, json=payload, headers=headers)
        except (httpx.HTTPError, TimeoutError) as exc:
            raise LLMError(f"The LLM did not answer: {type(exc).__name__}.") from exc
        if response.status_code != httpx.codes.OK:
            raise LLMError(f"The LLM answered with HTTP {response.status_code}.")
        return _content(response)[:MAX_SUMMARY_CHARS]


def _content(response: httpx.Response) -> str:
    try:
        body: Any = response.json()
        content = body["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise LLMError("The LLM's answer is not a chat completion.") from exc
    if not isinstance(content, str):
        raise LLMError("The LLM's answer has no text.")
    return content


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
