#!/usr/bin/env bash
# Run codex-guard's test suite. Sets up everything the tests need on a fresh machine:
# a development virtual environment (.venv, with the package editable plus test tools) and the
# real agent clients the end-to-end tests drive (npm ci: @openai/codex, @anthropic-ai/claude-code).
#
#   ./scripts/test.sh            # everything
#   ./scripts/test.sh -m 'not e2e'   # extra arguments go to pytest
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
python="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet -e '.[dev]' 2>&1 | grep -v '^WARNING' || true
if [ ! -x node_modules/.bin/codex ] || [ ! -x node_modules/.bin/claude ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
exec .venv/bin/python -m pytest -q "$@"
