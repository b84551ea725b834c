"""Which language model a workspace's bot, agent assist and staff assistant use (docs/bot.md,
Model): the platform's default (HELPLINE_LLM_*), the workspace's own OpenAI-compatible
endpoint with its API key stored encrypted, or none (offline).

- `endpoint.py`: `LLMEndpoint`, what every client calls, and `LLMError`.
- `addresses.py`: the check that a workspace's endpoint is not an address inside our network.
- `models.py`, `repository.py`, `schemas.py`, `service.py`, `api.py`: the per-workspace choice,
  stored, validated, audited and served at `/api/v1/bot/model`.
"""
