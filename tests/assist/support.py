"""Helpers for agent-assist tests: the app pointed at a stand-in model, and asking for a
suggestion or a summary as a member would."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from tests.fixtures.llm import StandInLLM


def suggest_url(conversation_id: object) -> str:
    return f"/api/v1/conversations/{conversation_id}/suggested-reply"


def summary_url(conversation_id: object) -> str:
    return f"/api/v1/conversations/{conversation_id}/summary"


@contextmanager
def model_configured(app: FastAPI, llm: StandInLLM, timeout_s: float = 5) -> Iterator[None]:
    """The serving app's settings point at `llm` (HELPLINE_LLM_*) inside the block: the
    routes read the runtime's settings on every request, as in production."""
    runtime = app.state.runtime
    settings = runtime.settings.model_copy(
        update={
            "llm_base_url": llm.base_url,
            "llm_model": "stand-in",
            "llm_timeout": timedelta(seconds=timeout_s),
        }
    )
    app.state.runtime = replace(runtime, settings=settings)
    try:
        yield
    finally:
        app.state.runtime = runtime


async def ask(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], status: int = 200
) -> dict[str, Any]:
    response = await client.post(url, headers=headers)
    assert response.status_code == status, response.text
    answer: dict[str, Any] = response.json()
    return answer


def prompt_of(llm: StandInLLM) -> str:
    """Everything the model was sent, as one text."""
    return "\n".join(m["content"] for r in llm.requests for m in r["messages"])
