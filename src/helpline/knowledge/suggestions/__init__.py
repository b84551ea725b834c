"""Suggested FAQ entries: what agents answered in resolved conversations, for an admin to
approve into the knowledge base or dismiss (docs/knowledge.md, "Suggested entries")."""
