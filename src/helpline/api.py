"""The one place every router is included."""

from fastapi import APIRouter

from helpline.assist.api import router as assist_router
from helpline.assist.staff.api import router as staff_assistant_router
from helpline.audit.api import router as audit_router
from helpline.auth.api import router as auth_router
from helpline.bot.api import router as bot_router
from helpline.canned.api import router as canned_router
from helpline.contacts.api import router as contacts_router
from helpline.conversations.api import router as conversations_router
from helpline.conversations.attachments_api import router as attachments_router
from helpline.conversations.widget_api import router as widget_conversations_router
from helpline.helpcentre.widget_api import router as widget_help_router
from helpline.knowledge.api import router as knowledge_router
from helpline.knowledge.import_api import router as knowledge_import_router
from helpline.knowledge.suggestions.api import router as suggestions_router
from helpline.llm.api import router as llm_router
from helpline.operations.api import router as operations_router
from helpline.reports.api import router as reports_router
from helpline.sockets.api import router as sockets_router
from helpline.tenancy.api import router as tenancy_router
from helpline.tenancy.platform_api import router as platform_router
from helpline.visitors.api import router as visitors_router
from helpline.widget.api import router as widget_router

# Every router of the app; the isolation suite walks this tuple.
ROUTERS = (
    operations_router,
    auth_router,
    tenancy_router,
    platform_router,
    audit_router,
    contacts_router,
    conversations_router,
    attachments_router,
    visitors_router,
    widget_conversations_router,
    widget_router,
    sockets_router,
    knowledge_router,
    suggestions_router,
    knowledge_import_router,
    widget_help_router,
    canned_router,
    llm_router,
    bot_router,
    assist_router,
    staff_assistant_router,
    reports_router,
)

api_router = APIRouter()
for router in ROUTERS:
    api_router.include_router(router)
