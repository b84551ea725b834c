"""The language model behind the bot: an `LLMClient` protocol and its two implementations.

`ExtractiveLLM` (the default, offline): answers with the best source as it stands, the FAQ
entry's answer or the article passage. `OpenAICompatibleLLM`: any chat-completions endpoint
(hosted, vLLM, Ollama), with a hard time limit. Whatever a model writes is untrusted text:
the caller decides what becomes of it (agent.py).
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, Protocol

import anyio
import httpx

from helpline.bot.prompts import HANDOFF_REPLY, SYSTEM_PROMPT, USER_PROMPT
from helpline.knowledge.models import SourceKind
from helpline.knowledge.retrieval import Passage
from helpline.settings import Settings

_CITATION: Final = re.compile(r"\[(\d{1,2})\]")
# An article chunk starts with "Title — Heading" on its own line (knowledge.chunking).
_CHUNK_PREFIX: Final = re.compile(r"\A[^\n]*\n")
MAX_ANSWER_CHARS: Final = 4000


@dataclass(frozen=True, slots=True)
class Draft:
    text: str
    # 1-based numbers of the sources the answer rests on.
    cited: tuple[int, ...]
    # False: the model found no answer in the sources.
    grounded: bool


class LLMError(Exception):
    """The model could not answer: unreachable, too slow, or an answer we cannot read."""


class LLMClient(Protocol):
    async def answer(self, question: str, sources: Sequence[Passage]) -> Draft: ...


class ExtractiveLLM:
    """Answers with the first (best) source, quoted, and cites it."""

    async def answer(self, question: str, sources: Sequence[Passage]) -> Draft:  # noqa: ARG002 (the protocol's signature)
        if not sources:
            return Draft("", (), grounded=False)
        best = sources[0]
        text = best.text if best.source_kind == SourceKind.faq else _CHUNK_PREFIX.sub("", best.text)
        return Draft(text.strip(), (1,), grounded=True)


class OpenAICompatibleLLM:
    """POST {base_url}/chat/completions, giving up after `timeout_s` in all."""

    def __init__(self, *, base_url: str, model: str, api_key: str, timeout_s: float) -> None:
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self.api_key = api_key
        self.timeout_s = timeout_s

    async def answer(self, question: str, sources: Sequence[Passage]) -> Draft:
        if not sources:
            return Draft("", (), grounded=False)
        content = await self._complete(question, sources)
        text = content.strip()[:MAX_ANSWER_CHARS]
        if not text or text.upper().startswith(HANDOFF_REPLY):
            return Draft("", (), grounded=False)
        cited = tuple(
            dict.fromkeys(n for n in map(int, _CITATION.findall(text)) if 1 <= n <= len(sources))
        )
        # An answer that cites none of the sources is not grounded in them.
        return Draft(text, cited, grounded=bool(cited))

    async def _complete(self, question: str, sources: Sequence[Passage]) -> str:
        numbered = "\n\n".join(
            f"[{i}] {source.title}\n{source.text}" for i, source in enumerate(sources, start=1)
        )
        payload = {
            "model": self.model,
            "temperature": 0,
            "messages": [
                {"role": "system", "content": SYSTEM_PROMPT},
                {
                    "role": "user",
                    "content": USER_PROMPT.format(sources=numbered, question=question),
                },
            ],
        }
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        try:
            # Both limits: httpx's per phase, and fail_after over the whole exchange (a server
            # trickling bytes would otherwise reset httpx's read timeout forever).
            with anyio.fail_after(self.timeout_s):
                async with httpx.AsyncClient(timeout=self.timeout_s) as client:
                    response = await client.post(self.url, json=payload, headers=headers)
        except (httpx.HTTPError, TimeoutError) as exc:
            raise LLMError(f"The LLM did not answer: {type(exc).__name__}.") from exc
        if response.status_code != httpx.codes.OK:
            raise LLMError(f"The LLM answered with HTTP {response.status_code}.")
        return _content(response)


def _content(response: httpx.Response) -> str:
    try:
        body: Any = response.json()
        content = body["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise LLMError("The LLM's answer is not a chat completion.") from exc
    if not isinstance(content, str):
        raise LLMError("The LLM's answer has no text.")
    return content


def llm_client(settings: Settings) -> LLMClient:
    """The configured model: the endpoint in HELPLINE_LLM_BASE_URL, else the offline default."""
    if not settings.llm_base_url:
        return ExtractiveLLM()
    return OpenAICompatibleLLM(
        base_url=settings.llm_base_url,
        model=settings.llm_model,
        api_key=settings.llm_api_key.get_secret_value(),
        timeout_s=settings.llm_timeout.total_seconds(),
    )
