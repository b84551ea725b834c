"""`LLMEndpoint`: where a chat model is reached and with what, as every client in Helpline
calls it (the bot's answers, agent assist, the staff assistant), and `LLMError`, how each of
them fails. Which endpoint a workspace gets is service.endpoint_for's choice."""

from dataclasses import dataclass

from helpline.llm import addresses
from helpline.settings import Settings


class LLMError(Exception):
    """The model could not answer: unreachable, too slow, refused, or an answer we cannot read."""


@dataclass(frozen=True, slots=True)
class LLMEndpoint:
    base_url: str
    model: str
    api_key: str
    # The longest the whole exchange may take (HELPLINE_LLM_TIMEOUT).
    timeout_s: float
    # A workspace's own endpoint: its host is checked before every call (addresses.py). The
    # platform's is the operator's own choice.
    guarded: bool = False
    # Why this endpoint cannot be called ("": it can), e.g. its key is unreadable.
    problem: str = ""

    def url(self, path: str) -> str:
        return self.base_url.rstrip("/") + path

    async def ensure_callable(self) -> None:
        """LLMError when this endpoint must not be called now; the caller then falls back
        (the bot hands off, assist answers without a model)."""
        if self.problem:
            raise LLMError(self.problem)
        if self.guarded:
            try:
                await addresses.ensure_public(self.base_url)
            except addresses.RefusedAddress as exc:
                raise LLMError(str(exc)) from exc


def platform_endpoint(settings: Settings) -> LLMEndpoint | None:
    """The platform's default model (HELPLINE_LLM_*), or None: offline."""
    if not settings.llm_base_url:
        return None
    return LLMEndpoint(
        base_url=settings.llm_base_url,
        model=settings.llm_model,
        api_key=settings.llm_api_key.get_secret_value(),
        timeout_s=settings.llm_timeout.total_seconds(),
    )
