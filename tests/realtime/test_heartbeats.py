"""One task heartbeats every socket of the process and ends those past their lifetime
(sockets/heartbeats.py): each socket in the phase of its own opening. The end-to-end cases
(an idle socket hears its heartbeats, closes at its lifetime) are in test_socket_loop.py."""

import json
import uuid
from datetime import timedelta

from helpline.realtime.hub import Connection
from helpline.settings import Settings
from helpline.sockets.heartbeats import Heartbeats


def _connection() -> Connection:
    return Connection(uuid.uuid4(), frozenset({"contact:x"}), limit=8, kind="widget")


def _heard(connection: Connection) -> list[str]:
    frames = []
    while (frame := connection.take()) is not None:
        frames.append(json.loads(frame)["type"])
    return frames


def test_each_socket_hears_its_heartbeat_in_its_own_phase_and_ends_after_its_lifetime(
    settings: Settings,
) -> None:
    beats = Heartbeats(
        settings.model_copy(
            update={
                "ws_heartbeat_interval": timedelta(seconds=10),
                "ws_max_lifetime": timedelta(seconds=35),
            }
        )
    )
    first, second = _connection(), _connection()
    beats.watch(first)
    beats.watch(second)
    opened = first.heartbeat_at - 10
    # The second opened 5 s after the first (and a few microseconds: the ticks below leave
    # it half a second).
    second.heartbeat_at += 5
    second.closes_at += 5

    beats.tick(opened + 9.9)
    assert (_heard(first), _heard(second)) == ([], [])
    beats.tick(opened + 10)
    assert (_heard(first), _heard(second)) == (["heartbeat"], [])
    beats.tick(opened + 15.5)
    assert (_heard(first), _heard(second)) == ([], ["heartbeat"])
    beats.tick(opened + 20.5)
    assert (_heard(first), _heard(second)) == (["heartbeat"], [])

    beats.tick(opened + 35)
    assert (first.expired, first.must_resync) == (True, True)
    assert not second.expired
    beats.tick(opened + 40.5)
    assert second.expired

    # A socket that closed is no longer looked at.
    third = _connection()
    beats.watch(third)
    beats.unwatch(third)
    beats.tick(third.closes_at)
    assert not third.expired


def test_ticks_are_frequent_enough_for_short_intervals(settings: Settings) -> None:
    short = settings.model_copy(
        update={
            "ws_heartbeat_interval": timedelta(milliseconds=200),
            "ws_max_lifetime": timedelta(milliseconds=500),
        }
    )
    assert Heartbeats(short).tick_s == 0.05
    assert Heartbeats(settings).tick_s == 1.0
