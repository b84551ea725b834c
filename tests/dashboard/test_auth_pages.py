"""The pages before the dashboard, used as a browser does: login, logout, the forgotten
password, the reset link and the invitation, with their cookies, CSRF tokens and headers."""

import httpx
from sqlalchemy import select

from helpline.auth.models import AuthSession
from helpline.core.runtime import Runtime
from helpline.dashboard import cookies
from helpline.tenancy.models import Role
from tests.dashboard.support import OURS, form_csrf, log_in, page_csrf, submit
from tests.fixtures.api import PASSWORD, emails_to, link_token, scalars
from tests.fixtures.world import World


async def test_anonymous_visitors_are_sent_to_login_and_back(
    client: httpx.AsyncClient, world: World
) -> None:
    page = await client.get("/app/conversations/x?view=mine")
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=/app/conversations/x%3Fview%3Dmine"
    owner = world.a.member(Role.owner).user
    login = await submit(
        client,
        "/login?next=/app/conversations/x",
        {"email": owner.email, "password": PASSWORD, "next": "/app/conversations/x"},
    )
    assert login.headers["location"] == "/app/conversations/x"
    session_cookie = login.headers["set-cookie"]
    assert cookies.SESSION_COOKIE in session_cookie
    assert "HttpOnly" in session_cookie
    assert "SameSite=lax" in session_cookie
    inbox = await client.get("/app")
    assert inbox.status_code == 200
    assert "Log out" in inbox.text


async def test_login_never_sends_people_to_another_site(
    client: httpx.AsyncClient, world: World
) -> None:
    owner = world.a.member(Role.owner).user
    for target in ("https://evil.example/app", "//evil.example/app", "/api/v1/me"):
        client.cookies.clear()
        response = await submit(
            client, "/login", {"email": owner.email, "password": PASSWORD, "next": target}
        )
        assert response.headers["location"] == "/app", target


async def test_a_wrong_password_shows_the_form_again_with_the_email_kept(
    client: httpx.AsyncClient, world: World
) -> None:
    owner = world.a.member(Role.owner).user
    response = await submit(client, "/login", {"email": owner.email, "password": "nope"})
    assert response.status_code == 401
    assert "The email or password is not correct." in response.text
    assert f'value="{owner.email}"' in response.text
    assert cookies.SESSION_COOKIE not in response.headers.get("set-cookie", "")
    assert (await client.get("/app")).status_code == 303


async def test_forms_without_their_csrf_token_or_from_another_site_are_refused(
    client: httpx.AsyncClient, world: World
) -> None:
    owner = world.a.member(Role.owner).user
    await client.get("/login")
    fields = {"email": owner.email, "password": PASSWORD}
    no_token = await client.post("/login", data=fields, headers={"Origin": OURS})
    assert no_token.status_code == 403
    assert "reload the page" in no_token.text
    page = await client.get("/login")
    elsewhere = await client.post(
        "/login",
        data={**fields, "csrf_token": form_csrf(page)},
        headers={"Origin": "https://evil.example"},
    )
    assert elsewhere.status_code == 403
    assert (await client.get("/app")).status_code == 303


async def test_logout_ends_the_session_everywhere(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    agent = world.a.member(Role.agent).user
    await log_in(client, agent.email, PASSWORD)
    inbox = await client.get("/app")
    stolen = client.cookies[cookies.SESSION_COOKIE]
    refused = await client.post("/logout", headers={"Origin": OURS})
    assert refused.status_code == 403  # no CSRF token
    response = await client.post(
        "/logout", data={"csrf_token": page_csrf(inbox)}, headers={"Origin": OURS}
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    # A copy of the cookie kept elsewhere no longer works either: the session row ended.
    client.cookies.set(cookies.SESSION_COOKIE, stolen)
    assert (await client.get("/app")).status_code == 303
    ended = await scalars(runtime, select(AuthSession).where(AuthSession.user_id == agent.id))
    assert any(s.revoked_at is not None for s in ended)


async def test_the_page_hands_its_scripts_a_working_access_token(
    client: httpx.AsyncClient, world: World
) -> None:
    agent = world.a.member(Role.agent).user
    await log_in(client, agent.email, PASSWORD)
    inbox = await client.get("/app")
    headers = {"Origin": OURS, "Accept": "application/json"}
    assert (await client.post("/app/token", headers=headers)).status_code == 403
    issued = await client.post("/app/token", headers={**headers, "X-CSRF-Token": page_csrf(inbox)})
    assert issued.status_code == 200, issued.text
    token = issued.json()["access_token"]
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json()["email"] == agent.email
    # The cookie itself is no bearer token.
    cookie = client.cookies[cookies.SESSION_COOKIE]
    as_bearer = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {cookie}"})
    assert as_bearer.status_code == 401


async def test_pages_carry_strict_security_headers(client: httpx.AsyncClient) -> None:
    page = await client.get("/login")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "'unsafe-inline'" not in policy
    assert "frame-ancestors 'none'" in policy
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["x-frame-options"] == "DENY"
    # No inline script anywhere: every script is a file of ours.
    assert "<script>" not in page.text
    assert '<script type="module">' not in page.text


async def test_a_forgotten_password_is_reset_through_the_emailed_link(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    agent = world.a.member(Role.agent).user
    sent = await submit(client, "/forgot-password", {"email": agent.email})
    assert sent.status_code == 200
    assert "on its way" in sent.text
    [email] = await emails_to(runtime, agent.email)
    token = link_token(email.body_text, "/reset-password")
    weak = await submit(
        client, f"/reset-password?token={token}", {"token": token, "password": "short"}
    )
    assert weak.status_code == 422
    assert "at least 10 characters" in weak.text
    new_password = "a much better passphrase"
    done = await submit(
        client, f"/reset-password?token={token}", {"token": token, "password": new_password}
    )
    assert done.status_code == 200
    assert "Your password is changed" in done.text
    again = await submit(
        client, f"/reset-password?token={token}", {"token": token, "password": new_password}
    )
    assert again.status_code == 410
    await log_in(client, agent.email, new_password)


async def test_an_invitation_is_accepted_on_its_page(
    client: httpx.AsyncClient, runtime: Runtime, world: World
) -> None:
    owner = world.a.member(Role.owner)
    invited = await client.post(
        "/api/v1/invitations",
        json={"email": "new.agent@example.com", "role": "agent"},
        headers=owner.headers,
    )
    assert invited.status_code == 201, invited.text
    [email] = await emails_to(runtime, "new.agent@example.com")
    token = link_token(email.body_text, "/invitations/accept")
    page = await client.get(f"/invitations/accept?token={token}")
    assert page.status_code == 200
    assert world.a.workspace.name in page.text
    assert "new.agent@example.com" in page.text
    joined = await submit(
        client,
        f"/invitations/accept?token={token}",
        {"token": token, "name": "New Agent", "password": "a long enough password"},
    )
    assert joined.status_code == 303
    assert joined.headers["location"] == "/app"
    assert (await client.get("/app")).status_code == 200
    spent = await client.get(f"/invitations/accept?token={token}")
    assert spent.status_code == 410
    assert "expired" in spent.text
