"""The demo workspace's help centre: a small shop's collections, articles and FAQ entries,
written through the knowledge services (so they are chunked and searchable like any other).

Added once, on the first `helpline demo`: a workspace that already has collections keeps
what it has (an edit made while trying the demo survives the next run)."""

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.knowledge import collections, service
from helpline.knowledge.models import ArticleStatus
from helpline.knowledge.repository import CollectionRepository


@dataclass(frozen=True)
class DemoCollection:
    name: str
    description: str
    # (title, markdown body)
    articles: tuple[tuple[str, str], ...]


COLLECTIONS = (
    DemoCollection(
        "Shipping and delivery",
        "When your order leaves, where it is, and what delivery costs.",
        (
            (
                "Shipping times and costs",
                "## When will my order arrive?\n\n"
                "We ship from our warehouse in Lyon within **one working day**.\n\n"
                "| Destination | Delivery | Cost |\n|---|---|---|\n"
                "| France | 1-2 working days | 4.90 EUR |\n"
                "| European Union | 2-4 working days | 7.90 EUR |\n"
                "| Rest of the world | 5-10 working days | 19.90 EUR |\n\n"
                "Shipping is **free** in France and the European Union above 50 EUR.",
            ),
            (
                "Tracking your parcel",
                "As soon as your parcel leaves, we email you a tracking link. You can also "
                "find it under **Account → Orders**.\n\n"
                "A tracking link can take up to 24 hours to show the first scan. If it shows "
                "nothing after three working days, write to us in the chat with your order "
                "number.",
            ),
        ),
    ),
    DemoCollection(
        "Returns and refunds",
        "Changed your mind, or something arrived damaged.",
        (
            (
                "How to return an item",
                "You have **30 days** from delivery to return an item, unused and in its "
                "packaging.\n\n"
                "1. Open **Account → Orders** and choose *Return an item*.\n"
                "2. Print the prepaid label we email you.\n"
                "3. Drop the parcel at any post office.\n\n"
                "Returns are free within France; from elsewhere they cost 5 EUR, taken from "
                "your refund.",
            ),
            (
                "When will I get my refund?",
                "We refund within **five working days** of receiving your return, to the "
                "card or PayPal account you paid with. Your bank may take two or three more "
                "days to show it.\n\n"
                "A damaged or wrong item is refunded in full, shipping included: send us a "
                "photo in the chat.",
            ),
        ),
    ),
    DemoCollection(
        "Your account and billing",
        "Signing in, payment methods and invoices.",
        (
            (
                "Resetting your password",
                "On the sign-in page, choose **Forgot password** and enter your email "
                "address. We send you a link that works for one hour.\n\n"
                "No email after ten minutes? Check your spam folder, then ask us in the chat.",
            ),
            (
                "Payment methods and invoices",
                "We accept Visa, Mastercard, American Express, PayPal and bank transfer.\n\n"
                "Your invoice is attached to the shipping confirmation email, and every "
                "invoice is under **Account → Orders → Invoice** as a PDF.",
            ),
        ),
    ),
)

# (question, phrasings, answer, tags)
FAQ = (
    (
        "How long does delivery take?",
        ["When will my order arrive?", "delivery time", "How fast do you ship?"],
        "We ship within one working day: delivery takes 1-2 working days in France, 2-4 in "
        "the EU and 5-10 elsewhere.",
        ["shipping"],
    ),
    (
        "How much does shipping cost?",
        ["What are the delivery fees?", "Is delivery free?", "shipping price"],
        "4.90 EUR in France, 7.90 EUR in the EU, free above 50 EUR.",
        ["shipping"],
    ),
    (
        "Where is my order?",
        ["Track my parcel", "My package has not arrived", "order status"],
        "Your tracking link is in the shipping confirmation email and under Account → Orders.",
        ["shipping"],
    ),
    (
        "How do I return an item?",
        ["I want to send something back", "return policy", "Can I exchange an item?"],
        "Within 30 days: Account → Orders → Return an item, then drop the parcel at the post.",
        ["returns"],
    ),
    (
        "When will I get my refund?",
        ["I want my money back", "refund status", "How long do refunds take?"],
        "Within five working days of our receiving your return, to your original payment method.",
        ["returns", "billing"],
    ),
    (
        "How do I reset my password?",
        ["I forgot my password", "I cannot log in", "sign in problem"],
        "Choose 'Forgot password' on the sign-in page; the link we email works for one hour.",
        ["account"],
    ),
    (
        "How do I delete my account?",
        ["close my account", "remove my data"],
        "Write to us in the chat from the email address of your account; we delete it within "
        "30 days.",
        ["account"],
    ),
    (
        "Which payment methods do you accept?",
        ["Can I pay with PayPal?", "Do you take credit cards?", "bank transfer"],
        "Visa, Mastercard, American Express, PayPal and bank transfer.",
        ["billing"],
    ),
    (
        "Where can I find my invoice?",
        ["I need a receipt", "download invoice", "VAT invoice"],
        "Under Account → Orders → Invoice, and attached to your shipping confirmation email.",
        ["billing"],
    ),
)


async def ensure_help_centre(session: AsyncSession, workspace_id: uuid.UUID) -> bool:
    """Add the demo help centre unless the workspace has collections already; whether it
    was added."""
    if await CollectionRepository(session, workspace_id=workspace_id).in_order():
        return False
    for position, demo in enumerate(COLLECTIONS):
        collection = await collections.create_collection(
            session,
            None,
            workspace_id,
            name=demo.name,
            description=demo.description,
            position=position,
        )
        for title, body in demo.articles:
            await service.create_article(
                session,
                None,
                workspace_id,
                title=title,
                body=body,
                status=ArticleStatus.published,
                locale="en",
                collection_id=collection.id,
            )
    for question, phrasings, answer, tags in FAQ:
        await service.create_faq(
            session,
            None,
            workspace_id,
            question=question,
            answer=answer,
            phrasings=phrasings,
            tags=tags,
        )
    return True
