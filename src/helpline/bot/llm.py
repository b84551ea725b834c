"""The language model behind the bot: an `LLMClient` protocol and its two implementations.

`ExtractiveLLM` (the default, offline): answers with the best source as it stands, the FAQ
entry's answer or the article passage. `OpenAICompatibleLLM`: any chat-completions endpoint
(hosted, vLLM, Ollama), streamed, with a hard time limit. Whatever a model writes is
untrusted text: the caller decides what becomes of it (agent.py).

The protocol is one call: `answer(question, sources, on_text=None) -> Draft`. A client that
streams calls `on_text(text_so_far)` as the answer grows (the raw text, capped at
MAX_ANSWER_CHARS, never the HANDOFF reply); it must return at once (it publishes, it does
not wait). A client that does not stream never calls it. The `Draft` it returns is the only
answer that counts: what `on_text` saw is a preview.
"""

import json
import re
from collections.abc import AsyncIterator, Callable, Sequence
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
# Server-sent events: each event's payload is on its `data:` lines; this one ends the stream.
_SSE_DATA: Final = "data:"
_SSE_DONE: Final = "[DONE]"

# Called with the answer's text so far, as it grows (see the module docstring).
OnText = Callable[[str], None]


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
    async def answer(
        self, question: str, sources: Sequence[Passage], on_text: OnText | None = None
    ) -> Draft: ...


class ExtractiveLLM:
    """Answers with the first (best) source, quoted, and cites it. At once: nothing to stream."""

    async def answer(
        self,
        question: str,  # noqa: ARG002 (the protocol's signature)
        sources: Sequence[Passage],
        on_text: OnText | None = None,  # noqa: ARG002 (the protocol's signature)
    ) -> Draft:
        if not sources:
            return Draft("", (), grounded=False)
        best = sources[0]
        text = best.text if best.source_kind == SourceKind.faq else _CHUNK_PREFIX.sub("", best.text)
        return Draft(text.strip(), (1,), grounded=True)


class OpenAICompatibleLLM:
    """POST {base_url}/chat/completions with `"stream": true`, giving up after `timeout_s` in
    all (connecting, waiting, and every chunk until the last)."""

    def __init__(
        self,
        *,
        base_url: str,
        model: str,
        api_key: str,
        timeout_s: float,
        system_prompt: str = SYSTEM_PROMPT,
    ) -> None:
        self.url = base_url.rstrip("/") + "/chat/completions"
        # The rules first, then the workspace's bot profile, if any (prompts.system_prompt).
        self.system_prompt = system_prompt
        self.model = model
        self.api_key = api_key
        self.timeout_s = timeout_s

    async def answer(
        self, question: str, sources: Sequence[Passage], on_text: OnText | None = None
    ) -> Draft:
        if not sources:
            return Draft("", (), grounded=False)
        content = await self._complete(question, sources, on_text)
        text = content.strip()[:MAX_ANSWER_CHARS]
        if not text or text.upper().startswith(HANDOFF_REPLY):
            return Draft("", (), grounded=False)
        cited = tuple(
            dict.fromkeys(n for n in map(int, _CITATION.findall(text)) if 1 <= n <= len(sources))
        )
        # An answer that cites none of the sources is not grounded in them.
        return Draft(text, cited, grounded=bool(cited))

    async def _complete(
        self, question: str, sources: Sequence[Passage], on_text: OnText | None
    ) -> str:
        numbered = "\n\n".join(
            f"[{i}] {source.title}\n{source.text}" for i, source in enumerate(sources, start=1)
        )
        payload = {
            "model": self.model,
            "temperature": 0,
            "stream": True,
            "messages": [
                {"role": "system", "content": self.system_prompt},
                {
                    "role": "user",
                    "content": USER_PROMPT.format(sources=numbered, question=question),
                },
            ],
        }
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        try:
            # Both limits: httpx's per phase, and fail_after over the whole exchange (a server
            # trickling chunks would otherwise reset httpx's read timeout forever).
            with anyio.fail_after(self.timeout_s):
                async with (
                    httpx.AsyncClient(timeout=self.timeout_s) as client,
                    client.stream("POST", self.url, json=payload, headers=headers) as response,
                ):
                    if response.status_code != httpx.codes.OK:
                        raise LLMError(f"The LLM answered with HTTP {response.status_code}.")
                    if not _is_event_stream(response):
                        # A server that does not stream answers with the whole completion.
                        await response.aread()
                        return completion_text(response)
                    return await _streamed(response.aiter_lines(), on_text)
        except (httpx.HTTPError, TimeoutError) as exc:
            raise LLMError(f"The LLM did not answer: {type(exc).__name__}.") from exc


