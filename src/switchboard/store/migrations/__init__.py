"""Alembic migrations of the store, run by `Store.open` (see `switchboard.store.migrate`).

A package only so that the migration scripts are installed with Switchboard and
type-checked with the rest of the code.
"""
