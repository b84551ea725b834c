"""A stand-in OpenAI-compatible embeddings endpoint: a real HTTP server on a loopback port,
started by the test, answering POST /v1/embeddings with deterministic vectors (each word
hashed into one of 32 dimensions, so texts that share words are near). No test reaches a
real model."""

import asyncio
import contextlib
import hashlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

DIMENSION = 32


def vector(text: str) -> list[float]:
    values = [0.0] * DIMENSION
    for word in text.lower().split():
        values[hashlib.sha256(word.strip("?.,!").encode()).digest()[0] % DIMENSION] += 1.0
    return values


@dataclass
class StandInEmbeddings:
    fail: bool = False
    port: int = 0
    requests: list[dict[str, Any]] = field(default_factory=list)
    authorizations: list[str] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            headers = {
                name.strip().lower(): value.strip()
                for name, _, value in (line.partition(":") for line in head.split("\r\n")[1:])
            }
            body = json.loads(await reader.readexactly(int(headers.get("content-length", "0"))))
            self.requests.append(body)
            self.authorizations.append(headers.get("authorization", ""))
            if self.fail or not head.startswith("POST /v1/embeddings "):
                status, payload = "500 Internal Server Error", b'{"error": "down"}'
            else:
                data = [
                    {"object": "embedding", "index": i, "embedding": vector(text)}
                    for i, text in enumerate(body["input"])
                ]
                status, payload = "200 OK", json.dumps({"data": data}).encode()
            writer.write(
                f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n".encode()
                + payload
            )
            await writer.drain()
        finally:
            writer.close()


@contextlib.asynccontextmanager
async def stand_in_embeddings(*, fail: bool = False) -> AsyncIterator[StandInEmbeddings]:
    stand_in = StandInEmbeddings(fail=fail)
    server = await asyncio.start_server(stand_in._handle, "127.0.0.1", 0)
    stand_in.port = server.sockets[0].getsockname()[1]
    try:
        yield stand_in
    finally:
        server.close()
        await server.wait_closed()
