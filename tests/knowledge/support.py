"""Helpers for knowledge-base tests: a small FAQ written here, and loading it."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.knowledge import service as knowledge
from helpline.knowledge.models import FaqEntry

KNOWLEDGE = "/api/v1/knowledge"

# (question, phrasings, answer): a small shop's FAQ.
SHOP_FAQ: list[tuple[str, list[str], str]] = [
    (
        "How do I reset my password?",
        ["I forgot my password", "I cannot log in to my account"],
        "Choose 'Forgot password' on the sign-in page; we email you a link.",
    ),
    (
        "Where is my order?",
        ["Track my parcel", "My package has not arrived yet"],
        "Your tracking link is in the confirmation email.",
    ),
    (
        "How do I get a refund?",
        ["I want my money back", "Return an item for a refund"],
        "Refunds reach your card within five working days of our receiving the item.",
    ),
    (
        "Which payment methods do you accept?",
        ["Can I pay with PayPal?", "Do you take credit cards"],
        "Cards, PayPal and bank transfer.",
    ),
    (
        "How much does shipping cost?",
        ["What are the delivery fees", "Is delivery free"],
        "Shipping is free above 50 EUR, otherwise 4.90 EUR.",
    ),
    (
        "How do I cancel my subscription?",
        ["Stop my membership", "End my plan"],
        "Open Settings, then Plan, then Cancel.",
    ),
]


async def add_faqs(
    session: AsyncSession, workspace_id: uuid.UUID, entries: list[tuple[str, list[str], str]]
) -> dict[str, FaqEntry]:
    """The entries, published, by question."""
    added = {}
    for question, phrasings, answer in entries:
        added[question] = await knowledge.create_faq(
            session,
            None,
            workspace_id,
            question=question,
            answer=answer,
            phrasings=phrasings,
            tags=[],
        )
    return added
