"""The staff assistant's model: OpenAI chat completions with function calling (`tools`), not
streamed, at the workspace bot's endpoint, model and key (llm.service.endpoint_for). One call is one round:
the model answers with text or asks for tool calls. The whole exchange, every round and
every tool, is bounded by service.ask with the client's `timeout_s`.

Whatever the model writes is untrusted: its tool calls are checked by tools.Toolbox, its
text made inert by the service."""

import json
from dataclasses import dataclass
from typing import Any, Final, Protocol

import httpx

from helpline.bot.llm import post_chat
from helpline.llm.endpoint import LLMEndpoint, LLMError

MAX_ANSWER_CHARS: Final = 4000
# More calls than this in one round are ignored: a model asking for many is looping.
MAX_CALLS_PER_ROUND: Final = 4
MAX_NAME_CHARS: Final = 64


@dataclass(frozen=True, slots=True)
class ToolCall:
    id: str
    name: str
    # The arguments as the model wrote them (JSON text): validated by the tool.
    arguments: str


@dataclass(frozen=True, slots=True)
class Completion:
    text: str
    tool_calls: tuple[ToolCall, ...] = ()

    def as_message(self) -> dict[str, Any]:
        """The assistant's turn, as the next request must repeat it."""
        message: dict[str, Any] = {"role": "assistant", "content": self.text or None}
        if self.tool_calls:
            message["tool_calls"] = [
                {
                    "id": call.id,
                    "type": "function",
                    "function": {"name": call.name, "arguments": call.arguments},
                }
                for call in self.tool_calls
            ]
        return message


class ToolCallingLLM(Protocol):
    timeout_s: float

    async def complete(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]
    ) -> Completion: ...


class OpenAICompatibleToolLLM:
    """POST {base_url}/chat/completions with the tools offered (none: the model must write
    its answer). Raises LLMError when the model fails or answers something unreadable."""

    def __init__(self, endpoint: LLMEndpoint) -> None:
        self.endpoint = endpoint
        self.timeout_s = endpoint.timeout_s

    async def complete(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]
    ) -> Completion:
        payload: dict[str, Any] = {
            "model": self.endpoint.model,
            "temperature": 0,
            "stream": False,
            "messages": messages,
        }
        if tools:
            payload["tools"] = tools
        response = await post_chat(self.endpoint, payload)
        return _completion(response)


def _completion(response: httpx.Response) -> Completion:
    try:
        body: Any = response.json()
        message = body["choices"][0]["message"]
        content = message.get("content") or ""
        raw_calls = message.get("tool_calls") or []
    except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
        raise LLMError("The LLM's answer is not a chat completion.") from exc
    if not isinstance(content, str) or not isinstance(raw_calls, list):
        raise LLMError("The LLM's answer is not a chat completion.")
    calls = tuple(_call(raw, n) for n, raw in enumerate(raw_calls[:MAX_CALLS_PER_ROUND]))
    return Completion(content[:MAX_ANSWER_CHARS], calls)


def _call(raw: Any, n: int) -> ToolCall:
    try:
        function = raw["function"]
        name = function["name"]
        arguments = function.get("arguments") or "{}"
        call_id = raw.get("id") or f"call_{n}"
    except (KeyError, TypeError, AttributeError) as exc:
        raise LLMError("The LLM asked for a tool in a form we cannot read.") from exc
    if not isinstance(arguments, str):
        # Some servers send the arguments as an object rather than its JSON text.
        arguments = json.dumps(arguments)
    if not isinstance(name, str) or not isinstance(call_id, str):
        raise LLMError("The LLM asked for a tool in a form we cannot read.")
    return ToolCall(id=call_id[:MAX_NAME_CHARS], name=name[:MAX_NAME_CHARS], arguments=arguments)


def tool_calling_llm(endpoint: LLMEndpoint | None) -> ToolCallingLLM | None:
    """The workspace's model, or None: the assistant then answers from its tools alone."""
    return None if endpoint is None else OpenAICompatibleToolLLM(endpoint)
