"""Website visitors: widget sessions, their tokens, identity verification, the allowed origins."""
