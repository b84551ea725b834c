"""Attachments for visitors, through the widget API: uploading to their own conversations,
sending files, and downloading what they may see (never a note's file)."""

import uuid
from typing import Any
from urllib.parse import quote

import httpx
from fastapi import FastAPI

from helpline.conversations.models import Attachment
from helpline.core.runtime import Runtime
from helpline.settings import Settings
from helpline.tenancy.models import Role
from tests.attachments.support import ATTACHMENTS, PDF, PNG, sha256, stored_files, uploaded
from tests.conftest import make_settings
from tests.conversations.support import counting_queries, send, url
from tests.fixtures.api import load, serve
from tests.fixtures.world import World

WIDGET = "/api/v1/widget"
WIDGET_ATTACHMENTS = f"{WIDGET}/attachments"
NOT_FOUND = {"error": "NotFound", "detail": "Attachment not found."}


def widget_upload_url(conversation_id: object) -> str:
    return f"{WIDGET}/conversations/{conversation_id}/attachments"


def widget_messages_url(conversation_id: object) -> str:
    return f"{WIDGET}/conversations/{conversation_id}/messages"


async def visitor_upload(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    conversation_id: object,
    content: bytes = PDF,
    *,
    filename: str = "file.pdf",
    content_type: str = "application/pdf",
) -> httpx.Response:
    return await client.post(
        widget_upload_url(conversation_id),
        files={"file": (filename, content, content_type)},
        headers=headers,
    )


