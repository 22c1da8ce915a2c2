"""Tests of `switchboard.api` that need no running server (the e2e tests drive it)."""
