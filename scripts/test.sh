#!/usr/bin/env bash
# Installs what the tests need, then runs the whole suite. Extra arguments go to pytest.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test || exit 1
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
# lint and format check first: CI fails on either, as on a failing test
.venv/bin/ruff check . || exit 1
.venv/bin/ruff format --check . || exit 1
.venv/bin/python -m pytest -q -ra "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests: treating that as a failure" >&2
  exit 1
fi
exit "$rc"
