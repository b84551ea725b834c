"""The WebSocket routes; included with the REST routers in helpline.api."""

from fastapi import APIRouter

from helpline.sockets.agent import agent_socket
from helpline.sockets.widget import widget_socket

router = APIRouter()
router.add_api_websocket_route("/ws/agent", agent_socket)
router.add_api_websocket_route("/ws/widget", widget_socket)
