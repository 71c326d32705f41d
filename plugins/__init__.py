"""Built-in plugins: site adapters (engines), keyword rules, scoring rules and alert channels.

Each module is a pluggy plugin registered through the same hooks an outside package uses.
"""
