"""The staff assistant: an internal helper that answers a member's question with tools chosen
by the member's role (docs/dashboard.md, "Staff assistant").

- `tools.py`: the tools and `tools_for(role, ...)`, each bound to the caller's workspace by
  the server; the model only ever supplies validated, bounded arguments.
- `llm.py`: a chat-completions client with function calling (the workspace's model, llm/).
- `service.py`: `ask(question, tools, llm)`, the model's tool loop or, with no model, the
  deterministic answer from the same tools.
- `api.py`: POST /api/v1/assistant, for members of every role.
"""
