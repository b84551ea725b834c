"""JSON logs (HELPLINE_LOG_FORMAT=json) of a real `helpline serve`: every line is one JSON
object, and lines name the request, the workspace and the conversation they belong to, in
requests and in jobs alike."""

import json
from pathlib import Path
from typing import Any

import httpx

from helpline.conversations import service as conversations
from helpline.core.runtime import Runtime
from helpline.core.unit_of_work import unit_of_work
from helpline.jobs import queue
from helpline.jobs.models import JobStatus
from helpline.tenancy.models import Role
from tests.fixtures.jobs import eventually, get_job
from tests.fixtures.processes import serve_nodes
from tests.fixtures.world import World
from tests.operations.nodes import serve_env


def lines_of(path: Path) -> list[dict[str, Any]]:
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    parsed = []
    for line in lines:
        try:
            parsed.append(json.loads(line))
        except ValueError as error:
            raise AssertionError(f"not a JSON line: {line!r}") from error
    return parsed


async def test_json_lines_carry_request_workspace_and_conversation(
    runtime: Runtime, world: World, tmp_path: Path
) -> None:
    env = serve_env(runtime, tmp_path / "data", HELPLINE_LOG_FORMAT="json")
    workspace = str(world.a.workspace.id)
    conversation = str(world.a.conversation.id)
    async with serve_nodes({"node": env}, tmp_path) as [node]:
        async with httpx.AsyncClient(base_url=node.http_url) as http:
            response = await http.get(
                f"/api/v1/conversations/{conversation}",
                headers={**world.a.member(Role.owner).headers, "X-Request-Id": "ops-req-1"},
            )
            assert response.status_code == 200, response.text
        async with unit_of_work(runtime.sessionmaker) as session:
            args = conversations.WakeSnoozedArgs(
                workspace_id=world.a.workspace.id, conversation_id=world.a.conversation.id
            )
            job = queue.enqueue(
                session, conversations.WAKE_SNOOZED_JOB, args, workspace_id=world.a.workspace.id
            )

        async def job_done() -> bool:
            return (await get_job(runtime, job.id)).status == JobStatus.succeeded

        async def job_logged() -> bool:
            # The worker logs the job's end after committing it: the status comes first.
            # (The file is being written: a last line may be half there.)
            for line in node.log_path.read_text().splitlines():
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                if entry.get("job_id") == str(job.id) and entry["event"] == "job_succeeded":
                    return True
            return False

        await eventually(job_done, what=f"the job to run; see {node.log_path}")
        await eventually(job_logged, what=f"the job's last line; see {node.log_path}")
    entries = lines_of(node.log_path)
    # uvicorn's own lines come through the same renderer.
    assert any(e.get("logger") == "uvicorn.error" for e in entries)
    [request] = [e for e in entries if e.get("request_id") == "ops-req-1"]
    assert request["event"] == "request_finished"
    assert request["route"] == "/api/v1/conversations/{conversation_id}"
    assert request["status"] == 200
    assert request["workspace_id"] == workspace
    assert request["conversation_id"] == conversation
    for entry in entries:
        assert {"event", "level", "timestamp"} <= entry.keys(), entry
    job_lines = [e for e in entries if e.get("job_id") == str(job.id)]
    assert {e["event"] for e in job_lines} >= {"conversation_wake_checked", "job_succeeded"}
    for entry in job_lines:
        assert entry["workspace_id"] == workspace, entry
        assert entry["conversation_id"] == conversation, entry
