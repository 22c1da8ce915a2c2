#!/usr/bin/env bash
# The whole suite: lint, strict typing (tests included), then pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
echo "== ruff"
$BIN/ruff check src tests bench
$BIN/ruff format --check src tests bench
echo "== mypy --strict"
$BIN/mypy
echo "== pytest"
# CI=true turns on the full Hypothesis budgets and makes PostgreSQL mandatory.
exec $BIN/pytest "$@"
