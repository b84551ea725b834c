"""Real time: brokers between processes, the per-process hub, and publishing after commit.

Infrastructure: imports no domain. Domains publish through `publish.publish_on_commit`; the
socket endpoints live in helpline.sockets, beside the REST adapters (see docs/realtime.md).
"""
