"""The tamper-evident audit log (hash-chained JSON Lines); see ``docs/audit.md``."""
