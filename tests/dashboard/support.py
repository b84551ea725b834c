"""A browser's view of the dashboard over HTTP: cookies kept by the client, forms filled in
with the CSRF token the page carries, as a person's browser would."""

import re

import httpx

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
CSRF_META = re.compile(r'<meta name="helpline-csrf" content="([^"]+)">')
OURS = "http://testserver"


def form_csrf(page: httpx.Response) -> str:
    match = CSRF_INPUT.search(page.text)
    assert match, f"no CSRF field in {page.request.url}: {page.text[:300]}"
    return match.group(1)


def page_csrf(page: httpx.Response) -> str:
    match = CSRF_META.search(page.text)
    assert match, f"no CSRF meta in {page.request.url}"
    return match.group(1)


async def submit(
    client: httpx.AsyncClient, page_url: str, fields: dict[str, str], *, action: str | None = None
) -> httpx.Response:
    """Open the page, then post its form with `fields` (and the page's CSRF token)."""
    page = await client.get(page_url)
    assert page.status_code == 200, page.text
    data = {"csrf_token": form_csrf(page), **fields}
    target = action or page_url.split("?")[0]
    return await client.post(target, data=data, headers={"Origin": OURS})


async def log_in(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    response = await submit(client, "/login", {"email": email, "password": password})
    assert response.status_code == 303, response.text
    return response
