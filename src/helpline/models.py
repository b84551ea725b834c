"""The model registry: importing this module registers every table on Base.metadata.

Used by migrations and tests; application code imports each domain's models directly.
"""

from helpline.audit.models import AuditEvent
from helpline.auth.models import ApiKey, AuthSession, PasswordReset, RefreshToken, User
from helpline.canned.models import CannedResponse
from helpline.contacts.models import Contact
from helpline.conversations.models import (
    Conversation,
    ConversationCounter,
    ConversationLabel,
    Message,
    ReadCursor,
)
from helpline.core.db import Base
from helpline.jobs.models import Job
from helpline.knowledge.classifier_models import FaqClassifier
from helpline.knowledge.models import (
    Article,
    ArticleFeedback,
    Collection,
    FaqEntry,
    KnowledgeChunk,
)
from helpline.knowledge.suggestions.models import FaqSuggestion
from helpline.llm.models import LLMConfig
from helpline.mail.models import OutboxEmail
from helpline.tenancy.models import (
    Invitation,
    Membership,
    Team,
    TeamMember,
    Workspace,
    WorkspaceDomain,
)

__all__ = [
    "ApiKey",
    "Article",
    "ArticleFeedback",
    "AuditEvent",
    "AuthSession",
    "Base",
    "CannedResponse",
    "Collection",
    "Contact",
    "Conversation",
    "ConversationCounter",
    "ConversationLabel",
    "FaqClassifier",
    "FaqEntry",
    "FaqSuggestion",
    "Invitation",
    "Job",
    "KnowledgeChunk",
    "LLMConfig",
    "Membership",
    "Message",
    "OutboxEmail",
    "PasswordReset",
    "ReadCursor",
    "RefreshToken",
    "Team",
    "TeamMember",
    "User",
    "Workspace",
    "WorkspaceDomain",
]
