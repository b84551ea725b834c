"""The job registry: importing this module registers every domain's `@job` handlers.

The worker imports it by name (jobs never import domains); add each new domain's tasks here.
"""

from helpline.bot import tasks as bot_tasks
from helpline.conversations import tasks as conversations_tasks
from helpline.knowledge import tasks as knowledge_tasks
from helpline.knowledge.suggestions import tasks as suggestion_tasks
from helpline.mail import tasks as mail_tasks
from helpline.realtime import tasks as realtime_tasks

__all__ = [
    "bot_tasks",
    "conversations_tasks",
    "knowledge_tasks",
    "mail_tasks",
    "realtime_tasks",
    "suggestion_tasks",
]
