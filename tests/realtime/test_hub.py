"""The hub on its own, with the in-memory broker: who gets an event, and bounded queues."""

import asyncio
import uuid

from helpline.realtime.broker import MemoryBroker
from helpline.realtime.hub import Connection, Hub, encode_envelope, workspace_channel

WORKSPACE = uuid.uuid4()


async def _hub() -> Hub:
    hub = Hub(MemoryBroker())
    await hub.start()
    return hub


async def _publish(
    hub: Hub, audience: list[str], frame: str, exclude: tuple[str, ...] = ()
) -> None:
    hub.broker.publish(workspace_channel(WORKSPACE), encode_envelope(audience, frame, exclude))
    await asyncio.sleep(0)  # the memory broker delivers on the next loop turn


def _drain(connection: Connection) -> list[str]:
    frames = []
    while (frame := connection.take()) is not None:
        frames.append(frame)
    return frames


async def test_an_event_reaches_each_matching_connection_once() -> None:
    hub = await _hub()
    manager = Connection(WORKSPACE, frozenset({"all", "member:m"}), limit=10)
    agent = Connection(WORKSPACE, frozenset({"noteam", "team:t", "member:a"}), limit=10)
    visitor = Connection(WORKSPACE, frozenset({"contact:c"}), limit=10)
    elsewhere = Connection(uuid.uuid4(), frozenset({"all"}), limit=10)
    for connection in (manager, agent, visitor, elsewhere):
        await hub.register(connection)
    # The agent meets the audience twice (team and assignee): one copy.
    await _publish(hub, ["all", "team:t", "member:a"], "e1")
    assert (_drain(manager), _drain(agent), _drain(visitor), _drain(elsewhere)) == (
        ["e1"],
        ["e1"],
        [],
        [],
    )


async def test_excluded_keys_win_over_the_audience() -> None:
    hub = await _hub()
    outsider = Connection(WORKSPACE, frozenset({"noteam"}), limit=10)
    member = Connection(WORKSPACE, frozenset({"noteam", "team:t"}), limit=10)
    await hub.register(outsider)
    await hub.register(member)
    await _publish(hub, ["noteam"], "removed", exclude=("team:t",))
    assert (_drain(outsider), _drain(member)) == (["removed"], [])


async def test_rekey_moves_a_connection_between_audiences() -> None:
    hub = await _hub()
    agent = Connection(WORKSPACE, frozenset({"noteam"}), limit=10)
    await hub.register(agent)
    hub.rekey(agent, frozenset({"noteam", "team:t"}))
    await _publish(hub, ["team:t"], "joined")
    hub.rekey(agent, frozenset({"noteam"}))
    await _publish(hub, ["team:t"], "left")
    assert _drain(agent) == ["joined"]


async def test_a_full_queue_asks_for_a_resync_instead_of_growing() -> None:
    hub = await _hub()
    slow = Connection(WORKSPACE, frozenset({"all"}), limit=3)
    await hub.register(slow)
    for n in range(10):
        await _publish(hub, ["all"], f"e{n}")
    assert slow.must_resync
    assert _drain(slow) == ["e0", "e1", "e2"]


async def test_unregistering_the_last_socket_unsubscribes_the_workspace() -> None:
    hub = await _hub()
    connection = Connection(WORKSPACE, frozenset({"all"}), limit=3)
    await hub.register(connection)
    await hub.unregister(connection)
    await _publish(hub, ["all"], "nobody hears this")
    assert _drain(connection) == []
    assert hub.connection_count == 0
