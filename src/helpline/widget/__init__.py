"""The chat widget: its script files, its public appearance settings and the install snippet."""
