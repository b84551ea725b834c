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
from helpline.llm.endpoint import LLMEndpoint, LLMError

_CITATION: Final = re.compile(r"\[(\d{1,2})\]")
# An article chunk starts with "Title — Heading" on its own line (knowledge.chunking).
_CHUNK_PREFIX: Final = re.compile(r"\A[^\n]*\n")
MAX_ANSWER_CHARS: Final = 4000
# Server-sent events: each event's payload is on its `data:` lines; this one ends the stream.
_SSE_DATA: Final = "data:"
_SSE_DONE: Final = "[DONE]"
CHAT_PATH: Final = "/chat/completions"
_STATUS_HINTS: Final[dict[int, str]] = {
    401: " Check the API key.",
    403: " Check the API key and what it is allowed to use.",
    404: " Check the address (the base URL ends before /chat/completions) and the model's name.",
    429: " The provider is rate limiting this key.",
}

# Called with the answer's text so far, as it grows (see the module docstring).
OnText = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Draft:
    text: str
    # 1-based numbers of the sources the answer rests on.
    cited: tuple[int, ...]
    # False: the model found no answer in the sources.
    grounded: bool


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
    """POST {base_url}/chat/completions with `"stream": true`, giving up after the endpoint's
    `timeout_s` in all (connecting, waiting, and every chunk until the last)."""

    def __init__(self, endpoint: LLMEndpoint, *, system_prompt: str = SYSTEM_PROMPT) -> None:
        self.endpoint = endpoint
        # The rules first, then the workspace's bot profile, if any (prompts.system_prompt).
        self.system_prompt = system_prompt

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
        endpoint = self.endpoint
        payload = {
            "model": endpoint.model,
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
        try:
            # Both limits: httpx's per phase, and fail_after over the whole exchange (a server
            # trickling chunks would otherwise reset httpx's read timeout forever).
            with anyio.fail_after(endpoint.timeout_s):
                await endpoint.ensure_callable()
                async with (
                    httpx.AsyncClient(timeout=endpoint.timeout_s) as client,
                    client.stream(
                        "POST",
                        endpoint.url(CHAT_PATH),
                        json=payload,
                        headers=_headers(endpoint),
                    ) as response,
                ):
                    if response.status_code != httpx.codes.OK:
                        raise LLMError(status_problem(response.status_code))
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


async def post_chat(endpoint: LLMEndpoint, payload: dict[str, Any]) -> httpx.Response:
    """One chat completion request, not streamed, given up after the endpoint's `timeout_s`
    in all (httpx's limits are per phase; fail_after bounds the whole exchange): its 200
    response, or LLMError. For the callers that need no stream (assist's summary, the staff
    assistant, the connection test)."""
    timeout_s = endpoint.timeout_s
    try:
        with anyio.fail_after(timeout_s):
            await endpoint.ensure_callable()
            async with httpx.AsyncClient(timeout=timeout_s) as client:
                response = await client.post(
                    endpoint.url(CHAT_PATH), json=payload, headers=_headers(endpoint)
                )
    except (httpx.HTTPError, TimeoutError) as exc:
        raise LLMError(f"The LLM did not answer: {type(exc).__name__}.") from exc
    if response.status_code != httpx.codes.OK:
        raise LLMError(status_problem(response.status_code))
    return response


def _headers(endpoint: LLMEndpoint) -> dict[str, str]:
    return {"Authorization": f"Bearer {endpoint.api_key}"} if endpoint.api_key else {}


def status_problem(status: int) -> str:
    """What an error status from the model's endpoint most likely means, for whoever set it."""
    hint = _STATUS_HINTS.get(status, "")
    return f"The LLM answered with HTTP {status}.{hint}"


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


def llm_client(endpoint: LLMEndpoint | None, *, system_prompt: str = SYSTEM_PROMPT) -> LLMClient:
    """The model at `endpoint` (llm.service.endpoint_for: the workspace's choice), or with
    none the offline default. `system_prompt`: prompts.system_prompt(...) with a workspace's
    bot profile."""
    if endpoint is None:
        return ExtractiveLLM()
    return OpenAICompatibleLLM(endpoint, system_prompt=system_prompt)
