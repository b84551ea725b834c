"""What the API cannot reach yet: contacts' view of files (the visitor routes will call
access_attachment_for_contact), filename rules in full, and the storage backend itself."""

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from helpline.contacts import service as contacts
from helpline.conversations import service as conversations
from helpline.conversations.access import access_attachment_for_contact
from helpline.conversations.models import Attachment, Channel, Conversation
from helpline.conversations.service.attachments import sanitize_filename
from helpline.core.errors import NotFound
from helpline.core.runtime import Runtime
from helpline.storage import FileTooLarge, LocalStorage, StoredFileMissing
from helpline.tenancy.models import Role
from tests.attachments.support import PDF, sha256
from tests.conversations.support import member_principal, service_session
from tests.fixtures.world import Tenant, World


async def _stream(*chunks: bytes) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


async def _upload(
    runtime: Runtime, actor: conversations.Actor, conversation: Conversation
) -> Attachment:
    async with service_session(runtime) as session:
        return await conversations.upload(
            session,
            runtime.storage,
            actor,
            conversation,
            filename="f.pdf",
            content_type="application/pdf",
            stream=_stream(PDF[:10], PDF[10:]),
            settings=runtime.settings,
        )


def _visitor(tenant: Tenant) -> conversations.ContactActor:
    return conversations.ContactActor(
        workspace_id=tenant.workspace.id, contact_id=tenant.contact.id
    )


async def _post(
    runtime: Runtime,
    actor: conversations.Actor,
    conversation: Conversation,
    attachment: Attachment,
    *,
    private: bool = False,
) -> None:
    async with service_session(runtime) as session:
        await conversations.post_message(
            session, actor, conversation, body="", private=private, attachment_ids=[attachment.id]
        )


async def _contact_sees(runtime: Runtime, tenant: Tenant, attachment_id: uuid.UUID) -> bool:
    """Whether the tenant's visitor may see the file; refusals must look like a missing id."""
    async with service_session(runtime) as session:
        try:
            await access_attachment_for_contact(
                session, tenant.workspace.id, tenant.contact.id, attachment_id
            )
        except NotFound as exc:
            refusal = exc.detail
        else:
            return True
    assert refusal == "Attachment not found."
    return False


def _files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def _inside(path: Path, root: Path) -> bool:
    return path.resolve().is_relative_to(root.resolve())


class TestContactAccess:
    async def test_contacts_see_public_files_and_their_own_uploads_only(
        self, runtime: Runtime, world: World
    ) -> None:
        a = world.a
        agent = await member_principal(runtime, a.member(Role.agent))
        public = await _upload(runtime, agent, a.conversation)
        await _post(runtime, agent, a.conversation, public)
        note = await _upload(runtime, agent, a.conversation)
        await _post(runtime, agent, a.conversation, note, private=True)
        unsent = await _upload(runtime, agent, a.conversation)
        own = await _upload(runtime, _visitor(a), a.conversation)

        assert await _contact_sees(runtime, a, public.id)
        assert await _contact_sees(runtime, a, own.id)
        assert await _contact_sees(runtime, a, a.attachment.id)
        assert not await _contact_sees(runtime, a, note.id)
        assert not await _contact_sees(runtime, a, unsent.id)
        assert not await _contact_sees(runtime, a, uuid.uuid4())
        # Another workspace's visitor, and its files, are strangers.
        assert not await _contact_sees(runtime, world.b, public.id)
        assert not await _contact_sees(runtime, a, world.b.attachment.id)

    async def test_other_contacts_conversations_are_hidden(
        self, runtime: Runtime, world: World
    ) -> None:
        a = world.a
        owner = await member_principal(runtime, a.member(Role.owner))
        async with service_session(runtime) as session:
            stranger = await contacts.create_contact(session, owner, name="Stranger")
            theirs = await conversations.start_conversation(
                session, owner, stranger, channel=Channel.api, subject="", body="Hello"
            )
        public = await _upload(runtime, owner, theirs)
        await _post(runtime, owner, theirs, public)
        assert not await _contact_sees(runtime, a, public.id)

    async def test_a_contact_sends_its_own_upload(self, runtime: Runtime, world: World) -> None:
        await _post(runtime, _visitor(world.a), world.a.conversation, world.a.attachment)
        assert await _contact_sees(runtime, world.a, world.a.attachment.id)

    async def test_a_contact_uploads_only_to_its_own_conversations(
        self, runtime: Runtime, world: World
    ) -> None:
        with pytest.raises(NotFound):
            await _upload(runtime, _visitor(world.b), world.a.conversation)


class TestFilenames:
    @pytest.mark.parametrize(
        ("sent", "kept"),
        [
            ("report.pdf", "report.pdf"),
            ("../../etc/passwd", "passwd"),
            ("C:\\Users\\me\\report.pdf", "report.pdf"),
            ("in\x00voice\r\n\x1b.pdf", "invoice .pdf"),
            ("photo\u202egpj.exe", "photogpj.exe"),
            ("zero\u200bwidth.txt", "zerowidth.txt"),
            ("..", "attachment"),
            ("", "attachment"),
            (" . ", "attachment"),
            ('a"b.txt', "a_b.txt"),
            ("tab\there.txt", "tab here.txt"),
            ("Cafe\u0301.txt", "Café.txt"),
            ("x" * 250 + ".pdf", "x" * 196 + ".pdf"),
            ("x" * 250, "x" * 200),
            ("x" * 250 + "." + "y" * 30, ("x" * 250 + "." + "y" * 30)[:200]),
        ],
    )
    def test_names_are_made_safe(self, sent: str, kept: str) -> None:
        assert sanitize_filename(sent) == kept


class TestLocalStorage:
    async def test_round_trip_and_delete(self, tmp_path: Path) -> None:
        storage = LocalStorage(tmp_path)
        stored = await storage.save(_stream(b"ab", b"cd"), max_bytes=4)
        assert (stored.size_bytes, stored.sha256) == (4, sha256(b"abcd"))
        assert b"".join([c async for c in await storage.open(stored.key)]) == b"abcd"
        await storage.delete(stored.key)
        await storage.delete(stored.key)  # already gone: not an error
        with pytest.raises(StoredFileMissing):
            await storage.open(stored.key)

    async def test_too_large_leaves_nothing(self, tmp_path: Path) -> None:
        storage = LocalStorage(tmp_path)
        with pytest.raises(FileTooLarge):
            await storage.save(_stream(b"ab", b"cde"), max_bytes=4)
        assert _files_under(tmp_path) == []

    async def test_keys_are_random_and_never_paths(self, tmp_path: Path) -> None:
        storage = LocalStorage(tmp_path)
        keys = {(await storage.save(_stream(b"x"), max_bytes=1)).key for _ in range(3)}
        assert len(keys) == 3
        for key in keys:
            assert _inside(storage.path_of(key), tmp_path)
        for bad in ("../../etc/passwd", "/etc/passwd", "a" * 40 + "/..", "", "A" * 40):
            with pytest.raises(ValueError, match="Not a storage key"):
                storage.path_of(bad)


class TestServingHeaders:
    def test_quotes_and_backslashes_never_break_the_header(self) -> None:
        attachment = Attachment(
            id=uuid.uuid4(),
            filename='a "quoted"\\name ü.pdf',
            content_type="application/pdf",
            size_bytes=3,
        )
        headers = conversations.serving_headers(attachment)
        assert headers["Content-Disposition"] == (
            'attachment; filename="a _quoted__name _.pdf"; '
            "filename*=UTF-8''a%20%22quoted%22%5Cname%20%C3%BC.pdf"
        )
        assert headers["Content-Length"] == "3"
