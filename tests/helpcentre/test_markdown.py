"""Article markdown as HTML: what it may hold (helpcentre.markdown's module docstring)."""

import pytest

from helpline.helpcentre.markdown import LINK_REL, render

REL = f'rel="{LINK_REL}"'


def test_markdown_becomes_html() -> None:
    html = render("# Title\n\nSome **bold** and *soft* text.\n\n- one\n- two\n\n`code`")

    # One level down: the page's <h1> is the article's title.
    assert "<h2>Title</h2>" in html
    assert "<strong>bold</strong>" in html
    assert "<em>soft</em>" in html
    assert "<li>one</li>" in html
    assert "<code>code</code>" in html


def test_tables_and_strikethrough() -> None:
    html = render("| a | b |\n|---|---|\n| 1 | ~~2~~ |")

    assert "<table>" in html
    assert "<s>2</s>" in html


@pytest.mark.parametrize(
    "raw",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<a href="javascript:alert(1)">x</a>',
        "<iframe src=https://evil.example></iframe>",
        '<div style="background:url(https://evil.example/x)">x</div>',
    ],
)
def test_raw_html_is_text(raw: str) -> None:
    html = render(f"Before {raw} after\n\n{raw}")

    assert "<script" not in html
    assert "<img" not in html
    assert "<iframe" not in html
    assert "<div" not in html
    assert "&lt;" in html


@pytest.mark.parametrize(
    ("href", "shown"),
    [
        ("https://shop.example/a?b=1&c=2", 'href="https://shop.example/a?b=1&amp;c=2"'),
        ("http://shop.example/", 'href="http://shop.example/"'),
        ("mailto:help@shop.example", 'href="mailto:help@shop.example"'),
        ("/help/acme/articles/returns", 'href="/help/acme/articles/returns"'),
    ],
)
def test_allowed_links_carry_rel(href: str, shown: str) -> None:
    html = render(f"[link]({href})")

    assert f"<a {shown} {REL}>link</a>" in html


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "file:///etc/passwd",
        "ftp://files.example/x",
    ],
)
def test_other_schemes_are_not_links(href: str) -> None:
    html = render(f"[click]({href}) and <{href}>")

    assert "<a" not in html
    assert "href=" not in html


def test_images_from_this_site_load() -> None:
    html = render('![The map](/files/map.png "Where we are")')

    assert '<img src="/files/map.png" alt="The map" title="Where we are" loading="lazy" />' in html


@pytest.mark.parametrize(
    "src", ["https://cdn.example/pixel.gif", "http://cdn.example/x.png", "//cdn.example/x.png"]
)
def test_images_from_elsewhere_become_links(src: str) -> None:
    html = render(f"![A **map**]({src})")

    assert "<img" not in html
    assert f'<a href="{src}" {REL}>A map</a>' in html


@pytest.mark.parametrize("src", ["data:image/png;base64,AAAA", "javascript:alert(1)"])
def test_images_with_other_schemes_do_not_load(src: str) -> None:
    html = render(f"![pixel]({src})")

    assert "<img" not in html
    assert "<a" not in html


def test_a_backslash_does_not_reach_another_host() -> None:
    # Browsers read "/\host" like "//host"; the markdown's URL encoding keeps it a path.
    html = render("![x](/\\evil.example/x.png)")

    assert '<img src="/%5Cevil.example/x.png"' in html


def test_headings_go_one_level_down_and_stop_at_six() -> None:
    html = render("## Two\n\n###### Six")

    assert "<h3>Two</h3>" in html
    assert "<h6>Six</h6>" in html
