#!/usr/bin/env bash
# Installs what the tests need, then runs the whole suite twice: on SQLite, then on a throw-away
# PostgreSQL server (scripts/pg.sh; every database fixture gets its own database there, see
# tests/databases.py). Extra arguments go to both pytest runs. DM3_TEST_POSTGRES=0 skips the second pass.
# Each test runs where it means something, and every test runs in at least one pass:
# - the PostgreSQL pass runs only `db` tests (set at collection in tests/conftest.py: a test that uses a
#   database fixture, a browser test, or marked by hand); the others (pure functions, rubric, prompts,
#   layers, embeddings) run the same code on any engine, so the SQLite pass alone covers them;
# - the PostgreSQL pass leaves out the `llm` tests: they exercise the model server, and their database
#   work (the LLM call log) is the same code the other tests run on PostgreSQL;
# - it leaves out the `browser` tests too: they check what a browser does with the pages (htmx, the CSP,
#   no JavaScript, 360 px, console errors), which does not depend on the database engine; every route they
#   drive is requested on PostgreSQL by the route tests (tests/routes/test_access.py: every route x actor);
# - and the `demo` tests: the whole demo seeded as `make demo` seeds it (on SQLite, its default engine) and
#   the documents of its completed engagement read back; their queries run on PostgreSQL in the route,
#   report and rating tests;
# - `heavy` tests (the slowest few, see pyproject.toml) run once: a heavy `db` test in the PostgreSQL pass
#   only (schema fuzzing: PostgreSQL refuses NUL and 32-bit overflow where SQLite does not; the fault test:
#   concurrent writers and row locks, where SQLite serialises writes; the testers' flood test: rating runs
#   that flag sign-ups, on the production engine), the others (ONNX equality, demo vectors: no database) in
#   the SQLite pass only. With DM3_TEST_POSTGRES=0 the SQLite pass runs them all.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test || exit 1
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
# lint and format check first: CI fails on either, as on a failing test
.venv/bin/ruff check . || exit 1
.venv/bin/ruff format --check . || exit 1

# two workers (pytest-xdist), one test module per worker at a time (module fixtures: live servers, seeded
# engagements, are made once), handed out in the order tests/conftest.py gives them (the long ones first:
# xdist's own order, by number of tests, left a long one-test module for last); DM3_TEST_WORKERS=0 runs in
# one process
workers="${DM3_TEST_WORKERS:-2}"
run_pytest() {
  .venv/bin/python -m pytest -q -ra -n "$workers" --dist loadscope --no-loadscope-reorder "$@"
  local rc=$?
  if [ "$rc" -eq 5 ]; then
    echo "pytest collected no tests: treating that as a failure" >&2
    return 1
  fi
  return "$rc"
}

postgres="${DM3_TEST_POSTGRES:-1}"
echo "==> pass 1: SQLite"
if [ "$postgres" != "0" ]; then
  # everything but the heavy database tests that pass 2 runs (an llm one among them would stay here)
  run_pytest -m "not (heavy and db and not llm)" "$@"
else
  run_pytest "$@"
fi
rc=$?

if [ "$postgres" != "0" ]; then
  pgdir="$(mktemp -d /tmp/dm3-pg.XXXXXX)"
  trap 'scripts/pg.sh stop "$pgdir"; rm -rf "$pgdir"' EXIT
  echo "==> pass 2: PostgreSQL"
  if url="$(scripts/pg.sh start "$pgdir")"; then
    DM3_TEST_DATABASE_URL="$url" run_pytest -m "db and not llm and not browser and not demo" "$@"
    rc2=$?
  else
    echo "could not start PostgreSQL for the second pass" >&2
    rc2=1
  fi
  [ "$rc" -eq 0 ] && rc=$rc2
fi
exit "$rc"
