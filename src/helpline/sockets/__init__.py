"""The WebSocket endpoints, /ws/agent and /ws/widget: adapters like the REST routers.

They sit beside `api.py` rather than in helpline.realtime because they authenticate and call
domain services, which infrastructure must not import (STYLE 7.3; docs/realtime.md).
"""
