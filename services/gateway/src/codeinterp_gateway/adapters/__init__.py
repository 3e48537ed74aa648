"""Adapters of the gateway: one module per external system (SQLite, object store, catalog)."""
