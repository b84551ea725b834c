"""Helpline: a self-hostable, multi-tenant customer-support platform."""

__version__ = "0.1.0"