async def visitor_uploaded(
    client: httpx.AsyncClient, headers: dict[str, str], conversation_id: object, **kwargs: Any
) -> dict[str, Any]:
    """Upload as a visitor; fails the test unless it is a 201."""
    response = await visitor_upload(client, headers, conversation_id, **kwargs)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def visitor_history(
    client: httpx.AsyncClient, headers: dict[str, str], conversation_id: object
) -> list[dict[str, Any]]:
    response = await client.get(
        widget_messages_url(conversation_id), params={"after_seq": 0}, headers=headers
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def _ids(*attachments: dict[str, Any]) -> list[str]:
    return [a["id"] for a in attachments]


async def _missing(client: httpx.AsyncClient, headers: dict[str, str]) -> httpx.Response:
    """What a random attachment id answers: the control for every 404 below."""
    response = await client.get(f"{WIDGET_ATTACHMENTS}/{uuid.uuid4()}", headers=headers)
    assert response.status_code == 404
    assert response.json() == NOT_FOUND
    return response


async def _assert_hidden(
    client: httpx.AsyncClient, headers: dict[str, str], attachment_id: object
) -> None:
    response = await client.get(f"{WIDGET_ATTACHMENTS}/{attachment_id}", headers=headers)
    control = await _missing(client, headers)
    assert (response.status_code, response.json()) == (control.status_code, control.json())


class TestUpload:
    async def test_round_trip_keeps_every_byte(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        headers = world.a.visitor_headers
        created = await visitor_uploaded(client, headers, world.a.conversation.id, filename="a.pdf")
        assert created["filename"] == "a.pdf"
        assert created["content_type"] == "application/pdf"
        assert created["size_bytes"] == len(PDF)
        assert created["url"] == f"{WIDGET_ATTACHMENTS}/{created['id']}"
        assert uuid.UUID(created["id"]).version == 4

        row = await load(runtime, Attachment, created["id"])
        assert row is not None
        assert (row.uploader_contact_id, row.uploader_member_id) == (world.a.contact.id, None)
        assert row.message_id is None
        assert row.sha256 == sha256(PDF)

        download = await client.get(created["url"], headers=headers)
        assert download.status_code == 200, download.text
        assert download.content == PDF
        assert download.headers["content-type"] == "application/pdf"
        assert download.headers["content-length"] == str(len(PDF))
        assert download.headers["content-disposition"].startswith("attachment;")
        assert download.headers["x-content-type-options"] == "nosniff"
        assert download.headers["content-security-policy"] == "default-src 'none'; sandbox"
        assert "private" in download.headers["cache-control"]

    async def test_the_agents_limits_and_type_checks_apply(
        self, settings: Settings, world: World
    ) -> None:
        limited = make_settings(settings.data_dir, attachment_max_bytes=1000)
        async with serve(limited) as (client,):
            headers = world.a.visitor_headers
            conversation_id = world.a.conversation.id
            before = stored_files(settings)
            too_big = await visitor_upload(
                client, headers, conversation_id, b"x" * 1001, content_type="text/plain"
            )
            html = await visitor_upload(
                client, headers, conversation_id, b"<script>", content_type="text/html"
            )
            disguised = await visitor_upload(
                client, headers, conversation_id, b"<html>", content_type="image/png"
            )
            empty = await visitor_upload(
                client, headers, conversation_id, b"", content_type="text/plain"
            )
            after = stored_files(settings)
        assert (too_big.status_code, too_big.json()["error"]) == (413, "AttachmentTooLarge")
        assert (html.status_code, html.json()["error"]) == (422, "AttachmentTypeNotAllowed")
        assert (disguised.status_code, disguised.json()["error"]) == (422, "InvalidAttachment")
        assert (empty.status_code, empty.json()["error"]) == (422, "InvalidAttachment")
        assert after == before

    async def test_another_contacts_conversation_is_a_404_like_a_missing_one(
        self, client: httpx.AsyncClient, settings: Settings, world: World
    ) -> None:
        before = stored_files(settings)
        for headers in (world.a.other_visitor_headers, world.b.visitor_headers):
            attack = await visitor_upload(client, headers, world.a.conversation.id)
            control = await visitor_upload(client, headers, uuid.uuid4())
            assert attack.status_code == 404, attack.text
            assert attack.json() == control.json()
        assert stored_files(settings) == before

    async def test_uploads_are_rate_limited_per_visitor(
        self, settings: Settings, world: World
    ) -> None:
        limited = make_settings(settings.data_dir, widget_upload_limit_per_visitor=2)
        async with serve(limited) as (client,):
            conversation_id = world.a.conversation.id
            sent = [
                (await visitor_upload(client, world.a.visitor_headers, conversation_id)).status_code
                for _ in range(2)
            ]
            blocked = await visitor_upload(client, world.a.visitor_headers, conversation_id)
            # Messages are counted apart: the visitor can still write.
            message = await client.post(
                widget_messages_url(conversation_id),
                json={"body": "The files are above."},
                headers=world.a.visitor_headers,
            )
        assert sent == [201, 201]
        assert blocked.status_code == 429
        assert int(blocked.headers["Retry-After"]) > 0
        assert message.status_code == 201, message.text


class TestDownload:
    async def test_other_contacts_get_the_404_of_a_missing_id(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        # The visitor's own upload, unsent, and the same file once sent in a public message.
        unsent = world.a.attachment.id
        for headers in (world.a.other_visitor_headers, world.b.visitor_headers):
            await _assert_hidden(client, headers, unsent)
        own = await client.get(f"{WIDGET_ATTACHMENTS}/{unsent}", headers=world.a.visitor_headers)
        assert own.status_code == 200
        assert own.content == PNG

        sent = await client.post(
            widget_messages_url(world.a.conversation.id),
            json={"attachment_ids": [str(unsent)]},
            headers=world.a.visitor_headers,
        )
        assert sent.status_code == 201, sent.text
        for headers in (world.a.other_visitor_headers, world.b.visitor_headers):
            await _assert_hidden(client, headers, unsent)
        # And B's visitor's own file does not exist for A's visitor.
        await _assert_hidden(client, world.a.visitor_headers, world.b.attachment.id)

    async def test_a_members_unsent_upload_is_hidden(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        agent = world.a.member(Role.agent).headers
        draft = await uploaded(client, agent, world.a.conversation.id, PDF)
        await _assert_hidden(client, world.a.visitor_headers, draft["id"])

    async def test_a_notes_file_is_hidden_and_absent_from_the_history(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        agent = world.a.member(Role.agent).headers
        conversation_id = world.a.conversation.id
        secret = await uploaded(client, agent, conversation_id, PDF, filename="internal.pdf")
        note = await send(
            client, agent, conversation_id, "", private=True, attachment_ids=_ids(secret)
        )
        assert note.status_code == 201, note.text

        await _assert_hidden(client, world.a.visitor_headers, secret["id"])
        history = await visitor_history(client, world.a.visitor_headers, conversation_id)
        assert note.json()["id"] not in {m["id"] for m in history}
        assert secret["id"] not in str(history)
        assert "internal.pdf" not in str(history)
        # The agents still have it.
        assert (await client.get(secret["url"], headers=agent)).content == PDF

    async def test_an_agents_file_on_a_public_reply_is_the_visitors(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        agent = world.a.member(Role.agent).headers
        conversation_id = world.a.conversation.id
        image = await uploaded(
            client, agent, conversation_id, PNG, filename="label.png", content_type="image/png"
        )
        reply = await send(client, agent, conversation_id, "Here", attachment_ids=_ids(image))
        assert reply.status_code == 201, reply.text

        history = await visitor_history(client, world.a.visitor_headers, conversation_id)
        [shown] = [m for m in history if m["id"] == reply.json()["id"]]
        [file] = shown["attachments"]
        assert file["url"] == f"{WIDGET_ATTACHMENTS}/{image['id']}"
        assert (file["filename"], file["size_bytes"]) == ("label.png", len(PNG))
        download = await client.get(file["url"], headers=world.a.visitor_headers)
        assert download.status_code == 200, download.text
        assert download.content == PNG
        # A raster image may be shown inline in the widget.
        assert download.headers["content-disposition"].startswith("inline;")
        # Still another contact's file.
        await _assert_hidden(client, world.a.other_visitor_headers, image["id"])

    async def test_svg_and_html_are_never_inline_and_names_follow_rfc_6266(
        self, settings: Settings, world: World
    ) -> None:
        types = ["image/svg+xml", "text/html"]
        async with serve(make_settings(settings.data_dir, attachment_types=types)) as (client,):
            headers = world.a.visitor_headers
            for name, content_type in (("Zeichnung März.svg", types[0]), ("x.html", types[1])):
                created = await visitor_uploaded(
                    client,
                    headers,
                    world.a.conversation.id,
                    content=b"<svg onload=alert(1)>",
                    filename=name,
                    content_type=content_type,
                )
                response = await client.get(created["url"], headers=headers)
                assert response.headers["content-type"] == content_type
                assert response.headers["content-disposition"] == (
                    f'attachment; filename="{name.replace("ä", "_")}"; '
                    f"filename*=UTF-8''{quote(name, safe='')}"
                )
                assert response.headers["x-content-type-options"] == "nosniff"
                assert "sandbox" in response.headers["content-security-policy"]


class TestSend:
    async def test_a_visitor_message_may_be_only_files(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        headers = world.a.visitor_headers
        conversation_id = world.a.conversation.id
        pdf = await visitor_uploaded(client, headers, conversation_id, filename="order.pdf")
        request = {
            "body": "",
            "client_message_id": "files-1",
            "attachment_ids": [pdf["id"], str(world.a.attachment.id)],
        }
        response = await client.post(
            widget_messages_url(conversation_id), json=request, headers=headers
        )
        assert response.status_code == 201, response.text
        message = response.json()
        assert message["body"] == ""
        # In upload order: the world's screenshot came first.
        assert _ids(*message["attachments"]) == [str(world.a.attachment.id), pdf["id"]]
        assert all(a["url"].startswith(f"{WIDGET_ATTACHMENTS}/") for a in message["attachments"])
        row = await load(runtime, Attachment, pdf["id"])
        assert row is not None
        assert str(row.message_id) == message["id"]

        retry = await client.post(
            widget_messages_url(conversation_id), json=request, headers=headers
        )
        assert retry.status_code == 200, retry.text
        assert retry.json() == message
        history = await visitor_history(client, headers, conversation_id)
        assert [m for m in history if m["id"] == message["id"]] == [message]
        # Agents see the same files, at their own download route.
        agent = world.a.member(Role.agent).headers
        page = (await client.get(url(conversation_id, "messages"), headers=agent)).json()
        [seen] = [m for m in page["items"] if m["id"] == message["id"]]
        assert [a["url"] for a in seen["attachments"]] == [
            f"{ATTACHMENTS}/{a['id']}" for a in message["attachments"]
        ]

    async def test_an_empty_message_without_files_is_refused(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        response = await client.post(
            widget_messages_url(world.a.conversation.id),
            json={"body": "  "},
            headers=world.a.visitor_headers,
        )
        assert response.status_code == 422
        assert response.json()["error"] == "InvalidMessage"

    async def test_only_the_visitors_own_uploads_can_be_sent(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        conversation_id = world.a.conversation.id
        agent = world.a.member(Role.agent).headers
        members_draft = await uploaded(client, agent, conversation_id, PDF)
        for attachment_id in (members_draft["id"], world.b.attachment.id, uuid.uuid4()):
            response = await client.post(
                widget_messages_url(conversation_id),
                json={"body": "look", "attachment_ids": [str(attachment_id)]},
                headers=world.a.visitor_headers,
            )
            assert response.status_code == 404, response.text
            assert response.json() == NOT_FOUND
        history = await visitor_history(client, world.a.visitor_headers, conversation_id)
        assert "look" not in {m["body"] for m in history}

    async def test_the_history_finds_files_in_one_query_per_page(
        self, app: FastAPI, client: httpx.AsyncClient, world: World
    ) -> None:
        headers = world.a.visitor_headers
        conversation_id = world.a.conversation.id
        for n in range(3):
            files = [await visitor_uploaded(client, headers, conversation_id) for _ in range(n)]
            sent = await client.post(
                widget_messages_url(conversation_id),
                json={"body": f"m{n}", "attachment_ids": _ids(*files)},
                headers=headers,
            )
            assert sent.status_code == 201, sent.text
        with counting_queries(app) as statements:
            history = await visitor_history(client, headers, conversation_id)
        assert sum("attachments" in s for s in statements) == 1
        assert [len(m["attachments"]) for m in history if m["body"].startswith("m")] == [0, 1, 2]

    async def test_sending_reads_the_files_once_for_the_answer_and_once_for_the_events(
        self, app: FastAPI, client: httpx.AsyncClient, world: World
    ) -> None:
        """Publishing builds the agents' and the visitor's frames from one query."""
        conversation_id = world.a.conversation.id
        with counting_queries(app) as statements:
            sent = await client.post(
                widget_messages_url(conversation_id),
                json={"attachment_ids": [str(world.a.attachment.id)]},
                headers=world.a.visitor_headers,
            )
        assert sent.status_code == 201, sent.text
        reads = [s for s in statements if "attachments.message_id IN" in s]
        assert len(reads) == 2, reads
