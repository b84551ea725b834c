"""Reading imports (knowledge/importing): pure functions, no database."""

import io
import zipfile
from pathlib import Path

import pytest

from helpline.knowledge.importing import html_text, sources
from helpline.knowledge.importing.markdown_files import read_markdown, split_front_matter
from helpline.knowledge.importing.parse import plan_path, plan_upload
from helpline.knowledge.importing.plan import (
    MAX_CSV_ROWS,
    MAX_FILE_BYTES,
    MAX_FILES,
    MAX_TOTAL_BYTES,
    MAX_UPLOAD_BYTES,
    ImportKind,
    ImportTooLarge,
    Plan,
    Problem,
)
from helpline.knowledge.models import ArticleStatus


def zipped(files: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def markdown(files: dict[str, bytes | str], *, publish: bool = False) -> Plan:
    return plan_upload(ImportKind.markdown, "kb.zip", zipped(files), publish=publish)


def faq_csv(text: str | bytes, *, publish: bool = False) -> Plan:
    data = text.encode() if isinstance(text, str) else text
    return plan_upload(ImportKind.csv, "faq.csv", data, publish=publish)


def messages(plan: Plan) -> list[str]:
    return [str(problem) for problem in plan.problems]


class TestMarkdown:
    def test_front_matter_heading_and_file_name_give_the_title(self) -> None:
        plan = markdown(
            {
                "a.md": "---\ntitle: 'From front matter'\nslug: custom-slug\ndate: 2024-01-01\n"
                "tags:\n  - ignored\n---\n# Not the title\nText.",
                "b.md": "Intro.\n\n# From the heading\n\nMore.",
                "getting_started-now.md": "No heading at all.",
            }
        )
        assert plan.problems == []
        by_source = {a.source: a for a in plan.articles}
        assert by_source["a.md"].title == "From front matter"
        assert by_source["a.md"].slug == "custom-slug"
        assert by_source["a.md"].body == "# Not the title\nText."
        assert by_source["b.md"].title == "From the heading"
        # The heading is the title: the body does not repeat it.
        assert by_source["b.md"].body == "Intro.\n\n\nMore."
        assert by_source["b.md"].slug == "from-the-heading"
        assert by_source["getting_started-now.md"].title == "Getting started now"

    def test_sub_folders_name_collections_unless_the_front_matter_does(self) -> None:
        plan = markdown(
            {
                "kb/welcome.md": "# Welcome",
                "kb/getting-started/install.md": "# Install",
                "kb/getting-started/moved.md": "---\ncollection: Billing\n---\n# Moved",
                "kb/logo.png": b"\x89PNG",
            }
        )
        collections = {a.source: a.collection for a in plan.articles}
        # The one folder everything is in ("kb") is the import itself, not a collection.
        assert collections == {
            "welcome.md": None,
            "getting-started/install.md": "Getting started",
            "getting-started/moved.md": "Billing",
        }
        assert plan.skipped == ["logo.png"]

    def test_status_and_locale(self) -> None:
        files = {
            "said.md": "---\nstatus: published\nlocale: fr-CA\n---\n# Dit",
            "unsaid.md": "# Unsaid",
        }
        drafts = {a.source: a for a in markdown(files).articles}
        published = {a.source: a for a in markdown(files, publish=True).articles}
        assert (drafts["said.md"].status, drafts["said.md"].locale) == (
            ArticleStatus.published,
            "fr-CA",
        )
        # Not said: the import decides (None: a new article is a draft, an old one keeps its).
        assert drafts["unsaid.md"].status is None
        assert published["unsaid.md"].status == ArticleStatus.published

    def test_every_bad_file_is_named(self) -> None:
        plan = markdown(
            {
                "status.md": "---\nstatus: live\n---\n# A",
                "locale.md": "---\nlocale: french\n---\n# B",
                "open.md": "---\ntitle: never closed\n",
                "junk.md": "---\nthis is not a key value line\n---\n# D",
                "slug.md": "---\nslug: Not A Slug\n---\n# E",
                "latin1.md": "# Caf\xe9".encode("latin-1"),
                "one.md": "# Same title",
                "two.md": "# Same title",
            }
        )
        found = messages(plan)
        assert "status.md: the status must be draft or published" in found
        assert any(m.startswith("locale.md: the locale is not valid") for m in found)
        assert "open.md: the front matter has no closing '---' line" in found
        assert "junk.md: line 2 of the front matter is not 'key: value'" in found
        assert any(m.startswith("slug.md: the slug is not valid") for m in found)
        assert any(m.startswith("latin1.md: the file is not UTF-8 text") for m in found)
        assert any(m.startswith("two.md: the slug 'same-title' is also one.md's") for m in found)

    def test_bom_and_windows_line_ends(self) -> None:
        article = read_markdown("x.md", "---\r\ntitle: T\r\n---\r\nBody")
        assert (article.title, article.body) == ("T", "Body")
        plan = markdown({"bom.md": "\ufeff# Title".encode()})
        assert [a.title for a in plan.articles] == ["Title"]

    def test_front_matter_is_optional(self) -> None:
        assert split_front_matter("# Just text") == ({}, "# Just text")

    def test_one_markdown_file_alone(self) -> None:
        plan = plan_upload(ImportKind.markdown, "note.md", b"# Note\nHi", publish=False)
        assert [(a.title, a.body) for a in plan.articles] == [("Note", "Hi")]

    def test_a_folder_on_disk(self, tmp_path: Path) -> None:
        (tmp_path / "guides").mkdir()
        (tmp_path / "guides" / "a.md").write_text("# A")
        (tmp_path / "b.md").write_text("# B")
        (tmp_path / ".hidden.md").write_text("# Hidden")
        plan = plan_path(tmp_path, None, publish=False)
        assert sorted((a.source, a.collection) for a in plan.articles) == [
            ("b.md", None),
            ("guides/a.md", "Guides"),
        ]

    def test_no_file_to_import(self) -> None:
        plan = markdown({"readme.txt": "hello"})
        assert messages(plan) == ["there is no .md or .markdown file to import"]


class TestZipLimits:
    def test_paths_outside_the_import_are_refused(self) -> None:
        plan = markdown({"../escape.md": "# X", "/etc/abs.md": "# Y", "ok.md": "# Ok"})
        found = messages(plan)
        assert "../escape.md: the path points outside the import" in found
        assert "/etc/abs.md: the path points outside the import" in found

    def test_safe_paths(self) -> None:
        assert sources.safe_path("a/./b.md") == "a/b.md"
        assert sources.safe_path("a\\..\\..\\b.md") is None
        assert sources.safe_path("C:/x.md") is None

    def test_too_many_files(self) -> None:
        with pytest.raises(ImportTooLarge, match=str(MAX_FILES)):
            markdown({f"{n}.md": "# x" for n in range(MAX_FILES + 1)})

    def test_a_zip_bomb_is_stopped_by_its_declared_size(self) -> None:
        # Highly compressible: a few KB of zip for more than the whole limit.
        bomb = zipped({f"{n}.md": "a" * (MAX_FILE_BYTES - 10) for n in range(21)})
        assert len(bomb) < 200_000
        with pytest.raises(ImportTooLarge, match="uncompressed"):
            plan_upload(ImportKind.markdown, "bomb.zip", bomb, publish=False)

    def test_a_zip_that_lies_about_sizes_is_read_no_further_than_the_limit(self) -> None:
        honest = zipped({"big.md": "a" * (MAX_FILE_BYTES + 100)})
        # Rewrite the declared uncompressed size (central directory and local header) to 10.
        liar = bytearray(honest)
        size = (MAX_FILE_BYTES + 100).to_bytes(4, "little")
        liar = bytearray(bytes(liar).replace(size, (10).to_bytes(4, "little")))
        plan = plan_upload(ImportKind.markdown, "liar.zip", bytes(liar), publish=False)
        assert plan.articles == []
        assert plan.problems, "a lying zip must not import"

    def test_one_file_too_large(self) -> None:
        plan = markdown({"huge.md": "a" * (MAX_FILE_BYTES + 1)})
        assert messages(plan) == ["huge.md: the file is larger than 1 MB"]

    def test_the_upload_itself_too_large(self) -> None:
        with pytest.raises(ImportTooLarge):
            plan_upload(ImportKind.csv, "x.csv", b"a" * (MAX_UPLOAD_BYTES + 1), publish=False)

    def test_not_a_zip(self) -> None:
        plan = plan_upload(ImportKind.markdown, "kb.zip", b"PK\x03\x04 broken", publish=False)
        assert messages(plan) == ["kb.zip: the zip file cannot be read"]

    def test_a_file_of_another_kind(self) -> None:
        plan = plan_upload(ImportKind.html, "page.pdf", b"%PDF", publish=False)
        assert messages(plan) == ["page.pdf: a html import takes a .html, .htm, .zip file"]

    def test_the_total_limit_is_within_reach(self) -> None:
        assert MAX_TOTAL_BYTES >= MAX_FILE_BYTES


class TestCsv:
    def test_rows_with_phrasings_tags_and_published(self) -> None:
        plan = faq_csv(
            "\ufeffQuestion,Answer,Phrasings,Tags,Published\n"
            'How do I pay?,"By card, or PayPal.",Can I pay with PayPal? | card?||card?,billing,yes\n'
            "Where is my order?,Tracking link in your email.,,,\n"
        )
        assert plan.problems == []
        pay, order = plan.faqs
        assert (pay.question, pay.answer) == ("How do I pay?", "By card, or PayPal.")
        assert pay.phrasings == ["Can I pay with PayPal?", "card?"]
        assert (pay.tags, pay.published) == (["billing"], True)
        assert (order.phrasings, order.tags, order.published) == ([], [], None)
        assert faq_csv("question,answer\nQ,A\n", publish=True).faqs[0].published is True

    def test_columns_not_given_are_left_alone(self) -> None:
        [only] = faq_csv("answer,question\nA,Q\n").faqs
        assert (only.question, only.phrasings, only.tags) == ("Q", None, None)

    def test_errors_carry_their_row_numbers(self) -> None:
        plan = faq_csv(
            "question,answer,published\n"
            "Fine?,Yes.,\n"
            "\n"
            "No answer?,,\n"
            ",No question.,\n"
            "Published?,Yes.,maybe\n"
            "fine?,Again.,\n"
        )
        assert messages(plan) == [
            "row 4: the answer is empty",
            "row 5: the question is empty",
            "row 6: published must be yes or no (or true/false, 1/0)",
            "row 7: the same question as row 2",
        ]

    def test_header_problems(self) -> None:
        assert messages(faq_csv("question,phrasing\nQ,A\n")) == [
            "row 1: unknown column 'phrasing' (the columns are question, answer, phrasings, "
            "tags, published)",
            "row 1: the 'answer' column is missing",
        ]
        assert messages(faq_csv("")) == ["the file is empty: the first row names the columns"]
        assert messages(faq_csv("question,answer\n")) == ["the CSV has no rows under its header"]

    def test_values_are_checked_like_the_api(self) -> None:
        plan = faq_csv(f"question,answer\n{'x' * 501},A\n")
        assert messages(plan)[0].startswith("row 2: the question is not valid")

    def test_not_utf8(self) -> None:
        plan = faq_csv("question,answer\nCaf\xe9?,Oui\n".encode("cp1252"))
        assert messages(plan) == [
            "faq.csv: the file is not UTF-8 text: save it as UTF-8 and import it again"
        ]

    def test_a_zip_is_not_a_csv(self) -> None:
        plan = plan_upload(ImportKind.csv, "faq.zip", zipped({"a.csv": "x"}), publish=False)
        assert messages(plan) == ["faq.zip: a csv import takes a .csv file, not a zip"]

    def test_too_many_rows(self) -> None:
        rows = "".join(f"Q{n},A\n" for n in range(MAX_CSV_ROWS + 1))
        with pytest.raises(ImportTooLarge, match=str(MAX_CSV_ROWS)):
            faq_csv("question,answer\n" + rows)


HOSTILE = """<!doctype html><html lang="fr-ca"><head><title>Refunds &amp; returns</title>
<script>steal()</script><style>body{}</style><meta http-equiv="refresh" content="0;url=x">
</head><body onload="steal()"><nav>Menu</nav>
<h1>Refunds &amp; returns</h1>
<p>Send it <b>back</b> within <em>30 days</em>. [x](javascript:alert(1)) &lt;script&gt;</p>
<p><a href="javascript:alert(1)">Click</a> <a href="https://shop.example/a b(c)" onclick="x()">terms</a>
<a href="mailto:help@shop.example">mail us</a> <a href="data:text/html,x">data</a></p>
<iframe src="https://evil.example"><p>inside a frame</p></iframe>
<img src="https://evil.example/pixel.png" onerror="steal()">
<ul><li>Unused items</li><li>With the receipt<ul><li>or an email</li></ul></li></ul>
<h2>Exceptions</h2><pre>code  <kept>
  indented</pre>
<svg><script>steal()</script></svg><form><input name=x><button>Go</button></form>
</body></html>"""


class TestHtml:
    def test_structure_survives_and_nothing_live_does(self) -> None:
        page = html_text.read_html(HOSTILE)
        assert page.title == "Refunds & returns"
        assert page.locale == "fr-CA"
        assert page.body == (
            "Send it **back** within *30 days*. \\[x\\](javascript:alert(1)) \\<script>\n\n"
            "Click [terms](https://shop.example/a%20b%28c%29) "
            "[mail us](mailto:help@shop.example) data\n\n"
            "- Unused items\n- With the receipt\n  - or an email\n\n"
            "## Exceptions\n\n```\ncode\n  indented\n```"
        )
        for dangerous in ("steal", "onload", "onclick", "evil", "iframe", "Menu", "Go"):
            assert dangerous not in page.body

    def test_title_falls_back_to_the_first_heading_then_the_file(self) -> None:
        assert html_text.read_html("<h1>Heading</h1><p>x</p>").title == "Heading"
        plan = plan_upload(ImportKind.html, "shipping-info.html", b"<p>x</p>", publish=False)
        assert [a.title for a in plan.articles] == ["Shipping info"]

    def test_a_zip_of_pages(self) -> None:
        data = zipped({"help/billing/pay.html": "<title>Pay</title><p>Card.</p>"})
        [article] = plan_upload(ImportKind.html, "site.zip", data, publish=True).articles
        assert (article.title, article.body, article.collection) == ("Pay", "Card.", "Billing")
        assert article.status == ArticleStatus.published

    def test_an_svg_title_is_not_the_pages_and_links_stay_on_one_line(self) -> None:
        page = html_text.read_html(
            '<svg><title>icon</title></svg><p><a href="https://a.example"><p>two</p>'
            "<p>blocks</p></a></p>"
        )
        assert (page.title, page.body) == ("", "[two blocks](https://a.example)")

    def test_loosely_written_html_keeps_its_content(self) -> None:
        page = html_text.read_html(
            "<html><head><title>T</title><body><nav><ul><li>menu<li>items</nav><p>kept"
            "<form><div><p>dropped</form><p>also kept<script>x()</script><p>end"
        )
        assert (page.title, page.body) == ("T", "kept\n\nalso kept\n\nend")

    def test_safe_links(self) -> None:
        assert html_text.safe_href(" JavaScript:alert(1)") is None
        assert html_text.safe_href("/relative") is None
        assert html_text.safe_href("https://x.example/a)b") == "https://x.example/a%29b"


def test_problems_read_as_sentences() -> None:
    assert str(Problem("row 7", "the answer is empty")) == "row 7: the answer is empty"
