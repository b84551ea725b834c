"""A conversation as agent assist reads it, in pure functions: the contact's open question,
the transcript given to a model, and the summary written without one.

Nothing here touches the database: service.py loads the messages and names, these functions
only read them, so every rule about what a summary says is tested on plain values.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

# How much of one message a summary line quotes, and how much the model is given in all.
QUOTE_CHARS: Final = 160
QUESTION_CHARS: Final = 1000
TRANSCRIPT_CHARS: Final = 12_000
# The contact's messages since the last reply that make up the question, newest last.
QUESTION_MESSAGES: Final = 3


@dataclass(frozen=True, slots=True)
class Line:
    """One message: `kind` is the sender kind (contact, agent, bot, system)."""

    kind: str
    # Who wrote it, as agents know them ("Ada Lovelace", "Bob", "Bot"); "" for system lines.
    author: str
    text: str
    private: bool = False
    # System lines: what happened (assigned, handed_off, resolved ...), and why if known.
    event: str | None = None
    reason: str | None = None
    files: int = 0


@dataclass(frozen=True, slots=True)
class Facts:
    """What the conversation row says now."""

    contact: str
    channel: str
    status: str
    owner: str
    subject: str = ""
    contact_email: str | None = None
    assignee: str | None = None


def is_reply(line: Line) -> bool:
    """A public answer the contact saw: from an agent or the bot, not a note."""
    return line.kind in ("agent", "bot") and not line.private


def open_messages(lines: Sequence[Line]) -> list[Line]:
    """The contact's messages after the team's last public reply (none: the last word was
    the team's, or the contact never wrote)."""
    unanswered: list[Line] = []
    for line in lines:
        if is_reply(line):
            unanswered = []
        elif line.kind == "contact" and line.text.strip():
            unanswered.append(line)
    return unanswered


def open_question(lines: Sequence[Line]) -> str:
    """What a suggested reply answers: the contact's last few messages since the last reply,
    joined, at most QUESTION_CHARS (the newest words kept)."""
    recent = open_messages(lines)[-QUESTION_MESSAGES:]
    question = "\n".join(line.text.strip() for line in recent)
    return question[-QUESTION_CHARS:]


def quote(text: str, limit: int = QUOTE_CHARS) -> str:
    flat = " ".join(text.split())
    return f"“{flat}”" if len(flat) <= limit else f"“{flat[: limit - 1].rstrip()}…”"


def _speaker(line: Line) -> str:
    if line.kind == "contact":
        return f"Customer ({line.author})" if line.author else "Customer"
    if line.kind == "bot":
        return "Bot"
    role = "Private note by" if line.private else "Agent"
    return f"{role} {line.author}".strip()


def _event_text(line: Line) -> str:
    return f"({line.event}{f': {line.reason}' if line.reason else ''})"


def _rendered(line: Line) -> str:
    if line.kind == "system":
        return f"[{_event_text(line)}]"
    said = " ".join([*line.text.split(), *([f"[{line.files} file(s)]"] if line.files else [])])
    return f"{_speaker(line)}: {said}"


def transcript(lines: Sequence[Line]) -> str:
    """The conversation as plain lines for a model to read, at most TRANSCRIPT_CHARS: when it
    is longer, the first message and the newest ones are kept and the middle is cut."""
    rendered = [_rendered(line) for line in lines]
    if sum(len(r) + 1 for r in rendered) <= TRANSCRIPT_CHARS or not rendered:
        return "\n".join(rendered)
    head = rendered[0][: TRANSCRIPT_CHARS // 4]
    tail: list[str] = []
    room = TRANSCRIPT_CHARS - len(head) - 40
    for text in reversed(rendered[1:]):
        if len(text) + 1 > room:
            break
        tail.insert(0, text)
        room -= len(text) + 1
    return "\n".join([head, "[… earlier messages left out …]", *tail])


def _counts(lines: Sequence[Line]) -> str:
    def count(n: int, one: str, many: str) -> str | None:
        return f"{n} {one if n == 1 else many}" if n else None

    parts = [
        count(
            sum(1 for x in lines if x.kind == "contact"), "from the customer", "from the customer"
        ),
        count(
            sum(1 for x in lines if x.kind == "agent" and not x.private),
            "reply by an agent",
            "replies by agents",
        ),
        count(sum(1 for x in lines if x.kind == "bot"), "bot answer", "bot answers"),
        count(sum(1 for x in lines if x.private), "private note", "private notes"),
    ]
    written = [p for p in parts if p]
    total = sum(1 for x in lines if x.kind != "system")
    if not written:
        return "No messages yet."
    noun = "message" if total == 1 else "messages"
    return f"{total} {noun}: {', '.join(written)}."


def _state(facts: Facts, lines: Sequence[Line]) -> str:
    owner = {
        "bot": "the bot is answering",
        "human": f"assigned to {facts.assignee}" if facts.assignee else "unassigned",
        "nobody": f"assigned to {facts.assignee}" if facts.assignee else "unassigned",
    }.get(facts.owner, facts.owner)
    handoffs = [x for x in lines if x.event == "handed_off"]
    handed = (
        f"; the bot handed it over ({handoffs[-1].reason})"
        if handoffs and handoffs[-1].reason
        else "; the bot handed it over"
        if handoffs
        else ""
    )
    return f"{facts.status.capitalize()}, {owner}{handed}."


def _latest(lines: Sequence[Line]) -> str | None:
    written = [x for x in lines if x.kind != "system" and (x.text.strip() or x.files)]
    if not written:
        return None
    last = written[-1]
    said = quote(last.text) if last.text.strip() else f"{last.files} file(s)"
    if last.kind == "contact":
        return f"The customer wrote {said}"
    if last.private:
        return f"{last.author or 'An agent'} left a private note {said}"
    who = "The bot" if last.kind == "bot" else last.author or "An agent"
    return f"{who} replied {said}"


def extractive_summary(facts: Facts, lines: Sequence[Line]) -> list[tuple[str, str]]:
    """The summary written without a model: labelled points an agent taking over reads in a
    few seconds (who, what they first asked, the latest message, what is still unanswered,
    the state, the counts). Only words of the conversation itself, quoted."""
    who = facts.contact + (f" <{facts.contact_email}>" if facts.contact_email else "")
    who += f", via {facts.channel}" + (f", subject {quote(facts.subject)}" if facts.subject else "")
    points: list[tuple[str, str]] = [("Who", who)]
    first = next((x for x in lines if x.kind == "contact" and x.text.strip()), None)
    if first is not None:
        points.append(("First question", quote(first.text)))
    latest = _latest(lines)
    if latest is not None:
        points.append(("Latest", latest))
    unanswered = open_messages(lines)
    if unanswered:
        waiting = (
            f" ({len(unanswered)} messages since the last reply)" if len(unanswered) > 1 else ""
        )
        points.append(("Open question", quote(unanswered[-1].text) + waiting))
    elif first is not None:
        points.append(("Open question", "None: the last word was the team's."))
    points.append(("State", _state(facts, lines)))
    points.append(("Messages", _counts(lines)))
    return points
