"""`/api/v1/bot/model`: a workspace picks its own model, and the bot, agent assist and the
staff assistant then call it, with its key, and nobody else's. Two stand-in models run: A is
the platform's default (HELPLINE_LLM_*), B the workspace's own."""

from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from helpline.audit.models import AuditEvent
from helpline.core import encryption
from helpline.core.runtime import Runtime
from helpline.core.unit_of_work import unit_of_work
from helpline.llm.models import LLMConfig
from helpline.llm.service import KEY_PURPOSE
from helpline.settings import Settings
from helpline.tenancy.models import Role
from tests.assist.support import model_configured, summary_url
from tests.bot.support import enable_bot, history, visitor_starts
from tests.conftest import make_settings
from tests.fixtures.api import execute, scalars
from tests.fixtures.jobs import run_jobs, with_settings
from tests.fixtures.llm import StandInLLM, stand_in_llm
from tests.fixtures.world import Tenant, World
from tests.knowledge.support import SHOP_FAQ, add_faqs

MODEL = "/api/v1/bot/model"
KEY = "sk-workspace-b-0123456789"


@pytest.fixture
def settings(migrated: Path) -> Settings:
    # The stand-in models listen on loopback: the operator allows private addresses here
    # (test_model_guard.py covers the default, which refuses them).
    return make_settings(migrated, llm_allow_private_urls=True)


async def _with_faq(runtime: Runtime, tenant: Tenant) -> None:
    await enable_bot(runtime, tenant)
    async with unit_of_work(runtime.sessionmaker) as session:
        await add_faqs(session, tenant.workspace.id, SHOP_FAQ)


async def _patch(
    client: httpx.AsyncClient, tenant: Tenant, body: dict[str, Any], status: int = 200
) -> dict[str, Any]:
    response = await client.patch(MODEL, json=body, headers=tenant.member(Role.admin).headers)
    assert response.status_code == status, response.text
    document: dict[str, Any] = response.json()
    return document


async def _own_model(client: httpx.AsyncClient, tenant: Tenant, llm: StandInLLM) -> None:
    await _patch(
        client,
        tenant,
        {"source": "workspace", "base_url": llm.base_url, "model": "b-model", "api_key": KEY},
    )


def _authorization(llm: StandInLLM) -> list[str | None]:
    return [headers.get("authorization") for headers in llm.headers]


