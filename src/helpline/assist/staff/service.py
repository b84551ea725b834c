"""`ask(question, tools, llm)`: the staff assistant's answer.

With a model: OpenAI-style function calling, at most MAX_TOOL_ROUNDS rounds of tool calls,
then the model's text (the last request offers no tools), made inert. The question and each
tool's result go to the model fenced, as data (prompts.py). The whole exchange, tools
included, is bounded by the model's time limit (HELPLINE_LLM_TIMEOUT); a model that fails,
is too slow or says nothing is StaffAssistantUnavailable (503).

Without a model: a deterministic answer from the same tools, so it is honest about what it
is: the workspace's figures in words for a question about figures from a member offered
them, otherwise the knowledge base's best matches, titles and passages.

No database here: each tool reads in its own short unit of work (tools.py).
"""

import re
from dataclasses import dataclass, field
from typing import Any, Final

import anyio
import structlog

from helpline.assist.staff.llm import Completion, ToolCallingLLM
from helpline.assist.staff.prompts import QUESTION_FENCE, RESULT_FENCE, SYSTEM_PROMPT, fenced
from helpline.assist.staff.schemas import StaffAnswer, StaffSource
from helpline.assist.staff.tools import (
    MAX_QUERY_CHARS,
    SEARCH_KNOWLEDGE,
    WORKSPACE_FIGURES,
    Toolbox,
    ToolResult,
)
from helpline.bot.text import inert
from helpline.core.errors import AppError
from helpline.llm.endpoint import LLMError

log = structlog.get_logger(__name__)

MAX_TOOL_ROUNDS: Final = 3
DEFAULT_DAYS: Final = 30
# Words that make a question one about the workspace's figures, for the answer without a model.
_ABOUT_FIGURES: Final = re.compile(
    r"\b(how\s+many|how\s+much|rates?|figures?|reports?|stats|statistics|numbers?|"
    r"resolved|resolution|hand-?offs?|handed|volume)\b",
    re.IGNORECASE,
)
_DAYS: Final = re.compile(r"\b(\d{1,3})\s*days?\b", re.IGNORECASE)
_PERIODS: Final = {"today": 1, "yesterday": 2, "week": 7, "month": 30, "quarter": 90, "year": 365}
NO_FIGURES_NOTE: Final = "Workspace figures are for owners and admins."


class StaffAssistantUnavailable(AppError):
    status_code = 503
    default_detail = "The language model did not answer. Try again in a moment."


@dataclass
class _Trace:
    """What the tools did for one answer."""

    tools_used: list[str] = field(default_factory=list)
    sources: dict[str, StaffSource] = field(default_factory=dict)

    def record(self, name: str, result: ToolResult) -> None:
        if not result.ran:
            return
        self.tools_used.append(name)
        for source in result.sources:
            self.sources.setdefault(f"{source.source_kind}:{source.source_id}", source)

    def answer(self, text: str, written_by: str) -> StaffAnswer:
        return StaffAnswer.model_validate(
            {
                "answer": text,
                "tools_used": self.tools_used,
                "sources": list(self.sources.values()),
                "written_by": written_by,
            }
        )


async def ask(question: str, tools: Toolbox, llm: ToolCallingLLM | None) -> StaffAnswer:
    """The answer to a member's question, with the tools their role is offered."""
    if llm is None:
        return await _without_model(question, tools)
    try:
        with anyio.fail_after(llm.timeout_s):
            return await _with_model(question, tools, llm)
    except (LLMError, TimeoutError) as exc:
        reason = str(exc) if isinstance(exc, LLMError) else "The LLM took too long."
        log.warning("staff_assistant_llm_failed", error=reason)
        raise StaffAssistantUnavailable(
            f"The language model could not answer ({reason}) Try again in a moment."
        ) from exc


async def _with_model(question: str, tools: Toolbox, llm: ToolCallingLLM) -> StaffAnswer:
    trace = _Trace()
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": fenced(question, QUESTION_FENCE)},
    ]
    declarations = tools.declarations()
    completion = Completion("")
    for round_ in range(MAX_TOOL_ROUNDS + 1):
        # The last request offers no tool: the model must write its answer.
        offered = declarations if round_ < MAX_TOOL_ROUNDS else []
        completion = await llm.complete(messages, offered)
        if not completion.tool_calls or not offered:
            break
        messages.append(completion.as_message())
        for call in completion.tool_calls:
            result = await tools.call(call.name, call.arguments)
            if not result.ran:
                log.info("staff_assistant_tool_refused", tool=call.name, why=result.text)
            trace.record(call.name, result)
            messages.append(
                {
                    "role": "tool",
                    "tool_call_id": call.id,
                    "content": fenced(result.text, RESULT_FENCE),
                }
            )
    text = inert(completion.text)
    if not text:
        raise LLMError("The LLM returned no answer.")
    return trace.answer(text, "model")


def _days(question: str) -> int:
    if found := _DAYS.search(question):
        return min(max(int(found.group(1)), 1), 365)
    lowered = question.lower()
    for word, days in _PERIODS.items():
        if word in lowered:
            return days
    return DEFAULT_DAYS


async def _without_model(question: str, tools: Toolbox) -> StaffAnswer:
    trace = _Trace()
    about_figures = bool(_ABOUT_FIGURES.search(question))
    if about_figures and tools.offers(WORKSPACE_FIGURES):
        result = await tools.call(WORKSPACE_FIGURES, {"days": _days(question)})
        trace.record(WORKSPACE_FIGURES, result)
        return trace.answer(result.text, "search")
    result = await tools.call(SEARCH_KNOWLEDGE, {"query": question[:MAX_QUERY_CHARS]})
    trace.record(SEARCH_KNOWLEDGE, result)
    text = f"From the knowledge base:\n{result.text}" if result.sources else result.text
    if about_figures:
        text = f"{text}\n{NO_FIGURES_NOTE}"
    return trace.answer(text, "search")
