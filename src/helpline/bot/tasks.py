"""The bot's job: `bot.reply` answers a contact's message in a conversation the bot owns."""

import structlog

from helpline.bot import agent
from helpline.bot.llm import llm_client
from helpline.bot.prompts import system_prompt
from helpline.bot.streaming import AnswerStream
from helpline.conversations import service as conversations
from helpline.conversations.access import access_for_bot
from helpline.jobs.registry import JobContext, job
from helpline.knowledge import embeddings
from helpline.llm import service as llm_config
from helpline.tenancy import service as tenancy
from helpline.tenancy.schemas import WorkspaceSettings

log = structlog.get_logger(__name__)


# Few attempts: a visitor is waiting, and an LLM failure already hands off inside the turn,
# so a retry only covers the database; the time limit leaves room for the LLM's own.
@job(conversations.BOT_REPLY_JOB, max_attempts=3, timeout_s=120, backoff_base_s=1)
async def reply(ctx: JobContext, args: conversations.BotReplyArgs) -> None:
    ids = (args.workspace_id, args.conversation_id, args.message_id)
    # Read and retrieve in a short session of their own, call the model with no transaction
    # open, then write in the job's unit of work (which begins only then): a slow model never
    # holds a transaction, nor SQLite's write lock. The answer streams meanwhile through the
    # job's session, whose broker it uses without beginning its transaction.
    async with ctx.runtime.sessionmaker() as reading:
        found = await access_for_bot(reading, *ids)
        if found is None:
            log.info("bot_reply_skipped", reason="gone")
            return
        conversation, message = found
        workspace = await tenancy.get_workspace(reading, args.workspace_id)
        config = WorkspaceSettings.model_validate(workspace.settings)
        embedder = embeddings.for_answers(ctx.runtime.settings)
        decision = await agent.decide(
            reading, conversation, message, config=config, embedder=embedder
        )
        question = message.body
        stream = AnswerStream.of(ctx.session, conversation, agent.answer_id(message))
        endpoint = await llm_config.endpoint_for(reading, ctx.runtime.settings, args.workspace_id)
    try:
        llm = llm_client(endpoint, system_prompt=bot_prompt(config))
        decision = await agent.compose(decision, question, llm, stream=stream)
        found = await access_for_bot(ctx.session, *ids)
        if found is None:
            log.info("bot_reply_skipped", reason="gone")
            return
        conversation, message = found
        turn = await agent.carry_out(
            ctx.session, conversation, message, decision, config=config, stream=stream
        )
    finally:
        # Whatever stopped the turn (the conversation gone, an error, the job's time limit),
        # clients drop the bubble; a retry streams afresh. A no-op once the stream ended.
        stream.discard()
    log.info("bot_replied", outcome=turn.outcome.value, reason=turn.reason)


def bot_prompt(config: WorkspaceSettings) -> str:
    """The system prompt with the workspace's bot profile; the language defaults to the
    workspace's own."""
    bot = config.bot
    return system_prompt(name=bot.name, persona=bot.persona, language=bot.language or config.locale)
