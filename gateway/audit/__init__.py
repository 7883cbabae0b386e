"""The audit trail's store: append-only, a hash chain anchored by a keyed MAC, on SQLite or PostgreSQL.

Open it with `gateway.audit.open_trail.open_audit_trail(settings.audit)`. This package's `__init__` imports
nothing on purpose: `gateway.settings` imports `gateway.audit.settings`, and the store modules import
`gateway.settings` (for `ConfigError`), so an eager import here would be circular.
"""
