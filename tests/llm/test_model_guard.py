"""With the default settings a workspace's model must be a public https host: an address in
our own network is refused when saved, and refused again before every call, in case it got
stored while the operator allowed it or its name now resolves inside the network."""

import httpx
from sqlalchemy import select

from helpline.core.runtime import Runtime
from helpline.core.unit_of_work import unit_of_work
from helpline.llm.models import LLMConfig, LLMSource
from helpline.tenancy.models import Role
from tests.bot.support import enable_bot, history, visitor_starts
from tests.fixtures.api import scalars
from tests.fixtures.jobs import run_jobs
from tests.fixtures.llm import stand_in_llm
from tests.fixtures.world import World
from tests.knowledge.support import SHOP_FAQ, add_faqs

MODEL = "/api/v1/bot/model"


async def test_a_loopback_address_is_refused_when_saved(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    refused = []
    for address in ("http://127.0.0.1:11434/v1", "https://169.254.169.254/v1"):
        response = await client.patch(
            MODEL,
            json={"source": "workspace", "base_url": address, "model": "m"},
            headers=world.a.member(Role.admin).headers,
        )
        refused.append((response.status_code, response.json()["detail"]))

    own_network = (
        "A model on your own network needs the server to allow it "
        "(HELPLINE_LLM_ALLOW_PRIVATE_URLS)."
    )
    assert refused == [
        (
            422,
            "The address must start with https://, as the API key and the conversations "
            f"travel in the request. {own_network}",
        ),
        (422, f"169.254.169.254 is not a public address. {own_network}"),
    ]
    assert list(await scalars(runtime, select(LLMConfig))) == []


async def test_a_stored_private_address_is_never_called(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    await enable_bot(runtime, world.a)
    async with stand_in_llm() as llm:
        async with unit_of_work(runtime.sessionmaker) as session:
            await add_faqs(session, world.a.workspace.id, SHOP_FAQ)
            # As if saved while the operator allowed private addresses, since disallowed.
            session.add(
                LLMConfig(
                    workspace_id=world.a.workspace.id,
                    source=LLMSource.workspace,
                    base_url=llm.base_url,
                    model="m",
                )
            )
        conversation = await visitor_starts(client, world.a, "I forgot my password")
        await run_jobs(runtime)
        tested = await client.post(f"{MODEL}/test", headers=world.a.member(Role.admin).headers)
    last = (await history(client, world.a.member(Role.admin).headers, conversation))[-1]

    assert llm.requests == []
    assert last["data"].get("reason") == "llm_failed"
    assert tested.json()["ok"] is False
    assert "resolves to a private address" in tested.json()["detail"]
