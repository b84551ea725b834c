"""The demo website page that `helpline demo` serves on its own port, and its origin."""

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.cli.demo import _ensure_demo
from helpline.core.runtime import Runtime
from helpline.widget.demo_page import start_demo_page
from helpline.widget.service import snippet_tag


async def test_the_page_carries_the_snippet_and_nothing_else() -> None:
    snippet = snippet_tag("http://127.0.0.1:8000/widget/v1/widget.js", "hlw_demo")
    site = start_demo_page("127.0.0.1", 0, snippet)
    url = f"http://127.0.0.1:{site.server_address[1]}"
    try:
        async with httpx.AsyncClient(base_url=url) as http:
            page = await http.get("/")
            missing = await http.get("/other")
    finally:
        site.shutdown()
        site.server_close()

    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert snippet in page.text
    assert missing.status_code == 404
    # A strict policy, as a careful website has: the widget must work under it (the browser
    # tests run on this page), and anything injected would be refused and reported.
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in page.headers["content-security-policy"].split(";")
    )
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == "http://127.0.0.1:8000 'report-sample'"
    assert policy["connect-src"] == "http://127.0.0.1:8000 ws://127.0.0.1:8000"
    assert policy["img-src"] == "https: data:"
    assert policy["style-src"].startswith("'sha256-")


async def test_the_demo_allows_its_pages_origin(runtime: Runtime, session: AsyncSession) -> None:
    workspace = await _ensure_demo(runtime, session, page_url="http://127.0.0.1:8001")

    assert "http://127.0.0.1:8001" in workspace.settings["widget_origins"]
