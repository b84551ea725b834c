"""Collections and the help-centre fields of articles (slug, collection_id, feedback counts)
through the REST API. Anonymous calls, foreign ids and refused roles are covered for every
route by tests/isolation; what is here is what the sweep cannot see."""

import uuid

import httpx

from helpline.core.runtime import Runtime
from helpline.core.unit_of_work import unit_of_work
from helpline.knowledge import feedback
from helpline.knowledge.models import Article
from helpline.tenancy.models import Role
from tests.fixtures.api import audit_events, load, walk_pages
from tests.fixtures.world import World
from tests.knowledge.support import KNOWLEDGE

COLLECTIONS = f"{KNOWLEDGE}/collections"
ARTICLES = f"{KNOWLEDGE}/articles"


class TestCollections:
    async def test_admin_creates_edits_and_deletes_and_the_audit_log_records_it(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        admin = world.a.member(Role.admin).headers
        created = await client.post(
            COLLECTIONS,
            json={"name": "Returns & refunds", "description": "Sending things back."},
            headers=admin,
        )
        collection_id = created.json()["id"]
        renamed = await client.patch(
            f"{COLLECTIONS}/{collection_id}",
            json={"name": "Returns", "position": 3},
            headers=admin,
        )
        article = await client.post(
            ARTICLES,
            json={"title": "Return labels", "collection_id": collection_id},
            headers=admin,
        )
        deleted = await client.delete(f"{COLLECTIONS}/{collection_id}", headers=admin)
        gone = await client.get(f"{COLLECTIONS}/{collection_id}", headers=admin)
        kept = await client.get(f"{ARTICLES}/{article.json()['id']}", headers=admin)

        assert created.status_code == 201, created.text
        assert created.json()["slug"] == "returns-refunds"
        assert created.json()["position"] == 0
        # A new name keeps the address.
        assert renamed.json()["slug"] == "returns-refunds"
        assert renamed.json()["position"] == 3
        assert article.json()["collection_id"] == collection_id
        assert deleted.status_code == 204
        assert gone.status_code == 404
        # The article stays, outside any collection.
        assert kept.status_code == 200
        assert kept.json()["collection_id"] is None
        for action in ("created", "updated", "deleted"):
            events = await audit_events(
                runtime, world.a.workspace.id, f"knowledge.collection_{action}"
            )
            assert [e.target_id for e in events][-1] == uuid.UUID(collection_id)

    async def test_agents_read_but_do_not_edit(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        agent = world.a.member(Role.agent).headers

        listed = await client.get(COLLECTIONS, headers=agent)
        refused = await client.post(COLLECTIONS, json={"name": "Billing"}, headers=agent)

        assert [c["id"] for c in listed.json()["items"]] == [str(world.a.collection.id)]
        assert refused.status_code == 403

    async def test_slugs_are_unique_per_workspace(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        admin = world.a.member(Role.admin).headers
        other = world.b.member(Role.admin).headers

        derived = await client.post(COLLECTIONS, json={"name": "Shipping"}, headers=admin)
        taken = await client.post(
            COLLECTIONS, json={"name": "Delivery", "slug": "shipping"}, headers=admin
        )
        renamed_onto = await client.patch(
            f"{COLLECTIONS}/{derived.json()['id']}", json={"slug": "shipping"}, headers=admin
        )
        elsewhere = await client.post(
            COLLECTIONS, json={"name": "Delivery", "slug": "shipping-2"}, headers=other
        )
        malformed = await client.post(
            COLLECTIONS, json={"name": "Delivery", "slug": "Not a slug!"}, headers=admin
        )

        # The world's collection is already "shipping".
        assert derived.json()["slug"] == "shipping-2"
        assert taken.status_code == 409
        assert taken.json()["error"] == "SlugTaken"
        assert "'shipping'" in taken.json()["detail"]
        assert renamed_onto.status_code == 409
        assert elsewhere.status_code == 201
        assert malformed.status_code == 422

    async def test_pages(self, client: httpx.AsyncClient, world: World) -> None:
        admin = world.a.member(Role.owner).headers
        for n in range(3):
            response = await client.post(COLLECTIONS, json={"name": f"Part {n}"}, headers=admin)
            assert response.status_code == 201

        items = await walk_pages(client, COLLECTIONS, admin, limit=2)

        assert [c["slug"] for c in items] == ["shipping", "part-0", "part-1", "part-2"]


class TestArticleAddresses:
    async def test_the_slug_comes_from_the_title_and_stays(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        admin = world.a.member(Role.admin).headers

        first = await client.post(ARTICLES, json={"title": "Café opening hours"}, headers=admin)
        second = await client.post(ARTICLES, json={"title": "Café opening hours"}, headers=admin)
        article_id = first.json()["id"]
        retitled = await client.patch(
            f"{ARTICLES}/{article_id}", json={"title": "When we are open"}, headers=admin
        )
        moved = await client.patch(
            f"{ARTICLES}/{article_id}", json={"slug": "hours"}, headers=admin
        )

        assert first.json()["slug"] == "cafe-opening-hours"
        assert second.json()["slug"] == "cafe-opening-hours-2"
        assert retitled.json()["slug"] == "cafe-opening-hours"
        assert moved.json()["slug"] == "hours"
        assert moved.json()["title"] == "When we are open"

    async def test_a_taken_slug_is_a_conflict(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        admin = world.a.member(Role.admin).headers
        taken_slug = world.a.article.slug

        created = await client.post(
            ARTICLES, json={"title": "Other", "slug": taken_slug}, headers=admin
        )
        other = await client.post(ARTICLES, json={"title": "Other"}, headers=admin)
        changed = await client.patch(
            f"{ARTICLES}/{other.json()['id']}", json={"slug": taken_slug}, headers=admin
        )
        same = await client.patch(
            f"{ARTICLES}/{world.a.article.id}", json={"slug": taken_slug}, headers=admin
        )
        # Another workspace may use the same address.
        elsewhere = await client.post(
            ARTICLES,
            json={"title": "Something else", "slug": other.json()["slug"]},
            headers=world.b.member(Role.admin).headers,
        )

        assert created.status_code == 409
        assert created.json()["error"] == "SlugTaken"
        assert changed.status_code == 409
        assert same.status_code == 200
        assert elsewhere.status_code == 201

    async def test_collections_are_checked_and_can_be_left(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        admin = world.a.member(Role.admin).headers
        article = f"{ARTICLES}/{world.a.article.id}"

        foreign = await client.patch(
            article, json={"collection_id": str(world.b.collection.id)}, headers=admin
        )
        unknown_on_create = await client.post(
            ARTICLES,
            json={"title": "Other", "collection_id": str(world.b.collection.id)},
            headers=admin,
        )
        left = await client.patch(article, json={"collection_id": None}, headers=admin)
        untouched = await client.patch(article, json={"title": "Shipping"}, headers=admin)

        assert foreign.status_code == 422
        assert foreign.json()["error"] == "UnknownCollection"
        assert str(world.b.collection.id) in foreign.json()["detail"]
        assert unknown_on_create.status_code == 422
        assert left.json()["collection_id"] is None
        assert untouched.json()["collection_id"] is None
        stored = await load(runtime, Article, world.a.article.id)
        assert stored is not None
        assert stored.collection_id is None

    async def test_feedback_counts(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        admin = world.a.member(Role.agent).headers
        async with unit_of_work(runtime.sessionmaker) as session:
            for helpful in (True, True, False):
                await feedback.record_feedback(session, world.a.article, helpful=helpful)
            await feedback.record_feedback(session, world.b.article, helpful=False)

        one = await client.get(f"{ARTICLES}/{world.a.article.id}", headers=admin)
        listed = await client.get(ARTICLES, headers=admin)
        other = await client.get(
            f"{ARTICLES}/{world.b.article.id}", headers=world.b.member(Role.agent).headers
        )

        assert (one.json()["helpful_count"], one.json()["unhelpful_count"]) == (2, 1)
        [item] = listed.json()["items"]
        assert (item["helpful_count"], item["unhelpful_count"]) == (2, 1)
        assert (other.json()["helpful_count"], other.json()["unhelpful_count"]) == (0, 1)
