"""Tests of `switchboard.store`, each against SQLite and PostgreSQL."""
