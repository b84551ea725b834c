"""The HTTP surface every route shares: error shape, OpenAPI, request ids, secure headers."""

import httpx

from helpline.core.runtime import Runtime
from helpline.tenancy.models import Role
from tests.conftest import find_secrets
from tests.fixtures.world import build_world


class TestErrorShape:
    async def test_unknown_route_is_a_json_404(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/v1/no-such-thing")
        assert response.status_code == 404
        assert response.json() == {"error": "NotFound", "detail": "Not found."}

    async def test_wrong_method_is_a_json_405(self, client: httpx.AsyncClient) -> None:
        response = await client.delete("/api/v1/health")
        assert response.status_code == 405
        assert response.json()["error"] == "MethodNotAllowed"

    async def test_malformed_body_names_the_field(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/api/v1/auth/login", json={"email": "not-an-email", "password": "x"}
        )
        assert response.status_code == 422
        body = response.json()
        assert body["error"] == "ValidationError"
        assert "body.email" in body["detail"]
        assert [f["location"] for f in body["fields"]] == ["body.email"]

    async def test_unknown_fields_are_refused_not_dropped(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/api/v1/auth/login", json={"email": "a@b.example", "password": "x", "admin": True}
        )
        assert response.status_code == 422
        assert "body.admin" in response.json()["detail"]

    async def test_bad_cursor_is_a_clear_400(
        self, client: httpx.AsyncClient, runtime: Runtime
    ) -> None:
        world = await build_world(runtime)
        headers = world.a.member(Role.owner).headers
        response = await client.get(
            "/api/v1/audit-events", params={"cursor": "!!"}, headers=headers
        )
        assert response.status_code == 400
        assert response.json()["error"] == "BadRequest"
        assert "next_cursor" in response.json()["detail"]


class TestOpenAPI:
    async def test_document_and_docs_are_served(self, client: httpx.AsyncClient) -> None:
        document = (await client.get("/api/openapi.json")).json()
        assert document["info"]["title"] == "Helpline"
        assert "/api/v1/auth/login" in document["paths"]
        docs = await client.get("/api/docs")
        assert docs.status_code == 200
        assert "/api/openapi.json" in docs.text

    async def test_every_operation_has_a_description(self, client: httpx.AsyncClient) -> None:
        document = (await client.get("/api/openapi.json")).json()
        undocumented = [
            f"{method.upper()} {path}"
            for path, operations in document["paths"].items()
            for method, operation in operations.items()
            if not operation.get("description")
        ]
        assert not undocumented


class TestHeaders:
    async def test_request_id_is_echoed_or_made(self, client: httpx.AsyncClient) -> None:
        given = await client.get("/api/v1/health", headers={"X-Request-Id": "abc-123"})
        assert given.headers["x-request-id"] == "abc-123"
        made = await client.get("/api/v1/health")
        assert len(made.headers["x-request-id"]) == 16

    async def test_hostile_request_id_is_replaced(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/v1/health", headers={"X-Request-Id": "a\\nb<script>"})
        assert "script" not in response.headers["x-request-id"]

    async def test_secure_headers(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/v1/health")
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"

    async def test_health(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/v1/health")
        assert response.status_code == 200
        assert response.json()["status"] == "ok"


def test_secret_scan_finds_nested_hashes() -> None:
    document = {"items": [{"user": {"password_hash": "x"}}, {"note": "$argon2id$v=19$..."}]}
    assert find_secrets(document) == ["$.items[0].user.password_hash", "$.items[1].note"]
