"""The canned-responses REST API: writing, validation, who may read and write, listing and
searching for the composer's '/' menu, and the audit log. Anonymous calls, every refused
role and foreign ids are covered for every route by tests/isolation."""

import uuid
from datetime import datetime

import httpx
import pytest

from helpline.auth.principals import Scope
from helpline.canned.models import CannedResponse
from helpline.core.runtime import Runtime
from helpline.tenancy.models import Role
from tests.canned.support import CANNED, REFUND, create, rows_of
from tests.fixtures.api import audit_events, load, walk_pages
from tests.fixtures.world import World

TAKEN = (
    "The shortcut /{} is already used by another canned response in this workspace: "
    "choose another one, or edit that response."
)


class TestCreate:
    async def test_admin_creates_a_response_and_the_audit_log_records_it(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        admin = world.a.member(Role.admin)

        created = await client.post(CANNED, json=REFUND, headers=admin.headers)
        fetched = await client.get(f"{CANNED}/{created.json()['id']}", headers=admin.headers)

        assert created.status_code == 201, created.text
        body = created.json()
        assert {k: body[k] for k in REFUND} == REFUND
        assert body["created_by_member_id"] == str(admin.membership.id)
        assert fetched.json() == body
        row = await load(runtime, CannedResponse, body["id"])
        assert row is not None
        assert (row.workspace_id, row.shortcut) == (world.a.workspace.id, "refund")
        [event] = [
            e
            for e in await audit_events(runtime, world.a.workspace.id, "canned_response.created")
            if str(e.target_id) == body["id"]
        ]
        assert (event.actor_type, event.actor_id) == ("member", admin.user.id)
        assert (event.target_type, event.data) == ("canned_response", {"shortcut": "refund"})

    async def test_an_api_key_creates_one_with_no_author(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        created = await create(client, world.a.api_key_headers)

        assert created["created_by_member_id"] is None
        events = await audit_events(runtime, world.a.workspace.id, "canned_response.created")
        assert [
            (e.actor_type, e.actor_label) for e in events if str(e.target_id) == created["id"]
        ] == [("api_key", "full")]

    async def test_the_shortcut_is_lowercased_and_the_text_trimmed(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        created = await create(
            client,
            world.a.member(Role.owner).headers,
            shortcut=" Refund-Full_2 ",
            title="  Full refund ",
            body="\n  Here is your refund.  \n",
        )

        assert (created["shortcut"], created["title"], created["body"]) == (
            "refund-full_2",
            "Full refund",
            "Here is your refund.",
        )

    @pytest.mark.parametrize(
        ("shortcut", "error", "detail"),
        [
            (
                "/refund",
                "InvalidCannedResponse",
                "'/refund' is not a valid shortcut: use 1 to 40 letters a-z, digits, hyphens or "
                "underscores, without the '/' (the composer adds it).",
            ),
            ("refund policy", "InvalidCannedResponse", "'refund policy' is not a valid shortcut"),
            ("remboursé", "InvalidCannedResponse", "'remboursé' is not a valid shortcut"),
            ("r" * 41, "ValidationError", "body.shortcut: String should have at most 40"),
            ("   ", "ValidationError", "body.shortcut: String should have at least 1 character"),
        ],
    )
    async def test_a_bad_shortcut_is_refused_with_a_clear_message(
        self,
        client: httpx.AsyncClient,
        runtime: Runtime,
        world: World,
        shortcut: str,
        error: str,
        detail: str,
    ) -> None:
        refused = await client.post(
            CANNED, json=REFUND | {"shortcut": shortcut}, headers=world.a.member(Role.admin).headers
        )

        assert refused.status_code == 422, refused.text
        assert refused.json()["error"] == error
        assert detail in refused.json()["detail"]
        assert [r.shortcut for r in await rows_of(runtime, world.a.workspace.id)] == ["greeting"]

    async def test_forty_characters_are_enough(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        created = await create(client, world.a.member(Role.admin).headers, shortcut="r" * 40)

        assert created["shortcut"] == "r" * 40

    async def test_a_duplicate_shortcut_is_a_conflict_in_the_same_workspace_only(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        admin = world.a.member(Role.admin).headers
        await create(client, admin)

        again = await client.post(CANNED, json=REFUND | {"shortcut": "REFUND"}, headers=admin)
        worlds_own = await client.post(
            CANNED, json=REFUND | {"shortcut": "greeting"}, headers=admin
        )
        in_b = await client.post(CANNED, json=REFUND, headers=world.b.member(Role.admin).headers)

        assert again.status_code == 409, again.text
        assert again.json() == {"error": "ShortcutTaken", "detail": TAKEN.format("refund")}
        assert worlds_own.json() == {"error": "ShortcutTaken", "detail": TAKEN.format("greeting")}
        assert in_b.status_code == 201
        rows = await rows_of(runtime, world.a.workspace.id)
        assert [(r.shortcut, r.title) for r in rows] == [
            ("greeting", "Greeting"),
            ("refund", "Refund policy"),
        ]

    @pytest.mark.parametrize(
        ("fields", "detail"),
        [
            ({"body": ""}, "body.body: String should have at least 1 character"),
            ({"body": " \n\t "}, "body.body: String should have at least 1 character"),
            ({"body": "x" * 5001}, "body.body: String should have at most 5000 characters"),
            ({"title": "  "}, "body.title: String should have at least 1 character"),
            ({"title": "t" * 121}, "body.title: String should have at most 120 characters"),
            ({"colour": "red"}, "body.colour: Extra inputs are not permitted"),
        ],
    )
    async def test_an_empty_or_oversized_text_is_a_422(
        self,
        client: httpx.AsyncClient,
        runtime: Runtime,
        world: World,
        fields: dict[str, str],
        detail: str,
    ) -> None:
        refused = await client.post(
            CANNED, json=REFUND | fields, headers=world.a.member(Role.admin).headers
        )

        assert refused.status_code == 422, refused.text
        assert refused.json()["error"] == "ValidationError"
        assert detail in refused.json()["detail"]
        assert len(await rows_of(runtime, world.a.workspace.id)) == 1

    async def test_a_body_of_five_thousand_characters_is_kept_whole(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        created = await create(client, world.a.member(Role.admin).headers, body="x" * 5000)

        assert created["body"] == "x" * 5000


class TestWhoMay:
    async def test_agents_read_but_do_not_write(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        headers = world.a.member(Role.agent).headers
        greeting = f"{CANNED}/{world.a.canned_response.id}"

        listed = await client.get(CANNED, headers=headers)
        fetched = await client.get(greeting, headers=headers)
        created = await client.post(CANNED, json=REFUND, headers=headers)
        patched = await client.patch(greeting, json={"title": "Changed"}, headers=headers)
        deleted = await client.delete(greeting, headers=headers)

        assert [r["shortcut"] for r in listed.json()["items"]] == ["greeting"]
        assert fetched.json()["title"] == "Greeting"
        for refused in (created, patched, deleted):
            assert refused.status_code == 403, refused.text
            assert refused.json()["error"] == "PermissionDenied"
        rows = await rows_of(runtime, world.a.workspace.id)
        assert [(r.shortcut, r.title) for r in rows] == [("greeting", "Greeting")]

    async def test_supervisors_write_like_owners_and_admins(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        supervisor = world.a.member(Role.supervisor)
        greeting = f"{CANNED}/{world.a.canned_response.id}"

        created = await create(client, supervisor.headers)
        patched = await client.patch(greeting, json={"title": "Hello"}, headers=supervisor.headers)
        deleted = await client.delete(f"{CANNED}/{created['id']}", headers=supervisor.headers)

        assert created["created_by_member_id"] == str(supervisor.membership.id)
        assert patched.json()["title"] == "Hello"
        assert deleted.status_code == 204
        rows = await rows_of(runtime, world.a.workspace.id)
        assert [(r.shortcut, r.title) for r in rows] == [("greeting", "Hello")]

    async def test_api_keys_need_the_canned_scopes(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        reader = world.a.api_key_headers_without(Scope.canned_read)
        writer = world.a.api_key_headers_without(Scope.canned_write)

        read = await client.get(CANNED, headers=reader)
        written = await client.post(CANNED, json=REFUND, headers=writer)

        assert read.status_code == 403
        assert read.json()["detail"] == "This API key lacks the canned:read scope."
        assert written.json()["detail"] == "This API key lacks the canned:write scope."

    async def test_each_workspace_lists_and_searches_its_own_only(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        await create(client, world.a.member(Role.admin).headers, shortcut="a-only")
        b = world.b.member(Role.agent).headers

        listed = await client.get(CANNED, headers=b)
        searched = await client.get(CANNED, params={"q": "a-"}, headers=b)
        foreign = await client.get(f"{CANNED}/{world.a.canned_response.id}", headers=b)

        assert [r["id"] for r in listed.json()["items"]] == [str(world.b.canned_response.id)]
        assert searched.json() == {"items": [], "next_cursor": None}
        assert foreign.status_code == 404
        assert foreign.json()["detail"] == "Canned response not found."


class TestList:
    async def test_pages_are_ordered_by_shortcut(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        admin = world.a.member(Role.admin).headers
        for shortcut in ("thanks", "bye", "refund-full", "refund", "hold"):
            await create(client, admin, shortcut=shortcut)

        first = await client.get(CANNED, params={"limit": 2}, headers=admin)
        every = await walk_pages(client, CANNED, admin, limit=2)

        assert [r["shortcut"] for r in first.json()["items"]] == ["bye", "greeting"]
        assert first.json()["next_cursor"] is not None
        assert [r["shortcut"] for r in every] == [
            "bye",
            "greeting",
            "hold",
            "refund",
            "refund-full",
            "thanks",
        ]

    @pytest.mark.parametrize(
        ("q", "found"),
        [
            # A shortcut prefix, or a title substring, ignoring case.
            ("ref", ["refund", "xmas"]),
            ("/RET", ["return-label"]),
            ("ours", ["hours"]),
            # Inside a shortcut but not at its start, and in no title: not found.
            ("mas", []),
            # LIKE wildcards are searched for literally.
            ("%", []),
            ("_", []),
            # The composer's bare '/' lists everything.
            ("/", ["greeting", "hours", "refund", "return-label", "xmas"]),
        ],
    )
    async def test_q_searches_shortcut_prefixes_and_titles(
        self, client: httpx.AsyncClient, world: World, q: str, found: list[str]
    ) -> None:
        admin = world.a.member(Role.admin).headers
        for shortcut, title in (
            ("refund", "Refund policy"),
            ("return-label", "Send a return label"),
            ("hours", "Opening hours"),
            ("xmas", "Holiday REFUNDS"),
        ):
            await create(client, admin, shortcut=shortcut, title=title)

        listed = await walk_pages(client, CANNED, world.a.member(Role.agent).headers, q=q, limit=2)

        assert [r["shortcut"] for r in listed] == found

    async def test_a_cursor_whose_response_was_deleted_is_a_400(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        admin = world.a.member(Role.admin).headers
        await create(client, admin, shortcut="bye")
        first = await client.get(CANNED, params={"limit": 1}, headers=admin)
        [bye] = first.json()["items"]
        await client.delete(f"{CANNED}/{bye['id']}", headers=admin)

        stale = await client.get(
            CANNED, params={"limit": 1, "cursor": first.json()["next_cursor"]}, headers=admin
        )

        assert stale.status_code == 400
        assert stale.json() == {
            "error": "BadRequest",
            "detail": "The cursor is no longer valid: its canned response was deleted. "
            "Start again from the first page.",
        }


class TestUpdate:
    async def test_only_the_fields_sent_change_and_the_audit_log_names_them(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        admin = world.a.member(Role.admin).headers
        url = f"{CANNED}/{world.a.canned_response.id}"
        before = (await client.get(url, headers=admin)).json()

        patched = await client.patch(url, json={"body": "  Hi! How can I help?  "}, headers=admin)
        ignored = await client.patch(url, json={"title": None}, headers=admin)

        assert patched.status_code == 200, patched.text
        after = patched.json()
        assert after["body"] == "Hi! How can I help?"
        unchanged = ("id", "shortcut", "title", "created_at", "created_by_member_id")
        assert {k: after[k] for k in unchanged} == {k: before[k] for k in unchanged}
        assert datetime.fromisoformat(after["updated_at"]) > datetime.fromisoformat(
            before["updated_at"]
        )
        assert ignored.json() == after
        events = await audit_events(runtime, world.a.workspace.id, "canned_response.updated")
        assert [(e.target_id, e.data) for e in events] == [
            (world.a.canned_response.id, {"shortcut": "greeting", "fields": ["body"]})
        ]

    async def test_renaming_to_a_taken_shortcut_is_a_conflict(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        admin = world.a.member(Role.admin).headers
        await create(client, admin)
        url = f"{CANNED}/{world.a.canned_response.id}"

        taken = await client.patch(url, json={"shortcut": "refund"}, headers=admin)
        kept = await client.patch(url, json={"shortcut": "GREETING"}, headers=admin)
        renamed = await client.patch(url, json={"shortcut": "Welcome"}, headers=admin)

        assert taken.status_code == 409
        assert taken.json() == {"error": "ShortcutTaken", "detail": TAKEN.format("refund")}
        assert kept.status_code == 200, kept.text
        assert renamed.json()["shortcut"] == "welcome"
        rows = await rows_of(runtime, world.a.workspace.id)
        assert [r.shortcut for r in rows] == ["refund", "welcome"]

    @pytest.mark.parametrize(
        ("change", "error"),
        [
            ({"body": "   "}, "ValidationError"),
            ({"shortcut": "two words"}, "InvalidCannedResponse"),
            ({"id": "00000000-0000-0000-0000-000000000000"}, "ValidationError"),
        ],
    )
    async def test_an_invalid_change_changes_nothing(
        self,
        client: httpx.AsyncClient,
        runtime: Runtime,
        world: World,
        change: dict[str, str],
        error: str,
    ) -> None:
        url = f"{CANNED}/{world.a.canned_response.id}"

        refused = await client.patch(url, json=change, headers=world.a.member(Role.admin).headers)

        assert refused.status_code == 422
        assert refused.json()["error"] == error
        [row] = await rows_of(runtime, world.a.workspace.id)
        assert (row.shortcut, row.title, row.body) == (
            "greeting",
            "Greeting",
            world.a.canned_response.body,
        )
        assert await audit_events(runtime, world.a.workspace.id, "canned_response.updated") == []


class TestDelete:
    async def test_deleting_frees_the_shortcut(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        admin = world.a.member(Role.admin).headers
        url = f"{CANNED}/{world.a.canned_response.id}"

        deleted = await client.delete(url, headers=admin)
        gone = await client.get(url, headers=admin)
        again = await client.delete(url, headers=admin)
        recreated = await client.post(CANNED, json=REFUND | {"shortcut": "greeting"}, headers=admin)

        assert deleted.status_code == 204
        assert gone.status_code == 404
        assert again.status_code == 404
        assert recreated.status_code == 201
        assert [r.id for r in await rows_of(runtime, world.a.workspace.id)] == [
            uuid.UUID(recreated.json()["id"])
        ]
        events = await audit_events(runtime, world.a.workspace.id, "canned_response.deleted")
        assert [(e.target_id, e.data) for e in events] == [
            (world.a.canned_response.id, {"shortcut": "greeting"})
        ]
        assert len(await rows_of(runtime, world.b.workspace.id)) == 1

    async def test_the_author_may_leave_the_workspace(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        admin = world.a.member(Role.admin)
        created = await create(client, admin.headers)

        removed = await client.delete(
            f"/api/v1/members/{admin.membership.id}",
            headers=world.a.member(Role.owner).headers,
        )
        fetched = await client.get(
            f"{CANNED}/{created['id']}", headers=world.a.member(Role.agent).headers
        )

        assert removed.status_code == 204, removed.text
        assert fetched.json()["created_by_member_id"] is None
        assert fetched.json()["body"] == REFUND["body"]
