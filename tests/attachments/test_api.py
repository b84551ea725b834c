"""Uploading and downloading attachments over the API."""

import uuid
from urllib.parse import quote

import httpx

from helpline.conversations.models import Attachment
from helpline.core.runtime import Runtime
from helpline.settings import Settings
from helpline.storage import LocalStorage
from helpline.tenancy.models import Role
from tests.attachments.support import (
    ATTACHMENTS,
    PDF,
    PNG,
    sha256,
    stored_files,
    upload,
    uploaded,
)
from tests.conftest import make_settings
from tests.conversations.support import new_member, url
from tests.fixtures.api import load, serve
from tests.fixtures.world import World


def _limited(settings: Settings, **overrides: object) -> Settings:
    return make_settings(settings.data_dir, **overrides)


class TestUpload:
    async def test_round_trip_keeps_every_byte(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        headers = world.a.member(Role.agent).headers
        created = await uploaded(client, headers, world.a.conversation.id, PDF, filename="a.pdf")
        assert created["filename"] == "a.pdf"
        assert created["content_type"] == "application/pdf"
        assert created["size_bytes"] == len(PDF)
        assert created["url"] == f"{ATTACHMENTS}/{created['id']}"
        assert uuid.UUID(created["id"]).version == 4

        row = await load(runtime, Attachment, created["id"])
        assert row is not None
        assert row.sha256 == sha256(PDF)
        assert row.message_id is None
        assert row.uploader_member_id == world.a.member(Role.agent).membership.id
        assert isinstance(runtime.storage, LocalStorage)
        assert runtime.storage.path_of(row.storage_key).read_bytes() == PDF

        download = await client.get(created["url"], headers=headers)
        assert download.status_code == 200, download.text
        assert download.content == PDF
        assert sha256(download.content) == row.sha256
        assert download.headers["content-length"] == str(len(PDF))

    async def test_api_key_uploads_and_downloads(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        headers = world.a.api_key_headers
        created = await uploaded(
            client,
            headers,
            world.a.conversation.id,
            PNG,
            filename="p.png",
            content_type="image/png",
        )
        download = await client.get(created["url"], headers=headers)
        assert download.content == PNG

    async def test_exactly_the_limit_passes_and_one_byte_more_leaves_nothing(
        self, settings: Settings, world: World
    ) -> None:
        limit = 1000
        exact = b"x" * limit
        async with serve(_limited(settings, attachment_max_bytes=limit)) as (client,):
            headers = world.a.member(Role.agent).headers
            conversation_id = world.a.conversation.id
            created = await uploaded(
                client, headers, conversation_id, exact, filename="a.txt", content_type="text/plain"
            )
            assert created["size_bytes"] == limit

            before = stored_files(settings)
            too_big = await upload(
                client, headers, conversation_id, exact + b"x", content_type="text/plain"
            )
            assert too_big.status_code == 413, too_big.text
            assert too_big.json() == {
                "error": "AttachmentTooLarge",
                "detail": "A file may be at most 1,000 bytes (1,000 bytes).",
            }
            assert stored_files(settings) == before

    async def test_the_default_limit_is_named_in_mib(
        self, settings: Settings, world: World
    ) -> None:
        async with serve(_limited(settings, attachment_max_bytes=2 * 1024 * 1024)) as (client,):
            response = await upload(
                client,
                world.a.member(Role.agent).headers,
                world.a.conversation.id,
                b"%PDF-" + b"x" * (2 * 1024 * 1024),
            )
        assert response.status_code == 413
        assert response.json()["detail"] == "A file may be at most 2 MiB (2,097,152 bytes)."

    async def test_types_outside_the_list_are_refused(
        self, client: httpx.AsyncClient, settings: Settings, world: World
    ) -> None:
        headers = world.a.member(Role.agent).headers
        before = stored_files(settings)
        for content_type in ("text/html", "image/svg+xml", "application/x-msdownload", ""):
            response = await upload(
                client,
                headers,
                world.a.conversation.id,
                b"<svg onload=alert(1)>",
                filename="x.svg",
                content_type=content_type,
            )
            assert response.status_code == 422, (content_type, response.text)
            body = response.json()
            assert body["error"] == "AttachmentTypeNotAllowed"
            assert "Accepted types: " in body["detail"]
            assert "image/png" in body["detail"]
        assert stored_files(settings) == before

    async def test_content_must_match_the_declared_type(
        self, client: httpx.AsyncClient, settings: Settings, world: World
    ) -> None:
        """An HTML page renamed to .png (or .pdf, .docx) is refused by its first bytes."""
        headers = world.a.member(Role.agent).headers
        page = b"<html><script>alert(document.cookie)</script></html>"
        before = stored_files(settings)
        for filename, content_type in [
            ("cat.png", "image/png"),
            ("cat.jpg", "image/jpeg"),
            ("cat.gif", "image/gif"),
            ("cat.webp", "image/webp"),
            ("report.pdf", "application/pdf"),
            (
                "report.docx",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ),
            ("archive.zip", "application/zip"),
        ]:
            response = await upload(
                client,
                headers,
                world.a.conversation.id,
                page,
                filename=filename,
                content_type=content_type,
            )
            assert response.status_code == 422, (content_type, response.text)
            assert response.json() == {
                "error": "InvalidAttachment",
                "detail": f"The file was sent as {content_type}, but its content is not {content_type}.",
            }
        assert stored_files(settings) == before

    async def test_an_empty_file_is_refused(self, client: httpx.AsyncClient, world: World) -> None:
        response = await upload(
            client,
            world.a.member(Role.agent).headers,
            world.a.conversation.id,
            b"",
            content_type="text/plain",
        )
        assert response.status_code == 422
        assert response.json()["detail"] == "The file is empty."

    async def test_declared_type_is_normalised(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        created = await uploaded(
            client,
            world.a.member(Role.agent).headers,
            world.a.conversation.id,
            b"a,b\n1,2\n",
            filename="t.csv",
            content_type="Text/CSV; charset=utf-8",
        )
        assert created["content_type"] == "text/csv"

    async def test_filenames_are_made_safe(self, client: httpx.AsyncClient, world: World) -> None:
        headers = world.a.member(Role.agent).headers
        # What survives multipart encoding; control characters are covered in test_service.
        cases = {
            "../../etc/passwd.txt": "passwd.txt",
            "photo\u202egpj.exe.txt": "photogpj.exe.txt",
            "...hidden.txt": "hidden.txt",
            "a<b>c:d|e?f*.txt": "a_b_c_d_e_f_.txt",
            "/": "attachment",
            ("n" * 300) + ".txt": ("n" * 196) + ".txt",
        }
        for sent, kept in cases.items():
            created = await uploaded(
                client,
                headers,
                world.a.conversation.id,
                b"hi",
                filename=sent,
                content_type="text/plain",
            )
            assert created["filename"] == kept, sent
            assert len(created["filename"]) <= 200

    async def test_a_merged_conversation_takes_no_uploads(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        headers = world.a.member(Role.owner).headers
        other = await client.post(
            "/api/v1/conversations",
            json={"contact_id": str(world.a.contact.id), "body": "Another thread"},
            headers=headers,
        )
        assert other.status_code == 201, other.text
        merged = await client.post(
            url(other.json()["id"], "merge"),
            json={"into_conversation_id": str(world.a.conversation.id)},
            headers=headers,
        )
        assert merged.status_code == 200, merged.text
        response = await upload(client, headers, other.json()["id"], PDF)
        assert response.status_code == 409
        assert response.json()["error"] == "ConversationMerged"


class TestWhoMayRead:
    async def test_agent_outside_the_team_gets_404_like_a_missing_id(
        self, client: httpx.AsyncClient, runtime: Runtime, settings: Settings, world: World
    ) -> None:
        owner = world.a.member(Role.owner).headers
        moved = await client.post(
            url(world.a.conversation.id, "team"),
            json={"team_id": str(world.a.team.id)},
            headers=owner,
        )
        assert moved.status_code == 200, moved.text
        outsider = (await new_member(runtime, world.a, Role.agent, "outsider")).headers
        insider = world.a.member(Role.agent).headers

        assert (
            await client.get(f"{ATTACHMENTS}/{world.a.attachment.id}", headers=insider)
        ).status_code == 200
        hidden = await client.get(f"{ATTACHMENTS}/{world.a.attachment.id}", headers=outsider)
        missing = await client.get(f"{ATTACHMENTS}/{uuid.uuid4()}", headers=outsider)
        assert hidden.status_code == missing.status_code == 404
        assert (
            hidden.json()
            == missing.json()
            == {"error": "NotFound", "detail": "Attachment not found."}
        )

        before = stored_files(settings)
        refused = await upload(client, outsider, world.a.conversation.id, PDF)
        assert refused.status_code == 404
        assert refused.json()["detail"] == "Conversation not found."
        assert stored_files(settings) == before

    async def test_other_workspace_gets_404_like_a_missing_id(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        for headers in (world.b.member(Role.owner).headers, world.b.api_key_headers):
            foreign = await client.get(f"{ATTACHMENTS}/{world.a.attachment.id}", headers=headers)
            missing = await client.get(f"{ATTACHMENTS}/{uuid.uuid4()}", headers=headers)
            assert foreign.status_code == missing.status_code == 404
            assert foreign.json() == missing.json()

    async def test_anonymous_gets_401(self, client: httpx.AsyncClient, world: World) -> None:
        assert (await client.get(f"{ATTACHMENTS}/{world.a.attachment.id}")).status_code == 401
        assert (await upload(client, {}, world.a.conversation.id, PDF)).status_code == 401

    async def test_a_missing_file_is_a_404_that_says_so(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        headers = world.a.member(Role.agent).headers
        created = await uploaded(client, headers, world.a.conversation.id, PDF)
        row = await load(runtime, Attachment, created["id"])
        assert row is not None
        await runtime.storage.delete(row.storage_key)
        response = await client.get(created["url"], headers=headers)
        assert response.status_code == 404
        assert response.json()["error"] == "AttachmentFileMissing"


class TestDownloadHeaders:
    async def test_raster_images_are_inline_everything_else_a_download(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        headers = world.a.member(Role.agent).headers
        conversation_id = world.a.conversation.id
        image = await uploaded(
            client, headers, conversation_id, PNG, filename="shot.png", content_type="image/png"
        )
        pdf = await uploaded(client, headers, conversation_id, PDF, filename="bill.pdf")
        text = await uploaded(
            client,
            headers,
            conversation_id,
            b"<b>hi</b>",
            filename="x.txt",
            content_type="text/plain",
        )

        shown = await client.get(image["url"], headers=headers)
        assert shown.headers["content-type"] == "image/png"
        assert shown.headers["content-disposition"].startswith("inline;")
        for created, content_type in ((pdf, "application/pdf"), (text, "text/plain")):
            response = await client.get(created["url"], headers=headers)
            assert response.headers["content-type"] == content_type
            assert response.headers["content-disposition"].startswith("attachment;")
        for response in [await client.get(c["url"], headers=headers) for c in (image, pdf, text)]:
            assert response.headers["x-content-type-options"] == "nosniff"
            assert "sandbox" in response.headers["content-security-policy"]
            assert response.headers["content-length"] == str(len(response.content))
            assert "private" in response.headers["cache-control"]

    async def test_svg_and_html_are_never_inline_even_when_allowed(
        self, settings: Settings, world: World
    ) -> None:
        types = ["image/svg+xml", "text/html"]
        async with serve(_limited(settings, attachment_types=types)) as (client,):
            headers = world.a.member(Role.agent).headers
            for filename, content_type in (("x.svg", types[0]), ("x.html", types[1])):
                created = await uploaded(
                    client,
                    headers,
                    world.a.conversation.id,
                    b"<svg onload=alert(1)>",
                    filename=filename,
                    content_type=content_type,
                )
                response = await client.get(created["url"], headers=headers)
                assert response.headers["content-disposition"].startswith("attachment;")
                assert response.headers["x-content-type-options"] == "nosniff"
                assert "sandbox" in response.headers["content-security-policy"]

    async def test_filenames_are_encoded_per_rfc_6266(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        headers = world.a.member(Role.agent).headers
        # Clients escape quotes in multipart names themselves (as %22); see test_service.
        name = "Rechnung März; 100%.pdf"
        created = await uploaded(client, headers, world.a.conversation.id, PDF, filename=name)
        response = await client.get(created["url"], headers=headers)
        assert response.headers["content-disposition"] == (
            'attachment; filename="Rechnung M_rz; 100%.pdf"; '
            f"filename*=UTF-8''{quote(name, safe='')}"
        )
