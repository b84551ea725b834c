"""The agent dashboard: server-rendered pages (Jinja2) and small script modules of our own.

Pages are served under `/app` (plus the links emails carry: `/login`, `/reset-password`,
`/invitations/accept`). They use a cookie session (`cookies.py`) with CSRF checks on every
state-changing request, and the strict headers of `pages.py`. The live inbox is rendered by
`static/*.js` from the REST API and `/ws/agent`, with an access token the page asks for
(`POST /app/token`), so the dashboard goes through the same access functions and services as
every other client. See docs/dashboard.md.
"""
