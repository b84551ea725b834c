"""What the chat widget's help screen receives from the help centre's search."""

from helpline.core.schemas import Schema


class HelpArticleHit(Schema):
    title: str
    # A plain-text passage of the article that matched (no markdown, no HTML).
    snippet: str
    # The article's page in the help centre.
    url: str


class HelpFaqHit(Schema):
    question: str
    # Plain text, shown as text.
    answer: str


class HelpSearchRead(Schema):
    # The workspace's help centre home page.
    help_centre_url: str
    articles: list[HelpArticleHit]
    faqs: list[HelpFaqHit]
