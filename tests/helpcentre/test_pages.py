"""The public help centre's pages: what they show, what they never show (drafts, another
workspace's content), their headers, and the "Was this helpful?" form."""

import re

import httpx
import pytest
from sqlalchemy import select

from helpline.core.runtime import Runtime
from helpline.core.unit_of_work import unit_of_work
from helpline.helpcentre.routes import FEEDBACK_PER_ARTICLE
from helpline.knowledge import collections
from helpline.knowledge.models import ArticleFeedback, ArticleStatus
from helpline.tenancy.models import WorkspaceStatus
from tests.dashboard.support import OURS
from tests.fixtures.api import scalars
from tests.fixtures.world import World
from tests.helpcentre.support import add_article, article_url, home

SECRET_BODY = "The unreleased price list is attached."


class TestHome:
    async def test_lists_collections_and_their_published_articles(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        await add_article(
            runtime, world.a, "Draft pricing", SECRET_BODY, status=ArticleStatus.draft
        )
        await add_article(runtime, world.a, "Contact us", "Write to us.", in_collection=False)

        page = await client.get(home(world.a))

        assert page.status_code == 200
        assert f'href="/help/{world.a.workspace.slug}/collections/shipping"' in page.text
        assert 'href="/help/ws-a/articles/shipping-times">Shipping times</a>' in page.text
        assert "Contact us" in page.text
        assert "Draft pricing" not in page.text
        # Workspace B's article has the same title; its workspace's name must not show.
        assert world.b.workspace.name not in page.text

    async def test_an_unknown_or_suspended_workspace_is_a_plain_404(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        async with unit_of_work(runtime.sessionmaker) as session:
            workspace = await session.get(type(world.b.workspace), world.b.workspace.id)
            assert workspace is not None
            workspace.status = WorkspaceStatus.suspended

        unknown = await client.get("/help/no-such-workspace/")
        suspended = await client.get(home(world.b))

        for response in (unknown, suspended):
            assert response.status_code == 404
            assert response.headers["content-type"].startswith("text/html")
            assert "Page not found" in response.text

    async def test_the_address_without_a_slash_leads_home(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        response = await client.get(f"/help/{world.a.workspace.slug}", follow_redirects=True)

        assert response.status_code == 200
        assert response.url.path == home(world.a)


class TestCollection:
    async def test_shows_its_published_articles(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        await add_article(runtime, world.a, "Customs", "Duties apply outside the EU.")
        await add_article(runtime, world.a, "Secret", SECRET_BODY, status=ArticleStatus.draft)

        page = await client.get(f"/help/{world.a.workspace.slug}/collections/shipping")

        assert page.status_code == 200
        assert "<h1>Shipping</h1>" in page.text
        assert "Customs" in page.text
        assert "Shipping times" in page.text
        assert "Secret" not in page.text

    async def test_unknown_and_foreign_collections_are_404(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        async with unit_of_work(runtime.sessionmaker) as session:
            await collections.create_collection(
                session, None, world.b.workspace.id, name="B only", slug="b-only"
            )

        foreign = await client.get(f"/help/{world.a.workspace.slug}/collections/b-only")
        missing = await client.get(f"/help/{world.a.workspace.slug}/collections/nothing")
        own = await client.get(f"/help/{world.b.workspace.slug}/collections/b-only")

        assert foreign.status_code == 404
        assert foreign.text == missing.text
        assert own.status_code == 200


class TestArticle:
    async def test_renders_markdown_safely_with_its_language(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        body = (
            "## Délais\n\nLivraison en **3 jours**. [Suivi](https://track.example/x) "
            "[piège](javascript:alert(1)) <script>alert(1)</script>\n\n"
            "![carte](https://cdn.example/map.png) ![logo](/help-files/logo.png)"
        )
        slug = await add_article(runtime, world.a, "Livraison", body, locale="fr-CA")
        arabic = await add_article(runtime, world.a, "الشحن", "نص", locale="ar")

        page = await client.get(article_url(world.a, slug))
        rtl = await client.get(article_url(world.a, arabic))

        assert page.status_code == 200
        assert '<html lang="fr-CA" dir="ltr">' in page.text
        assert '<html lang="ar" dir="rtl">' in rtl.text
        assert "<strong>3 jours</strong>" in page.text
        assert (
            '<a href="https://track.example/x" rel="noopener noreferrer nofollow">Suivi</a>'
            in page.text
        )
        assert 'href="javascript' not in page.text
        assert "<script>" not in page.text
        assert "&lt;script&gt;" in page.text
        # An outside image is a link, never loaded; one from this site loads.
        assert '<img src="https://cdn.example' not in page.text
        assert 'href="https://cdn.example/map.png"' in page.text
        assert '<img src="/help-files/logo.png"' in page.text

    async def test_head_carries_title_description_and_canonical(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        page = await client.get(article_url(world.a, "shipping-times"))

        assert "<title>Shipping times · Workspace A help centre</title>" in page.text
        assert (
            '<meta name="description" content="Orders arrive within three working days.">'
            in page.text
        )
        canonical = f"{runtime.settings.public_url}/help/ws-a/articles/shipping-times"
        assert f'<link rel="canonical" href="{canonical}">' in page.text

    async def test_strict_headers_and_revalidation(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        page = await client.get(article_url(world.a, "shipping-times"))
        again = await client.get(
            article_url(world.a, "shipping-times"), headers={"If-None-Match": page.headers["etag"]}
        )

        policy = page.headers["content-security-policy"]
        assert "script-src 'none'" in policy
        assert "img-src 'self' data:;" in policy
        assert "unsafe-inline" not in policy
        assert re.search(r"style-src 'sha256-[A-Za-z0-9+/=]+'", policy)
        assert page.headers["cache-control"] == "public, max-age=60"
        assert again.status_code == 304
        assert again.content == b""

    @pytest.mark.parametrize("which", ["draft", "foreign", "missing"])
    async def test_drafts_foreign_and_missing_articles_are_the_same_404(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World, which: str
    ) -> None:
        draft = await add_article(
            runtime, world.a, "Unreleased", SECRET_BODY, status=ArticleStatus.draft
        )
        foreign = await add_article(runtime, world.b, "Only in B", SECRET_BODY)
        slug = {"draft": draft, "foreign": foreign, "missing": "no-such-article"}[which]

        response = await client.get(article_url(world.a, slug))
        control = await client.get(article_url(world.a, "never-existed"))

        assert response.status_code == 404
        assert response.text == control.text
        assert SECRET_BODY not in response.text


class TestSearch:
    async def test_finds_published_articles_and_faq_entries_of_this_workspace_only(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        await add_article(runtime, world.a, "Returns", "Send parcels back within 30 days.")
        await add_article(
            runtime, world.a, "Returns draft", "Parcels back draft.", status=ArticleStatus.draft
        )
        await add_article(runtime, world.b, "B returns", "Parcels back to workspace B.")

        found = await client.get(
            f"/help/{world.a.workspace.slug}/search", params={"q": "send parcels back"}
        )
        faq = await client.get(
            f"/help/{world.a.workspace.slug}/search", params={"q": "opening hours"}
        )
        empty = await client.get(f"/help/{world.a.workspace.slug}/search")

        assert found.status_code == 200
        assert 'href="/help/ws-a/articles/returns"' in found.text
        assert "draft" not in found.text.lower().replace("returns draft", "")
        assert "B returns" not in found.text
        assert "workspace B" not in found.text
        assert "What are the opening hours of A?" in faq.text
        assert "We answer from 9:00 to 17:00" in faq.text
        assert "What are the opening hours of B?" not in faq.text
        assert '<meta name="robots" content="noindex">' in found.text
        assert empty.status_code == 200


class TestSitemap:
    async def test_lists_published_articles_of_this_workspace(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        await add_article(runtime, world.a, "Hidden", "x", status=ArticleStatus.draft)
        await add_article(runtime, world.b, "Other workspace", "x")

        response = await client.get(f"/help/{world.a.workspace.slug}/sitemap.xml")

        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/xml")
        assert "/help/ws-a/articles/shipping-times</loc>" in response.text
        assert "hidden" not in response.text
        assert "other-workspace" not in response.text


class TestFeedback:
    async def test_a_vote_is_counted_and_thanked(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        url = article_url(world.a, "shipping-times")

        voted = await client.post(
            f"{url}/feedback", data={"helpful": "yes"}, headers={"Origin": OURS}
        )
        thanked = await client.get(voted.headers["location"])
        await client.post(f"{url}/feedback", data={"helpful": "no"}, headers={"Origin": OURS})

        assert voted.status_code == 303
        assert voted.headers["location"] == f"{url}?feedback=thanks#feedback"
        assert "Thank you for your feedback." in thanked.text
        stored = await scalars(runtime, select(ArticleFeedback.helpful))
        assert sorted(stored) == [False, True]

    async def test_refused_from_other_sites_too_large_or_malformed(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        url = f"{article_url(world.a, 'shipping-times')}/feedback"

        elsewhere = await client.post(
            url, data={"helpful": "yes"}, headers={"Origin": "https://evil.example"}
        )
        no_origin = await client.post(url, data={"helpful": "yes"})
        too_large = await client.post(
            url, data={"helpful": "yes", "x": "a" * 1000}, headers={"Origin": OURS}
        )
        malformed = await client.post(url, data={"helpful": "maybe"}, headers={"Origin": OURS})

        assert elsewhere.status_code == 403
        assert no_origin.status_code == 403
        assert too_large.status_code == 413
        assert malformed.status_code == 422
        assert await scalars(runtime, select(ArticleFeedback.id)) == []

    async def test_drafts_and_other_workspaces_articles_take_no_vote(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        draft = await add_article(runtime, world.a, "Draft", "x", status=ArticleStatus.draft)
        foreign = await add_article(runtime, world.b, "Foreign", "x")

        for slug in (draft, foreign):
            response = await client.post(
                f"{article_url(world.a, slug)}/feedback",
                data={"helpful": "yes"},
                headers={"Origin": OURS},
            )
            assert response.status_code == 404

        assert await scalars(runtime, select(ArticleFeedback.id)) == []

    async def test_one_address_is_rate_limited(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        url = f"{article_url(world.a, 'shipping-times')}/feedback"

        answers = [
            await client.post(url, data={"helpful": "no"}, headers={"Origin": OURS})
            for _ in range(FEEDBACK_PER_ARTICLE + 1)
        ]

        assert [a.status_code for a in answers] == [303] * FEEDBACK_PER_ARTICLE + [429]
        assert "retry-after" in answers[-1].headers
        stored = await scalars(runtime, select(ArticleFeedback.id))
        assert len(stored) == FEEDBACK_PER_ARTICLE


class TestDescription:
    async def test_is_the_first_words_without_markdown(
        self, client: httpx.AsyncClient, runtime: Runtime, world: World
    ) -> None:
        body = "## Delivery\n\nWe ship **within a day** with [our carrier](https://c.example).\n\n"
        slug = await add_article(runtime, world.a, "Delivery", body + "More words. " * 40)

        page = await client.get(article_url(world.a, slug))

        [description] = re.findall(r'<meta name="description" content="([^"]*)">', page.text)
        assert description.startswith("We ship within a day with our carrier. More words.")
        assert description.endswith("…")
        assert len(description) <= 160