class TestReadingAndWriting:
    async def test_a_new_workspace_uses_the_platform_default(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        response = await client.get(MODEL, headers=world.a.member(Role.owner).headers)

        assert response.status_code == 200
        assert response.json() == {
            "source": "platform",
            "base_url": "",
            "model": "",
            "api_key_set": False,
            "api_key_readable": True,
            "platform_model": "",
            "in_use": "offline",
        }

    async def test_the_key_is_stored_sealed_and_never_read_back(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        async with stand_in_llm() as llm:
            saved = await _patch(
                client,
                world.a,
                {
                    "source": "workspace",
                    "base_url": llm.base_url + "/",
                    "model": "b-model",
                    "api_key": KEY,
                },
            )
        read = (await client.get(MODEL, headers=world.a.member(Role.admin).headers)).json()
        [row] = await scalars(runtime, select(LLMConfig))
        [event] = await scalars(
            runtime, select(AuditEvent).where(AuditEvent.action == "bot.model_updated")
        )

        assert saved == read
        assert read["base_url"] == llm.base_url  # without its trailing slash
        assert (read["source"], read["in_use"], read["api_key_set"]) == (
            "workspace",
            "workspace",
            True,
        )
        assert KEY not in str(read)
        assert row.sealed_api_key
        assert KEY not in row.sealed_api_key
        assert event.data["changed"] == ["api_key", "base_url", "model", "source"]
        assert KEY not in str(event.data)

    async def test_an_empty_key_removes_it_and_other_fields_stay(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        async with stand_in_llm() as llm:
            await _own_model(client, world.a, llm)
            changed = await _patch(client, world.a, {"api_key": ""})

        assert (changed["api_key_set"], changed["model"], changed["base_url"]) == (
            False,
            "b-model",
            llm.base_url,
        )

    @pytest.mark.parametrize(
        ("body", "says"),
        [
            ({"source": "workspace"}, "needs its address (base_url) and the model's name"),
            ({"source": "workspace", "base_url": "https://api.example.com/v1"}, "model's name"),
            ({"base_url": "api.example.com"}, "not a web address"),
            ({"base_url": "https://u:p@api.example.com/v1"}, "API key in its own field"),
            ({"model": "two\nlines"}, "one line"),
            ({"source": "cloud"}, "platform"),
            ({"temperature": 1}, "Extra inputs"),
        ],
    )
    async def test_what_cannot_be_called_is_refused_and_nothing_is_stored(
        self,
        client: httpx.AsyncClient,
        runtime: Runtime,
        world: World,
        body: dict[str, Any],
        says: str,
    ) -> None:
        refused = await _patch(client, world.a, body, status=422)

        assert says in str(refused)
        assert list(await scalars(runtime, select(LLMConfig))) == []

    async def test_a_key_sealed_under_another_secret_key_is_reported_unreadable(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        async with stand_in_llm() as llm:
            await _own_model(client, world.a, llm)
            # As after HELPLINE_SECRET_KEY changed: the stored key was sealed under the old one.
            before = Settings(secret_key="the-previous-secret-key-" + "k" * 20)
            sealed = encryption.seal(before, KEY_PURPOSE, KEY)
            await execute(runtime, update(LLMConfig).values(sealed_api_key=sealed))
            read = (await client.get(MODEL, headers=world.a.member(Role.admin).headers)).json()
            tested = await client.post(f"{MODEL}/test", headers=world.a.member(Role.admin).headers)

        assert (read["api_key_set"], read["api_key_readable"]) == (True, False)
        assert tested.json()["ok"] is False
        assert "Enter the key again" in tested.json()["detail"]
        assert llm.requests == []


class TestTheModelInUse:
    async def test_the_bot_calls_the_workspace_model_and_others_keep_the_platform_one(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        await _with_faq(runtime, world.a)
        await _with_faq(runtime, world.b)
        async with stand_in_llm(reply="From A [1].") as a, stand_in_llm(reply="From B [1].") as b:
            await _own_model(client, world.a, b)
            platform = with_settings(runtime, llm_base_url=a.base_url, llm_model="a-model")
            in_a = await visitor_starts(client, world.a, "I forgot my password")
            in_b = await visitor_starts(client, world.b, "I forgot my password")
            await run_jobs(platform)
        answer_a = (await history(client, world.a.member(Role.admin).headers, in_a))[-1]
        answer_b = (await history(client, world.b.member(Role.admin).headers, in_b))[-1]

        assert (answer_a["sender_kind"], answer_a["body"]) == ("bot", "From B [1].")
        assert (answer_b["sender_kind"], answer_b["body"]) == ("bot", "From A [1].")
        assert [r["model"] for r in b.requests] == ["b-model"]
        assert [r["model"] for r in a.requests] == ["a-model"]
        assert _authorization(b) == [f"Bearer {KEY}"]
        assert _authorization(a) == [None]

    async def test_offline_means_no_model_even_with_a_platform_default(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        await _with_faq(runtime, world.a)
        await _patch(client, world.a, {"source": "offline"})
        async with stand_in_llm(reply="From A [1].") as a:
            platform = with_settings(runtime, llm_base_url=a.base_url, llm_model="a-model")
            conversation = await visitor_starts(client, world.a, "I forgot my password")
            await run_jobs(platform)
        answer = (await history(client, world.a.member(Role.admin).headers, conversation))[-1]

        assert a.requests == []
        assert (answer["sender_kind"], answer["body"]) == ("bot", SHOP_FAQ[0][2])

    async def test_a_failing_workspace_model_hands_off(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        await _with_faq(runtime, world.a)
        async with stand_in_llm("error") as b:
            await _own_model(client, world.a, b)
            conversation = await visitor_starts(client, world.a, "I forgot my password")
            await run_jobs(runtime)
        last = (await history(client, world.a.member(Role.admin).headers, conversation))[-1]

        assert len(b.requests) == 1
        assert last["data"].get("reason") == "llm_failed"

    async def test_agent_assist_summarises_with_the_workspace_model(
        self, client: httpx.AsyncClient, app: Any, world: World
    ) -> None:
        async with (
            stand_in_llm(reply="Platform summary.") as a,
            stand_in_llm(reply="The contact cannot sign in.") as b,
        ):
            await _own_model(client, world.a, b)
            with model_configured(app, a):
                response = await client.post(
                    summary_url(world.a.conversation.id),
                    headers=world.a.member(Role.admin).headers,
                )

        assert response.status_code == 200, response.text
        assert "The contact cannot sign in." in str(response.json())
        assert (len(a.requests), len(b.requests)) == (0, 1)

    async def test_the_staff_assistant_asks_the_workspace_model(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        async with stand_in_llm(reply="Here is what I found.") as b:
            await _own_model(client, world.a, b)
            response = await client.post(
                "/api/v1/assistant",
                json={"question": "How many conversations are open?"},
                headers=world.a.member(Role.agent).headers,
            )

        assert response.status_code == 200, response.text
        assert len(b.requests) >= 1
        assert {r["model"] for r in b.requests} == {"b-model"}


class TestConnectionTest:
    async def test_a_working_model_answers_with_its_latency(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        async with stand_in_llm(reply="OK") as b:
            await _own_model(client, world.a, b)
            tested = await client.post(f"{MODEL}/test", headers=world.a.member(Role.admin).headers)

        body = tested.json()
        assert tested.status_code == 200
        assert (body["ok"], body["in_use"], body["model"], body["detail"]) == (
            True,
            "workspace",
            "b-model",
            "",
        )
        assert body["latency_ms"] >= 0
        assert b.requests[0]["max_tokens"] == 5

    async def test_a_refused_key_is_explained(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        async with stand_in_llm("error", status=401) as b:
            await _own_model(client, world.a, b)
            tested = await client.post(f"{MODEL}/test", headers=world.a.member(Role.admin).headers)

        assert tested.json()["ok"] is False
        assert tested.json()["detail"] == "The LLM answered with HTTP 401. Check the API key."

    async def test_with_no_model_there_is_nothing_to_call(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        tested = await client.post(f"{MODEL}/test", headers=world.a.member(Role.owner).headers)

        assert tested.json()["ok"] is True
        assert tested.json()["in_use"] == "offline"
        assert "knowledge base" in tested.json()["detail"]
