"""Sending uploaded files with a message, and reading them back in the history."""

import uuid
from typing import Any

import httpx
from fastapi import FastAPI

from helpline.conversations.models import Attachment
from helpline.core.runtime import Runtime
from helpline.tenancy.models import Role
from tests.attachments.support import PDF, PNG, uploaded
from tests.conversations.support import counting_queries, send, start, url
from tests.fixtures.api import load
from tests.fixtures.world import World

NOT_FOUND = {"error": "NotFound", "detail": "Attachment not found."}


def _ids(*attachments: dict[str, Any]) -> list[str]:
    return [a["id"] for a in attachments]


class TestSendWithAttachments:
    async def test_a_message_may_be_only_files(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        headers = world.a.member(Role.agent).headers
        conversation_id = world.a.conversation.id
        pdf = await uploaded(client, headers, conversation_id, PDF, filename="a.pdf")
        png = await uploaded(
            client, headers, conversation_id, PNG, filename="b.png", content_type="image/png"
        )
        response = await send(client, headers, conversation_id, "", attachment_ids=_ids(png, pdf))
        assert response.status_code == 201, response.text
        message = response.json()
        assert message["body"] == ""
        # In upload order, whatever the order of attachment_ids.
        assert _ids(*message["attachments"]) == _ids(pdf, png)
        assert [a["filename"] for a in message["attachments"]] == ["a.pdf", "b.png"]
        row = await load(runtime, Attachment, pdf["id"])
        assert row is not None
        assert str(row.message_id) == message["id"]

    async def test_an_empty_message_without_files_is_refused(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        response = await send(
            client, world.a.member(Role.agent).headers, world.a.conversation.id, "  "
        )
        assert response.status_code == 422
        assert response.json()["error"] == "InvalidMessage"

    async def test_at_most_ten_files(self, client: httpx.AsyncClient, world: World) -> None:
        ids = [str(uuid.uuid4()) for _ in range(11)]
        response = await send(
            client,
            world.a.member(Role.agent).headers,
            world.a.conversation.id,
            "x",
            attachment_ids=ids,
        )
        assert response.status_code == 422
        assert response.json()["error"] == "ValidationError"

    async def test_files_that_cannot_be_sent_are_404_like_a_missing_id(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        agent = world.a.member(Role.agent).headers
        admin = world.a.member(Role.admin).headers
        conversation_id = world.a.conversation.id
        other = await start(client, agent, world.a.contact.id, body="Another one")
        elsewhere = await uploaded(client, agent, other["id"], PDF)
        admins = await uploaded(client, admin, conversation_id, PDF)
        mine = await uploaded(client, agent, conversation_id, PDF)
        sent = await send(client, agent, conversation_id, "first", attachment_ids=_ids(mine))
        assert sent.status_code == 201, sent.text
        last_seq = sent.json()["seq"]

        for ids in (
            [str(uuid.uuid4())],
            [elsewhere["id"]],  # uploaded to another conversation
            [admins["id"]],  # someone else's upload
            [mine["id"]],  # already sent
            [str(world.a.attachment.id)],  # the visitor's upload
            [str(world.b.attachment.id)],  # another workspace's
        ):
            response = await send(client, agent, conversation_id, "again", attachment_ids=ids)
            assert response.status_code == 404, (ids, response.text)
            assert response.json() == NOT_FOUND
        # One bad id among good ones sends nothing.
        fresh = await uploaded(client, agent, conversation_id, PDF)
        mixed = await send(
            client, agent, conversation_id, "mixed", attachment_ids=[fresh["id"], admins["id"]]
        )
        assert mixed.status_code == 404
        row = await load(runtime, Attachment, fresh["id"])
        assert row is not None
        assert row.message_id is None
        history = await client.get(url(conversation_id, "messages"), headers=agent)
        assert history.json()["items"][-1]["seq"] == last_seq

    async def test_a_retry_returns_the_message_with_its_files(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        headers = world.a.member(Role.agent).headers
        conversation_id = world.a.conversation.id
        pdf = await uploaded(client, headers, conversation_id, PDF)
        first = await send(
            client, headers, conversation_id, "", attachment_ids=_ids(pdf), client_message_id="m1"
        )
        retry = await send(
            client, headers, conversation_id, "", attachment_ids=_ids(pdf), client_message_id="m1"
        )
        assert (first.status_code, retry.status_code) == (201, 200)
        assert retry.json() == first.json()

    async def test_api_keys_send_what_api_keys_uploaded(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        key = world.a.api_key_headers
        pdf = await uploaded(client, key, world.a.conversation.id, PDF)
        response = await send(client, key, world.a.conversation.id, "", attachment_ids=_ids(pdf))
        assert response.status_code == 201, response.text
        agents = await uploaded(
            client, world.a.member(Role.agent).headers, world.a.conversation.id, PDF
        )
        refused = await send(client, key, world.a.conversation.id, "", attachment_ids=_ids(agents))
        assert refused.json() == NOT_FOUND

    async def test_a_note_carries_files(self, client: httpx.AsyncClient, world: World) -> None:
        headers = world.a.member(Role.agent).headers
        pdf = await uploaded(client, headers, world.a.conversation.id, PDF)
        response = await send(
            client,
            headers,
            world.a.conversation.id,
            "for us",
            private=True,
            attachment_ids=_ids(pdf),
        )
        assert response.status_code == 201, response.text
        assert response.json()["private"] is True
        assert _ids(*response.json()["attachments"]) == _ids(pdf)


class TestHistory:
    async def test_the_history_lists_files_in_one_query_per_page(
        self, app: FastAPI, client: httpx.AsyncClient, world: World
    ) -> None:
        headers = world.a.member(Role.agent).headers
        conversation_id = world.a.conversation.id
        expected: dict[str, list[str]] = {}
        for n in range(3):
            files = [await uploaded(client, headers, conversation_id, PDF) for _ in range(n)]
            sent = await send(
                client, headers, conversation_id, f"m{n}", attachment_ids=_ids(*files)
            )
            expected[sent.json()["id"]] = _ids(*files)

        with counting_queries(app) as statements:
            history = await client.get(url(conversation_id, "messages"), headers=headers)
        assert history.status_code == 200, history.text
        got = {m["id"]: sorted(_ids(*m["attachments"])) for m in history.json()["items"]}
        for message_id, ids in expected.items():
            assert got[message_id] == sorted(ids)
        assert sum("attachments" in s for s in statements) == 1
        for item in history.json()["items"]:
            for attachment in item["attachments"]:
                download = await client.get(attachment["url"], headers=headers)
                assert download.content == PDF