def _is_event_stream(response: httpx.Response) -> bool:
    content_type: str = response.headers.get("content-type", "")
    return content_type.startswith("text/event-stream")


async def _streamed(lines: AsyncIterator[str], on_text: OnText | None) -> str:
    """The answer carried by a chat-completions event stream (`data: {chunk}` events, each
    with `choices[0].delta.content`, then `data: [DONE]`), telling `on_text` as it grows."""
    text = ""
    async for line in lines:
        if not line.startswith(_SSE_DATA):
            continue  # blank lines between events, comments (":"), event names, ids
        data = line[len(_SSE_DATA) :].strip()
        if data == _SSE_DONE:
            return text
        delta = _delta(data)
        if not delta or len(text) >= MAX_ANSWER_CHARS:
            continue
        text = (text + delta)[:MAX_ANSWER_CHARS]
        if on_text is not None and _showable(text):
            on_text(text)
    # The connection ended without [DONE]: the answer may be cut short, so it is not one.
    raise LLMError("The LLM's answer stopped before its end.")


def _delta(data: str) -> str:
    try:
        chunk: Any = json.loads(data)
        content = chunk["choices"][0]["delta"].get("content") if chunk["choices"] else ""
    except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
        raise LLMError("The LLM's stream is not a chat completion.") from exc
    # The first chunk carries only the role, the last only the finish reason.
    if content is None:
        return ""
    if not isinstance(content, str):
        raise LLMError("The LLM's stream has no text.")
    return content


def _showable(text: str) -> bool:
    """Whether the answer so far can be shown: not while it may still be the HANDOFF reply,
    which is a signal to the code, never words for the visitor."""
    start = text.lstrip()[: len(HANDOFF_REPLY)].upper()
    return bool(start) and not HANDOFF_REPLY.startswith(start)


async def post_chat(
    url: str, payload: dict[str, Any], *, api_key: str, timeout_s: float
) -> httpx.Response:
    """One chat completion request, not streamed, given up after `timeout_s` in all (httpx's
    limits are per phase; fail_after bounds the whole exchange): its 200 response, or
    LLMError. For the callers that need no stream (assist's summary, the staff assistant)."""
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    try:
        with anyio.fail_after(timeout_s):
            async with httpx.AsyncClient(timeout=timeout_s) as client:
                response = await client.post(url, json=payload, headers=headers)
    except (httpx.HTTPError, TimeoutError) as exc:
        raise LLMError(f"The LLM did not answer: {type(exc).__name__}.") from exc
    if response.status_code != httpx.codes.OK:
        raise LLMError(f"The LLM answered with HTTP {response.status_code}.")
    return response


def completion_text(response: httpx.Response) -> str:
    """The text of a chat completion's first choice, or LLMError."""
    try:
        body: Any = response.json()
        content = body["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise LLMError("The LLM's answer is not a chat completion.") from exc
    if not isinstance(content, str):
        raise LLMError("The LLM's answer has no text.")
    return content


def llm_client(settings: Settings, *, system_prompt: str = SYSTEM_PROMPT) -> LLMClient:
    """The configured model: the endpoint in HELPLINE_LLM_BASE_URL, else the offline default.
    `system_prompt`: prompts.system_prompt(...) with a workspace's bot profile."""
    if not settings.llm_base_url:
        return ExtractiveLLM()
    return OpenAICompatibleLLM(
        base_url=settings.llm_base_url,
        model=settings.llm_model,
        api_key=settings.llm_api_key.get_secret_value(),
        timeout_s=settings.llm_timeout.total_seconds(),
        system_prompt=system_prompt,
    )
