"""Importing a knowledge base: markdown files (a folder or a zip), a CSV of FAQ entries, HTML
pages (docs/knowledge.md, "Imports").

Reading is pure (`parse`: bytes in, a `Plan` out, nothing touched); `apply` carries a plan
out through the knowledge service, in the caller's unit of work, all or nothing."""
