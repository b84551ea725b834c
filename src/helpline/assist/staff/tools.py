"""The staff assistant's tools, and which ones a member's role is offered.

The contract (STYLE rule 3, RELIABILITY Isolation 11): every tool runs in the caller's
workspace, fixed by the server in `ToolContext` from the authenticated principal. No tool
takes a workspace, a member or an id argument; the model supplies only the arguments below,
validated and bounded. A tool the role is not offered, or one that does not exist, is
refused and never runs, whatever the model asks. Each tool reads in a short read-only unit
of work of its own: no transaction stays open while the model thinks (docs/bot.md,
Transactions).
"""

import json
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from helpline.assist.staff import figures
from helpline.assist.staff.schemas import StaffSource
from helpline.core.time import utc_now
from helpline.core.unit_of_work import unit_of_work
from helpline.knowledge import retrieval
from helpline.knowledge.embeddings import Embedder
from helpline.knowledge.models import SourceKind
from helpline.knowledge.retrieval import Passage
from helpline.tenancy.models import Role

SEARCH_KNOWLEDGE: Final = "search_knowledge"
WORKSPACE_FIGURES: Final = "workspace_figures"
# Those who run the workspace see its figures (the bot's report is for managers too).
FIGURES_ROLES: Final = frozenset({Role.owner, Role.admin})
SEARCH_RESULTS: Final = 3
EXCERPT_CHARS: Final = 600
MAX_ARGUMENT_CHARS: Final = 2000
MAX_QUERY_CHARS: Final = 300


class SearchKnowledgeArgs(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    query: str = Field(min_length=1, max_length=MAX_QUERY_CHARS, description="What to look for.")


class WorkspaceFiguresArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    days: int = Field(default=30, ge=1, le=365, description="The period: the last `days` days.")


@dataclass(frozen=True, slots=True)
class ToolContext:
    """What every tool runs with, set by the server from the principal, never by the model."""

    workspace_id: uuid.UUID
    sessionmaker: async_sessionmaker[AsyncSession]
    embedder: Embedder | None = None


@dataclass(frozen=True, slots=True)
class ToolResult:
    # What the tool found, in words: for the model, or for the answer without one.
    text: str
    sources: tuple[StaffSource, ...] = ()
    # False: refused or invalid, nothing ran.
    ran: bool = True


@dataclass(frozen=True, slots=True)
class Tool:
    name: str
    description: str
    arguments: type[BaseModel]
    run: Callable[[ToolContext, Any], Awaitable[ToolResult]]

    def declaration(self) -> dict[str, Any]:
        """The tool as OpenAI's chat completions declare a function."""
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": self.arguments.model_json_schema(),
            },
        }


def _excerpt(passage: Passage) -> str:
    # An article's chunk starts with "Title — Heading" on a line of its own (chunking.py).
    text = passage.text
    if passage.source_kind == SourceKind.article and "\n" in text:
        text = text.split("\n", 1)[1]
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1].rstrip() + "…"


async def _search_knowledge(context: ToolContext, args: SearchKnowledgeArgs) -> ToolResult:
    async with unit_of_work(context.sessionmaker, read_only=True) as session:
        passages = await retrieval.search(
            session, context.workspace_id, args.query, k=SEARCH_RESULTS, embedder=context.embedder
        )
    if not passages:
        return ToolResult(f"Nothing in the knowledge base matches “{args.query}”.")
    found = [
        f"[{n}] {p.title} ({p.source_kind.value}): {_excerpt(p)}"
        for n, p in enumerate(passages, start=1)
    ]
    sources = tuple(
        StaffSource(source_kind=p.source_kind, source_id=p.source_id, title=p.title)
        for p in passages
    )
    return ToolResult("\n".join(found), sources)


async def _workspace_figures(context: ToolContext, args: WorkspaceFiguresArgs) -> ToolResult:
    until = utc_now()
    async with unit_of_work(context.sessionmaker, read_only=True) as session:
        found = await figures.workspace_figures(
            session,
            context.workspace_id,
            days=args.days,
            since=until - timedelta(days=args.days),
            until=until,
        )
    return ToolResult(figures.in_words(found))


SEARCH_TOOL: Final = Tool(
    name=SEARCH_KNOWLEDGE,
    description="Search this workspace's knowledge base (FAQ entries and published articles).",
    arguments=SearchKnowledgeArgs,
    run=_search_knowledge,
)
FIGURES_TOOL: Final = Tool(
    name=WORKSPACE_FIGURES,
    description=(
        "This workspace's figures over the last `days` days: conversations opened, resolved "
        "and open now, and the bot's resolution and hand-off rates."
    ),
    arguments=WorkspaceFiguresArgs,
    run=_workspace_figures,
)


@dataclass(frozen=True, slots=True)
class Toolbox:
    """The tools one member is offered, bound to their workspace."""

    context: ToolContext
    tools: dict[str, Tool] = field(default_factory=dict)

    def offers(self, name: str) -> bool:
        return name in self.tools

    def declarations(self) -> list[dict[str, Any]]:
        return [tool.declaration() for tool in self.tools.values()]

    async def call(self, name: str, arguments: object) -> ToolResult:
        """Runs the tool if it is offered and its arguments are valid (a JSON object, or its
        text as the model sends it); otherwise says why, running nothing."""
        tool = self.tools.get(name)
        if tool is None:
            return ToolResult(f"Refused: no tool named {name[:60]!r} is available.", ran=False)
        try:
            parsed = tool.arguments.model_validate(_as_object(arguments))
        except (ValueError, ValidationError) as exc:
            problems = (
                "; ".join(
                    f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg']}"
                    for e in exc.errors()[:3]
                )
                if isinstance(exc, ValidationError)
                else str(exc)
            )
            return ToolResult(f"Invalid arguments for {name}: {problems}.", ran=False)
        return await tool.run(self.context, parsed)


def _as_object(arguments: object) -> object:
    if isinstance(arguments, str):
        if len(arguments) > MAX_ARGUMENT_CHARS:
            raise ValueError("the arguments are too long")
        try:
            arguments = json.loads(arguments or "{}")
        except json.JSONDecodeError as exc:
            raise ValueError("the arguments are not JSON") from exc
    if not isinstance(arguments, dict):
        raise ValueError("the arguments are not a JSON object")
    return arguments


def tools_for(role: Role, context: ToolContext) -> Toolbox:
    """Every member may search the knowledge base; owners and admins also read figures."""
    offered: Iterable[Tool] = (
        (SEARCH_TOOL, FIGURES_TOOL) if role in FIGURES_ROLES else (SEARCH_TOOL,)
    )
    return Toolbox(context, {tool.name: tool for tool in offered})
