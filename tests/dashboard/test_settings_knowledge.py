"""The knowledge base through its settings pages: articles (with the markdown preview), FAQ
entries and collections; listed, created, edited and deleted through the same services as the
REST API, refusals that keep what was typed, and only owners and admins let in."""

import html
import uuid
from typing import Any

import httpx
import pytest

from helpline.tenancy.models import Role
from tests.dashboard.support import OURS, form_csrf, submit
from tests.dashboard.test_settings_pages import as_member
from tests.fixtures.world import World

KNOWLEDGE = "/app/settings/knowledge"
NEW_ARTICLE = KNOWLEDGE + "/articles/new"
ARTICLES = KNOWLEDGE + "/articles"
FAQS = KNOWLEDGE + "/faqs"
COLLECTIONS = KNOWLEDGE + "/collections"


async def api_get(client: httpx.AsyncClient, world: World, path: str, **params: Any) -> Any:
    answer = await client.get(path, params=params, headers=world.a.member(Role.owner).headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def articles_of(client: httpx.AsyncClient, world: World) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = (await api_get(client, world, "/api/v1/knowledge/articles"))[
        "items"
    ]
    return items


async def post_form(
    client: httpx.AsyncClient, page_url: str, action: str, fields: dict[str, str]
) -> httpx.Response:
    """Post `fields` to `action` with the CSRF token of the page at `page_url`."""
    page = await client.get(page_url)
    assert page.status_code == 200, page.text
    data = {"csrf_token": form_csrf(page), **fields}
    return await client.post(action, data=data, headers={"Origin": OURS})


def article_fields(**changes: str) -> dict[str, str]:
    fields = {
        "title": "Returns",
        "slug": "",
        "collection": "",
        "locale": "en",
        "status": "draft",
        "body": "You have **30 days** to send parcels back.",
        "action": "save",
    }
    return {**fields, **changes}


async def test_lists_articles_faqs_and_collections(client: httpx.AsyncClient, world: World) -> None:
    await as_member(client, world, Role.admin)
    page = await client.get(KNOWLEDGE)
    assert page.status_code == 200
    assert "Shipping times" in page.text
    assert "shipping-times" in page.text
    assert ">Shipping<" in page.text  # its collection
    assert "Published" in page.text
    assert "0 yes · 0 no" in page.text
    assert f'href="{KNOWLEDGE}/import"' in page.text
    assert f'href="{KNOWLEDGE}"' in page.text  # the navigation
    assert "No article title matches" in (await client.get(KNOWLEDGE, params={"q": "zzz"})).text
    found = await client.get(KNOWLEDGE, params={"q": "SHIPPING"})
    assert "Shipping times" in found.text

    faqs = await client.get(FAQS)
    assert world.a.faq.question in faqs.text
    assert world.b.faq.question not in faqs.text
    assert '<td class="nowrap">1</td>' in faqs.text  # one phrasing

    collections = await client.get(COLLECTIONS)
    assert ">Shipping<" in collections.text
    assert "<td>1</td>" in collections.text  # one article


async def test_preview_saves_nothing_and_save_publishes_a_searchable_article(
    client: httpx.AsyncClient, world: World
) -> None:
    await as_member(client, world, Role.owner)
    before = await articles_of(client, world)
    fields = article_fields(collection=str(world.a.collection.id), action="preview")
    preview = await post_form(client, NEW_ARTICLE, ARTICLES, fields)
    assert preview.status_code == 200
    assert "<strong>30 days</strong>" in preview.text
    # The form holds what was typed.
    assert 'value="Returns"' in preview.text
    assert "**30 days** to send parcels back.</textarea>" in preview.text
    assert f'<option value="{world.a.collection.id}" selected>' in preview.text
    assert await articles_of(client, world) == before

    created = await post_form(client, NEW_ARTICLE, ARTICLES, {**fields, "action": "save"})
    assert created.status_code == 303
    [returns] = [a for a in await articles_of(client, world) if a["title"] == "Returns"]
    assert (returns["slug"], returns["status"]) == ("returns", "draft")
    assert returns["collection_id"] == str(world.a.collection.id)
    assert created.headers["location"] == f"{ARTICLES}/{returns['id']}?saved=created"
    search = "/api/v1/knowledge/search"
    # A draft is not searched.
    drafts = await api_get(client, world, search, q="send parcels back")
    assert returns["id"] not in [p["source_id"] for p in drafts]

    edit_url = f"{ARTICLES}/{returns['id']}"
    editor = await client.get(edit_url)
    assert "View in help centre" not in editor.text  # a draft has no public page
    changed = {**fields, "body": "Sixty days now.", "status": "published"}
    previewed = await post_form(client, edit_url, edit_url, changed)
    assert previewed.status_code == 200
    assert "<p>Sixty days now.</p>" in previewed.text
    [unchanged] = [a for a in await articles_of(client, world) if a["id"] == returns["id"]]
    assert (unchanged["body"], unchanged["status"]) == (fields["body"], "draft")

    saved = await post_form(client, edit_url, edit_url, {**changed, "action": "save"})
    assert saved.status_code == 303
    passages = await api_get(client, world, search, q="sixty days")
    assert returns["id"] in [p["source_id"] for p in passages]
    published = await client.get(edit_url + "?saved=1")
    assert "Your changes are saved." in published.text
    public = f"/help/{world.a.workspace.slug}/articles/returns"
    assert f'href="{public}"' in published.text
    assert (await client.get(public)).status_code == 200

    audit = await api_get(client, world, "/api/v1/audit-events")
    actions = [entry["action"] for entry in audit["items"]]
    assert "knowledge.article_created" in actions
    assert "knowledge.article_updated" in actions


async def test_refused_article_forms_say_why_and_keep_what_was_typed(
    client: httpx.AsyncClient, world: World
) -> None:
    await as_member(client, world, Role.owner)
    before = await articles_of(client, world)
    typed = "Typed text stays."

    taken = await post_form(
        client, NEW_ARTICLE, ARTICLES, article_fields(slug="shipping-times", body=typed)
    )
    assert taken.status_code == 409
    assert "That address (shipping-times) is already used by the article “Shipping times”" in (
        taken.text
    )
    assert f"{typed}</textarea>" in taken.text

    for foreign in (str(world.b.collection.id), str(uuid.uuid4()), "not-an-id"):
        unknown = await post_form(
            client, NEW_ARTICLE, ARTICLES, article_fields(collection=foreign, body=typed)
        )
        assert unknown.status_code == 422
        assert "That collection does not exist (any more)" in unknown.text
        assert f"{typed}</textarea>" in unknown.text

    cases = [
        ({"title": ""}, "The title is required."),
        ({"title": "x" * 301}, "The title has at most 300 characters."),
        ({"slug": "Not A Slug"}, "The address may hold only lower-case letters"),
        ({"locale": "french"}, "The language must be a code such as en, fr or fr-CA."),
        ({"status": "live"}, "The status must be 'draft' or 'published'."),
    ]
    for change, message in cases:
        refused = await post_form(
            client, NEW_ARTICLE, ARTICLES, article_fields(body=typed, **change)
        )
        assert refused.status_code == 422, change
        assert message in html.unescape(refused.text), change
        assert f"{typed}</textarea>" in refused.text
    assert await articles_of(client, world) == before

    edit_url = f"{ARTICLES}/{world.a.article.id}"
    other = await post_form(
        client, NEW_ARTICLE, ARTICLES, article_fields(title="Other", slug="other")
    )
    assert other.status_code == 303
    clash = await post_form(
        client, edit_url, edit_url, article_fields(title="Renamed", slug="other", body=typed)
    )
    assert clash.status_code == 409
    assert "That address (other) is already used by the article “Other”" in clash.text
    assert 'value="Renamed"' in clash.text
    [kept] = [a for a in await articles_of(client, world) if a["id"] == str(world.a.article.id)]
    assert (kept["title"], kept["slug"]) == ("Shipping times", "shipping-times")


async def test_an_empty_address_keeps_the_articles_and_can_be_changed(
    client: httpx.AsyncClient, world: World
) -> None:
    await as_member(client, world, Role.owner)
    edit_url = f"{ARTICLES}/{world.a.article.id}"
    fields = article_fields(title="Delivery times", status="published", body="Three days.")
    assert (await post_form(client, edit_url, edit_url, fields)).status_code == 303
    [article] = [a for a in await articles_of(client, world) if a["id"] == str(world.a.article.id)]
    # Out of its collection (none chosen), and its address kept.
    assert (article["title"], article["slug"]) == ("Delivery times", "shipping-times")
    assert article["collection_id"] is None
    moved = {**fields, "slug": "delivery"}
    assert (await post_form(client, edit_url, edit_url, moved)).status_code == 303
    [article] = [a for a in await articles_of(client, world) if a["id"] == str(world.a.article.id)]
    assert article["slug"] == "delivery"


async def test_hostile_markdown_renders_nothing_live_in_the_preview(
    client: httpx.AsyncClient, world: World
) -> None:
    await as_member(client, world, Role.owner)
    body = (
        '<script>alert("x")</script>\n\n'
        "[click](javascript:alert(1)) and ![pixel](https://tracker.example/p.png)\n\n"
        '<img src=x onerror="alert(2)">'
    )
    preview = await post_form(
        client, NEW_ARTICLE, ARTICLES, article_fields(body=body, action="preview")
    )
    assert preview.status_code == 200
    rendered = preview.text.split('class="card-body prose kb-rendered">', 1)[1]
    rendered = rendered.split("</section>", 1)[0]
    assert "<script" not in rendered
    assert "&lt;script&gt;" in rendered
    assert "<img" not in rendered
    assert "javascript:" not in rendered.replace("[click](javascript:alert(1))", "")
    assert 'href="javascript' not in preview.text
    assert '<a href="https://tracker.example/p.png"' in rendered
    # The textarea holds the text, escaped.
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in preview.text


async def test_deleting_an_article(client: httpx.AsyncClient, world: World) -> None:
    await as_member(client, world, Role.admin)
    delete_url = f"{ARTICLES}/{world.a.article.id}/delete"
    confirm = await client.get(delete_url)
    assert "Delete the article “Shipping times”?" in confirm.text
    assert "/articles/shipping-times" in confirm.text
    deleted = await post_form(client, delete_url, delete_url, {})
    assert deleted.status_code == 303
    assert deleted.headers["location"] == f"{KNOWLEDGE}?saved=deleted"
    assert str(world.a.article.id) not in [a["id"] for a in await articles_of(client, world)]


async def test_faq_entries_are_created_edited_and_deleted(
    client: httpx.AsyncClient, world: World
) -> None:
    await as_member(client, world, Role.owner)
    fields = {
        "question": "How do I reset my password?",
        "answer": "Choose 'Forgot password'.",
        "phrasings": "I forgot my password\n\n  cannot log in  \n",
        "tags": "account, sign-in,",
        "published": "on",
    }
    created = await submit(client, FAQS, fields)
    assert created.status_code == 303
    faqs = (await api_get(client, world, "/api/v1/knowledge/faqs"))["items"]
    [faq] = [f for f in faqs if f["question"] == fields["question"]]
    assert faq["phrasings"] == ["I forgot my password", "cannot log in"]
    assert (faq["tags"], faq["published"]) == (["account", "sign-in"], True)
    passages = await api_get(client, world, "/api/v1/knowledge/search", q="forgot my password")
    assert faq["id"] in [p["source_id"] for p in passages]

    edit_url = f"{FAQS}/{faq['id']}"
    editor = await client.get(edit_url)
    assert "I forgot my password\ncannot log in</textarea>" in editor.text
    assert 'value="account, sign-in"' in editor.text
    # Unticked: no "published" field at all, as a browser sends it.
    unpublished = {k: v for k, v in fields.items() if k != "published"}
    assert (await submit(client, edit_url, unpublished)).status_code == 303
    [faq] = [
        f
        for f in (await api_get(client, world, "/api/v1/knowledge/faqs"))["items"]
        if f["id"] == faq["id"]
    ]
    assert faq["published"] is False
    passages = await api_get(client, world, "/api/v1/knowledge/search", q="forgot my password")
    assert faq["id"] not in [p["source_id"] for p in passages]

    blank = await submit(client, edit_url, {**fields, "question": "", "answer": "Kept answer"})
    assert blank.status_code == 422
    assert "The question is required." in blank.text
    assert "Kept answer</textarea>" in blank.text
    too_many = await submit(client, FAQS, {**fields, "tags": ",".join(f"t{i}" for i in range(21))})
    assert too_many.status_code == 422
    assert "Tags holds at most 20 entries." in too_many.text
    assert "I forgot my password\n\n  cannot log in  \n</textarea>" in too_many.text

    confirm = await client.get(f"{edit_url}/delete")
    assert f"Delete the FAQ entry “{fields['question']}”?" in confirm.text
    assert (await submit(client, f"{edit_url}/delete", {})).status_code == 303
    remaining = (await api_get(client, world, "/api/v1/knowledge/faqs"))["items"]
    assert faq["id"] not in [f["id"] for f in remaining]


async def test_collections_are_created_edited_and_deleted_keeping_their_articles(
    client: httpx.AsyncClient, world: World
) -> None:
    await as_member(client, world, Role.owner)
    fields = {"name": "Payments", "slug": "", "description": "Cards and invoices.", "position": "2"}
    assert (await submit(client, COLLECTIONS, fields)).status_code == 303
    found = (await api_get(client, world, "/api/v1/knowledge/collections"))["items"]
    [payments] = [c for c in found if c["name"] == "Payments"]
    assert (payments["slug"], payments["position"]) == ("payments", 2)

    taken = await submit(client, COLLECTIONS, {**fields, "slug": "shipping"})
    assert taken.status_code == 409
    assert "That address (shipping) is already used by the collection “Shipping”" in taken.text
    assert "Cards and invoices.</textarea>" in taken.text
    negative = await submit(client, COLLECTIONS, {**fields, "position": "-1"})
    assert negative.status_code == 422
    assert "The position: input should be greater than or equal to 0." in negative.text
    words = await submit(client, COLLECTIONS, {**fields, "position": "first"})
    assert "The position must be a whole number." in words.text

    edit_url = f"{COLLECTIONS}/{payments['id']}"
    renamed = {**fields, "name": "Paying", "position": "0"}
    assert (await submit(client, edit_url, renamed)).status_code == 303
    [payments] = [
        c
        for c in (await api_get(client, world, "/api/v1/knowledge/collections"))["items"]
        if c["id"] == payments["id"]
    ]
    assert (payments["name"], payments["slug"], payments["position"]) == ("Paying", "payments", 0)

    shipping = f"{COLLECTIONS}/{world.a.collection.id}/delete"
    confirm = await client.get(shipping)
    assert "Its 1 article stay, in no collection" in confirm.text
    assert (await submit(client, shipping, {})).status_code == 303
    [article] = [a for a in await articles_of(client, world) if a["id"] == str(world.a.article.id)]
    assert article["collection_id"] is None


@pytest.mark.parametrize(
    "path",
    [
        "/articles/{article}",
        "/articles/{article}/delete",
        "/faqs/{faq}",
        "/faqs/{faq}/delete",
        "/collections/{collection}",
        "/collections/{collection}/delete",
    ],
)
async def test_the_other_workspaces_content_is_not_found(
    client: httpx.AsyncClient, world: World, path: str
) -> None:
    await as_member(client, world, Role.owner)
    b = world.b
    url = KNOWLEDGE + path.format(article=b.article.id, faq=b.faq.id, collection=b.collection.id)
    assert (await client.get(url)).status_code == 404
    page = await client.get(KNOWLEDGE)
    posted = await client.post(
        url, data={"csrf_token": form_csrf(page), "title": "Stolen"}, headers={"Origin": OURS}
    )
    assert posted.status_code == 404


@pytest.mark.parametrize("role", [Role.agent, Role.supervisor])
async def test_agents_and_supervisors_are_refused(
    client: httpx.AsyncClient, world: World, role: Role
) -> None:
    await as_member(client, world, role)
    for path in (KNOWLEDGE, NEW_ARTICLE, FAQS, COLLECTIONS, f"{ARTICLES}/{world.a.article.id}"):
        refused = await client.get(path)
        assert refused.status_code == 403, path
    profile = await client.get("/app/settings/profile")
    assert f'href="{KNOWLEDGE}"' not in profile.text
